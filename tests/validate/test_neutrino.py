"""Fault suite of the neutrino pixel-map dataset: maps of the wrong shape or view count,
labels that are floats or outside their class lists, split values other than 0/1/2 and
negative charges are refused by ``neutrino train`` with exit status 2 and one line naming
the file and the dataset; nothing is written."""

from __future__ import annotations

import numpy as np
import pytest

from attnphys.neutrino.beam import EVENT_CLASSES
from attnphys.neutrino.pixelmap import read_dataset, write_dataset


def test_valid_dataset_round_trips(tmp_path, neutrino_maps):
    arrays, attrs = neutrino_maps()
    write_dataset(tmp_path / "d.h5", arrays, attrs)
    data, read_attrs = read_dataset(tmp_path / "d.h5")
    assert all(np.array_equal(data[k], arrays[k]) for k in arrays)
    assert read_attrs["max_prongs"] == 3 and list(read_attrs["classes"]) == list(EVENT_CLASSES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5"]


def _set(name, value, at=(3,)):
    def change(arrays):
        out = arrays[name].astype(np.result_type(arrays[name], np.asarray(value)), copy=True)
        out[at] = value
        arrays[name] = out
    return change


FAULTS = {
    "one view": (lambda a: a.update(pixel_maps=a["pixel_maps"][:, :1]), "pixel_maps", "shape"),
    "three views": (lambda a: a.update(reco_prong_index=np.concatenate([a["reco_prong_index"]] * 3, axis=1)[:, :3]),
                    "reco_prong_index", "shape"),
    "wrong planes": (lambda a: a.update(pixel_maps=a["pixel_maps"][:, :, :50]), "pixel_maps", "[events, views"),
    "float labels": (lambda a: a.update(event_label=a["event_label"].astype(np.float32) + 0.5), "event_label",
                     "integers"),
    "label out of range": (_set("event_label", 7), "event_label", "event 3"),
    "negative event label": (_set("event_label", -1, (5,)), "event_label", "event 5"),
    "prong label out of range": (_set("reco_prong_label", 6, (4, 1)), "reco_prong_label", "event 4"),
    "prong index beyond max_prongs": (_set("truth_prong_index", 3, (2, 0, 10, 10)), "truth_prong_index", "event 2"),
    "split 5": (_set("split", 5, (6,)), "split", "5 in event 6"),
    "negative charge": (_set("pixel_maps", -4.0, (1, 1, 0, 0)), "pixel_maps", "event 1"),
    "nan charge": (_set("pixel_maps", np.nan, (8, 0, 0, 0)), "pixel_maps", "NaN in event 8"),
    "short labels": (lambda a: a.update(split=a["split"][:-1]), "split", "events"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_bad_dataset_is_refused(tmp_path, run_stage, faults, neutrino_maps, fault):
    change, field, detail = FAULTS[fault]
    arrays, attrs = neutrino_maps()
    change(arrays)
    bad = tmp_path / "bad.h5"
    write_dataset(bad, arrays, attrs)
    out = tmp_path / "out"
    outcome = run_stage("neutrino", "train", "--dataset", bad, "--model", "cvn", "--epochs", 1,
                        "--out-model", out / "model.pt", "--out-history", out / "history.csv")
    faults.refused(outcome, bad, field, detail)
    assert not out.exists() and faults.leftovers(tmp_path) == ["bad.h5"]


def test_missing_attribute_is_named(tmp_path, neutrino_maps):
    arrays, attrs = neutrino_maps()
    del attrs["classes"]
    write_dataset(tmp_path / "d.h5", arrays, attrs)
    with pytest.raises(ValueError, match="d.h5: attribute classes: missing"):
        read_dataset(tmp_path / "d.h5")
