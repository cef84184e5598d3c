"""The unbiased pass@k estimator, checked against its closed form."""
from math import comb

import pytest

from dcode.eval.passk import mean_pass_at_k, pass_at_k


@pytest.mark.parametrize(("n", "c", "k"), [(10, 0, 1), (10, 3, 1), (10, 3, 5), (200, 17, 100), (5, 5, 5)])
def test_matches_closed_form(n, c, k):
    assert pass_at_k(n, c, k) == pytest.approx(1 - comb(n - c, k) / comb(n, k))


def test_large_n_does_not_overflow():
    assert 0 < pass_at_k(100_000, 3, 100) < 1


def test_mean_only_reports_k_every_problem_allows():
    assert mean_pass_at_k([(10, 5), (10, 0)]) == {1: 0.25, 10: 0.5}
    assert mean_pass_at_k([(1, 1), (100, 0)]) == {1: 0.5}
    assert mean_pass_at_k([]) == {}


def test_rejects_impossible_counts():
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
