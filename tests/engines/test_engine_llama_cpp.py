"""The llama_cpp backend with the real tiny.gguf through llama-cpp-python (noise output, real plumbing)."""
from pathlib import Path

import pytest

from dcode.config import Settings
from dcode.engines import Cancel, FimFormat, Message, Sampling, load_engine
from dcode.engines.llama_cpp import LlamaCppEngine, plain_transcript
from dcode.errors import BadInput


@pytest.fixture(scope="module")
def engine(tiny_gguf):
    return LlamaCppEngine(tiny_gguf, name="tiny", context_length=512, threads=1,
                          fim=FimFormat("<PRE> ", " <SUF>", " <MID>"))


def test_stream_delivers_exactly_the_text(engine):
    pieces: list[tuple[int, str]] = []
    [c] = engine.complete("def add(a, b):", Sampling(max_tokens=12, seed=1), on_token=lambda i, t: pieces.append((i, t)))
    assert "".join(t for _, t in pieces) == c.text
    assert {i for i, _ in pieces} == {0}
    assert c.finish_reason == "length" and c.completion_tokens == 12
    assert c.prompt_tokens == engine.count_tokens("def add(a, b):") + 1  # + BOS
    assert 0 < c.time_to_first_token_s <= c.total_s


def test_n_samples_are_distinct_and_indexed(engine):
    seen: set[int] = set()
    samples = engine.complete("x =", Sampling(n=3, max_tokens=8, seed=5), on_token=lambda i, t: seen.add(i))
    assert len(samples) == 3 and seen == {0, 1, 2}
    assert len({c.text for c in samples}) == 3
    assert all(c.completion_tokens == 8 for c in samples)


def test_seed_repeats_and_differs(engine):
    first = engine.complete("import", Sampling(n=2, max_tokens=10, seed=42))
    again = engine.complete("import", Sampling(n=2, max_tokens=10, seed=42))
    other = engine.complete("import", Sampling(n=2, max_tokens=10, seed=43))
    assert [c.text for c in first] == [c.text for c in again]
    assert [c.text for c in first] != [c.text for c in other]


def test_greedy_is_deterministic_without_seed(engine):
    a = engine.complete("class", Sampling(max_tokens=10, temperature=0.0))
    b = engine.complete("class", Sampling(max_tokens=10, temperature=0.0))
    assert a[0].text == b[0].text


