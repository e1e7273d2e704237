"""Before vLLM starts: will the adapter actually apply to the base model it is served with?

vLLM's Phi-3 has fused ``qkv_proj`` and ``gate_up_proj`` layers. LoRA weights saved for the
unfused names (``q_proj``/``k_proj``/``v_proj``, ``gate_proj``/``up_proj``) are skipped with
only a log line, and the "fine-tuned" model then answers exactly like the base model (vLLM
issues #34186, #55193). The published adapter targets o/q/k/v_proj, so only ``o_proj`` applies.
Preflight reads ``adapter_config.json`` (a local folder or the Hugging Face cache) and says so.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from debugllm_inference.settings import ServeSettings

#: Module names vLLM's Phi-3 (``Phi3ForCausalLM``) can carry LoRA weights on.
PHI3_LORA_MODULES = frozenset({"qkv_proj", "o_proj", "gate_up_proj", "down_proj"})
#: Unfused names and the fused vLLM module they belong to.
UNFUSED = {
    "q_proj": "qkv_proj",
    "k_proj": "qkv_proj",
    "v_proj": "qkv_proj",
    "gate_proj": "gate_up_proj",
    "up_proj": "gate_up_proj",
}

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    level: Level
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"


def hf_hub_cache(environ: dict[str, str] | None = None) -> Path:
    """Where huggingface_hub keeps downloads (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/...)."""
    env = dict(os.environ) if environ is None else environ
    if env.get("HF_HUB_CACHE"):
        return Path(env["HF_HUB_CACHE"])
    if env.get("HF_HOME"):
        return Path(env["HF_HOME"]) / "hub"
    return Path.home() / ".cache" / "huggingface" / "hub"


def find_adapter_config(adapter: str, cache: Path | None = None) -> Path | None:
    """``adapter_config.json`` of a local folder, or of a hub id's snapshot in the cache."""
    local = Path(adapter).expanduser()
    if local.is_dir():
        candidate = local / "adapter_config.json"
        return candidate if candidate.is_file() else None
    if adapter.count("/") != 1:
        return None
    cache = cache or hf_hub_cache()
    repo_dir = cache / ("models--" + adapter.replace("/", "--"))
    snapshots = repo_dir / "snapshots"
    ref = repo_dir / "refs" / "main"
    if ref.is_file():
        pinned = snapshots / ref.read_text().strip() / "adapter_config.json"
        if pinned.is_file():
            return pinned
    found = sorted(
        snapshots.glob("*/adapter_config.json"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    return found[0] if found else None


def _norm(model: str) -> str:
    return model.rstrip("/").lower()


def check_adapter_config(config: dict[str, Any], settings: ServeSettings) -> list[Finding]:
    findings: list[Finding] = []
    remedy = (
        "remedy: `debugllm-serve merge --out DIR` on the GPU host, then serve the merged weights "
        "with `debugllm-serve run --merged-model DIR` (no LoRA at serve time)"
    )
    targets = config.get("target_modules")
    if isinstance(targets, str):
        findings.append(
            Finding(
                "warning",
                f"target_modules is a pattern ({targets!r}); cannot tell which layers vLLM will "
                "apply it to: run `debugllm-serve check` after start",
            )
        )
    elif isinstance(targets, list):
        names = [str(t) for t in targets]
        unfused = sorted(n for n in names if n in UNFUSED)
        applied = sorted(n for n in names if n in PHI3_LORA_MODULES)
        unknown = sorted(n for n in names if n not in UNFUSED and n not in PHI3_LORA_MODULES)
        if unfused:
            fused = sorted({UNFUSED[n] for n in unfused})
            findings.append(
                Finding(
                    "warning",
                    f"the adapter targets {', '.join(unfused)}, but vLLM's Phi-3 fuses them into "
                    f"{', '.join(fused)}: those LoRA weights will NOT apply "
                    f"(only {', '.join(applied) or 'nothing'} will), so the served adapter may "
                    f"answer like the base model; {remedy}",
                )
            )
        if unknown:
            findings.append(
                Finding("warning", f"target modules unknown to vLLM's Phi-3: {', '.join(unknown)}")
            )
        if not applied and not unfused:
            findings.append(Finding("error", "the adapter has no target module vLLM can apply"))
    else:
        findings.append(Finding("warning", "adapter_config.json has no target_modules"))
    base = config.get("base_model_name_or_path")
    if isinstance(base, str) and base and _norm(base) != _norm(settings.base_model):
        findings.append(
            Finding(
                "warning",
                f"the adapter was trained on {base!r} but the base model is "
                f"{settings.base_model!r}: its weights may not fit or may mean something else",
            )
        )
    rank = config.get("r")
    if isinstance(rank, int) and rank > settings.max_lora_rank:
        findings.append(
            Finding(
                "error",
                f"adapter rank r={rank} exceeds --max-lora-rank {settings.max_lora_rank}: vLLM "
                "refuses to load it (raise DEBUGLLM_SERVE_MAX_LORA_RANK)",
            )
        )
    if config.get("modules_to_save"):
        findings.append(
            Finding(
                "warning",
                f"modules_to_save={config['modules_to_save']!r}: vLLM ignores fully trained "
                f"modules; {remedy}",
            )
        )
    return findings


def preflight(settings: ServeSettings, cache: Path | None = None) -> list[Finding]:
    """Every finding about the adapter; an empty list means nothing to say."""
    if settings.merged_model is not None:
        merged = Path(settings.merged_model).expanduser()
        if merged.is_dir() and not (merged / "config.json").is_file():
            return [Finding("error", f"{merged} has no config.json: not a merged model folder")]
        return [Finding("info", f"serving merged weights {settings.merged_model}: no LoRA")]
    path = find_adapter_config(settings.adapter, cache)
    if path is None:
        local = Path(settings.adapter).expanduser()
        if local.is_dir():
            return [Finding("error", f"{local} has no adapter_config.json")]
        return [
            Finding(
                "warning",
                f"adapter_config.json of {settings.adapter!r} is not in the Hugging Face cache "
                f"({cache or hf_hub_cache()}); vLLM will download it, unchecked. To check first: "
                f"`huggingface-cli download {settings.adapter}` and rerun",
            )
        ]
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [Finding("error", f"cannot read {path}: {exc}")]
    if not isinstance(config, dict):
        return [Finding("error", f"{path} is not a JSON object")]
    findings = [Finding("info", f"read {path}")]
    return findings + check_adapter_config(config, settings)
