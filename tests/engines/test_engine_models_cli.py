"""`dcode models …` and `dcode config` through the real command line, in a throwaway DCODE_HOME."""
import json
import os
import subprocess
import sys

import pytest


def dcode(*args: str, home, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DCODE_HOME": str(home), **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "dcode.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dcode: error: "), result.stderr
    return lines[0]


def test_pull_path_list_rm_cycle(tmp_path):
    listed = json.loads(dcode("models", "list", "--json", home=tmp_path).stdout)
    tiny = next(m for m in listed if m["name"] == "tinycoder")
    assert tiny["installed"] is False and "llama_cpp" in tiny["backends"]

    pulled = dcode("models", "pull", "tinycoder", home=tmp_path)
    assert pulled.returncode == 0, pulled.stderr
    path = tmp_path / "models" / "tinycoder" / "tiny.gguf"
    assert pulled.stdout.strip() == str(path) and path.stat().st_size == 2_789_632

    assert dcode("models", "path", "tinycoder", home=tmp_path).stdout.strip() == str(path)
    listed = json.loads(dcode("models", "list", "--json", home=tmp_path).stdout)
    assert next(m for m in listed if m["name"] == "tinycoder")["installed"] is True
    table = dcode("models", "list", home=tmp_path, extra_env={"COLUMNS": "120"}).stdout
    assert "tinycoder" in table and "deepcoder-14b" in table

    removed = dcode("models", "rm", "tinycoder", home=tmp_path)
    assert removed.returncode == 0 and not path.exists()
    assert "not installed" in one_line_error(dcode("models", "rm", "tinycoder", home=tmp_path))
    assert "not installed; run `dcode models pull tinycoder`" in one_line_error(
        dcode("models", "path", "tinycoder", home=tmp_path))


@pytest.mark.parametrize("args", [("pull", "gpt-17"), ("path", "gpt-17"), ("rm", "gpt-17"), ("bench", "gpt-17")])
def test_unknown_model_is_exit_2_one_line(tmp_path, args):
    assert "unknown model 'gpt-17'" in one_line_error(dcode("models", *args, home=tmp_path))


def test_bench_reports_speeds_as_json(tmp_path, tiny_gguf):
    result = dcode("models", "bench", str(tiny_gguf), "--tokens", "16", "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["backend"] == "llama_cpp" and report["prompt_tokens"] > 10
    assert report["generated_tokens"] == 16
    assert report["load_s"] > 0 and report["generation_tokens_per_s"] > 0 and report["prompt_tokens_per_s"] > 0
    assert result.stderr == ""  # llama.cpp's own logging stays quiet


def test_corrupt_and_missing_gguf_are_exit_2_one_line(tmp_path):
    fake = tmp_path / "fake.gguf"
    fake.write_text("not a model")
    assert "not a GGUF model file" in one_line_error(dcode("models", "bench", str(fake), home=tmp_path))
    assert "no such model file" in one_line_error(dcode("models", "bench", str(tmp_path / "gone.gguf"), home=tmp_path))


def test_pull_without_a_gguf_source_or_network_fails_cleanly(tmp_path):
    # An HF model through a dead endpoint: one line, exit 2, nothing left behind as "installed".
    result = dcode("models", "pull", "qwen2.5-coder-0.5b", "--quiet", home=tmp_path,
                   extra_env={"HF_ENDPOINT": "http://127.0.0.1:9"})
    assert "download of" in one_line_error(result)
    assert not (tmp_path / "models" / "qwen2.5-coder-0.5b" / "Qwen2.5-Coder-0.5B.Q4_K_M.gguf").exists()


def test_config_shows_values_and_their_sources(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('model = "tinycoder"\nthreads = 2\n')
    result = dcode("config", "--json", home=tmp_path, extra_env={"DCODE_CONFIG": str(config), "DCODE_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["config_file"] == str(config)
    assert shown["settings"]["model"] == {"value": "tinycoder", "source": str(config)}
    assert shown["settings"]["threads"] == {"value": 1, "source": "DCODE_THREADS"}
    assert shown["settings"]["engine"]["source"] == "default"
    assert shown["settings"]["home"]["source"] == "DCODE_HOME"
    table = dcode("config", home=tmp_path, extra_env={"DCODE_CONFIG": str(config), "COLUMNS": "120"}).stdout
    assert "tinycoder" in table and str(config) in table
    assert dcode("config", "--path", home=tmp_path, extra_env={"DCODE_CONFIG": str(config)}).stdout.strip() == str(config)


def test_broken_config_is_exit_2_one_line(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("threads = [\n")
    assert "not valid TOML" in one_line_error(dcode("config", home=tmp_path, extra_env={"DCODE_CONFIG": str(config)}))
    config.write_text('colour = "blue"\n')
    assert "unknown setting 'colour'" in one_line_error(
        dcode("models", "list", home=tmp_path, extra_env={"DCODE_CONFIG": str(config)}))


def test_bench_never_installs_a_model_unasked(tmp_path):
    """`models bench tinycoder` used to install it silently; now it refuses, and --pull fetches and says so."""
    refused = dcode("models", "bench", "tinycoder", "--tokens", "4", "--json", home=tmp_path)
    line = one_line_error(refused)
    assert "not installed" in line and "--pull" in line and "dcode models pull tinycoder" in line
    assert refused.stdout == ""
    listed = json.loads(dcode("models", "list", "--json", home=tmp_path).stdout)
    assert next(m for m in listed if m["name"] == "tinycoder")["installed"] is False

    pulled = dcode("models", "bench", "tinycoder", "--tokens", "4", "--json", "--pull", home=tmp_path)
    assert pulled.returncode == 0, pulled.stderr
    assert json.loads(pulled.stdout)["generated_tokens"] == 4
    assert "not installed; pulling it first (--pull)" in pulled.stderr
    assert "installed tinycoder at" in pulled.stderr
    assert (tmp_path / "models" / "tinycoder" / "tiny.gguf").is_file()
    again = dcode("models", "bench", "tinycoder", "--tokens", "4", "--json", home=tmp_path)
    assert again.returncode == 0 and again.stderr == ""  # installed now: nothing to say
