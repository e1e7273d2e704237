"""``python -m debugllm.lsp``: the language server over stdio, as ``debugllm-lsp`` starts it."""

from debugllm.lsp.bootstrap import main

main()
