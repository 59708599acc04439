"""Matching efficiencies of arXiv:2010.09206, by jet multiplicity.

A top is matchable when its three partons all have a jet, and correct when its predicted
b jet and unordered {q1, q2} pair both equal the truth, allowing the t <-> tbar swap.
- event efficiency: events with 2 matchable tops whose two tops are both correct;
- eps_2^top: correct tops / (2 x events with 2 matchable tops);
- eps_1^top: correct tops / events with exactly 1 matchable top.
Events with no matchable top enter no efficiency; ``n_events_0top`` counts them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BINS = ("6", "7", ">=8", "inclusive")
COLUMNS = ("method", "njets", "event_eff", "top2_eff", "top1_eff", "n_events_2top", "n_events_1top", "n_events_0top")


def top_correct(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Whether predicted top triplets ``[..., 3]`` (b, q1, q2) equal truth ones, q1 <-> q2 free.

    Operators only, so numpy arrays and torch tensors alike (training counts on the device)."""
    same_b = pred[..., 0] == truth[..., 0]
    straight = (pred[..., 1] == truth[..., 1]) & (pred[..., 2] == truth[..., 2])
    crossed = (pred[..., 1] == truth[..., 2]) & (pred[..., 2] == truth[..., 1])
    return same_b & (straight | crossed) & (truth >= 0).all(axis=-1)


def correct_tops(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Number of correct tops per event (0, 1, 2), the better of the two top orderings (numpy
    arrays or torch tensors)."""
    direct = top_correct(pred[:, 0], truth[:, 0]) * 1 + top_correct(pred[:, 1], truth[:, 1])
    swapped = top_correct(pred[:, 0], truth[:, 1]) * 1 + top_correct(pred[:, 1], truth[:, 0])
    return swapped + (direct - swapped) * (direct > swapped)


def efficiencies(pred: np.ndarray, truth: np.ndarray, njets: np.ndarray, method: str) -> pd.DataFrame:
    """One row per jet bin (6, 7, >=8, inclusive) with efficiencies in percent."""
    matchable = (truth >= 0).all(axis=-1).sum(axis=1)
    correct = correct_tops(pred, truth)
    selections = {
        "6": njets == 6,
        "7": njets == 7,
        ">=8": njets >= 8,
        "inclusive": np.ones_like(njets, dtype=bool),
    }
    rows = []
    for name in BINS:
        sel = selections[name]
        two = sel & (matchable == 2)
        one = sel & (matchable == 1)
        n2, n1 = int(two.sum()), int(one.sum())
        n0 = int((sel & (matchable == 0)).sum())
        rows.append(
            {
                "method": method,
                "njets": name,
                "event_eff": 100.0 * (correct[two] == 2).sum() / n2 if n2 else np.nan,
                "top2_eff": 100.0 * correct[two].sum() / (2 * n2) if n2 else np.nan,
                "top1_eff": 100.0 * correct[one].sum() / n1 if n1 else np.nan,
                "n_events_2top": n2,
                "n_events_1top": n1,
                "n_events_0top": n0,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
