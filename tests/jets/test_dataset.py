"""Dataset stage: column contract, padding, flattening, split stability and bad input."""

from __future__ import annotations

import json

import awkward as ak
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats

from attnphys.cli import main
from attnphys.jets.dataset import SPLITS, DatasetFiles, build_dataset, dataset_schema
from attnphys.jets.ingest import TOWER_SCHEMA
from attnphys.jets.nsubjettiness import FEATURES, nsubjettiness

PT_WINDOW = (1000.0, 1200.0)
MASS_WINDOW = (300.0, 700.0)


def write_towers(path, cls, label, jet_pt, jet_mass, n_towers, rng, source_file=None):
    """A towers-cache file (the ingest stage's output contract) with random towers."""
    n = len(jet_pt)
    lists = {name: [] for name in ("tower_pt", "tower_eta", "tower_phi", "tower_deta", "tower_dphi")}
    jet_eta = rng.uniform(-1.5, 1.5, n)
    jet_phi = rng.uniform(-np.pi, np.pi, n)
    for i, count in enumerate(n_towers):
        deta = rng.normal(0.0, 0.3, count)
        dphi = rng.normal(0.0, 0.3, count)
        lists["tower_pt"].append(np.sort(rng.exponential(jet_pt[i] / count, count))[::-1])
        lists["tower_deta"].append(deta)
        lists["tower_dphi"].append(dphi)
        lists["tower_eta"].append(jet_eta[i] + deta)
        lists["tower_phi"].append(np.remainder(jet_phi[i] + dphi + np.pi, 2 * np.pi) - np.pi)
    table = pa.table(
        {
            "label": np.full(n, label, np.int32),
            "class": [cls] * n,
            "jet_pt": np.asarray(jet_pt, np.float32),
            "jet_eta": jet_eta.astype(np.float32),
            "jet_phi": jet_phi.astype(np.float32),
            "jet_mass": np.asarray(jet_mass, np.float32),
            "n_towers": np.asarray(n_towers, np.int32),
            **{k: [np.asarray(v, np.float32) for v in vals] for k, vals in lists.items()},
            "source_file": [source_file or f"events/{cls}/{path.stem}.root"] * n,
            "source_entry": np.arange(n, dtype=np.int64) * 3,
            "source_jet": np.zeros(n, dtype=np.int32),
        },
        schema=TOWER_SCHEMA,
    )
    pq.write_table(table, path)
    return path


def uniform_sample(rng, n):
    return rng.uniform(*PT_WINDOW, n), rng.uniform(*MASS_WINDOW, n)


def read_all(out_dir):
    return pa.concat_tables([pq.read_table(out_dir / f"{s}.parquet") for s in SPLITS])


