"""Seeded bootstrap confidence intervals and a paired significance test.

Both resample documents with replacement (Koehn 2004, "Statistical Significance Tests
for Machine Translation Evaluation"), so they work for per-document averages (ROUGE)
and corpus-level metrics (BLEU, chrF) alike: a statistic is a function of an array of
document indices. Unlike rouge-score's own BootstrapAggregator, the generator is
seeded: the same seed gives the same intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Statistic = Callable[[np.ndarray], float]


def mean_of(values: Sequence[float]) -> Statistic:
    """The statistic 'mean of these per-document values' over a set of indices."""
    arr = np.asarray(values, dtype=float)
    return lambda idx: float(arr[idx].mean())


def _resamples(n_docs: int, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n_docs, size=(n, n_docs))


def bootstrap_ci(
    statistic: Statistic, *, n_docs: int, n: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` over documents."""
    if n_docs == 0:
        return (float("nan"), float("nan"))
    values = np.array([statistic(idx) for idx in _resamples(n_docs, n, seed)])
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def paired_bootstrap(system: Statistic, baseline: Statistic, *, n_docs: int, n: int = 1000, seed: int = 0) -> float:
    """Two-sided p-value that ``system`` and ``baseline`` differ, by paired bootstrap.

    Both systems are scored on the same resampled documents. Under the null hypothesis
    the differences would be centred on zero, so the observed difference is subtracted
    (the shifted-bootstrap test of Berg-Kirkpatrick et al. 2012, two-sided): p is the
    share of resamples whose centred difference is at least as large as the observed
    one. A system compared with itself gets p = 1.
    """
    if n_docs == 0:
        return float("nan")
    everything = np.arange(n_docs)
    observed = system(everything) - baseline(everything)
    deltas = np.array([system(idx) - baseline(idx) for idx in _resamples(n_docs, n, seed)])
    return float(np.mean(np.abs(deltas - observed) >= abs(observed) - 1e-12))
