from debugllm.prompt import STOP_SEQUENCES, build_prompt, max_tokens_for


def test_the_prompt_is_exactly_the_adapters_training_format() -> None:
    code = "def add(a, b):\n    return a - b"
    assert build_prompt(code) == (
        "\nInstruction:\nFix the bug in the following Python code and explain the issue.\n\n"
        "Input:\ndef add(a, b):\n    return a - b\n\nResponse:\n"
    )


def test_braces_in_code_are_kept_verbatim() -> None:
    assert "{x: 1}" in build_prompt("d = {x: 1}")


def test_stop_sequences_cut_the_next_example() -> None:
    assert "\nInstruction:" in STOP_SEQUENCES and "<|endoftext|>" in STOP_SEQUENCES


def test_max_tokens_grows_with_the_input_within_bounds() -> None:
    assert max_tokens_for("x") == 64
    assert max_tokens_for("x" * 3000) == 1064
    assert max_tokens_for("x" * 100_000) == 2048
