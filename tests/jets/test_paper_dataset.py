"""The paper's published N-prong file as a source of jets (attnphys.jets.paper_dataset).

A fixture writes a small file in exactly the published layout from our simulated jets (the
generated chunks of conftest, through ingest and the dataset stage, then the authors'
normalisation and centring and their tau_N convention: attnphys.jets.paper_layout); the stage
must give back the classes, towers and features, agree with its own tau_N check, and refuse
every malformed variant in one line naming the file and the key, writing nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pyarrow.parquet as pq
import pytest

from attnphys.jets.dataset import SPLITS, DatasetFiles, build_dataset
from attnphys.jets.ingest import ingest
from attnphys.jets.nsubjettiness import FEATURES, R0
from attnphys.jets.paper_dataset import NOMINAL_PT, PAPER_CLASSES, PaperFiles, build_paper_dataset
from attnphys.jets.paper_layout import write_paper_layout
from attnphys.jets.prong_classes import CLASS_NAMES
from attnphys.jets.split import NSUBS_COLUMNS, read_preprocessing
from attnphys.validate import BadInput

WINDOWS = {"pt_window": (700.0, 1600.0), "mass_window": (20.0, 900.0)}


@pytest.fixture(scope="module")
def simulated(generated_chunks, tmp_path_factory):
    """Our simulated dataset (every class, wide windows, one (mass, pT) cell) and the same jets
    written in the published layout."""
    folder = tmp_path_factory.mktemp("paper")
    towers = []
    for cls in CLASS_NAMES:
        towers.append(folder / f"{cls}.parquet")
        ingest(generated_chunks.paths[cls], cls, towers[-1], **WINDOWS)
    files = DatasetFiles.in_folder(folder / "sim")
    build_dataset(towers, files, list(CLASS_NAMES), jets_per_class=1000, flatten_bins=(1, 1),
                  split=(0.6, 0.2, 0.2), **WINDOWS)
    splits = [files.train, files.val, files.test]
    paper = folder / "dataset_PtNormed.h5"
    n = write_paper_layout(splits, paper)
    assert n >= 7 * 5
    return {"folder": folder, "splits": splits, "paper": paper, "n": n}


def _convert(paper: Path, out: Path, **kw) -> tuple[dict, PaperFiles]:
    files = PaperFiles.in_folder(out)
    return build_paper_dataset(paper, files, list(CLASS_NAMES), **kw), files


def _rows(files: PaperFiles):
    import pyarrow as pa

    return pa.concat_tables([pq.read_table(getattr(files.dataset, s)) for s in SPLITS])


def test_fixture_is_the_published_layout(simulated):
    with h5py.File(simulated["paper"], "r") as f:
        n = simulated["n"]
        assert f["Constituents/threeM"].shape == (n, 230, 3) and f["Constituents/threeM"].dtype == np.float32
        assert all(f[f"Nsubs/Nsubs_beta{b}"].shape == (n, 45) for b in ("05", "10", "20"))
        three = f["Constituents/threeM"][()].astype(np.float64)
        real = three[:, :, 0] > 0
        np.testing.assert_allclose(three[:, :, 0].sum(axis=1), 1.0, atol=1e-5)
        # eta centred on the pT-weighted mean, phi on the circular mean (generate_datasets.py)
        np.testing.assert_allclose(np.sum(three[:, :, 0] * three[:, :, 1], axis=1), 0.0, atol=1e-5)
        np.testing.assert_allclose(np.sum(three[:, :, 0] * np.sin(three[:, :, 2]), axis=1), 0.0, atol=1e-5)
        assert (np.abs(three[:, :, 2]) <= np.pi).all() and not (three[~real] != 0).any()
        assert set(f["target"][()]) == set(range(7)) and f["jet_PT"][()].max() <= 1.0 + 1e-5


def test_classes_towers_and_features_come_back(simulated, tmp_path):
    summary, files = _convert(simulated["paper"], tmp_path / "out", seed=4)
    table = _rows(files)
    import pyarrow as pa

    sim = pa.concat_tables([pq.read_table(p) for p in simulated["splits"]])
    order = np.argsort(table["source_entry"].to_numpy())
    assert table["source_entry"].to_numpy()[order].tolist() == list(range(simulated["n"]))
    assert [table["class"][int(i)].as_py() for i in order] == sim["class"].to_pylist()
    label = table["label"].to_numpy()[order]
    assert label.tolist() == [CLASS_NAMES.index(c) for c in sim["class"].to_pylist()]
    # pT and mass back in GeV: the normalised values x 1100 GeV, the nominal scalar pT sum
    with h5py.File(simulated["paper"], "r") as f:
        jet_pt, jet_mass = f["jet_PT"][()], f["jet_Mass"][()]
        nsubs = {b: f[f"Nsubs/Nsubs_beta{b}"][()] for b in ("05", "10", "20")}
    pt = np.stack(table["tower_pt"].to_numpy(zero_copy_only=False))[order]
    np.testing.assert_allclose(pt.sum(axis=1), NOMINAL_PT, rtol=1e-4)
    np.testing.assert_allclose(table["jet_pt"].to_numpy()[order], NOMINAL_PT * jet_pt, rtol=1e-6)
    np.testing.assert_allclose(table["jet_mass"].to_numpy()[order], NOMINAL_PT * jet_mass, rtol=1e-6)
    # the mass over the pT of the normalised jet is the simulated jet's own (boost along the jet)
    np.testing.assert_allclose(jet_mass / jet_pt, (sim["jet_mass"].to_numpy() / sim["jet_pt"].to_numpy()), rtol=2e-3)
    assert (np.diff(pt, axis=1) <= 0).all()  # sorted by decreasing pT, padding last
    assert table["n_towers"].to_numpy()[order].tolist() == sim["n_towers"].to_pylist()
    # The talk's 16: our normalised measure = the file's / R0^beta; equal to the dataset stage's
    # own values on the GeV towers (tau_N is invariant under pT scale, eta shift and phi rotation),
    # except for the rare jet whose exclusive-kT axes flip on the float32 rounding of its towers.
    for name in FEATURES:
        n, beta = (int(v) for v in name.removeprefix("tau").split("_b"))
        ours = table[name].to_numpy()[order]
        np.testing.assert_allclose(ours, (nsubs[f"{beta}0"][:, n - 1] / R0**beta).astype(np.float32), rtol=1e-6)
        rel = np.abs(ours - sim[name].to_numpy()) / np.maximum(sim[name].to_numpy(), 1e-6)
        assert np.median(rel) < 1e-4 and np.mean(rel > 2e-3) <= 0.05, (name, np.sort(rel)[-5:])
    np.testing.assert_array_equal(table["tau45_beta05"].to_numpy()[order], nsubs["05"][:, 44])
    assert set(NSUBS_COLUMNS) <= set(table.column_names)
    # paper's 80/10/10 as exact counts
    n = simulated["n"]
    edges = np.round(np.cumsum([0, 0.8, 0.1, 0.1]) * n).astype(int)
    assert summary["splits"] == dict(zip(SPLITS, np.diff(edges).tolist()))
    record = read_preprocessing(files.dataset.test)
    assert record["source"] == {"name": "paper", "file": str(simulated["paper"]), "pt_scale": "normalised",
                                "mass_scale": "normalised", "nominal_pt": NOMINAL_PT}
    check = json.loads(files.consistency.read_text())
    assert check["agree"] is True and check["jets_checked"] == min(200, n)
    assert check["jets_partly_outside_leading_jet"] == 0  # the fixture's jet is all its towers
    assert all(b["disagreeing"] == 0 and b["max_rel_diff"] < 1e-6 for b in check["betas"].values())


def test_split_follows_the_seed(simulated, tmp_path):
    def assignment(seed, out):
        _, files = _convert(simulated["paper"], tmp_path / out, seed=seed, check_jets=0)
        return {s: sorted(pq.read_table(getattr(files.dataset, s))["source_entry"].to_pylist()) for s in SPLITS}

    first, again, other = assignment(1, "a"), assignment(1, "b"), assignment(2, "c")
    assert first == again and first != other
    assert sorted(sum(first.values(), [])) == list(range(simulated["n"]))


def test_physical_jet_values_are_taken_in_gev(simulated, tmp_path):
    paper = tmp_path / "physical.h5"
    shutil.copy(simulated["paper"], paper)
    with h5py.File(paper, "r+") as f:
        pt = 1000.0 + 200.0 * np.linspace(0, 1, len(f["jet_PT"]))
        f["jet_Mass"][...] = f["jet_Mass"][()] * pt
        f["jet_PT"][...] = pt
    summary, files = _convert(paper, tmp_path / "out", check_jets=0)
    assert (summary["layout"]["pt_scale"], summary["layout"]["mass_scale"]) == ("GeV", "GeV")
    table = pq.read_table(files.dataset.train)
    rows = table["source_entry"].to_numpy()
    np.testing.assert_allclose(table["jet_pt"].to_numpy(), pt[rows].astype(np.float32))
    np.testing.assert_allclose(np.stack(table["tower_pt"].to_numpy(zero_copy_only=False)).sum(axis=1), pt[rows], rtol=1e-4)


def test_a_tau_disagreement_is_reported_with_numbers(simulated, tmp_path, capsys):
    paper = tmp_path / "off.h5"
    shutil.copy(simulated["paper"], paper)
    with h5py.File(paper, "r+") as f:
        f["Nsubs/Nsubs_beta10"][3, 1] *= 1.01
    summary, files = _convert(paper, tmp_path / "out", check_jets=10_000)
    check = json.loads(files.consistency.read_text())
    assert check["agree"] is False and summary["tau_check_agrees"] is False
    beta = check["betas"]["beta10"]
    assert beta["disagreeing"] == 1 and beta["worst"]["row"] == 3 and beta["worst"]["N"] == 2
    assert beta["max_rel_diff"] == pytest.approx(0.01 / 1.01, rel=1e-3)
    assert check["betas"]["beta05"]["disagreeing"] == 0 and check["disagreeing_jets_partly_outside"] == 0
    assert "tau_N check beta10: 1 of" in capsys.readouterr().out


def _malformed(source: Path, target: Path, kind: str) -> str:
    """A copy of ``source`` broken one way; returns the key the error must name."""
    if kind == "truncated":
        data = source.read_bytes()
        target.write_bytes(data[: len(data) // 2])
        return "file"
    shutil.copy(source, target)
    with h5py.File(target, "r+") as f:
        if kind == "missing key":
            del f["Nsubs/Nsubs_beta20"]
            return "Nsubs/Nsubs_beta20"
        if kind == "wrong shape":
            three = f["Constituents/threeM"][()]
            del f["Constituents/threeM"]
            f["Constituents/threeM"] = np.concatenate([three, three[:, :, :1]], axis=2)
            return "Constituents/threeM"
        if kind == "NaN":
            f["Constituents/threeM"][5, 0, 1] = np.nan
            return "Constituents/threeM"
        if kind == "label out of range":
            f["target"][2] = 7
            return "target"
        if kind == "mass neither normalised nor GeV":
            f["jet_Mass"][...] = 5.0
            return "jet_Mass"
        if kind == "few tau columns":
            for beta in ("05", "10", "20"):
                values = f[f"Nsubs/Nsubs_beta{beta}"][:, :6]
                del f[f"Nsubs/Nsubs_beta{beta}"]
                f[f"Nsubs/Nsubs_beta{beta}"] = values
            return "Nsubs/Nsubs_beta05"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["missing key", "wrong shape", "NaN", "label out of range", "truncated",
                                  "mass neither normalised nor GeV", "few tau columns"])
def test_malformed_file_is_one_line_exit_2_nothing_written(simulated, tmp_path, kind):
    bad = tmp_path / "bad.h5"
    key = _malformed(simulated["paper"], bad, kind)
    out = tmp_path / "out"
    args = [f"--out-{s}" for s in SPLITS]
    command = [sys.executable, "-m", "attnphys.cli", "jets", "paper-dataset", str(bad),
               *sum(([a, str(out / f"{s}.parquet")] for a, s in zip(args, SPLITS)), []),
               "--out-summary", str(out / "summary.json"), "--out-consistency", str(out / "consistency.json"),
               "--classes", *CLASS_NAMES]
    done = subprocess.run(command, capture_output=True, text=True)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert f"{bad}: {key}" in lines[0], lines[0]
    assert not out.exists() or list(out.iterdir()) == []


def test_classes_outside_the_config_are_left_out(simulated, tmp_path):
    files = PaperFiles.in_folder(tmp_path / "out")
    summary = build_paper_dataset(simulated["paper"], files, ["4q", "1"], check_jets=0)
    table = _rows(files)
    assert set(table["class"].to_pylist()) == {"4q", "1"}
    assert table["label"].to_pylist() == [["4q", "1"].index(c) for c in table["class"].to_pylist()]
    with h5py.File(simulated["paper"], "r") as f:
        target = f["target"][()]
    assert len(table) == sum(summary["splits"].values()) == int(np.isin(target, [0, 6]).sum())
    assert PAPER_CLASSES[6] == "4q" and PAPER_CLASSES[4] == "6"
    with pytest.raises(ValueError, match="jets.classes"):
        build_paper_dataset(simulated["paper"], files, ["1", "5"])
    with pytest.raises(BadInput, match="file"):
        build_paper_dataset(tmp_path / "out" / "train.parquet", files, ["1", "2"])


def _tiled(source: Path, target: Path, times: int) -> None:
    """``source`` with every key repeated ``times`` along the jets axis (a few hundred jets)."""
    with h5py.File(source, "r") as src, h5py.File(target, "w") as dst:
        def copy(name, node):
            if isinstance(node, h5py.Dataset):
                dst.create_dataset(name, data=np.concatenate([node[()]] * times))
        src.visititems(copy)


@pytest.mark.slow
def test_snakemake_from_the_paper_file_to_report_curve_predict_export_and_cross_source(
        simulated, generated_chunks, tmp_path, run_snakemake):
    """jets.source: paper, through the workflow: report (talk's table beside ours, the source
    named), learning curve, predict, ONNX export, and the cross-source table against our
    simulation (the generated chunks as user Delphes files); the default source's graph stays."""
    import pandas as pd
    import yaml

    paper = tmp_path / "dataset_PtNormed.h5"
    _tiled(simulated["paper"], paper, 3)
    tiny = yaml.safe_load((Path(__file__).resolve().parents[2] / ".test/config/config.yaml").read_text())
    overlay = {**tiny, "outdir": str(tmp_path / "results"), "device": "cpu"}
    overlay["jets"] = {
        **tiny["jets"], "source": "paper", "paper_file": str(paper), "paper_check_jets": 20,
        "jets_per_class": 1000, "flatten_bins": [1, 1], "max_towers": 80,
        "pt_window": list(WINDOWS["pt_window"]), "mass_window": list(WINDOWS["mass_window"]),
        "delphes_files": {c: [str(p)] for c, p in generated_chunks.paths.items()},
        "models": ["hl_dnn", "hl135", "pfn"], "seeds": [0],
        "train": {"epochs": 2, "batch_size": 32, "patience": 2},
        "learning_curve": {"models": ["hl_dnn", "hl135"], "fractions": [0.25, 0.5, 1.0]},
        "predict": {"files": [str(generated_chunks.paths["2"])], "model": "pfn", "seed": 0},
        "model_params": {**tiny["jets"]["model_params"], "hl135": {"width": 32, "depth": 2, "bottleneck": 16}},
    }
    run = run_snakemake(tmp_path, overlay, "jets_report", "jets_export", "jets_predict", "jets_learning_curve",
                        "jets_cross", timeout=1500)
    assert run.returncode == 0, run.stderr[-4000:]
    out = tmp_path / "results" / "jets"
    assert not (out / "events").exists()  # user files, nothing generated
    assert json.loads((out / "dataset" / "consistency.json").read_text())["agree"] is True
    assert read_preprocessing(out / "dataset" / "test.parquet")["source"]["name"] == "paper"
    report = (out / "report" / "report.md").read_text()
    assert "Source: the paper's published jets" in report and str(paper) in report
    assert "86.90 % (paper v2)" in report and "84.14 ± 0.45 %" in report
    summary = pd.read_csv(out / "report" / "summary.csv").set_index("model")
    assert summary.loc["hl135", "n_params"] == 136 * 32 + 32 + 32 * 32 + 32 + 32 * 16 + 16 + 16 * 7 + 7
    assert summary.loc["hl135", "accuracy_paper"] == 86.90
    assert all((out / "models" / m / "seed0" / "model.onnx").exists() for m in ("hl_dnn", "hl135", "pfn"))
    assert pq.read_table(out / "predict" / next((out / "predict").iterdir()).name).num_rows >= 1
    curve = pd.read_csv(out / "learning_curve" / "table.csv")
    assert {"hl_dnn", "hl135", "trees"} <= set(curve["model"])
    cross = pd.read_csv(out / "report" / "cross_source.csv")
    assert len(cross) == 2 * 4 and set(cross["model"]) == {"hl_dnn", "pfn"}
    assert set(zip(cross["trained"], cross["tested"])) == {(t, e) for t in ("simulation", "paper")
                                                           for e in ("simulation", "paper")}
    assert {f"acc_{c}" for c in CLASS_NAMES} <= set(cross.columns)
    assert "Trained on" in (out / "report" / "cross_source.md").read_text()
    # the simulated splits of the cross-source run lie beside the paper's
    assert (out / "cross" / "simulation" / "dataset" / "test.parquet").exists()
