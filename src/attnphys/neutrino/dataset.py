"""Chunks of hits -> prongs (truth and reconstructed) -> pixel/prong maps in dataset.h5."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from attnphys.files import atomic_path
from attnphys.neutrino.beam import EVENT_CLASSES
from attnphys.neutrino.pixelmap import build_maps, write_dataset
from attnphys.neutrino.prongs import PRONG_CLASSES, prong_labels, purity_completeness, reco_prongs, truth_prongs
from attnphys.neutrino.simulate import HIT_COLUMNS
from attnphys.parquet import read_columns
from attnphys.seeding import generator
from attnphys.splits import assign_splits
from attnphys.stage_options import add_output, add_seed_option

EVENT_COLUMNS = ("event", "event_class", "e_nu")


def build_dataset(event_files: list[Path], hit_files: list[Path], out: Path, max_prongs: int, min_hits: int,
                  split: tuple[float, float, float], seed: int) -> dict:
    """Write ``out`` (layout in :mod:`attnphys.neutrino.pixelmap`); return the prong statistics.

    The events are split in exact counts, in a random order drawn from the stream
    ("neutrino", "split") (:func:`attnphys.splits.assign_splits`)."""
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
    arrays |= {
        "truth_prong_label": prong_labels(hits, truth, ids, max_prongs).astype(np.int8),
        "reco_prong_label": prong_labels(hits, reco, ids, max_prongs).astype(np.int8),
        "event_label": events["event_class"].to_numpy().astype(np.int8),
        "split": assign_splits(len(events), split, "neutrino.split", generator(seed, "neutrino", "split")),
        "event": ids.astype(np.int64), "e_nu": events["e_nu"].to_numpy().astype(np.float32),
    }
    stats = {"reco_purity": purity, "reco_completeness": completeness, "events": len(events), "hits": len(hits),
             "mean_truth_prongs": float((arrays["truth_prong_label"] >= 0).sum(1).mean()),
             "mean_reco_prongs": float((arrays["reco_prong_label"] >= 0).sum(1).mean())}
    write_dataset(out, arrays, {"classes": list(EVENT_CLASSES), "prong_classes": list(PRONG_CLASSES),
                                "max_prongs": max_prongs, **{k: v for k, v in stats.items()}})
    return stats


def _run(args: argparse.Namespace) -> None:
    stats = build_dataset(args.events, args.hits, args.out_dataset, args.max_prongs, args.min_hits, tuple(args.split),
                          args.seed)
    with atomic_path(args.out_stats) as tmp:
        tmp.write_text(json.dumps(stats, indent=1))


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("dataset", help="prongs (truth, reconstructed) and pixel maps -> dataset.h5")
    p.add_argument("--events", type=Path, nargs="+", required=True)
    p.add_argument("--hits", type=Path, nargs="+", required=True)
    p.add_argument("--max-prongs", type=int, default=5)
    p.add_argument("--min-hits", type=int, default=3)
    p.add_argument("--split", type=float, nargs=3, default=[0.6, 0.15, 0.25], help="train val test fractions")
    add_seed_option(p, required=True)
    add_output(p, "dataset", "dataset.h5 to write")
    add_output(p, "stats", "prong statistics JSON to write")
    p.set_defaults(func=_run)
