"""dcode's language server: inline suggestions that have run against the docstring's examples, and code actions.

Start it with `dcode lsp` (stdio) or `python -m lsp`; any LSP client can use it
(docs/editors.md). It calls the library (dcode.loops, dcode.engines) and never runs code
outside the sandbox or writes a file: every change is an edit the client applies.
"""
