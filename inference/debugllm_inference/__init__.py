"""GPU-host tooling: serve Phi-3-mini + the DebugLLM LoRA on vLLM, check it, load-test it."""
