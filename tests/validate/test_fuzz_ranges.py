"""Property-based fuzzing of every reader with physically out-of-range values, not only NaN.

One entry of a valid file is replaced by a drawn value (huge, tiny, negative, just past a
range edge, NaN, infinite). The reader either accepts the file, and then the value lies in
the physical range the README states (|eta| <= 5 for towers, phi in [-pi, pi], pT and ET
in [0, 7000] GeV, ...) and what follows it works (FastJet clusters to finite jets, model
records load to finite weights), or refuses it with a ValueError of one line naming the
file and the field. Never another exception, never a crash."""

from __future__ import annotations

import math

import awkward as ak
import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from attnphys.detector.calorimeter import TOWER_FIELDS
from attnphys.detector.delphes_tree import PARTICLE_FIELDS, open_delphes, read_collection
from attnphys.detector.jets import cluster
from attnphys.jets.dataset import TOWER_FILE_COLUMNS
from attnphys.neutrino.pixelmap import read_dataset, write_dataset
from attnphys.parquet import read_columns
from attnphys.spanet.h5layout import read_h5, write_h5
from attnphys.validate.towers import check_towers_table

FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
BEAM, ETA, PI = 7000.0, 5.0, math.pi
EDGE = 1e-3  # float32 rounding allowance of the oracle below

# Values around every edge and far beyond, as float32 (what the files hold).
VALUES = st.one_of(
    st.sampled_from([0.0, -0.0, -1e-30, 1e-30, 4.999, 5.001, -5.001, 3.1416, -3.1416, 3.2, 300.0, 710.0, 1e30,
                     -1e30, 3e38, 6999.0, 7000.5, math.nan, math.inf, -math.inf]),
    st.floats(width=32, allow_nan=True, allow_infinity=True),
)


def physical(field: str, value: float, collection: str = "Tower") -> bool:
    """The oracle: the stated range of ``field`` (with float32 rounding)."""
    if not math.isfinite(value):
        return False
    if field in ("ET", "PT", "pt", "tower_pt", "jet_pt"):
        return -0.0 <= value <= BEAM + EDGE
    if field in ("Phi", "phi", "tower_phi", "jet_phi", "tower_dphi"):
        return abs(value) <= PI + EDGE
    if field in ("Eta", "eta", "tower_eta", "jet_eta"):
        return abs(value) <= (ETA if collection == "Tower" else 999.9) + EDGE
    return True


def one_line_naming(err: ValueError, path, field: str) -> None:
    text = str(err)
    assert str(path) in text and field in text and "\n" not in text.strip(), text


def _replace(records: ak.Array, field: str, index: int, value: float) -> ak.Array:
    counts = ak.num(records, axis=1)
    flat = ak.to_numpy(ak.flatten(records[field])).astype(np.float32).copy()
    flat[index % len(flat)] = value
    return ak.with_field(records, ak.unflatten(flat, counts), field)


@given(field=st.sampled_from(["ET", "Eta", "Phi"]), collection=st.sampled_from(["Tower", "Particle"]),
       index=st.integers(0, 10_000), value=VALUES)
@FUZZ
def test_delphes_reader_and_fastjet(delphes_file, tmp_path, field, collection, index, value):
    import uproot

    from attnphys.detector.delphes_tree import TREE

    towers = read_collection(delphes_file, "Tower", TOWER_FIELDS)
    particles = read_collection(delphes_file, "Particle", PARTICLE_FIELDS)
    field = "PT" if collection == "Particle" and field == "ET" else field
    value = float(np.float32(value))
    if collection == "Tower":
        towers = _replace(towers, field, index, value)
    else:
        particles = _replace(particles, field, index, value)
    path = tmp_path / "fuzzed.root"
    with uproot.recreate(path) as out:
        branches = {"Tower": towers, "Particle": particles}
        out.mktree(TREE, {n: a.type.content for n, a in branches.items()}, counter_name=lambda n: f"{n}_size",
                   field_name=lambda outer, inner: f"{outer}.{inner}")
        out[TREE].extend(branches)
    try:
        with open_delphes(path, {"Tower": ("ET", "Eta", "Phi"), "Particle": ("PT", "Eta", "Phi")}) as events:
            records = events.read()
    except ValueError as err:
        assert not physical(field, value, collection), str(err)
        one_line_naming(err, path, f"{collection}.{field}")
        return
    assert physical(field, value, collection)
    t = records["Tower"]
    jets = cluster(t.ET, t.Eta, t.Phi, 1.2)
    for name in ("pt", "eta", "phi", "mass"):
        assert np.isfinite(ak.to_numpy(ak.flatten(jets[name]))).all()


@given(column=st.sampled_from(["jet_pt", "jet_eta", "jet_phi", "tower_pt", "tower_eta", "tower_phi", "tower_dphi"]),
       row=st.integers(0, 1000), value=VALUES)
