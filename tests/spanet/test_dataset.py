"""``attnphys spanet dataset`` called directly: the chunks' events cut into train / val / test
in exact counts, each event once, the same cut for the same master seed, and the summary."""

from __future__ import annotations

import json

import numpy as np
import pytest

from attnphys.spanet.dataset import build_dataset
from attnphys.spanet.h5layout import read_h5, write_h5


@pytest.fixture
def chunks(tmp_path, rng, make_events):
    """Two generated chunks (30 and 20 events) with their statistics."""
    paths, stats = [], []
    for i, (n, generated, seconds) in enumerate(((30, 150, 2.0), (20, 100, 1.5))):
        write_h5(tmp_path / f"chunk_{i}.h5", make_events(n, 9, rng))
        (tmp_path / f"chunk_{i}.json").write_text(json.dumps({"generated": generated, "selected": n,
                                                              "seconds": seconds, "chunk": i}))
        paths.append(tmp_path / f"chunk_{i}.h5")
        stats.append(tmp_path / f"chunk_{i}.json")
    return paths, stats


def _build(tmp_path, chunks, seed, folder, stats=True):
    splits = {s: tmp_path / folder / f"{s}.h5" for s in ("train", "val", "test")}
    (tmp_path / folder).mkdir()
    summary = build_dataset(chunks[0], chunks[1] if stats else None, (0.6, 0.2, 0.2), seed, splits,
                            tmp_path / folder / "dataset.json")
    return summary, {s: read_h5(p) for s, p in splits.items()}


def test_every_event_lands_in_one_split_in_exact_counts(tmp_path, chunks):
    summary, data = _build(tmp_path, chunks, 1, "a")
    assert summary == {"selected": 50, "generated": 250, "generation_seconds": 3.5,
                       "train_events": 30, "val_events": 10, "test_events": 10}
    assert json.loads((tmp_path / "a/dataset.json").read_text()) == summary
    everything = np.concatenate([read_h5(c).pt for c in chunks[0]])
    cut = np.concatenate([data[s].pt for s in ("train", "val", "test")])
    assert sorted(map(tuple, cut.tolist())) == sorted(map(tuple, everything.tolist()))


def test_the_cut_is_the_master_seeds(tmp_path, chunks):
    _, first = _build(tmp_path, chunks, 1, "a")
    _, again = _build(tmp_path, chunks, 1, "b")
    _, other = _build(tmp_path, chunks, 2, "c")
    assert all(np.array_equal(first[s].pt, again[s].pt) for s in first)
    assert not np.array_equal(first["test"].pt, other["test"].pt)


def test_user_files_have_no_generation_counts(tmp_path, chunks):
    summary, _ = _build(tmp_path, chunks, 1, "a", stats=False)
    assert summary == {"selected": 50, "train_events": 30, "val_events": 10, "test_events": 10}


def test_bad_fractions_or_stats_are_named_and_nothing_is_written(tmp_path, chunks):
    splits = {s: tmp_path / "out" / f"{s}.h5" for s in ("train", "val", "test")}
    with pytest.raises(ValueError, match=r"^spanet\.split: expected three positive fractions summing to 1"):
        build_dataset(chunks[0], chunks[1], (0.6, 0.2, 0.3), 1, splits, tmp_path / "out" / "dataset.json")
    with pytest.raises(ValueError, match=r"^--chunk-stats: 1 files for 2 chunks$"):
        build_dataset(chunks[0], chunks[1][:1], (0.6, 0.2, 0.2), 1, splits, tmp_path / "out" / "dataset.json")
    assert not (tmp_path / "out").exists()
