"""The extension's build: lint, type-check and node's unit tests pass, and the .vsix holds the bundle alone."""
from __future__ import annotations

import json
import re
import zipfile


def test_the_unit_tests_pass_and_none_is_skipped(vsix_build):
    _, output = vsix_build
    counts = {k: int(v) for k, v in re.findall(r"ℹ (tests|pass|fail|skipped|todo) (\d+)", output)}
    assert counts["tests"] >= 40 and counts["pass"] == counts["tests"], counts
    assert counts.get("fail", 0) == counts.get("skipped", 0) == counts.get("todo", 0) == 0, counts


def test_the_vsix_holds_the_bundle_and_the_manifest_but_no_node_modules(vsix):
    with zipfile.ZipFile(vsix) as z:
        names = z.namelist()
        manifest = json.loads(z.read("extension/package.json"))
    assert "extension/dist/extension.js" in names
    assert not any("node_modules" in n or n.endswith(".ts") for n in names), names
    commands = {c["command"] for c in manifest["contributes"]["commands"]}
    assert {"dcode.solveProblemFile", "dcode.fixWithTests", "dcode.generateTestFile", "dcode.toggleInlineSuggestions",
            "dcode.showLog", "dcode.restartServer"} <= commands
    # The server's own commands are registered by the language client; the extension must not claim them.
    assert not commands & {"dcode.solve", "dcode.fix", "dcode.generateTests", "dcode.suggestionAccepted"}
    settings = manifest["contributes"]["configuration"]["properties"]
    assert all(p.get("description") or p.get("markdownDescription") for p in settings.values())
