# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml tools/llama_wheel.py | sha256sum | cut -c1-12)

.PHONY: install demo test bench clean vsix

$(STAMP): pyproject.toml tools/llama_wheel.py
	@# bubblewrap is the sandbox's second isolation path (the first, unshare, is in util-linux).
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; } ; } || \
	  echo "note: bubblewrap not installed; the sandbox will use unshare only"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip wheel setuptools
	$(BIN)/python tools/llama_wheel.py
	$(BIN)/python -m pip install -q -e '.[dev,train,ray]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

demo: install
	$(BIN)/dcode models pull gemma-3-270m
	$(BIN)/dcode solve examples/solve-largest.py --samples 16 --seed 2

test: install
	$(BIN)/python -m pytest -q tests

# The VS Code extension, as vscode-extension/dcode.vsix (needs Node 20 and npm).
vsix:
	cd vscode-extension && npm ci --no-audit --no-fund && npm run lint && npm run typecheck && npm test && \
	  npm run build && npm run package

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
