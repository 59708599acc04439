"""Train / validation / test assignment, one way for every area.

Rows get split 0 (train), 1 (validation) or 2 (test) in exact counts: the edges are
``round(cumsum(fractions) * n)``, so a split holds ``round`` of its share, never a binomial
draw of it. With a generator the rows are taken in a random order (a seeded permutation from
``attnphys.seeding``, key ``(area, "split")``); without one, in contiguous blocks (for rows
that are already independent draws, like the neutron-star samples).

The jets keep their own split keyed on a hash of each jet's provenance (``attnphys.jets.split``):
a jet lands in the same split whatever else the dataset holds, which generated chunks need.
"""

from __future__ import annotations

import numpy as np

SPLITS = ("train", "val", "test")


def check_fractions(fractions, where: str) -> tuple[float, float, float]:
    """Three positive fractions summing to 1, else a ValueError naming ``where`` (the config key)."""
    values = tuple(float(f) for f in fractions)
    if len(values) != 3 or not all(np.isfinite(values)) or min(values) <= 0 or not np.isclose(sum(values), 1.0):
        raise ValueError(f"{where}: expected three positive fractions summing to 1 (train, val, test), "
                         f"got {list(fractions)}")
    return values


def split_edges(n_rows: int, fractions: tuple[float, float, float]) -> np.ndarray:
    """Row edges [0, n_train, n_train + n_val, n_rows] of the three splits."""
    return np.round(np.cumsum([0.0, *fractions]) * n_rows).astype(int)


def assign_splits(n_rows: int, fractions, where: str, rng: np.random.Generator | None = None) -> np.ndarray:
    """Split index (int8: 0 train, 1 val, 2 test) of each of ``n_rows`` rows; an empty split is
    a ValueError naming ``where``."""
    fractions = check_fractions(fractions, where)
    edges = split_edges(n_rows, fractions)
    counts = np.diff(edges)
    if (counts == 0).any():
        empty = SPLITS[int(np.argmin(counts))]
        raise ValueError(f"{where}: the {empty} split is empty ({n_rows} rows, fractions {list(fractions)})")
    blocks = np.repeat(np.arange(3, dtype=np.int8), counts)
    if rng is None:
        return blocks
    assignment = np.empty(n_rows, dtype=np.int8)
    assignment[rng.permutation(n_rows)] = blocks
    return assignment


def split_rows(assignment: np.ndarray) -> dict[str, np.ndarray]:
    """Sorted row indices of each split name."""
    return {name: np.flatnonzero(assignment == index) for index, name in enumerate(SPLITS)}
