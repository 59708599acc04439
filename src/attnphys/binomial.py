"""Confidence intervals of a binomial proportion (efficiencies, accuracies), one way for
every area: Clopper-Pearson ("exact") central intervals at 68.27 % (one Gaussian sigma) by
default, via ``scipy.stats.binomtest`` (Clopper and Pearson, Biometrika 26 (1934) 404)."""

from __future__ import annotations

import numpy as np
from scipy.stats import binomtest

LEVEL = 0.6827


def binomial_interval(k, n, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson central interval of k successes in n trials (arrays); NaN where n = 0."""
    k, n = np.broadcast_arrays(np.asarray(k, dtype=np.int64), np.asarray(n, dtype=np.int64))
    lo, hi = np.full(k.shape, np.nan), np.full(k.shape, np.nan)
    for index in np.ndindex(k.shape):
        if n[index] > 0:
            interval = binomtest(int(k[index]), int(n[index])).proportion_ci(level, method="exact")
            lo[index], hi[index] = interval.low, interval.high
    return lo, hi
