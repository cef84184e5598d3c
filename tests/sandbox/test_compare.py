"""Output comparison: tolerant of layout and float noise, strict about answers."""
from dcode.sandbox.compare import compare_output, values_equal


def test_whitespace_and_trailing_lines_are_tolerated():
    assert compare_output("1 2\n3\n", "1   2  \n3\n\n\n") is None


def test_yes_is_not_no():
    assert compare_output("YES", "NO") == "line 1: expected 'YES', got 'NO'"


def test_floats_within_tolerance():
    assert compare_output("0.3333333", "0.33333333333") is None
    assert compare_output("1.5", "1.6") is not None


def test_integers_compare_exactly_even_when_large():
    assert compare_output("1000000", "1000001") is not None
    assert compare_output("123456789012345678901", "123456789012345678902") is not None


def test_missing_and_extra_lines():
    assert compare_output("1\n2", "1") == "expected 2 lines, got 1"
    assert "extra" in compare_output("1", "1\n2")
    assert compare_output("1", "") == "expected 1 lines, got 0 (no output)"


def test_json_values():
    assert values_equal([1, [2.0000000001]], [1, [2]])
    assert not values_equal(True, 1)
    assert not values_equal("1", 1)
    assert values_equal({"a": [1, 2]}, {"a": [1, 2]})
    assert not values_equal([1, 2], [2, 1])
