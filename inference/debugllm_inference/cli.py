"""``debugllm-serve``: start vLLM right, prove it is right, measure it, deploy it.

    debugllm-serve print                      the exact `vllm serve ...` line `run` executes
    debugllm-serve preflight                  will the adapter apply? (adapter_config.json)
    debugllm-serve run [--strict]             preflight, then exec vLLM (key via VLLM_API_KEY)
    debugllm-serve merge --out DIR            merge the LoRA into the base weights (GPU host)
    debugllm-serve check --url URL            live smoke test of a running endpoint
    debugllm-serve bench --url URL -n N -c C  load test with real bug-fix prompts
    debugllm-serve eval --url URL --dataset humanevalfix|quixbugs|debugbench
    debugllm-serve recipe systemd|nginx|modal|helm|kserve|compose|compose-nginx [--out DIR]

Serving settings come from flags or ``DEBUGLLM_SERVE_*`` variables (flags win). Client
commands read the API key from ``DEBUGLLM_API_KEY``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from debugllm_inference.command import (
    API_KEY_ENV,
    child_environment,
    command_line,
    vllm_argv,
)
from debugllm_inference.settings import ServeSettings, SettingsError, load_settings

_SETTING_FLAGS: tuple[tuple[str, type, str], ...] = (
    ("base_model", str, "base model (hub id or folder)"),
    ("adapter", str, "LoRA adapter (hub id or folder)"),
    ("adapter_name", str, "served name of the adapter"),
    ("base_name", str, "served name of the base model"),
    ("merged_model", str, "serve this merged model folder instead of base + LoRA"),
    ("max_lora_rank", int, "largest LoRA rank vLLM accepts"),
    ("max_loras", int, "LoRAs per batch"),
    ("max_model_len", int, "context length"),
    ("gpu_memory_utilization", float, "fraction of GPU memory vLLM may use"),
    ("host", str, "vLLM listen address"),
    ("port", int, "vLLM port"),
    ("dtype", str, "weights dtype"),
    ("extra_args", str, "further vllm serve arguments (one shell-quoted string)"),
    ("vllm_bin", str, "the vllm executable"),
)


def _add_settings(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("serving settings (or DEBUGLLM_SERVE_<NAME>)")
    for name, kind, help_text in _SETTING_FLAGS:
        group.add_argument("--" + name.replace("_", "-"), dest=name, type=kind, help=help_text)


def _settings(args: argparse.Namespace) -> ServeSettings:
    flags: dict[str, Any] = {name: getattr(args, name, None) for name, _, _ in _SETTING_FLAGS}
    return load_settings(flags)


def _add_client(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="server root or its /v1 URL")
    parser.add_argument("--model", default="debugllm", help="model name to send (the adapter)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="debugllm-serve", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    _add_settings(sub.add_parser("print", help="print the vllm serve command line"))
    _add_settings(sub.add_parser("preflight", help="check the adapter will apply"))
    run = sub.add_parser("run", help="preflight, then exec vllm serve")
    _add_settings(run)
    run.add_argument("--strict", action="store_true", help="refuse to start on any warning")
    merge = sub.add_parser("merge", help="merge the LoRA into the base weights (GPU host)")
    _add_settings(merge)
    merge.add_argument("--out", type=Path, required=True, help="folder for the merged model")

    check = sub.add_parser("check", help="live smoke test of a running endpoint")
    _add_client(check)
    check.add_argument("--base-model-name", default="phi3", help="served name of the base model")
    check.add_argument("--base-url", help="a separate base-model server (merged deployments)")
    check.add_argument("--max-ttft-ms", type=float, help="fail above this time to first token")
    check.add_argument("--max-latency-ms", type=float, help="fail above this total latency")

    bench = sub.add_parser("bench", help="load test with real bug-fix prompts")
    _add_client(bench)
    bench.add_argument("-n", "--requests", type=int, default=100)
    bench.add_argument("-c", "--concurrency", type=int, default=8)
    bench.add_argument("--rate", type=float, help="requests per second (Poisson arrivals)")
    bench.add_argument("--prompts", type=Path, help="folder of .py files or ../shared/bench")
    bench.add_argument("--gpu-hour-price", type=float, default=0.0, help="USD per GPU hour")
    bench.add_argument("--gpus", type=int, default=1, help="GPUs behind the URL")
    bench.add_argument("--no-stream", action="store_true", help="no SSE (no time to first token)")
    bench.add_argument("--seed", type=int, default=0)

    evaluate = sub.add_parser("eval", help="pass@1 on a bug-fix dataset")
    _add_client(evaluate)
    evaluate.add_argument(
        "--dataset", required=True, choices=("humanevalfix", "quixbugs", "debugbench")
    )
    evaluate.add_argument("--data", type=Path, help="the shared/bench folder")
    evaluate.add_argument("--limit", type=int, help="first N items only")
    evaluate.add_argument("-c", "--concurrency", type=int, default=4)
    evaluate.add_argument("--test-timeout", type=float, default=10.0, help="seconds per test run")
    evaluate.add_argument("--memory-mb", type=int, default=1024, help="memory limit per test run")

    recipe = sub.add_parser("recipe", help="render a deployment recipe")
    _add_settings(recipe)
    recipe.add_argument(
        "name",
        choices=("systemd", "nginx", "modal", "helm", "kserve", "compose", "compose-nginx", "all"),
    )
    recipe.add_argument("--out", type=Path, help="write files here instead of stdout")
    recipe.add_argument("--replicas", type=int, default=2)
    recipe.add_argument("--gpu", default="A10G", help="Modal GPU type (see SIZING.md)")
    recipe.add_argument("--server-name", default="debugllm.example.com")
    recipe.add_argument("--rate-per-second", type=int, default=5, help="per API key")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except SettingsError as exc:
        print(f"debugllm-serve: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    command: str = args.command
    if command == "print":
        print(command_line(_settings(args)))
        return 0
    if command == "preflight":
        return _preflight(_settings(args), strict=False)
    if command == "run":
        return _run(_settings(args), args.strict)
    if command == "merge":
        from debugllm_inference.merge import merge

        out = merge(_settings(args), args.out)
        print(
            f"merged model written to {out}; serve it with: debugllm-serve run --merged-model {out}"
        )
        return 0
    if command == "check":
        from debugllm_inference.check import run_check

        report = asyncio.run(
            run_check(
                args.url,
                adapter=args.model,
                base=args.base_model_name,
                timeout_s=args.timeout,
                max_ttft_ms=args.max_ttft_ms,
                max_latency_ms=args.max_latency_ms,
                base_url=args.base_url,
            )
        )
        print("check passed" if report.ok else "check FAILED")
        return 0 if report.ok else 1
    if command == "bench":
        from debugllm_inference.loadtest import BenchOptions, run_bench_cli

        return run_bench_cli(
            BenchOptions(
                url=args.url,
                model=args.model,
                requests=args.requests,
                concurrency=args.concurrency,
                rate=args.rate,
                prompts=args.prompts,
                gpu_hour_price=args.gpu_hour_price,
                gpus=args.gpus,
                stream=not args.no_stream,
                timeout_s=args.timeout,
                seed=args.seed,
            )
        )
    if command == "eval":
        from debugllm_inference.evaluate import EvalOptions, run_eval_cli

        return run_eval_cli(
            EvalOptions(
                url=args.url,
                model=args.model,
                dataset=args.dataset,
                data=args.data,
                limit=args.limit,
                concurrency=args.concurrency,
                timeout_s=args.timeout,
                test_timeout_s=args.test_timeout,
                memory_mb=args.memory_mb,
            )
        )
    if command == "recipe":
        return _recipe(args)
    raise AssertionError(command)


def _preflight(settings: ServeSettings, strict: bool) -> int:
    from debugllm_inference.preflight import preflight

    findings = preflight(settings)
    for finding in findings:
        print(f"preflight {finding}", file=sys.stderr)
    blocking = {"error", "warning"} if strict else {"error"}
    return 1 if any(f.level in blocking for f in findings) else 0


def _run(settings: ServeSettings, strict: bool) -> int:
    status = _preflight(settings, strict)
    if status:
        print("debugllm-serve: preflight failed, not starting vLLM", file=sys.stderr)
        return status
    env = child_environment()
    if not env.get(API_KEY_ENV):
        print(
            f"debugllm-serve: warning: no {API_KEY_ENV} (or DEBUGLLM_API_KEY): "
            "/v1 is unauthenticated",
            file=sys.stderr,
        )
    argv = vllm_argv(settings)
    print(f"debugllm-serve: exec {command_line(settings)}", file=sys.stderr)
    sys.stderr.flush()
    try:
        os.execvpe(argv[0], argv, env)
    except OSError as exc:
        print(
            f"debugllm-serve: cannot run {argv[0]!r}: {exc}. Install vLLM on the GPU host: "
            "pip install 'debugllm[gpu]'",
            file=sys.stderr,
        )
        return 127
    return 0  # not reached


def _recipe(args: argparse.Namespace) -> int:
    from debugllm_inference.recipes import FILENAMES, RECIPES, RecipeOptions, render

    settings = _settings(args)
    options = RecipeOptions(
        replicas=args.replicas,
        gpu=args.gpu,
        server_name=args.server_name,
        rate_per_second=args.rate_per_second,
    )
    names = RECIPES if args.name == "all" else (args.name,)
    if args.out is None and len(names) > 1:
        print("debugllm-serve: `recipe all` needs --out DIR", file=sys.stderr)
        return 2
    for name in names:
        text = render(name, settings, options)
        if args.out is None:
            sys.stdout.write(text)
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            path = args.out / FILENAMES[name]
            path.write_text(text, encoding="utf-8")
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
