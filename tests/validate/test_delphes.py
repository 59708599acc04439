"""Fault suite of the Delphes ROOT input: every bad file built from one valid chunk is
refused by ``jets ingest`` with exit status 2 and one line naming the file and the leaf (and
the event), and leaves no output and no temporary file. Non-finite and negative values are
refused before FastJet, which crashes on them (a segmentation fault)."""

from __future__ import annotations

import subprocess
import sys

import awkward as ak
import numpy as np
import pytest
import uproot

from attnphys.detector.calorimeter import TOWER_FIELDS
from attnphys.detector.delphes_tree import PARTICLE_FIELDS, TREE, read_collection


def ingest_args(path, out):
    return ["jets", "ingest", "--input", path, "--class", "2", "--out", out]


def rewrite(path, towers: ak.Array, particles: ak.Array, extra: dict | None = None) -> None:
    """A Delphes-layout file from records whose fields need not be the valid ones."""
    branches = {"Tower": towers, "Particle": particles}
    with uproot.recreate(path) as out:
        types = {name: array.type.content for name, array in branches.items()}
        types |= {name: array.type.content for name, array in (extra or {}).items()}
        out.mktree(TREE, types, counter_name=lambda name: f"{name}_size",
                   field_name=lambda outer, inner: f"{outer}.{inner}")
        out[TREE].extend(branches | (extra or {}))


@pytest.fixture(scope="module")
def records(delphes_file):
    return (read_collection(delphes_file, "Tower", TOWER_FIELDS),
            read_collection(delphes_file, "Particle", PARTICLE_FIELDS))


def test_the_valid_chunk_is_ingested(delphes_file, tmp_path, run_stage):
    outcome = run_stage(*ingest_args(delphes_file, tmp_path / "out.parquet"))
    assert outcome.status == 0 and (tmp_path / "out.parquet").exists()


@pytest.mark.parametrize("keep", [0, 3, 60, 400, 0.5, -2000, -1])
def test_cut_file_is_refused_by_its_header(delphes_file, tmp_path, run_stage, faults, keep):
    data = delphes_file.read_bytes()
    keep = int(len(data) * keep) if isinstance(keep, float) else keep % len(data) if keep < 0 else keep
    bad = tmp_path / "cut.root"
    bad.write_bytes(data[:keep])
    out = tmp_path / "out" / "towers.parquet"
    faults.refused(run_stage(*ingest_args(bad, out)), bad, "ROOT header")
    assert not out.parent.exists() or faults.leftovers(out.parent) == []


def test_overwritten_magic_and_basket_name_the_file(delphes_file, tmp_path, run_stage, faults):
    data = bytearray(delphes_file.read_bytes())
    magic = tmp_path / "magic.root"
    magic.write_bytes(b"ROOT" + data[4:])
    faults.refused(run_stage(*ingest_args(magic, tmp_path / "a.parquet")), magic, "not a ROOT file")

    with uproot.open(delphes_file) as f:
        branch = f[TREE]["Tower.ET"]
        seek = int(branch.member("fBasketSeek")[0])
    # TKey header: Nbytes(4), Version(2), ObjLen(4), Datime(4), KeyLen(2): the basket's data follow
    key_length = int.from_bytes(data[seek + 14:seek + 16], "big")
    basket = tmp_path / "basket.root"
    data[seek + key_length:seek + key_length + 24] = b"\xff" * 24
    basket.write_bytes(bytes(data))
    outcome = run_stage(*ingest_args(basket, tmp_path / "b.parquet"))
    faults.refused(outcome, basket, "Tower.ET")  # undecompressable, or raw floats 0xffffffff = NaN
    assert not (tmp_path / "b.parquet").exists()
    assert faults.leftovers(tmp_path) == ["basket.root", "magic.root"]


BAD_VALUES = [
    ("Tower", "ET", np.nan, "non-finite value NaN"),
    ("Tower", "ET", np.inf, "non-finite value inf"),
    ("Tower", "ET", -3.0, "negative value -3.0"),
    ("Tower", "Eta", np.nan, "non-finite"),
    ("Tower", "Phi", -np.inf, "non-finite"),
    ("Particle", "Eta", np.nan, "non-finite"),
    ("Particle", "PT", -5.0, "negative"),
    # finite but unphysical: |eta| of a few hundred overflows pz^2 and crashed FastJet
    ("Tower", "Eta", 300.0, "unphysical value 300.0"),
    ("Tower", "Eta", 50.0, "coverage"),
    ("Tower", "Eta", -1e30, "unphysical"),
    ("Tower", "Phi", 1e30, "[-pi, pi]"),
    ("Tower", "Phi", 3.3, "[-pi, pi]"),
    ("Tower", "ET", 1e30, "beam energy"),
    ("Tower", "ET", 7001.0, "beam energy"),
    ("Particle", "Eta", 1e30, "unphysical"),
    ("Particle", "PT", 3e38, "beam energy"),
]


