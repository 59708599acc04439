"""The neutrino area's plan (``attnphys.neutrino.plan``) without Snakemake: simulation chunks
covering the configured events, the dataset every model reads, and the user's dataset refused
when it is missing or a directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from attnphys.neutrino.plan import CLASSES, Plan
from attnphys.validate.config import load_config

REPO = Path(__file__).resolve().parents[2]


def config(neutrino: dict) -> dict:
    return load_config([REPO / "config.yaml"], REPO / "workflow/schemas/config.schema.yaml", {"neutrino": neutrino})


@pytest.mark.parametrize(("per_class", "per_chunk"), [(750, 250), (100, 30), (10, 10)])
def test_chunks_cover_the_configured_events(per_class, per_chunk):
    plan = Plan(config({"events_per_class": per_class, "events_per_chunk": per_chunk}))
    assert per_class <= len(plan.chunks()) * per_chunk < per_class + per_chunk
    assert plan.events() == CLASSES * per_chunk * len(plan.chunks())


def test_transformers_cost_one_image_per_prong_more():
    plan = Plan(config({"max_prongs": 5}))
    assert plan.train_units("transformer") == plan.train_units("ablation") == 6 * plan.train_units("cvn")


def test_the_users_dataset_replaces_the_simulation(tmp_path):
    assert Plan(config({})).dataset.endswith("/neutrino/dataset.h5")
    mine = tmp_path / "maps.h5"
    mine.write_bytes(b"maps")
    assert Plan(config({"dataset": str(mine)})).dataset == str(mine)


@pytest.mark.parametrize("how", ["directory", "missing"])
def test_a_dataset_that_is_no_file_is_refused(tmp_path, how):
    path = tmp_path / "maps.h5"
    if how == "directory":
        path.mkdir()
    with pytest.raises(ValueError, match="config key neutrino.dataset: "):
        Plan(config({"dataset": str(path)}))