@FUZZ
def test_towers_reader(towers_files, tmp_path, column, row, value):
    import pyarrow.parquet as pq

    table = pq.read_table(towers_files["2"])
    value = float(np.float32(value))
    row %= table.num_rows
    if column.startswith("jet_"):
        values = table[column].to_numpy().copy()
        values[row] = value
        array = pa.array(values, pa.float32())
    else:
        lists = table[column].to_pylist()
        lists[row][0] = value
        array = pa.array(lists, pa.list_(pa.float32()))
    table = table.set_column(table.schema.get_field_index(column), column, array)
    path = tmp_path / "fuzzed.parquet"
    pq.write_table(table, path)
    try:
        check_towers_table(path, read_columns(path, TOWER_FILE_COLUMNS, "towers file"))
    except ValueError as err:
        assert not physical(column, value), str(err)
        one_line_naming(err, path, f"column {column}")
        return
    assert physical(column, value)


@given(field=st.sampled_from(["pt", "eta", "phi", "mass", "btag", "MASK"]), event=st.integers(0, 39),
       value=VALUES)
@FUZZ
def test_spanet_reader(spanet_events, tmp_path, field, event, value):
    import h5py

    path = tmp_path / "fuzzed.h5"
    write_h5(path, spanet_events())
    value = float(np.float32(value))
    with h5py.File(path, "r+") as f:
        key = f"INPUTS/Source/{field}"
        values = f[key][()].astype(np.float32)
        values[event, 0] = value  # jet 0 is real in every event
        del f[key]
        f.create_dataset(key, data=values)
    try:
        data = read_h5(path)
    except ValueError as err:
        one_line_naming(err, path, "INPUTS/Source/")
        return
    real = data.mask
    assert data.mask.dtype == bool and real.any(axis=1).all()
    assert ((data.pt[real] > 0) & (data.pt[real] <= BEAM)).all() and (data.mass[real] >= 0).all()
    assert (np.abs(data.eta[real]) <= ETA + EDGE).all() and (np.abs(data.phi[real]) <= PI + EDGE).all()
    assert np.isin(data.btag[real], (0, 1)).all()


@given(name=st.sampled_from(["event_label", "split", "reco_prong_label", "truth_prong_index", "pixel_maps",
                             "e_nu"]),
       value=st.one_of(st.integers(-300, 300), VALUES))
@FUZZ
def test_neutrino_reader(tmp_path, neutrino_maps, name, value):
    arrays, attrs = neutrino_maps()
    target = arrays[name]
    if np.issubdtype(target.dtype, np.integer):
        assume(isinstance(value, int) and np.iinfo(target.dtype).min <= value <= np.iinfo(target.dtype).max)
    elif target.dtype == np.float16:
        assume(not (math.isfinite(value) and abs(value) > 6e4))
    target.reshape(-1)[7] = value
    path = tmp_path / "fuzzed.h5"
    write_dataset(path, arrays, attrs)
    try:
        data, _ = read_dataset(path)
    except ValueError as err:
        one_line_naming(err, path, name)
        return
    assert data["event_label"].min() >= 0 and data["event_label"].max() < len(attrs["classes"])
    assert np.isin(data["split"], (0, 1, 2)).all()
    assert data["reco_prong_label"].min() >= -1 and data["reco_prong_label"].max() < len(attrs["prong_classes"])
    assert data["truth_prong_index"].max() < attrs["max_prongs"]
    for key in ("pixel_maps", "e_nu"):
        values = data[key].astype(np.float64)
        assert np.isfinite(values).all() and (values >= 0).all()


@given(key=st.sampled_from(["pt_window", "mass_window", "n_classes", "classes", "weight"]),
       value=st.one_of(VALUES, st.integers(-3, 5)), other=st.one_of(VALUES, st.integers(-3, 5)))
@FUZZ
def test_model_record_loader(tmp_path, key, value, other):
    import torch

    from attnphys.jets.dataset import preprocessing
    from attnphys.jets.models import MODELS
    from attnphys.train import checkpoint
    from attnphys.train.record import load_model, model_record

    params, sizes = {"width": 8, "depth": 1, "bottleneck": 4}, {"n_features": 17, "n_classes": 3}
    torch.manual_seed(0)
    state = MODELS["hl_dnn"](**sizes, **params).state_dict()
    windows = {"pt_window": [1000.0, 1200.0], "mass_window": [300.0, 700.0]}
    classes = ["1", "2", "3"]
    if key in windows:
        windows[key] = [value, other]
    elif key == "n_classes":
        sizes = {**sizes, "n_classes": value}
    elif key == "classes":
        classes = classes[: int(value) % 4] if isinstance(value, int) else [str(value)] * 3
    else:
        first = next(k for k in state if k.endswith("weight"))
        state[first] = state[first].clone().fill_(float(value))
    extra = model_record("hl_dnn", params, sizes, classes=classes, inputs=["hl"], preprocess="none",
                         preprocessing=preprocessing(windows["pt_window"], windows["mass_window"], 20))
    path = tmp_path / "model.pt"
    checkpoint.save({"state_dict": state, "extra": extra}, path)
    try:
        model, info = load_model(path, MODELS)
    except ValueError as err:
        assert str(path) in str(err) and "\n" not in str(err)
        return
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert len(info["classes"]) == len(set(info["classes"])) == info["sizes"]["n_classes"]
    for lo, hi in (info["preprocessing"]["pt_window"], info["preprocessing"]["mass_window"]):
        assert math.isfinite(lo) and math.isfinite(hi) and 0 <= lo < hi
