"""The real default model (gemma-3-270m), pulled by `dcode models pull` as on a fresh machine."""
import pytest

from dcode.config import Settings
from dcode.engines import Sampling, load_engine

pytestmark = pytest.mark.slow


def test_default_model_loads_and_writes_real_code(gemma_home, gemma_gguf):
    engine = load_engine(Settings(home=str(gemma_home), context_length=512))
    assert engine.info.model == "gemma-3-270m" and engine.info.path == str(gemma_gguf)
    assert not engine.info.has_chat_template  # a base model: the loops prompt it with plain text
    [c] = engine.complete('def add(a, b):\n    """Return the sum of a and b."""\n',
                          Sampling(max_tokens=12, temperature=0.0, stop=("\ndef ",)))
    assert "return a + b" in c.text
    assert c.completion_tokens <= 12 and c.prompt_tokens > 10
