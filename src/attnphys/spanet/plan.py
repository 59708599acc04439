"""The SPA-NET area's workflow plan, as plain functions of the config: the generation chunks,
and the train / val / test files SPA-NET reads, the dataset rule's or the user's
(``spanet.files``: train, val and test, or events alone to be split). The user's files are
resolved and refused at ``snakemake -n`` when missing, a directory, or one file given for
two splits (a symlink or a copy included): training on the test events would hide nothing.
"""

from __future__ import annotations

import math
import os
import shlex

from attnphys.validate.config import check_files

SPLITS = ("train", "val", "test")


def check(cfg: dict) -> None:
    """Cross-field checks of the ``spanet`` block; each names its key."""
    files = cfg["spanet"]["files"]
    if files and set(files) not in (set(SPLITS), {"events"}):
        raise ValueError(f"config key spanet.files: give train, val and test, or events alone; got {sorted(files)}")


class Plan:
    """The jobs of the ``spanet`` block of ``cfg``."""

    def __init__(self, cfg: dict):
        self.spanet, self.out = cfg["spanet"], cfg["outdir"]
        self.files = {name: os.path.expanduser(path) for name, path in self.spanet["files"].items()}
        resolved = {}
        for name, path in self.files.items():
            other = resolved.setdefault(os.path.realpath(path), name)
            if other != name:
                raise ValueError(f"config key spanet.files.{name}: {path} is the same file as spanet.files.{other}")
        check_files(self.files.values(), "spanet.files")

    def n_chunks(self) -> int:
        return math.ceil(self.spanet["events"] / self.spanet["events_per_chunk"])

    def chunk_events(self, chunk: int) -> int:
        """Events of one chunk: events_per_chunk, the last one taking the remainder."""
        per_chunk = self.spanet["events_per_chunk"]
        return min(per_chunk, self.spanet["events"] - int(chunk) * per_chunk)

    def split_file(self, name: str) -> str:
        """The .h5 of split ``name``: the user's (spanet.files) or the dataset rule's."""
        return self.files.get(name, f"{self.out}/spanet/data/{name}.h5")

    def dataset_inputs(self) -> dict[str, list[str]]:
        """The files cut into the splits: the user's one file (spanet.files.events) or the chunks."""
        if "events" in self.files:
            return {"h5": [self.files["events"]], "stats": []}
        chunks = range(self.n_chunks())
        return {"h5": [f"{self.out}/spanet/chunks/chunk_{c}.h5" for c in chunks],
                "stats": [f"{self.out}/spanet/chunks/chunk_{c}.json" for c in chunks]}

    def dataset_summary(self) -> list[str]:
        """dataset.json of the dataset rule; none when the user gives the three splits."""
        return [] if "train" in self.files else [f"{self.out}/spanet/data/dataset.json"]


def stats_option(stats: list[str]) -> str:
    """--chunk-stats of generated chunks; none for a user's file."""
    return " ".join(["--chunk-stats", *map(shlex.quote, stats)]) if stats else ""


def summary_option(dataset: list[str]) -> str:
    """--dataset of the report where the dataset rule ran."""
    return f"--dataset {shlex.quote(dataset[0])}" if dataset else ""