def _with_value(records: ak.Array, field: str, event: int, value: float) -> ak.Array:
    counts = ak.num(records, axis=1)
    flat = ak.to_numpy(ak.flatten(records[field])).astype(np.float32).copy()
    flat[int(np.sum(counts[:event]))] = value
    return ak.with_field(records, ak.unflatten(flat, counts), field)


@pytest.mark.parametrize(("collection", "field", "value", "problem"), BAD_VALUES)
def test_non_finite_and_negative_values_never_reach_fastjet(records, tmp_path, run_stage, faults, collection,
                                                            field, value, problem):
    towers, particles = records
    event = 3
    if collection == "Tower":
        towers = _with_value(towers, field, event, value)
    else:
        particles = _with_value(particles, field, event, value)
    bad = tmp_path / "bad.root"
    rewrite(bad, towers, particles)
    out = tmp_path / "out" / "towers.parquet"
    faults.refused(run_stage(*ingest_args(bad, out)), bad, f"leaf {collection}.{field}", problem, f"event {event}")
    assert not out.parent.exists() or faults.leftovers(out.parent) == []


def test_values_at_the_edges_of_the_ranges_pass_and_cluster(records, tmp_path, run_stage):
    """|eta| = 5, phi = +-pi (float32), ET at the beam energy: accepted, finite four-momenta."""
    towers, particles = records
    for field, value in (("Eta", 5.0), ("Eta", -5.0), ("Phi", np.float32(np.pi)), ("Phi", -np.float32(np.pi)),
                         ("ET", 7000.0)):
        towers = _with_value(towers, field, 1 + len(field) + int(value > 0), value)
    edge = tmp_path / "edge.root"
    rewrite(edge, towers, particles)
    assert run_stage(*ingest_args(edge, tmp_path / "edge.parquet")).status == 0


def test_counter_that_disagrees_with_its_leaves(records, tmp_path, run_stage, faults):
    towers, particles = records
    counts = ak.to_numpy(ak.num(towers, axis=1)).astype(np.int32)
    counts[2] += 1
    bad = tmp_path / "counter.root"
    with uproot.recreate(bad) as out:
        branches = {"Tower": towers, "Particle": particles}
        out.mktree(TREE, {"Tower_size": np.int32, **{name: a.type.content for name, a in branches.items()}},
                   counter_name=lambda name: f"{name}_n", field_name=lambda outer, inner: f"{outer}.{inner}")
        out[TREE].extend({"Tower_size": counts, **branches})
    faults.refused(run_stage(*ingest_args(bad, tmp_path / "c.parquet")), bad, "leaf Tower_size", "event 2")
    assert faults.leftovers(tmp_path) == ["counter.root"]


def test_nan_tower_in_a_separate_process_exits_2_not_139(records, tmp_path):
    towers, particles = records
    bad = tmp_path / "nan.root"
    rewrite(bad, _with_value(towers, "ET", 0, np.nan), particles)
    proc = subprocess.run([sys.executable, "-m", "attnphys", "jets", "ingest", "--input", str(bad), "--class", "2",
                           "--out", str(tmp_path / "out.parquet")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "Tower.ET" in errors[0] and "event 0" in errors[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nan.root"]


def test_renamed_and_retyped_leaves_name_the_leaf(records, tmp_path, run_stage, faults):
    towers, particles = records
    renamed = tmp_path / "renamed.root"
    rewrite(renamed, ak.zip({("EX" if f == "ET" else f): towers[f] for f in towers.fields}, depth_limit=2), particles)
    faults.refused(run_stage(*ingest_args(renamed, tmp_path / "a.parquet")), renamed, "Tower.ET")

    retyped = tmp_path / "retyped.root"
    without_et = towers[[f for f in towers.fields if f != "ET"]]
    rewrite(retyped, without_et, particles, extra={"Tower_ET": ak.sum(towers.ET, axis=1)})
    faults.refused(run_stage(*ingest_args(retyped, tmp_path / "b.parquet")), retyped, "Tower.ET",
                   "list of numbers per event")

    booleans = tmp_path / "booleans.root"
    rewrite(booleans, ak.with_field(towers, towers.ET > 10, "ET"), particles)
    faults.refused(run_stage(*ingest_args(booleans, tmp_path / "c.parquet")), booleans, "Tower.ET", "booleans")
    assert faults.leftovers(tmp_path) == ["booleans.root", "renamed.root", "retyped.root"]


def test_missing_file_and_symlinked_copy(delphes_file, tmp_path, run_stage, faults):
    faults.refused(run_stage(*ingest_args(tmp_path / "absent.root", tmp_path / "a.parquet")), "absent.root")
    link = tmp_path / "link.root"
    link.symlink_to(delphes_file)
    assert run_stage(*ingest_args(link, tmp_path / "b.parquet")).status == 0  # one file, one name: fine
