"""Merge generated chunks into the train / val / test files, in SPANet's layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from attnphys.files import atomic_path
from attnphys.seeding import generator
from attnphys.spanet.h5layout import MatchingData, read_h5, write_h5
from attnphys.validate.json_files import read_json

SPLITS = ("train", "val", "test")


def read_stats(path: Path) -> dict:
    """The ``.json`` statistics of a generated chunk."""
    return read_json(path, "statistics of a generated chunk", ("generated", "selected", "seconds"),
                     counts=("generated", "selected"), numbers=("seconds",))


def build_dataset(chunks: list[Path], chunk_stats: list[Path] | None, fractions: tuple[float, float, float], seed: int,
                  splits: dict[str, Path], summary_path: Path) -> dict:
    """Shuffle the selected events of all chunks with a seeded permutation and cut them into
    train / val / test by ``fractions``; writes ``splits[name]`` (.h5) and ``summary_path`` (JSON).

    ``chunk_stats`` None: the chunks are a user's SPANet files, not generated (the summary
    then has no generation counts)."""
    if chunk_stats is not None and len(chunks) != len(chunk_stats):
        raise ValueError(f"--chunk-stats: {len(chunk_stats)} files for {len(chunks)} chunks")
    if set(splits) != set(SPLITS):
        raise ValueError(f"splits: expected {SPLITS}, got {sorted(splits)}")
    if not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"spanet.split: fractions {list(fractions)} must sum to 1")
    data = MatchingData.concat([read_h5(c) for c in chunks])
    stats = [read_stats(s) for s in chunk_stats or []]
    rng = generator(seed, "spanet", "split")
    order = rng.permutation(len(data))
    edges = np.round(np.cumsum([0, *fractions]) * len(data)).astype(int)
    summary = {"selected": len(data)}
    if chunk_stats is not None:
        summary |= {"generated": sum(s["generated"] for s in stats),
                    "generation_seconds": sum(s["seconds"] for s in stats)}
    for name, lo, hi in zip(SPLITS, edges[:-1], edges[1:]):
        if hi <= lo:
            raise ValueError(f"spanet.split: the {name} split is empty ({len(data)} selected events)")
        write_h5(Path(splits[name]), data.subset(np.sort(order[lo:hi])))
        summary[f"{name}_events"] = int(hi - lo)
    with atomic_path(summary_path) as tmp:
        tmp.write_text(json.dumps(summary, indent=1))
    return summary
