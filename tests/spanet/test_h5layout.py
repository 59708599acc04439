"""SPANet HDF5 layout: exact group names, round trip at any max_jets, clear errors."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from attnphys.spanet.h5layout import read_h5, write_h5


@pytest.mark.parametrize("max_jets", [8, 20])
def test_round_trip(tmp_path, rng, make_events, max_jets):
    data = make_events(50, max_jets, rng)
    path = tmp_path / "events.h5"
    write_h5(path, data)
    with h5py.File(path) as f:
        assert sorted(f["INPUTS/Source"]) == ["MASK", "btag", "eta", "mass", "phi", "pt"]
        assert sorted(f["TARGETS"]) == ["t1", "t2"]
        assert sorted(f["TARGETS/t2"]) == ["b", "q1", "q2"]
        assert f["INPUTS/Source/pt"].shape == (50, max_jets)
        assert f["INPUTS/Source/MASK"].dtype == bool
    back = read_h5(path)
    assert back.max_jets == max_jets
    for field in ("mask", "pt", "eta", "phi", "mass", "btag", "targets"):
        np.testing.assert_array_equal(getattr(back, field), getattr(data, field))


def _corrupt(path, edit):
    with h5py.File(path, "a") as f:
        edit(f)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda f: f.__delitem__("TARGETS/t2"), "missing group TARGETS/t2"),
        (lambda f: f.__delitem__("INPUTS/Source/btag"), "missing dataset INPUTS/Source/btag"),
        (lambda f: (f["INPUTS/Source"].__delitem__("eta"), f["INPUTS/Source"].create_dataset("eta", data=np.zeros((50, 3)))), "INPUTS/Source/eta has shape"),
        (lambda f: (f["TARGETS/t1"].__delitem__("q2"), f["TARGETS/t1"].create_dataset("q2", data=np.zeros(49, int))), "TARGETS/t1/q2 has shape"),
        (lambda f: f["TARGETS/t1/b"].__setitem__(0, 12), "TARGETS/t1/b index 12 out of range"),
        (lambda f: f["TARGETS/t2/q1"].__setitem__(3, -2), "TARGETS/t2/q1 index -2 out of range"),
    ],
)
def test_bad_files_named(tmp_path, rng, make_events, edit, message):
    path = tmp_path / "bad.h5"
    write_h5(path, make_events(50, 10, rng))
    _corrupt(path, edit)
    with pytest.raises(ValueError, match=message) as err:
        read_h5(path)
    assert str(path) in str(err.value)


def test_index_of_padded_jet_rejected(tmp_path, rng, make_events):
    data = make_events(5, 10, rng)
    data.mask[0, 9] = False
    data.targets[0, 0, 0] = 9
    with pytest.raises(ValueError, match="TARGETS/t1/b index 9 points at a padded jet in event 0"):
        write_h5(tmp_path / "x.h5", data)


def test_missing_and_non_hdf5_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.h5"):
        read_h5(tmp_path / "nope.h5")
    junk = tmp_path / "junk.h5"
    junk.write_text("not hdf5")
    with pytest.raises(ValueError, match="junk.h5: not a readable HDF5 file"):
        read_h5(junk)
