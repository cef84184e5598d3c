"""vLLM in process: runs only where a CUDA GPU, vllm and a local model exist; elsewhere it must fail cleanly."""
import os

import pytest

from dcode.config import Settings
from dcode.engines import Sampling, load_engine
from dcode.engines.vllm import VllmEngine, vllm_available
from dcode.errors import BadInput

REASON = vllm_available()
MODEL = os.environ.get("DCODE_VLLM_MODEL", "")  # read at import: the session fixture clears DCODE_* later


@pytest.mark.skipif(REASON is None, reason="vLLM can run here; the no-GPU path is not reachable")
def test_without_gpu_or_vllm_the_engine_is_bad_input_not_a_crash():
    with pytest.raises(BadInput, match="the vllm engine cannot run here"):
        VllmEngine("agentica-org/DeepCoder-1.5B-Preview")
    with pytest.raises(BadInput, match="cannot run here"):
        load_engine(Settings(engine="vllm", model="deepcoder-1.5b"))


def test_registry_models_without_safetensors_are_refused():
    with pytest.raises(BadInput, match="no safetensors repo for vLLM"):
        load_engine(Settings(engine="vllm", model="tinycoder"))


@pytest.mark.slow
@pytest.mark.skipif(REASON is not None or not MODEL,
                    reason=f"vLLM needs a CUDA GPU and the vllm package ({REASON})" if REASON else
                    "set DCODE_VLLM_MODEL to a local or cached Hugging Face model for the vLLM test")
def test_vllm_samples_n_in_one_request():
    engine = VllmEngine(MODEL, context_length=2048)
    samples = engine.complete("def fib(n):", Sampling(n=4, max_tokens=32, temperature=0.8, seed=0))
    assert len(samples) == 4 and all(c.completion_tokens > 0 for c in samples)
    again = engine.complete("def fib(n):", Sampling(n=4, max_tokens=32, temperature=0.8, seed=0))
    assert [c.text for c in samples] == [c.text for c in again]
    engine.close()
