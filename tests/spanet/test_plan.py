"""The SPA-NET area's plan (``attnphys.spanet.plan``) without Snakemake: chunks that add up to
the configured events, and the user's files refused when one file serves two splits."""

from __future__ import annotations

from pathlib import Path

import pytest

from attnphys.spanet.plan import Plan
from attnphys.validate.config import load_config

REPO = Path(__file__).resolve().parents[2]


def config(spanet: dict) -> dict:
    return load_config([REPO / "config.yaml"], REPO / "workflow/schemas/config.schema.yaml", {"spanet": spanet})


@pytest.mark.parametrize(("events", "per_chunk"), [(400, 200), (1000, 300), (7, 10)])
def test_chunks_add_up_to_the_configured_events(events, per_chunk):
    plan = Plan(config({"events": events, "events_per_chunk": per_chunk}))
    sizes = [plan.chunk_events(c) for c in range(plan.n_chunks())]
    assert sum(sizes) == events and min(sizes) > 0 and max(sizes) == min(per_chunk, events)
    assert len(plan.dataset_inputs()["h5"]) == plan.n_chunks() == len(plan.dataset_inputs()["stats"])


def test_user_splits_replace_the_dataset(tmp_path):
    files = {}
    for name in ("train", "val", "test"):
        files[name] = str(tmp_path / f"{name}.h5")
        Path(files[name]).write_bytes(name.encode())
    plan = Plan(config({"files": files}))
    assert [plan.split_file(n) for n in ("train", "val", "test")] == list(files.values())
    assert plan.dataset_summary() == []
    events = Plan(config({"files": {"events": files["train"]}}))
    assert events.dataset_inputs() == {"h5": [files["train"]], "stats": []}
    assert events.split_file("test").endswith("/spanet/data/test.h5")


@pytest.mark.parametrize("how", ["same path", "symlink", "copy", "directory", "missing"])
def test_one_file_for_two_splits_is_refused(tmp_path, how):
    train, test = tmp_path / "train.h5", tmp_path / "test.h5"
    train.write_bytes(b"events")
    (tmp_path / "val.h5").write_bytes(b"other events")
    if how == "same path":
        test = train
    elif how == "symlink":
        test.symlink_to(train)
    elif how == "copy":
        test.write_bytes(b"events")
    elif how == "directory":
        test.mkdir()
    with pytest.raises(ValueError) as error:
        Plan(config({"files": {"train": str(train), "val": str(tmp_path / "val.h5"), "test": str(test)}}))
    message = str(error.value)
    assert "config key spanet.files" in message and "\n" not in message
    if how in ("same path", "symlink"):
        assert "spanet.files.test" in message and "spanet.files.train" in message
