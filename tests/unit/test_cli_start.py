"""The command line starts quickly: no LSP stack, no settings validation it does not need, and
JSON in exactly the shapes lsprotocol would have made."""

import json
import subprocess
import sys
from pathlib import Path

from debugllm.lsp import convert
from debugllm.lspjson import diagnostic_json, text_edits_json
from debugllm.pipeline import FixPipeline
from debugllm.problems import Problem, Severity
from debugllm.settings import Settings
from debugllm.text import Edit, LineIndex
from lsprotocol.converters import get_converter

HEAVY = ("lsprotocol", "pygls", "pydantic", "httpx", "tenacity", "langfuse", "debugllm.lsp")


def test_json_shapes_equal_lsprotocols() -> None:
    source = "import os\nx = '😀' + y\n"
    index = LineIndex(source)
    converter = get_converter()
    problems = [
        Problem("unused-import", "'os' imported but unused", 7, 9, Severity.WARNING),
        Problem("undefined-name", "undefined name 'y'", 22, 23),
        Problem("syntax-error", "expected ':'", len(source), len(source)),
    ]
    for problem in problems:
        for encoding in ("utf-8", "utf-16", "utf-32"):
            expected = converter.unstructure(convert.to_diagnostic(index, problem, encoding))
            assert json.dumps(diagnostic_json(index, problem, encoding)) == json.dumps(expected)
    edits = [Edit(20, 21, "z"), Edit(0, 10, "")]
    expected_edits = converter.unstructure(convert.to_text_edits(index, edits, "utf-16"))
    assert json.dumps(text_edits_json(index, edits, "utf-16")) == json.dumps(expected_edits)


def test_the_default_pipeline_is_the_default_settings_pipeline() -> None:
    by_settings = FixPipeline.for_settings(Settings(), None)
    default = FixPipeline()
    assert default.options == by_settings.options
    assert default.unsafe_fixes == by_settings.unsafe_fixes


def test_an_offline_run_loads_neither_the_lsp_stack_nor_the_http_stack(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("import os\n\ndef f(x)\n    return y\n")
    probe = (
        "import sys\n"
        "from debugllm.cli import main\n"
        f"main(['fix', '--offline', '--json', {str(path)!r}])\n"
        f"print(sorted({{'.'.join(m.split('.')[:2]) if m.startswith('debugllm.') else "
        f"m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    lines = done.stdout.splitlines()
    assert json.loads(lines[0])["fixes"], done.stdout  # it did the work
    assert lines[-1] == "[]"


#: What a clean file's offline text report does not need (tomllib: no pyproject.toml above it).
NOT_FOR_A_CLEAN_FILE = (
    "asyncio",
    "logging",
    "tempfile",
    "shutil",
    "hashlib",
    "difflib",
    "tomllib",
    "json",
    "debugllm.lspjson",
    "debugllm.textdiff",
    "debugllm.parallel",
    "debugllm.pipeline",
    "debugllm.verifier",
    "debugllm.analysis.syntax",
    "debugllm.analysis.versions",
    "debugllm.repair",
)


def test_a_clean_file_loads_no_event_loop_and_nothing_its_report_does_not_show(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clean.py"
    path.write_text("import os\n\nprint(os.sep)\n")
    probe = (
        "import sys\n"
        "from debugllm.cli import main\n"
        f"status = main(['fix', '--offline', {str(path)!r}])\n"
        "loaded = {'.'.join(m.split('.')[:3]) if m.startswith('debugllm.') else m.split('.')[0]"
        " for m in sys.modules}\n"
        f"print(status, sorted(loaded & {set(NOT_FOR_A_CLEAN_FILE)!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.stdout.splitlines() == [f"{path}: no problems found", "0 []"], done.stderr
