"""pytest tests for examples/two_sum.py: `dcode check examples/two_sum.py --tests examples/tests/test_two_sum.py`."""
from two_sum import Solution


def test_first_pair():
    assert Solution().twoSum([2, 7, 11, 15], 9) == [0, 1]


def test_negative_numbers():
    assert Solution().twoSum([-1, -2, -3, -4, -5], -8) == [2, 4]