def test_schema_padding_mask_and_features(tmp_path):
    rng = np.random.default_rng(1)
    n = 40
    n_towers = np.concatenate([[230, 231, 260, 1, 2], rng.integers(3, 120, n - 5)])
    files = []
    for label, cls in enumerate(("2", "4q")):
        pt, mass = uniform_sample(rng, n)
        files.append(write_towers(tmp_path / f"{cls}.parquet", cls, label + 3, pt, mass, n_towers, rng))
    out = tmp_path / "dataset"
    summary = build_dataset(files, DatasetFiles.in_folder(out), ["2", "4q"], jets_per_class=1000, flatten_bins=(1, 1), seed=3)
    assert summary["final_per_class"] == n  # one bin: everything is accepted

    expected = dataset_schema(230)
    assert expected.names[:7] == ["label", "class", "jet_pt", "jet_eta", "jet_phi", "jet_mass", "n_towers"]
    assert [f"tau{k}_b{b}" for b in (1, 2) for k in range(1, 9)] == expected.names[13:29]
    for split in SPLITS:
        assert pq.read_schema(out / f"{split}.parquet").equals(expected, check_metadata=False)
    table = read_all(out)
    assert table.num_rows == 2 * n
    assert table.schema.field("tower_pt").type == pa.list_(pa.float32(), 230)
    mask = np.stack(table["tower_mask"].to_numpy(zero_copy_only=False))
    n_tow = table["n_towers"].to_numpy()
    np.testing.assert_array_equal(mask.sum(axis=1), np.minimum(n_tow, 230))
    assert set(n_tow) >= {231, 260, 1}
    labels = dict(zip(table["class"].to_pylist(), table["label"].to_pylist()))
    assert labels == {"2": 0, "4q": 1}  # position in the classes list, not the cache label

    source = {name: pq.read_table(f) for name, f in zip(("2", "4q"), files)}
    for row in range(table.num_rows):
        cls = table["class"][row].as_py()
        entry = table["source_entry"][row].as_py()
        original = source[cls].filter(pa.compute.equal(source[cls]["source_entry"], entry))
        towers = np.asarray(original["tower_pt"][0].as_py(), np.float32)
        padded = np.asarray(table["tower_pt"][row].as_py(), np.float32)
        k = min(len(towers), 230)
        np.testing.assert_array_equal(padded[:k], towers[:k])
        assert np.all(padded[k:] == 0.0)
        if row < 3:  # features use all towers of the jet, not only the first 230
            ref = nsubjettiness(ak.Array([towers]), ak.Array([original["tower_eta"][0].as_py()]),
                                ak.Array([original["tower_phi"][0].as_py()]))
            for name in FEATURES:
                assert table[name][row].as_py() == pytest.approx(float(ref[name][0]), rel=1e-5)
    for name in table.schema.names:
        column = table[name]
        if pa.types.is_floating(column.type) or pa.types.is_fixed_size_list(column.type):
            values = pa.compute.list_flatten(column) if pa.types.is_fixed_size_list(column.type) else column
            if pa.types.is_floating(values.type):
                assert np.all(np.isfinite(values.to_numpy()))


def test_flattening_gives_flat_mass_and_pt_and_equal_counts(tmp_path):
    rng = np.random.default_rng(2)
    files = []
    sizes = {"1": 30000, "6": 12000}
    for label, (cls, n) in enumerate(sizes.items()):
        # Steeply falling pT and rising mass: far from flat before the stage.
        pt = PT_WINDOW[0] + rng.exponential(150.0, 3 * n)
        mass = MASS_WINDOW[0] + (MASS_WINDOW[1] - MASS_WINDOW[0]) * np.sqrt(rng.uniform(0, 1, 3 * n))
        inside = pt <= PT_WINDOW[1]
        pt, mass = pt[inside][:n], mass[inside][:n]
        files.append(write_towers(tmp_path / f"{cls}.parquet", cls, label, pt, mass, np.full(n, 2), rng))
    bins = (5, 4)
    out = tmp_path / "dataset"
    summary = build_dataset(files, DatasetFiles.in_folder(out), ["1", "6"], jets_per_class=10**6, flatten_bins=bins, seed=5)
    table = read_all(out)
    counts = {c: table["class"].to_pylist().count(c) for c in sizes}
    assert counts["1"] == counts["6"] == summary["final_per_class"] > 800
    assert json.loads((out / "summary.json").read_text()) == summary
    assert summary["shortfall_per_class"] == 10**6 - summary["final_per_class"]
    assert summary["classes"]["1"]["before_flattening"] == sizes["1"]

    edges = (np.linspace(*MASS_WINDOW, bins[0] + 1), np.linspace(*PT_WINDOW, bins[1] + 1))
    for cls in sizes:
        chosen = table.filter(pa.compute.equal(table["class"], cls))
        after, _, _ = np.histogram2d(chosen["jet_mass"].to_numpy(), chosen["jet_pt"].to_numpy(), edges)
        assert stats.chisquare(after.ravel()).pvalue > 1e-3, after
        source = pq.read_table(files[list(sizes).index(cls)])
        before, _, _ = np.histogram2d(source["jet_mass"].to_numpy(), source["jet_pt"].to_numpy(), edges)
        assert stats.chisquare(before.ravel()).pvalue < 1e-12  # the test could fail
        for axis in (0, 1):
            assert stats.chisquare(after.sum(axis=axis)).pvalue > 1e-3


