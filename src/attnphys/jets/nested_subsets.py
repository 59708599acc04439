"""Nested, class-balanced subsets of the training split for learning curves.

Every jet gets a uniform number from a hash of its provenance (class, source file, entry,
jet) and of a seed derived from (config seed, replica seed) by ``attnphys.seeding``; within
each class the jets are
ranked by it and the first ``round(fraction * n_class)`` are kept. A smaller fraction
therefore keeps a prefix of the same ranking: each subset contains every smaller one, for
any model, and the choice does not depend on the order of the rows in the file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from attnphys.jets.provenance import provenance_draws
from attnphys.parquet import read_columns
from attnphys.seeding import integer


def subset_seed(base_seed: int, seed: int) -> int:
    """Seed of the subset ranking of replica ``seed``; independent of the split's draws."""
    return integer(base_seed, "jets", "train-subset", seed)


def nested_subset(path: str | Path, fraction: float, base_seed: int, seed: int) -> np.ndarray:
    """Sorted row indices of the ``fraction`` subset of the split in ``path``."""
    if not 0 < fraction <= 1:
        raise ValueError(f"train fraction: {fraction} must be in (0, 1]")
    table = read_columns(path, ["class", "source_file", "source_entry", "source_jet"], "dataset split")
    classes = table.column("class").to_numpy(zero_copy_only=False).astype(str)
    draws = provenance_draws(
        subset_seed(base_seed, seed), classes,
        table.column("source_file").to_pylist(), table.column("source_entry").to_pylist(),
        table.column("source_jet").to_pylist(),
    )[:, 0]
    keep = []
    for cls in np.unique(classes):
        rows = np.flatnonzero(classes == cls)
        ranked = rows[np.argsort(draws[rows], kind="stable")]
        keep.append(ranked[: max(1, int(round(fraction * len(rows))))])
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.int64)


def take_rows(jets, index: np.ndarray):
    """The same dataclass of per-jet arrays restricted to ``index`` (path and class list kept)."""
    return dataclasses.replace(jets, **{
        f.name: getattr(jets, f.name)[index] for f in dataclasses.fields(jets)
        if isinstance(getattr(jets, f.name), np.ndarray)
    })
