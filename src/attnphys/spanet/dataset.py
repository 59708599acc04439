"""Merge generated chunks (or a user's SPANet files) into the train / val / test files, in
SPANet's layout."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from attnphys.files import atomic_path
from attnphys.seeding import generator
from attnphys.spanet.h5layout import MatchingData, read_h5, write_h5
from attnphys.splits import SPLITS, assign_splits, split_rows
from attnphys.stage_options import add_output, add_seed_option
from attnphys.validate.json_files import read_json


def read_stats(path: Path) -> dict:
    """The ``.json`` statistics of a generated chunk."""
    return read_json(path, "statistics of a generated chunk", ("generated", "selected", "seconds"),
                     counts=("generated", "selected"), numbers=("seconds",))


def build_dataset(chunks: list[Path], chunk_stats: list[Path] | None, fractions: tuple[float, float, float], seed: int,
                  splits: dict[str, Path], summary_path: Path) -> dict:
    """Shuffle the selected events of all chunks with a seeded permutation (key
    ``("spanet", "split")``) and cut them into train / val / test by ``fractions``
    (:func:`attnphys.splits.assign_splits`); writes ``splits[name]`` (.h5) and ``summary_path`` (JSON).

    ``chunk_stats`` None: the chunks are a user's SPANet files, not generated (the summary
    then has no generation counts)."""
    if chunk_stats is not None and len(chunks) != len(chunk_stats):
        raise ValueError(f"--chunk-stats: {len(chunk_stats)} files for {len(chunks)} chunks")
    if set(splits) != set(SPLITS):
        raise ValueError(f"splits: expected {SPLITS}, got {sorted(splits)}")
    data = MatchingData.concat([read_h5(c) for c in chunks])
    stats = [read_stats(s) for s in chunk_stats or []]
    assignment = assign_splits(len(data), fractions, "spanet.split", generator(seed, "spanet", "split"))
    summary = {"selected": len(data)}
    if chunk_stats is not None:
        summary |= {"generated": sum(s["generated"] for s in stats),
                    "generation_seconds": sum(s["seconds"] for s in stats)}
    for name, rows in split_rows(assignment).items():
        write_h5(Path(splits[name]), data.subset(rows))
        summary[f"{name}_events"] = len(rows)
    with atomic_path(summary_path) as tmp:
        tmp.write_text(json.dumps(summary, indent=1))
    return summary


def _run(args: argparse.Namespace) -> None:
    splits = {"train": args.out_train, "val": args.out_val, "test": args.out_test}
    build_dataset(args.chunks, args.chunk_stats, tuple(args.split), args.seed, splits, args.out_summary)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("dataset", help="merge chunks into train/val/test .h5")
    p.add_argument("--chunks", type=Path, nargs="+", required=True, help=".h5 files of the generate stage")
    p.add_argument("--chunk-stats", type=Path, nargs="+", default=None,
                   help="their .json statistics, same order; omit for your own SPANet files (default: none)")
    p.add_argument("--split", type=float, nargs=3, default=[0.75, 0.05, 0.20],
                   help="train / val / test fractions (default: %(default)s)")
    add_seed_option(p, required=True)
    for name in SPLITS:
        add_output(p, name, f"{name} split .h5 to write")
    add_output(p, "summary", "dataset.json to write (event counts)")
    p.set_defaults(func=_run)