def test_splits_are_stable_when_chunks_are_added(tmp_path):
    rng = np.random.default_rng(3)
    files = []
    for chunk in range(3):
        pt, mass = uniform_sample(rng, 1500)
        files.append(write_towers(tmp_path / f"2_{chunk}.parquet", "2", 1, pt, mass,
                                  np.full(1500, 2), rng, source_file=f"events/2/{chunk}.root"))
        pt, mass = uniform_sample(rng, 1500)
        files.append(write_towers(tmp_path / f"3_{chunk}.parquet", "3", 2, pt, mass,
                                  np.full(1500, 2), rng, source_file=f"events/3/{chunk}.root"))

    def splits(paths, out):
        build_dataset(paths, DatasetFiles.in_folder(out), ["2", "3"], jets_per_class=10**6, flatten_bins=(2, 2), seed=11)
        found = {}
        for split in SPLITS:
            t = pq.read_table(out / f"{split}.parquet", columns=["source_file", "source_entry"])
            found.update({k: split for k in zip(t["source_file"].to_pylist(), t["source_entry"].to_pylist())})
        return found

    small = splits(files[:4], tmp_path / "small")
    again = splits(files[:4], tmp_path / "again")
    large = splits(files, tmp_path / "large")
    assert small == again
    common = small.keys() & large.keys()
    assert len(common) > 0.5 * len(small)
    assert all(small[k] == large[k] for k in common)
    fractions = np.array([sum(v == s for v in large.values()) for s in SPLITS]) / len(large)
    np.testing.assert_allclose(fractions, [0.70, 0.15, 0.15], atol=0.03)
    for split in SPLITS:  # identical bytes for identical inputs
        assert (tmp_path / "small" / f"{split}.parquet").read_bytes() == \
            (tmp_path / "again" / f"{split}.parquet").read_bytes()


def test_bad_inputs_name_file_and_field(tmp_path):
    rng = np.random.default_rng(4)
    pt, mass = uniform_sample(rng, 50)
    good = write_towers(tmp_path / "2.parquet", "2", 1, pt, mass, np.full(50, 3), rng)
    other = write_towers(tmp_path / "3.parquet", "3", 2, pt, mass, np.full(50, 3), rng)
    out = tmp_path / "out"

    with pytest.raises(ValueError, match="class '3' has no jet"):
        sparse = write_towers(tmp_path / "3s.parquet", "3", 2, pt[:1], mass[:1], [3], rng)
        build_dataset([good, sparse], DatasetFiles.in_folder(out), ["2", "3"], jets_per_class=100, flatten_bins=(4, 4))
    with pytest.raises(ValueError, match="jets.split"):
        build_dataset([good, other], DatasetFiles.in_folder(out), ["2", "3"], 100, flatten_bins=(1, 1), split=(0.5, 0.2, 0.2))
    with pytest.raises(ValueError, match=r"3.parquet: column class: class\(es\) \['3'\]"):
        build_dataset([good, other], DatasetFiles.in_folder(out), ["2", "4q"], 100, flatten_bins=(1, 1))

    nan_file = tmp_path / "nan.parquet"
    table = pq.read_table(other)
    eta = table["tower_eta"].to_pylist()
    eta[0][1] = float("nan")
    pq.write_table(table.set_column(table.schema.get_field_index("tower_eta"), "tower_eta",
                                    pa.array(eta, pa.list_(pa.float32()))), nan_file)
    with pytest.raises(ValueError, match="nan.parquet: column tower_eta: non-finite value NaN in row 0"):
        build_dataset([good, nan_file], DatasetFiles.in_folder(out), ["2", "3"], 100, flatten_bins=(1, 1))

    missing = tmp_path / "missing.parquet"
    pq.write_table(pq.read_table(good).drop_columns(["jet_mass"]), missing)
    with pytest.raises(ValueError, match=r"missing.parquet: towers file lacks column\(s\) \['jet_mass'\]"):
        build_dataset([missing, other], DatasetFiles.in_folder(out), ["2", "3"], 100, flatten_bins=(1, 1))
    assert not out.exists() or not any(out.iterdir())  # nothing partial left behind

    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"PAR1 not really")
    assert main(["jets", "dataset", str(garbage), str(other), *out_flags(out),
                 "--classes", "2", "3", "--jets-per-class", "10"]) == 2


