"""The neutrino area's workflow plan, as plain functions of the config: the simulation chunks,
the dataset every model reads (the simulated one, or the user's ``neutrino.dataset``, resolved
and refused at ``snakemake -n`` when missing or a directory) and the job sizes."""

from __future__ import annotations

import json
import math
import os

from attnphys.neutrino.beam import EVENT_CLASSES
from attnphys.validate.config import check_files

CLASSES = len(EVENT_CLASSES)  # every chunk simulates each class


def check(cfg: dict) -> None:
    """Cross-field checks of the ``neutrino`` block; each names its key."""
    nu = cfg["neutrino"]
    if nu["enabled"] and "transformer" not in nu["models"]:
        raise ValueError("config key neutrino.models: must hold 'transformer' (the report's attention maps)")


class Plan:
    """The jobs of the ``neutrino`` block of ``cfg``."""

    def __init__(self, cfg: dict):
        self.nu, self.out = cfg["neutrino"], cfg["outdir"]
        user = os.path.expanduser(self.nu["dataset"]) if self.nu["dataset"] else ""
        if user:
            check_files([user], "neutrino.dataset")
        self.dataset = user or f"{self.out}/neutrino/dataset.h5"

    def chunks(self) -> list[int]:
        return list(range(math.ceil(self.nu["events_per_class"] / self.nu["events_per_chunk"])))

    def runs(self) -> dict[str, list]:
        """The (model, seed) grid, as expand() keywords."""
        return {"model": self.nu["models"], "seed": self.nu["seeds"]}

    def events(self) -> int:
        """Simulated events (every class, whole chunks)."""
        return CLASSES * self.nu["events_per_chunk"] * len(self.chunks())

    def test_events(self) -> int:
        return math.ceil(self.events() * self.nu["split"][2])

    def params_json(self, model: str) -> str:
        """--params of one model: its constructor overrides, neutrino.model_params.<model>."""
        return json.dumps(self.nu["model_params"].get(model, {}), sort_keys=True)

    def train_units(self, model: str) -> float:
        """Cost units of one training job: training events x epochs x images per event (the CVN
        sees the event, the transformers the event and max_prongs prong maps)."""
        images = 1 if model == "cvn" else 1 + self.nu["max_prongs"]
        return self.events() * self.nu["split"][0] * self.nu["train"]["epochs"] * images
