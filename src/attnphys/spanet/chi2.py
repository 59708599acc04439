"""The chi-square baseline for jet-parton matching in all-hadronic ttbar (arXiv:2010.09206).

chi2 = (m_bjj^1 - m_bjj^2)^2 / (2 sigma_t^2) + sum_t (m_jj^t - m_W)^2 / sigma_W^2 with
m_W = 81.3, sigma_W = 12.3, sigma_t = 26.3 GeV. The two b jets are a pair of b-tagged jets,
the W jets any two disjoint pairs of the other jets; the smallest chi2 wins. Events are
grouped by (jets, b-tags) so each group shares one hypothesis table, and chi2 is computed
for all events and hypotheses of a group as one array operation.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import numpy as np

from attnphys.kinematics import cartesian, invariant_mass
from attnphys.spanet.h5layout import MatchingData

M_W = 81.3
SIGMA_W = 12.3
SIGMA_T = 26.3
# Largest (events x hypotheses) block evaluated at once; bounds memory to ~100 MB.
BLOCK = 1_000_000


def four_vectors(data: MatchingData) -> np.ndarray:
    """(E, px, py, pz) per jet in GeV, float64, ``[N, J, 4]``; padded jets are zero."""
    px, py, pz, e = cartesian(data.pt, data.eta, data.phi, data.mass)
    p = np.stack([e, px, py, pz], axis=-1)
    return np.where(data.mask[..., None], p, 0.0)


def mass(p: np.ndarray) -> np.ndarray:
    """Invariant mass of ``[..., 4]`` (E, px, py, pz) arrays."""
    return invariant_mass(*np.moveaxis(p, -1, 0))


@lru_cache(maxsize=None)
def _pairs_of_pairs(m: int) -> np.ndarray:
    """All ordered choices of two disjoint unordered pairs from ``range(m)``: ``[H, 4]``."""
    pairs = np.array(list(combinations(range(m), 2)), dtype=np.int64).reshape(-1, 2)
    a = np.repeat(pairs, len(pairs), axis=0)
    b = np.tile(pairs, (len(pairs), 1))
    disjoint = (a[:, :, None] != b[:, None, :]).all(axis=(1, 2))
    return np.concatenate([a, b], axis=1)[disjoint]


@lru_cache(maxsize=None)
def hypotheses(n: int, nb: int) -> np.ndarray:
    """Every assignment ``[H, 6]`` = (b1, q11, q12, b2, q21, q22) for ``n`` jets whose first
    ``nb`` are b-tagged; b1 < b2 removes the top-swap duplicate."""
    if n < 6 or nb < 2:
        return np.empty((0, 6), dtype=np.int64)
    w = _pairs_of_pairs(n - 2)
    rows = []
    for b1, b2 in combinations(range(nb), 2):
        rest = np.array([i for i in range(n) if i not in (b1, b2)], dtype=np.int64)
        q = rest[w]
        bb = np.broadcast_to(np.array([b1, b2]), (len(q), 2))
        rows.append(np.stack([bb[:, 0], q[:, 0], q[:, 1], bb[:, 1], q[:, 2], q[:, 3]], axis=1))
    return np.concatenate(rows)


def chi2_values(p: np.ndarray, hyp: np.ndarray) -> np.ndarray:
    """chi2 for events ``p`` ``[E, n, 4]`` under hypotheses ``hyp`` ``[H, 6]``: ``[E, H]``."""
    j = p[:, hyp]  # [E, H, 6, 4]
    w1 = j[:, :, 1] + j[:, :, 2]
    w2 = j[:, :, 4] + j[:, :, 5]
    t1 = mass(w1 + j[:, :, 0])
    t2 = mass(w2 + j[:, :, 3])
    return (
        (t1 - t2) ** 2 / (2 * SIGMA_T**2)
        + (mass(w1) - M_W) ** 2 / SIGMA_W**2
        + (mass(w2) - M_W) ** 2 / SIGMA_W**2
    )


def chi2_assign(data: MatchingData) -> np.ndarray:
    """Best chi2 assignment ``[N, 2, 3]`` of jet indices (b, q1, q2) per top; -1 for events
    with fewer than 6 jets or 2 b-tags."""
    n_events = len(data)
    # Real b-tagged jets first, then real untagged ones, then padding (stable: pT order kept).
    key = np.where(data.mask, np.where(data.btag > 0.5, 0, 1), 2)
    order = np.argsort(key, axis=1, kind="stable")
    p = np.take_along_axis(four_vectors(data), order[..., None], axis=1)
    n = data.mask.sum(axis=1)
    nb = (data.mask & (data.btag > 0.5)).sum(axis=1)
    out = np.full((n_events, 2, 3), -1, dtype=np.int64)
    groups = np.unique(np.stack([n, nb], axis=1), axis=0)
    for gn, gnb in groups:
        hyp = hypotheses(int(gn), int(gnb))
        if len(hyp) == 0:
            continue
        events = np.flatnonzero((n == gn) & (nb == gnb))
        step = max(1, BLOCK // len(hyp))
        for start in range(0, len(events), step):
            ev = events[start : start + step]
            best = hyp[np.argmin(chi2_values(p[ev, :gn], hyp), axis=1)]  # [E, 6]
            out[ev] = np.take_along_axis(order[ev], best, axis=1).reshape(-1, 2, 3)
    return out