def test_stop_string_ends_generation_and_is_not_streamed(engine):
    [full] = engine.complete("while", Sampling(max_tokens=30, seed=7))
    stop = full.text[len(full.text) // 2: len(full.text) // 2 + 3]
    assert stop.strip(), full.text
    pieces: list[str] = []
    [c] = engine.complete("while", Sampling(max_tokens=30, seed=7, stop=(stop,)), on_token=lambda i, t: pieces.append(t))
    assert c.finish_reason == "stop"
    assert c.text == full.text[:full.text.index(stop)]
    assert "".join(pieces) == c.text
    assert c.completion_tokens < full.completion_tokens


def test_cancel_from_on_token_stops_within_one_token(engine):
    cancel = Cancel()
    count = 0

    def on_token(i: int, text: str) -> None:
        nonlocal count
        count += 1
        if count == 3:
            cancel.set()

    [c] = engine.complete("def", Sampling(max_tokens=200, seed=3), cancel=cancel, on_token=on_token)
    assert c.finish_reason == "cancelled"
    assert c.completion_tokens <= 4


def test_cancel_before_start_generates_nothing(engine):
    cancel = Cancel()
    cancel.set()
    samples = engine.complete("def", Sampling(n=2, max_tokens=50), cancel=cancel)
    assert [c.finish_reason for c in samples] == ["cancelled", "cancelled"]
    assert all(c.completion_tokens == 0 for c in samples)


def test_fill_in_the_middle_renders_psm_and_generates(engine):
    assert engine.fim.render("def f():\n", "\n    return x") == "<PRE> def f():\n <SUF>\n    return x <MID>"
    [c] = engine.fill("def f():\n", "\n    return x", Sampling(max_tokens=6, seed=1))
    direct = engine.complete(engine.fim.render("def f():\n", "\n    return x"), Sampling(max_tokens=6, seed=1))
    assert c.text == direct[0].text and c.completion_tokens == 6
    assert engine.info.supports_fim


def test_fill_without_fim_tokens_is_bad_input(tiny_gguf):
    plain = LlamaCppEngine(tiny_gguf, context_length=256, threads=1)
    assert not plain.info.supports_fim
    with pytest.raises(BadInput, match="no fill-in-the-middle tokens"):
        plain.fill("a", "b")
    plain.close()


def test_chat_without_template_falls_back_to_plain_text(engine):
    assert not engine.info.has_chat_template
    messages = [Message("system", "Be brief."), Message("user", "Write add().")]
    assert engine.render_chat(messages) == (plain_transcript(messages), ())
    [c] = engine.chat(messages, Sampling(max_tokens=5, seed=2))
    [d] = engine.complete("Be brief.\n\nWrite add().\n\n", Sampling(max_tokens=5, seed=2))
    assert c.text == d.text


def test_chat_uses_the_gguf_template_when_present(tiny_gguf):
    engine = LlamaCppEngine(tiny_gguf, context_length=256, threads=1)
    engine._template = ("{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{{ eos_token }}"
                        "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}")
    prompt, stops = engine.render_chat([Message("user", "hi")])
    assert prompt == "<s><|user|>hi</s><|assistant|>" and stops == ("</s>",)
    [c] = engine.chat([Message("user", "hi")], Sampling(max_tokens=4, seed=1))
    assert c.prompt_tokens == len(engine._tokenize(prompt))  # the template's BOS is not doubled
    engine._template = "{{ raise_exception('only user turns') }}"
    with pytest.raises(BadInput, match="only user turns"):
        engine.render_chat([Message("user", "hi")])
    engine.close()


def test_prompt_longer_than_context_is_bad_input(tiny_gguf):
    small = LlamaCppEngine(tiny_gguf, context_length=32, threads=1)
    with pytest.raises(BadInput, match="context holds 32"):
        small.complete("word " * 100)
    [c] = small.complete("word " * 20, Sampling(max_tokens=100))  # the budget shrinks to fit the context
    assert c.prompt_tokens + c.completion_tokens <= 32
    small.close()


def test_corrupt_and_missing_files_are_bad_input(tmp_path):
    fake = tmp_path / "model.gguf"
    fake.write_text("this is not a model\n" * 10)
    with pytest.raises(BadInput, match="not a GGUF model file"):
        LlamaCppEngine(fake)
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(b"GGUF\x03\x00\x00\x00" + b"\x05" + b"\x00" * 7 + b"\x02" + b"\x00" * 7 + b"junk")
    with pytest.raises(BadInput, match="could not load"):
        LlamaCppEngine(truncated)
    with pytest.raises(BadInput, match="no such model file"):
        LlamaCppEngine(tmp_path / "absent.gguf")


def test_load_engine_caches_per_file_context_and_threads(tiny_gguf, tmp_path):
    settings = Settings(model=str(tiny_gguf), context_length=256, threads=1, home=str(tmp_path))
    first = load_engine(settings)
    assert load_engine(settings) is first
    assert load_engine(Settings(model=str(tiny_gguf), context_length=128, threads=1, home=str(tmp_path))) is not first
    first.close()
    assert load_engine(settings) is not first


def test_load_engine_by_registry_name_installs_from_the_package(tmp_path):
    engine = load_engine(Settings(model="tinycoder", context_length=256, threads=1, home=str(tmp_path)))
    assert engine.info.model == "tinycoder" and engine.info.backend == "llama_cpp"
    assert Path(engine.info.path) == tmp_path / "models" / "tinycoder" / "tiny.gguf"
    engine.close()


def test_load_engine_bad_names(tmp_path):
    with pytest.raises(BadInput, match="unknown model 'nonsense'"):
        load_engine(Settings(model="nonsense", home=str(tmp_path)))
    with pytest.raises(BadInput, match="not installed; run `dcode models pull deepcoder-14b`"):
        load_engine(Settings(model="deepcoder-14b", home=str(tmp_path)))
    with pytest.raises(BadInput, match="no such model file"):
        load_engine(Settings(model=str(tmp_path / "nope.gguf"), home=str(tmp_path)))


def test_sampling_for_reads_the_settings():
    from dcode.engines import sampling_for

    s = sampling_for(Settings(temperature=0.2, top_p=0.9, max_tokens=77, seed=-1), n=4)
    assert (s.n, s.temperature, s.top_p, s.max_tokens, s.seed) == (4, 0.2, 0.9, 77, None)
    assert sampling_for(Settings(seed=5), max_tokens=3).seed == 5


def test_prompt_that_opens_think_gives_text_with_the_tag(engine):
    [c] = engine.complete("Question?<think>\n", Sampling(max_tokens=5, seed=1))
    assert c.text.startswith("<think>\n") and c.reasoning == c.text.removeprefix("<think>\n").strip()


def test_registry_template_serves_files_without_one(tiny_gguf):
    from dataclasses import replace

    from dcode.models.registry import get_model

    spec = replace(get_model("tinycoder"), chat_template="{% for m in messages %}[{{ m.content }}]{% endfor %}>")
    engine = LlamaCppEngine(tiny_gguf, context_length=128, threads=1, spec=spec)
    assert engine.info.has_chat_template
    assert engine.render_chat([Message("user", "hi")])[0] == "[hi]>"
    engine.close()
    engine.close()  # closing twice is harmless
    with pytest.raises(RuntimeError, match="was closed"):
        engine.complete("x")


def test_fim_tokens_from_gguf_metadata(engine):
    # tiny.gguf has no FIM tokens; the reader must accept both key spellings llama.cpp has used.
    assert engine._fim_from_metadata({}) is None
    new = engine._fim_from_metadata({"tokenizer.ggml.fim_pre_token_id": "1", "tokenizer.ggml.fim_suf_token_id": "2",
                                     "tokenizer.ggml.fim_mid_token_id": "0"})
    old = engine._fim_from_metadata({"tokenizer.ggml.prefix_token_id": "1", "tokenizer.ggml.suffix_token_id": "2",
                                     "tokenizer.ggml.middle_token_id": "0"})
    assert new == old == FimFormat("<s>", "</s>", "<unk>")


def test_an_urgent_fill_runs_between_the_samples_of_a_long_batch(engine):
    """An inline suggestion issued during an 8-sample complete() returns before the batch ends."""
    import threading

    started = threading.Event()
    finished_samples: list[int] = []
    batch_done = threading.Event()

    def on_token(index: int, text: str) -> None:
        started.set()

    def batch() -> None:
        for c in engine.complete("def f(x):", Sampling(n=8, max_tokens=48, seed=3), on_token=on_token):
            finished_samples.append(c.completion_tokens)
        batch_done.set()

    worker = threading.Thread(target=batch)
    worker.start()
    assert started.wait(60)
    [suggestion] = engine.fill("def add(a, b):\n    return ", "\n", Sampling(max_tokens=4, seed=1))
    assert not batch_done.is_set()  # the fill did not wait for the other seven samples
    worker.join(120)
    assert batch_done.is_set() and len(finished_samples) == 8
    assert suggestion.finish_reason in ("length", "stop")


def test_a_model_load_reports_its_phases_and_a_cached_one_nothing(tiny_gguf):
    notes = []
    settings = Settings(model=str(tiny_gguf), context_length=320, threads=1)  # a context no other test loads
    engine = load_engine(settings, on_progress=lambda p: notes.append(p.note))
    assert [n.split()[0] for n in notes] == ["loading", "loaded"] and "tiny" in notes[0]
    assert load_engine(settings, on_progress=lambda p: notes.append(p.note)) is engine and len(notes) == 2
    engine.close()


def test_a_load_leaves_stdout_and_stderr_alone(tiny_gguf):
    """What another thread writes while a model loads arrives: a language server answers on stdout meanwhile
    (llama-cpp-python's quiet load points descriptors 1 and 2 at /dev/null, which lost those replies)."""
    import subprocess
    import sys

    script = f"""
import os, threading
from dcode.engines.llama_cpp import LlamaCppEngine
done = threading.Event()
def write():
    i = 0
    while not done.is_set():
        os.write(1, b"%d\\n" % i); os.write(2, b"%d\\n" % i); i += 1
writer = threading.Thread(target=write); writer.start()
for _ in range(3):
    LlamaCppEngine({str(tiny_gguf)!r}, context_length=256, threads=1)
done.set(); writer.join()
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    for stream in (run.stdout, run.stderr):
        numbers = [int(x) for x in stream.split()]
        assert numbers and numbers == list(range(len(numbers)))  # every line, in order, nothing else
