"""Fault suite of the SPANet HDF5 input: bad files built from one valid file are refused with
exit status 2 and one line naming the file and the dataset (and the event)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from attnphys.spanet.h5layout import read_h5, write_h5
from attnphys.validate import BadInput


@pytest.fixture
def h5_file(tmp_path, spanet_events):
    path = tmp_path / "valid.h5"
    write_h5(path, spanet_events())
    return path


def chi2_args(path, out):
    return ["spanet", "evaluate", "--method", "chi2", "--input", path, "--out", out]


def _edit(path, key, change):
    with h5py.File(path, "r+") as f:
        values = f[key][()]
        del f[key]
        f.create_dataset(key, data=change(values))


def _at(values, event, jet, value):
    out = values.copy()
    out[event, jet] = value
    return out


def test_valid_file_is_evaluated(h5_file, tmp_path, run_stage):
    assert run_stage(*chi2_args(h5_file, tmp_path / "out.csv")).status == 0


FAULTS = {
    "duplicate target": ("TARGETS/t2/q1", None, "TARGETS/t2/b and TARGETS/t2/q1", "event 4"),
    "negative pt": ("INPUTS/Source/pt", lambda v: np.where((np.arange(v.size) == 8 * 5).reshape(v.shape), -30.0, v),
                    "INPUTS/Source/pt", "event 5"),
    "nan eta": ("INPUTS/Source/eta", lambda v: np.where((np.arange(v.size) == 8 * 2 + 1).reshape(v.shape), np.nan, v),
                "INPUTS/Source/eta", "event 2"),
    "zero pt": ("INPUTS/Source/pt", lambda v: _at(v, 3, 0, 0.0), "INPUTS/Source/pt", "event 3"),
    "pt 3e38": ("INPUTS/Source/pt", lambda v: _at(v, 6, 1, 3e38), "INPUTS/Source/pt", "event 6"),
    "negative mass": ("INPUTS/Source/mass", lambda v: _at(v, 2, 2, -1.0), "INPUTS/Source/mass", "negative"),
    "eta 40": ("INPUTS/Source/eta", lambda v: _at(v, 1, 0, 40.0), "INPUTS/Source/eta", "event 1"),
    "phi 7": ("INPUTS/Source/phi", lambda v: _at(v, 9, 0, 7.0), "INPUTS/Source/phi", "event 9"),
    "btag 2": ("INPUTS/Source/btag", lambda v: _at(v, 4, 0, 2.0), "INPUTS/Source/btag", "event 4"),
    "float mask": ("INPUTS/Source/MASK", lambda v: _at(v.astype(np.float32), 0, 7, 0.5), "INPUTS/Source/MASK",
                   "0.5"),
    "all-false mask": ("INPUTS/Source/MASK", lambda v: _at(v, 5, slice(None), False), "INPUTS/Source/MASK",
                       "event 5 has no real jet"),
    "retyped target": ("TARGETS/t1/b", lambda v: v.astype(np.float32), "TARGETS/t1/b", "integer"),
    "wrong shape": ("INPUTS/Source/mass", lambda v: v[:, :5], "INPUTS/Source/mass", "shape"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_bad_values_are_refused(h5_file, tmp_path, run_stage, faults, fault):
    key, change, field, detail = FAULTS[fault]
    if fault == "duplicate target":
        with h5py.File(h5_file, "r") as f:
            b = f["TARGETS/t2/b"][()]
        change = lambda v: np.where(np.arange(len(v)) == 4, b, v)  # noqa: E731  q1 of top 2 = its b jet
    _edit(h5_file, key, change)
    out = tmp_path / "out" / "summary.csv"
    faults.refused(run_stage(*chi2_args(h5_file, out)), h5_file, field, detail)
    assert not out.parent.exists()


def test_renamed_dataset_and_cut_file(h5_file, tmp_path, run_stage, faults):
    renamed = tmp_path / "renamed.h5"
    renamed.write_bytes(h5_file.read_bytes())
    with h5py.File(renamed, "r+") as f:
        f.move("INPUTS/Source/btag", "INPUTS/Source/btagged")
    faults.refused(run_stage(*chi2_args(renamed, tmp_path / "a.csv")), renamed, "INPUTS/Source/btag")
    data = h5_file.read_bytes()
    for keep in (0, 8, 512, len(data) // 2, len(data) - 10):
        cut = tmp_path / f"cut{keep}.h5"
        cut.write_bytes(data[:keep])
        faults.refused(run_stage(*chi2_args(cut, tmp_path / "b.csv")), cut)
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "b.csv").exists()


def test_writer_refuses_what_the_reader_refuses(tmp_path, spanet_events):
    data = spanet_events()
    data.targets[3, 1, 2] = data.targets[3, 0, 0]
    with pytest.raises(BadInput, match="TARGETS/t1/b and TARGETS/t2/q2: the same jet .* in event 3"):
        write_h5(tmp_path / "dup.h5", data)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError):
        read_h5(tmp_path / "dup.h5")


@pytest.mark.parametrize(("stats", "field"), [("{not json", "not valid JSON"), ('{"generated": 10, "selected": 4}', "field seconds"),
                                              ('{"generated": -1, "selected": 4, "seconds": 1.0}', "field generated"),
                                              ('{"generated": 10, "selected": 4, "seconds": NaN}', "field seconds")])
def test_chunk_statistics_are_checked(h5_file, tmp_path, run_stage, faults, stats, field):
    bad = tmp_path / "stats.json"
    bad.write_text(stats)
    out = tmp_path / "dataset"
    outcome = run_stage("spanet", "dataset", "--chunks", h5_file, "--chunk-stats", bad, "--seed", 1,
                        *[a for s in ("train", "val", "test") for a in (f"--out-{s}", out / f"{s}.h5")],
                        "--out-summary", out / "dataset.json")
    faults.refused(outcome, bad, field)
    assert not out.exists()
