import pytest

from dcode.config import Settings, config_path, load_settings, load_settings_with_sources
from dcode.errors import BadInput


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("DCODE_CONFIG", str(path))
    return path


def test_defaults_when_nothing_is_set(config):
    settings, sources = load_settings_with_sources()
    assert settings == Settings()
    assert set(sources.values()) == {"default"}
    assert settings.model == "gemma-3-270m" and settings.engine == "llama_cpp"


def test_precedence_defaults_file_env_flags(config, monkeypatch):
    config.write_text('engine = "openai"\nthreads = 3\ntemperature = 0.2\nmodel = "tinycoder"\n')
    monkeypatch.setenv("DCODE_THREADS", "2")
    monkeypatch.setenv("DCODE_TEMPERATURE", "0.4")
    settings, sources = load_settings_with_sources({"temperature": 0.9, "model": None})
    assert settings.engine == "openai" and sources["engine"] == str(config)
    assert settings.threads == 2 and sources["threads"] == "DCODE_THREADS"
    assert settings.temperature == 0.9 and sources["temperature"] == "--temperature"
    assert settings.model == "tinycoder" and sources["model"] == str(config)  # a None flag is "not given"
    assert settings.top_p == 0.95 and sources["top_p"] == "default"


def test_home_and_models_dir(config, monkeypatch, tmp_path):
    monkeypatch.setenv("DCODE_HOME", str(tmp_path / "h"))
    settings = load_settings()
    assert settings.models_dir == tmp_path / "h" / "models"
    monkeypatch.delenv("DCODE_HOME")
    assert load_settings().models_dir.name == "models"


def test_config_path_default_is_the_user_config_dir(monkeypatch):
    monkeypatch.delenv("DCODE_CONFIG", raising=False)
    assert config_path().name == "config.toml" and "dcode" in str(config_path())


def test_empty_env_value_is_ignored(config, monkeypatch):
    monkeypatch.setenv("DCODE_MODEL", "")
    assert load_settings().model == "gemma-3-270m"


@pytest.mark.parametrize("body, env, message", [
    ("threads = [", {}, "not valid TOML"),
    ('colour = "red"', {}, "unknown setting 'colour'"),
    ('threads = "many"', {}, "must be int"),
    ("", {"DCODE_TOP_P": "high"}, "DCODE_TOP_P: setting 'top_p' must be float"),
    ('engine = "tensorflow"', {}, "unknown engine 'tensorflow'"),
    ("top_p = 1.5", {}, "top_p must be in"),
    ("", {"DCODE_MAX_TOKENS": "0"}, "max_tokens must be at least 1"),
    ('server_url = "localhost:8000"', {}, "server_url must start with http"),
])
def test_bad_settings_are_bad_input(config, monkeypatch, body, env, message):
    config.write_text(body)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(BadInput, match=message):
        load_settings()


def test_unknown_override_is_bad_input(config):
    with pytest.raises(BadInput, match="unknown setting 'colour'"):
        load_settings({"colour": "red"})
