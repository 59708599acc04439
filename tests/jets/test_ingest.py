"""Ingest stage: Delphes leaf names, selection, truth match, bad files."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import awkward as ak
import numpy as np
import pyarrow.parquet as pq
import pytest
import uproot

from attnphys.cli import main
from attnphys.detector.delphes_tree import open_delphes, read_collection
from attnphys.jets.ingest import COLLECTIONS, TOWER_SCHEMA, ingest

PARTICLE_INT = ("PID", "Status", "M1", "M2", "D1", "D2")
PARTICLE_FLOAT = ("PT", "Eta", "Phi", "Mass")


# ---- Delphes-layout files built here with uproot ----------------------------------------


def signal_event(pt_scale=1.0, spread=0.4, parton_phi=None, phi0=0.0):
    """Towers of one class-2 event and its hard record: X (pid 35) -> b bbar plus a recoil gluon.

    The X jet is three towers around (0, phi0); the recoil a tower at (0.3, phi0 + 3).
    """
    wrap = lambda x: (x + math.pi) % (2 * math.pi) - math.pi  # noqa: E731
    towers = {
        "ET": [100.0 * pt_scale, 500.0 * pt_scale, 900.0, 500.0 * pt_scale],
        "Eta": [0.1, 0.0, 0.3, 0.0],
        "Phi": [wrap(phi0), wrap(phi0 - spread), wrap(phi0 + 3.0), wrap(phi0 + spread)],
    }
    b_phi = [wrap(phi0 - spread), wrap(phi0 + spread)] if parton_phi is None else parton_phi
    particles = {  # 0, 1 incoming gluons; 2 X; 3 recoil gluon; 4, 5 the b quarks
        "PID": [21, 21, 35, 21, 5, -5],
        "Status": [21, 21, 22, 23, 23, 23],
        "M1": [-1, -1, 0, 0, 2, 2],
        "M2": [-1, -1, 1, 1, -1, -1],
        "D1": [2, 2, 4, -1, -1, -1],
        "D2": [3, 3, 5, -1, -1, -1],
        "PT": [0.0, 0.0, 1100.0, 900.0, 550.0, 550.0],
        "Eta": [0.0, 0.0, 0.0, 0.3, 0.0, 0.0],
        "Phi": [0.0, 0.0, wrap(phi0), wrap(phi0 + 3.0), *b_phi],
        "Mass": [0.0, 0.0, 400.0, 0.0, 4.8, 4.8],
    }
    return towers, particles


def write_delphes(path, events, delphes_names=True, with_towers=True):
    """Tree ``Delphes`` with Delphes leaf names (``Tower.ET``, ``Tower_size``) or the flat
    names uproot gives records (``Tower_ET``, ``nTower``)."""
    def column(side, key, dtype):
        lists = [event[side][key] for event in events]
        flat = np.asarray([v for values in lists for v in values], dtype=dtype)
        return ak.unflatten(flat, np.asarray([len(v) for v in lists], dtype=np.int64))

    branches = {}
    if with_towers:
        tower = {k: column(0, k, np.float32) for k in ("ET", "Eta", "Phi")}
        branches["Tower"] = ak.zip({**tower, "E": tower["ET"] * np.cosh(tower["Eta"])})
    branches["Particle"] = ak.zip({**{k: column(1, k, np.int32) for k in PARTICLE_INT},
                                   **{k: column(1, k, np.float32) for k in PARTICLE_FLOAT}})
    with uproot.recreate(path) as out:
        kwargs = {}
        if delphes_names:
            kwargs = {"counter_name": lambda n: f"{n}_size", "field_name": lambda o, i: f"{o}.{i}"}
        out.mktree("Delphes", {n: a.type.content for n, a in branches.items()}, **kwargs)
        if events:
            out["Delphes"].extend(branches)
    return path


@pytest.fixture
def signal_file(tmp_path):
    wrap_phi0 = math.pi - 0.1  # event 5 straddles phi = +-pi
    events = [
        signal_event(),                                  # 0: passes
        signal_event(pt_scale=0.6),                      # 1: jet pT below the window
        signal_event(spread=0.05),                       # 2: jet mass below the window
        signal_event(parton_phi=[-0.4, 1.7]),            # 3: one b quark outside dR 1.2
        ({"ET": [], "Eta": [], "Phi": []}, signal_event()[1]),  # 4: no towers at all
        signal_event(phi0=wrap_phi0),                    # 5: passes, across phi = pi
    ]
    return write_delphes(tmp_path / "signal.root", events), events


def test_ingest_real_delphes_leaf_names(signal_file, tmp_path, massless_sum):
    path, events = signal_file
    keys = uproot.open(path)["Delphes"].keys()
    assert {"Tower_size", "Tower.ET", "Tower.Eta", "Tower.Phi", "Particle_size", "Particle.PID"} <= set(keys)
    out = tmp_path / "towers.parquet"
    assert ingest(path, "2", out) == 2
    table = pq.read_table(out)
    assert table.schema.equals(TOWER_SCHEMA, check_metadata=False)
    assert table["source_entry"].to_pylist() == [0, 5]
    assert table["source_file"].to_pylist() == [str(path)] * 2
    assert table["class"].to_pylist() == ["2", "2"] and table["label"].to_pylist() == [1, 1]
    for row, entry in enumerate((0, 5)):
        towers = events[entry][0]
        members = [0, 1, 3]
        expected = massless_sum(*(np.take(towers[k], members) for k in ("ET", "Eta", "Phi")))
        got = [table[c][row].as_py() for c in ("jet_pt", "jet_eta", "jet_phi", "jet_mass")]
        assert got == pytest.approx(expected, rel=1e-5, abs=1e-5)
        assert 1000 <= got[0] <= 1200 and 300 <= got[3] <= 700
        assert table["n_towers"][row].as_py() == 3
        assert table["tower_pt"][row].as_py() == pytest.approx([500.0, 500.0, 100.0])
        dphi = np.asarray(table["tower_dphi"][row].as_py())
        deta = np.asarray(table["tower_deta"][row].as_py())
        assert np.all(np.abs(dphi) < 0.5) and np.all(np.abs(deta) < 0.2)  # wrapped across pi
        np.testing.assert_allclose(deta, np.asarray(table["tower_eta"][row].as_py()) - got[1], atol=1e-5)


def test_ingest_flat_uproot_names_and_qcd_truth(tmp_path):
    towers, _ = signal_event()
    qcd = {  # incoming g g -> outgoing g (along the jet) + g (recoil)
        "PID": [21, 21, 21, 21], "Status": [21, 21, 23, 23], "M1": [-1, -1, 0, 0],
        "M2": [-1, -1, 1, 1], "D1": [2, 2, -1, -1], "D2": [3, 3, -1, -1],
        "PT": [0.0, 0.0, 1100.0, 900.0], "Eta": [0.0, 0.0, 0.0, 0.3],
        "Phi": [0.0, 0.0, 0.0, 3.0], "Mass": [0.0, 0.0, 0.0, 0.0],
    }
    away = dict(qcd, Phi=[0.0, 0.0, 1.5, -1.6])  # neither hard parton near the leading jet
    path = write_delphes(tmp_path / "qcd.root", [(towers, qcd), (towers, away)], delphes_names=False)
    assert {"nTower", "Tower_ET", "Particle_PID"} <= set(uproot.open(path)["Delphes"].keys())
    out = tmp_path / "qcd.parquet"
    assert main(["jets", "ingest", "--input", str(path), "--class", "1", "--out", str(out),
                 "--pt-window", "1000", "1200", "--mass-window", "300", "700"]) == 0
    table = pq.read_table(out)
    assert table["source_entry"].to_pylist() == [0]
    assert table["label"].to_pylist() == [0]


def test_windows_come_from_the_arguments(signal_file, tmp_path):
    path, _ = signal_file
    out = tmp_path / "wide.parquet"
    assert ingest(path, "2", out, pt_window=(500.0, 1200.0), mass_window=(10.0, 700.0)) == 4
    # Event 2 (light jet) now passes, and so does event 1: its X jet (600 GeV) is the second
    # jet behind the 900 GeV recoil, which is not truth-matched.
    table = pq.read_table(out)
    assert table["source_entry"].to_pylist() == [0, 1, 2, 5]
    assert table["source_jet"].to_pylist() == [0, 1, 0, 0]
    assert ingest(path, "2", out, pt_window=(500.0, 1200.0), mass_window=(10.0, 700.0), leading=1) == 3
    assert pq.read_table(out)["source_entry"].to_pylist() == [0, 2, 5]
    assert ingest(path, "2", out, pt_window=(1000.0, 1200.0), mass_window=(300.0, 350.0)) == 0


def test_small_steps_give_the_same_rows(signal_file, tmp_path):
    path, _ = signal_file
    whole, stepped = tmp_path / "whole.parquet", tmp_path / "stepped.parquet"
    ingest(path, "2", whole)
    ingest(path, "2", stepped, step_size=2)
    assert pq.read_table(whole).equals(pq.read_table(stepped))


@pytest.mark.parametrize("delphes_names", [True, False])
def test_reader_steps_and_whole_file_agree_for_both_namings(tmp_path, delphes_names):
    events = [signal_event(pt_scale=1.0 + 0.1 * i) for i in range(5)]
    path = write_delphes(tmp_path / "five.root", events, delphes_names=delphes_names)
    with open_delphes(path, COLLECTIONS) as tree:
        assert tree.num_entries == 5
        steps = list(tree.steps(2))
        whole = tree.read()
    assert [start for start, _ in steps] == [0, 2, 4]
    for collection, fields in COLLECTIONS.items():
        stepped = ak.concatenate([records[collection] for _, records in steps])
        assert ak.fields(whole[collection]) == list(fields)
        assert ak.array_equal(stepped, whole[collection])
        assert ak.array_equal(whole[collection], read_collection(path, collection, fields))
    assert ak.to_list(whole["Tower"].ET[3]) == pytest.approx([130.0, 650.0, 900.0, 650.0])
    assert ak.to_list(whole["Particle"].PID[0]) == [21, 21, 35, 21, 5, -5]


# ---- robustness -------------------------------------------------------------------------


def no_leftovers(folder: Path):
    return [p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]


def test_missing_truncated_and_corrupt_files_name_the_file(signal_file, tmp_path):
    path, _ = signal_file
    out = tmp_path / "out" / "x.parquet"
    with pytest.raises(FileNotFoundError, match="nowhere.root"):
        ingest(tmp_path / "nowhere.root", "2", out)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.root"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated.root"):
        ingest(truncated, "2", out)
    corrupt = tmp_path / "corrupt.root"
    corrupt.write_bytes(b"this is not a ROOT file" * 100)
    with pytest.raises(ValueError, match="corrupt.root"):
        ingest(corrupt, "2", out)
    # Baskets overwritten with noise: the header and the directory still read.
    damaged = tmp_path / "damaged.root"
    noisy = bytearray(data)
    noisy[400:-2000] = np.random.default_rng(0).integers(0, 256, len(noisy) - 2400, dtype=np.uint8).tobytes()
    damaged.write_bytes(bytes(noisy))
    with pytest.raises(ValueError, match="damaged.root"):
        ingest(damaged, "2", out)
    assert not out.exists()
    assert not out.parent.exists() or no_leftovers(out.parent) == []
    assert main(["jets", "ingest", "--input", str(truncated), "--class", "2", "--out", str(out)]) == 2


def test_file_without_towers_or_tree_names_file_and_leaf(tmp_path):
    _, particles = signal_event()
    no_towers = write_delphes(tmp_path / "no_towers.root", [(None, particles)], with_towers=False)
    with pytest.raises(ValueError, match=r"no_towers.root: tree Delphes has no leaf Tower.ET"):
        ingest(no_towers, "2", tmp_path / "a.parquet")
    other = tmp_path / "other_tree.root"
    with uproot.recreate(other) as out:
        out.mktree("Events", {"x": np.float32})
    with pytest.raises(ValueError, match=r"other_tree.root: no readable tree 'Delphes'"):
        ingest(other, "2", tmp_path / "a.parquet")
    with pytest.raises(ValueError, match="unknown prong class '5'"):
        ingest(other, "5", tmp_path / "a.parquet")
    assert not (tmp_path / "a.parquet").exists()


def test_rntuple_and_absent_collection_name_file_and_leaf(tmp_path):
    rntuple = tmp_path / "rntuple.root"
    with uproot.recreate(rntuple) as out:
        out.mkrntuple("Delphes", {"x": np.array([1.0, 2.0])})
    with pytest.raises(ValueError, match=r"rntuple.root: 'Delphes' is a ROOT::RNTuple, expected a TTree"):
        open_delphes(rntuple, COLLECTIONS)
    _, particles = signal_event()
    no_towers = write_delphes(tmp_path / "no_towers.root", [(None, particles)], with_towers=False)
    with pytest.raises(ValueError, match=r"no_towers.root: .*no leaf Tower.ET .*no collection Tower at all"):
        read_collection(no_towers, "Tower", ("ET",))
    with pytest.raises(ValueError, match=r"no_towers.root: .*no leaf Particle.Foo \(nor Particle_Foo\)$"):
        read_collection(no_towers, "Particle", ("PID", "Foo"))


def test_empty_tree_and_no_passing_jet_give_empty_parquet_and_warning(tmp_path, caplog):
    empty = write_delphes(tmp_path / "empty.root", [])
    assert uproot.open(empty)["Delphes"].num_entries == 0
    failing = write_delphes(tmp_path / "failing.root", [signal_event(pt_scale=0.5)] * 3)
    for path, phrase in ((empty, "no entries"), (failing, "no jet of 3 events passed")):
        out = tmp_path / f"{path.stem}.parquet"
        with caplog.at_level(logging.WARNING, logger="attnphys.jets.ingest"):
            assert ingest(path, "2", out) == 0
        assert phrase in caplog.text and path.name in caplog.text
        table = pq.read_table(out)
        assert table.num_rows == 0 and table.schema.equals(TOWER_SCHEMA, check_metadata=False)


def test_bad_windows_are_rejected(signal_file, tmp_path):
    path, _ = signal_file
    with pytest.raises(ValueError, match=r"jet mass window \[700.0, 300.0\]"):
        ingest(path, "2", tmp_path / "a.parquet", mass_window=(700.0, 300.0))
