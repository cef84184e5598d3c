"""The suggestion cache: exact hits, typed-through hits, and never a hit for different text."""
from __future__ import annotations

import time

import pytest

from lsp.cache import SuggestionCache

PREFIX = "def total(items):\n    result = 0\n    for item in items:\n        "
SUFFIX = "\n    return result\n"
SUGGESTION = "result += item.price * item.count"


def test_an_exact_hit():
    cache = SuggestionCache()
    cache.put(PREFIX, SUFFIX, SUGGESTION, "# header\n", document="file:///a.py")
    assert cache.get(PREFIX, SUFFIX, "# header\n", document="file:///a.py") == SUGGESTION
    assert cache.get(PREFIX, SUFFIX, "# header\n", document="file:///b.py") == SUGGESTION  # same text
    assert (cache.hits, cache.misses, cache.hit_rate) == (2, 0, 1.0)


def test_typing_the_start_of_a_suggestion_leaves_its_rest():
    cache = SuggestionCache()
    cache.put(PREFIX, SUFFIX, SUGGESTION, document="a")
    for typed in range(1, len(SUGGESTION)):
        assert cache.get(PREFIX + SUGGESTION[:typed], SUFFIX, document="a") == SUGGESTION[typed:]
    assert cache.hits == len(SUGGESTION) - 1 and cache.misses == 0


def test_typing_something_else_is_a_miss():
    cache = SuggestionCache()
    cache.put(PREFIX, SUFFIX, SUGGESTION, document="a")
    assert cache.get(PREFIX + "resultx", SUFFIX, document="a") is None
    assert cache.get(PREFIX + "x", SUFFIX, document="a") is None
    assert cache.get(PREFIX + SUGGESTION, SUFFIX, document="a") is None  # typed it all: nothing is left
    assert cache.get("# a different start\n" + PREFIX[len("# a different start\n"):] + "res", SUFFIX,
                     document="a") is None
    assert cache.misses == 4 and cache.hits == 0 and cache.hit_rate == 0.0


def test_a_changed_suffix_is_a_miss():
    cache = SuggestionCache()
    cache.put(PREFIX, SUFFIX, SUGGESTION, "# h\n", document="a")
    assert cache.get(PREFIX, SUFFIX + "x = 1\n", "# h\n", document="a") is None
    assert cache.get(PREFIX + "res", SUFFIX + "x = 1\n", "# h\n", document="a") is None
    assert cache.get(PREFIX + "res", ")" + SUFFIX[1:], "# h\n", document="a") is None  # same length
    assert cache.get(PREFIX + "res", SUFFIX, "# h\n", document="a") == SUGGESTION[3:]


def test_a_changed_header_misses_exactly_but_not_typed_through():
    # the header is context, not the text: typing a suggestion's `helper(` may add helper's signature to it
    cache = SuggestionCache()
    cache.put(PREFIX, SUFFIX, SUGGESTION, "# h\n", document="a")
    assert cache.get(PREFIX, SUFFIX, "# other\n", document="a") is None
    assert cache.get(PREFIX, SUFFIX, "", document="a") is None
    assert cache.get(PREFIX + "res", SUFFIX, "# other\n", document="a") == SUGGESTION[3:]


def test_typed_through_hits_stay_within_their_document():
    cache = SuggestionCache()
    cache.put(PREFIX, SUFFIX, SUGGESTION, document="a")
    assert cache.get(PREFIX + "res", SUFFIX, document="b") is None
    assert cache.get(PREFIX + "res", SUFFIX, document="a") == SUGGESTION[3:]


def test_the_same_key_for_different_text_is_never_a_hit():
    # equal lengths and equal ends, so equal dictionary keys: only the full comparison tells them apart
    start = "x" * 500
    other = "y" + start[1:]
    cache = SuggestionCache()
    cache.put(start + PREFIX, SUFFIX, SUGGESTION)
    assert cache.get(other + PREFIX, SUFFIX) is None
    assert cache.get(other + PREFIX + "res", SUFFIX) is None
    cache.put(other + PREFIX, SUFFIX, "other")
    assert cache.get(other + PREFIX, SUFFIX) == "other"


def test_least_recently_used_goes_first():
    cache = SuggestionCache(capacity=3)
    for i in range(3):
        cache.put(f"prefix {i}\n", SUFFIX, f"s{i}")
    assert cache.get("prefix 0\n", SUFFIX) == "s0"  # now the most recent
    cache.put("prefix 3\n", SUFFIX, "s3")
    assert len(cache) == 3
    assert cache.get("prefix 1\n", SUFFIX) is None
    assert [cache.get(f"prefix {i}\n", SUFFIX) for i in (0, 2, 3)] == ["s0", "s2", "s3"]


def test_the_text_held_is_bounded_too():
    cache = SuggestionCache(max_chars=1000)
    for i in range(10):
        cache.put(f"{i}" * 300, "", "s")
    assert len(cache) == 3


def test_an_empty_suggestion_is_remembered_but_never_typed_through():
    cache = SuggestionCache()
    cache.put(PREFIX, SUFFIX, "")
    assert cache.get(PREFIX, SUFFIX) == ""
    assert cache.get(PREFIX + "r", SUFFIX) is None


def test_clear_one_document_or_all():
    cache = SuggestionCache()
    cache.put("a\n", "", "one", document="a")
    cache.put("b\n", "", "two", document="b")
    cache.clear("a")
    assert cache.get("a\n", "") is None and cache.get("a\no", "", document="a") is None
    assert cache.get("b\n", "") == "two" and cache.get("b\nt", "", document="b") == "wo"
    cache.clear()
    assert len(cache) == 0 and cache.get("b\nt", "", document="b") is None


@pytest.mark.parametrize("typed", [0, 1, 12])
def test_a_10000_line_document(typed, capsys):
    document = "".join(f"value_{i} = compute({i}, 'some text on every line')\n" for i in range(10_000))
    prefix, suffix = document[:len(document) // 2], document[len(document) // 2:]
    cache = SuggestionCache()
    for i in range(20):  # other suggestions of the same document, put before
        cache.put(prefix[:-i - 1], suffix, f"other {i}", document="big")
    cache.put(prefix, suffix, SUGGESTION, document="big")
    lookup = "".join([prefix, SUGGESTION[:typed]])  # a new string object: no shortcut by identity
    changed = lookup[:-300] + "#" + lookup[-299:]  # same length and end (so the same key), different text
    started = time.perf_counter()
    for _ in range(100):
        assert cache.get(lookup, suffix, document="big") == SUGGESTION[typed:]
        assert cache.get(changed, suffix, document="big") is None
    with capsys.disabled():
        each = (time.perf_counter() - started) / 200 * 1e6
        print(f"\n10,000-line document, typed {typed}: {each:.0f} µs a lookup")