def out_flags(folder) -> list[str]:
    """The dataset CLI's output flags for the files of one folder."""
    files = DatasetFiles.in_folder(folder)
    return [flag for name in (*SPLITS, "summary") for flag in (f"--out-{name}", str(getattr(files, name)))]


def test_empty_towers_file_is_a_valid_input_and_cli_runs(tmp_path):
    rng = np.random.default_rng(5)
    pt, mass = uniform_sample(rng, 30)
    files = [write_towers(tmp_path / "2.parquet", "2", 1, pt, mass, np.full(30, 4), rng),
             write_towers(tmp_path / "8.parquet", "8", 6, pt, mass, np.full(30, 4), rng)]
    empty = tmp_path / "empty.parquet"
    pq.write_table(TOWER_SCHEMA.empty_table(), empty)
    out = tmp_path / "cli"
    code = main(["jets", "dataset", *map(str, files), str(empty), *out_flags(out),
                 "--classes", "8", "2", "--jets-per-class", "20", "--flatten-bins", "1", "1",
                 "--max-towers", "3", "--seed", "9"])
    assert code == 0
    table = read_all(out)
    assert table.num_rows == 40
    assert table.schema.field("tower_eta").type == pa.list_(pa.float32(), 3)
    assert dict(zip(table["class"].to_pylist(), table["label"].to_pylist())) == {"8": 0, "2": 1}


@pytest.mark.slow
def test_snakemake_from_generation_and_user_files_to_dataset(tmp_path, run_snakemake):
    """Class 1 generated by the workflow, class 2 from user Delphes files; then a params change."""
    from attnphys.jets.generate import generate_chunk

    user = tmp_path / "user"
    for chunk in (0, 1):
        generate_chunk("2", chunk, 40, 99, user / f"run_0{chunk}" / "tag_1_delphes_events.root")
    overlay = {
        "outdir": str(tmp_path / "results"),
        "seed": 5,
        "jets": {
            "classes": ["1", "2"],
            "jets_per_class": 4,
            "events_per_chunk": 40,
            "acceptance": {"1": 0.2, "2": 0.2},
            "pt_window": [700.0, 1600.0],
            "mass_window": [20.0, 900.0],
            "flatten_bins": [1, 1],
            "max_towers": 40,
            "delphes_files": {"2": [str(user / "run_*" / "*.root")]},
        },
        "spanet": {"enabled": False},
        "gating": {"enabled": False},
        "neutron_stars": {"enabled": False},
    }
    run = run_snakemake(tmp_path, overlay, "jets_dataset")
    assert run.returncode == 0, run.stderr[-3000:]

    out = tmp_path / "results" / "jets"
    assert sorted(p.name for p in (out / "events" / "1").iterdir()) == ["0.root"]
    assert not (out / "events" / "2").exists()
    user_chunks = sorted(p.stem for p in (out / "towers" / "2").iterdir())
    assert len(user_chunks) == 2 and all(c.startswith("tag_1_delphes_events-") for c in user_chunks)
    assert (tmp_path / "results" / "logs" / "jets" / "dataset.log").exists()
    table = read_all(out / "dataset")
    assert table.schema.equals(dataset_schema(40), check_metadata=False)
    counts = {c: table["class"].to_pylist().count(c) for c in ("1", "2")}
    summary = json.loads((out / "dataset" / "summary.json").read_text())
    assert counts["1"] == counts["2"] == summary["final_per_class"] >= 1
    sources = set(table.filter(pa.compute.equal(table["class"], "2"))["source_file"].to_pylist())
    assert sources <= {str(user / f"run_0{c}" / "tag_1_delphes_events.root") for c in (0, 1)}

    overlay["jets"]["flatten_bins"] = [1, 2]  # only the dataset job depends on it
    dry = run_snakemake(tmp_path, overlay, "jets_dataset", "-n")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "jets_build_dataset" in dry.stdout and "jets_ingest" not in dry.stdout
