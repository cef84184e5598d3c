"""From a model's raw completion to the suggestion shown: where it ends, and what it must not repeat."""
from __future__ import annotations

import pytest

from lsp.trim import is_useful, trim_suggestion

BODY = "def total(items):\n    result = 0\n"


def test_in_the_middle_of_a_line_only_one_line():
    got = trim_suggestion("items, key=len\n    print(result)\n", prefix=BODY + "    result = sorted(",
                          suffix=" # sort\n    return result\n")
    assert got == "items, key=len"


def test_closing_brackets_the_line_already_has_are_not_repeated():
    assert trim_suggestion("items, key=len)\n", prefix=BODY + "    result = sorted(",
                           suffix=")\n    return result\n") == "items, key=len"
    assert trim_suggestion("width, height):\n    return width * height\n", prefix="def area(",
                           suffix="):\n    pass\n") == "width, height"
    # the whole rest of the line, words included; the space before it stays so the line reads right
    assert trim_suggestion("'total:', result)", prefix="print(", suffix="result)\n") == "'total:', "


def test_a_shared_end_of_word_characters_is_kept():
    assert trim_suggestion("foo", prefix="x = ", suffix="o + bar\n") == "foo"


def test_a_suggestion_that_is_the_rest_of_the_line_is_nothing():
    assert trim_suggestion("key=len)", prefix="sorted(items, ", suffix="key=len)\n") == ""


def test_a_multiline_suggestion_stops_where_the_block_dedents():
    prefix = "def sign(x):\n    if x > 0:\n        "
    assert trim_suggestion("return 1\n    return -1\n", prefix=prefix, suffix="\n") == "return 1"
    assert trim_suggestion("    return y\n\nprint(f(1))\n", prefix="def f(x):\n    y = x + 1\n",
                           suffix="") == "    return y"


def test_after_a_line_ending_with_a_colon_only_its_body():
    got = trim_suggestion("\n        print(item)\n        seen += 1\n    return seen\n",
                          prefix="def count(items):\n    seen = 0\n    for item in items:", suffix="\n")
    assert got == "\n        print(item)\n        seen += 1"


def test_the_cursors_block_may_continue_at_its_own_indentation():
    got = trim_suggestion("result += item\n    return result\n\n\ndef other():\n    pass\n",
                          prefix=BODY + "    for item in items:\n        pass\n    ", suffix="\n")
    assert got == "result += item\n    return result"


def test_inside_a_function_a_new_top_level_def_ends_the_suggestion():
    # the model wrote its first line too far left; the next top-level def still ends the suggestion
    got = trim_suggestion("return result\n\n\ndef other():\n    pass\n", prefix=BODY, suffix="")
    assert got == "return result"
    got = trim_suggestion("return result\n\n@decorator\nclass Other:\n    pass\n", prefix=BODY, suffix="")
    assert got == "return result"


def test_a_line_ending_with_a_colon_ends_the_suggestion_with_its_body():
    # at module level too: one definition a suggestion, while plain statements run on
    got = trim_suggestion("def first():\n    return 1\n\n\ndef second():\n    return 2\n",
                          prefix="import os\n\n\n", suffix="")
    assert got == "def first():\n    return 1"
    assert trim_suggestion("x = 1\ny = 2\n", prefix="import os\n", suffix="") == "x = 1\ny = 2"


def test_a_suggestion_stops_before_it_repeats_the_suffix():
    prefix = BODY + "    for item in items:\n        result += item\n    "
    suffix = "\n    return result\n"
    assert trim_suggestion("result *= 2\n    return result\n", prefix=prefix, suffix=suffix) == "result *= 2"
    assert trim_suggestion("return result\n", prefix=prefix, suffix=suffix) == ""


@pytest.mark.parametrize("completion", ["", "   ", "\n\n  \n", "\t\n"])
def test_whitespace_is_never_a_suggestion(completion):
    assert trim_suggestion(completion, prefix=BODY + "    ", suffix="\n") == ""
    assert trim_suggestion(completion, prefix="x = f(", suffix=")\n") == ""


def test_a_completion_that_starts_a_new_line_in_the_middle_of_a_line_is_nothing():
    assert trim_suggestion("\nfoo()", prefix="x = f(", suffix=")\n") == ""


def test_whitespace_at_the_ends():
    # at the start of a line the model's indentation stays; trailing whitespace goes on every line
    assert trim_suggestion("    return y   \n", prefix="def f(y):\n", suffix="") == "    return y"
    # after a word the model's space is part of the code; after a typed space it would double it
    assert trim_suggestion(" y + 1", prefix="def f(y):\n    return", suffix="\n") == " y + 1"
    assert trim_suggestion(" y + 1", prefix="def f(y):\n    return ", suffix="\n") == "y + 1"
    assert trim_suggestion("return y\r\n  \r\n", prefix="def f(y):\n    ", suffix="\n") == "return y"


def test_multiline_can_be_forced_either_way():
    prefix = "def f(y):\n    "
    assert trim_suggestion("a = 1\n    return a\n", prefix=prefix, suffix="\n", multiline=False) == "a = 1"
    assert trim_suggestion("1,\n        2)\n    return a\n", prefix="def f(y):\n    a = g(", suffix="3)\n",
                           multiline=True) == "1,\n        2)\n    return a"


@pytest.mark.parametrize("text, useful", [("", False), ("   ", False), (")", False), ("):", False),
                                          ("...", False), ("x", True), ("_", True), ("return 1", True),
                                          ("'é'", True)])
def test_is_useful(text, useful):
    assert is_useful(text) is useful
