"""pass@k: the chance that at least one of k samples passes, estimated without bias from n >= k.

The estimator of Chen et al. (2021), 1 - C(n-c, k) / C(n, k), written as a running
product so that large n never overflows.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

DEFAULT_KS = (1, 10, 100)


def pass_at_k(n: int, c: int, k: int) -> float:
    """One problem: n samples, c of them correct."""
    if not 0 <= c <= n or k < 1 or k > n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n} c={c} k={k}")
    if n - c < k:
        return 1.0
    miss = 1.0
    for i in range(n - c + 1, n + 1):
        miss *= 1.0 - k / i
    return 1.0 - miss


def mean_pass_at_k(counts: Iterable[tuple[int, int]], ks: Sequence[int] = DEFAULT_KS) -> dict[int, float]:
    """The mean over problems of pass@k, for each k that every problem has enough samples for."""
    counts = list(counts)
    if not counts:
        return {}
    fewest = min(n for n, _ in counts)
    return {k: sum(pass_at_k(n, c, k) for n, c in counts) / len(counts) for k in ks if k <= fewest}
