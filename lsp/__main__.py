"""`python -m lsp`: the language server over stdio (`dcode lsp` is the same, with --tcp for debugging)."""
from lsp.server import serve_stdio

serve_stdio()
