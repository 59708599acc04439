"""Chunks of hits -> prongs (truth and reconstructed) -> pixel/prong maps in dataset.h5."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from attnphys.neutrino.beam import EVENT_CLASSES
from attnphys.neutrino.pixelmap import build_maps, write_dataset
from attnphys.neutrino.prongs import PRONG_CLASSES, prong_labels, purity_completeness, reco_prongs, truth_prongs
from attnphys.neutrino.simulate import HIT_COLUMNS
from attnphys.parquet import read_columns
from attnphys.seeding import generator

EVENT_COLUMNS = ("event", "event_class", "e_nu")


def build_dataset(event_files: list[Path], hit_files: list[Path], out: Path, max_prongs: int, min_hits: int,
                  split: tuple[float, float, float], seed: int) -> dict:
    """Write ``out`` (layout in :mod:`attnphys.neutrino.pixelmap`); return the prong statistics."""
    events = pd.concat([read_columns(f, EVENT_COLUMNS, "neutrino events").to_pandas() for f in event_files])
    hits = pd.concat([read_columns(f, HIT_COLUMNS, "neutrino hits").to_pandas() for f in hit_files])
    events = events.sort_values("event").reset_index(drop=True)
    hits = hits[hits["event"].isin(events["event"])].sort_values(["event", "plane", "cell"]).reset_index(drop=True)
    hits["row"] = pd.Series(np.arange(len(events)), index=events["event"].to_numpy()).reindex(hits["event"]).to_numpy()
    truth = truth_prongs(hits, max_prongs, min_hits)
    reco = reco_prongs(hits, max_prongs)
    purity, completeness = purity_completeness(hits, reco)
    ids = events["event"].to_numpy()
    arrays = build_maps(hits, len(events), {"truth_prong_index": truth, "reco_prong_index": reco})
    rng = generator(seed, "neutrino", "split")
    u = rng.random(len(events))
    arrays |= {
        "truth_prong_label": prong_labels(hits, truth, ids, max_prongs).astype(np.int8),
        "reco_prong_label": prong_labels(hits, reco, ids, max_prongs).astype(np.int8),
        "event_label": events["event_class"].to_numpy().astype(np.int8),
        "split": np.where(u < split[0], 0, np.where(u < split[0] + split[1], 1, 2)).astype(np.int8),
        "event": ids.astype(np.int64), "e_nu": events["e_nu"].to_numpy().astype(np.float32),
    }
    stats = {"reco_purity": purity, "reco_completeness": completeness, "events": len(events), "hits": len(hits),
             "mean_truth_prongs": float((arrays["truth_prong_label"] >= 0).sum(1).mean()),
             "mean_reco_prongs": float((arrays["reco_prong_label"] >= 0).sum(1).mean())}
    write_dataset(out, arrays, {"classes": list(EVENT_CLASSES), "prong_classes": list(PRONG_CLASSES),
                                "max_prongs": max_prongs, **{k: v for k, v in stats.items()}})
    return stats
