"""Merge the LoRA into the base weights (peft ``merge_and_unload``), on the GPU host.

The merged folder is an ordinary model: vLLM serves it with no LoRA machinery, so nothing is
skipped (vLLM maps only fused qkv_proj/gate_up_proj LoRA weights for Phi-3) and the 10-50%
LoRA throughput cost disappears. torch/transformers/peft come with the ``gpu`` extra and are
imported only when ``merge`` runs.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from debugllm_inference.settings import ServeSettings

_DTYPES = {"auto": "auto", "bfloat16": "bfloat16", "float16": "float16", "float32": "float32"}


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise RuntimeError(
            f"`debugllm-serve merge` needs {module}: pip install 'debugllm[gpu]' on the GPU host"
        ) from exc


def merge(settings: ServeSettings, out: Path, device_map: str = "auto") -> Path:
    """Write base + adapter, merged, to ``out`` (weights, config, tokenizer); returns ``out``."""
    torch = _require("torch")
    transformers = _require("transformers")
    peft = _require("peft")
    dtype_name = _DTYPES[settings.dtype]
    dtype = dtype_name if dtype_name == "auto" else getattr(torch, dtype_name)
    base = transformers.AutoModelForCausalLM.from_pretrained(
        settings.base_model, torch_dtype=dtype, device_map=device_map
    )
    model = peft.PeftModel.from_pretrained(base, settings.adapter)
    merged = model.merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(str(out), safe_serialization=True)
    tokenizer = transformers.AutoTokenizer.from_pretrained(settings.base_model)
    tokenizer.save_pretrained(str(out))
    return out
