"""Classes flow from the config, and labels are checked before the first epoch.

A subset run with ``classes: ["1", "2"]`` (dataset -> train -> evaluate -> report, the real
stages) has exactly two outputs and reports exactly those two classes, with per-class
accuracies equal to the ones counted from the predictions. Splits with float labels,
labels out of range, class names that disagree with the labels, or another class order are
refused with exit status 2 naming the file and the column, before training starts (no
model, history or checkpoint is written) or before evaluation writes anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from attnphys.jets.dataset import CLASSES_METADATA
from attnphys.train.engine import load_weights

SMALL = json.dumps({"width": 16, "depth": 1, "bottleneck": 8})


@pytest.fixture
def dataset(towers_files, tmp_path, run_stage, faults):
    out = tmp_path / "dataset"
    assert run_stage(*faults.dataset_args(list(towers_files.values()), out)).status == 0
    return out


def train_args(dataset, out, *extra, train=None, val=None):
    return ["jets", "train", "--model", "hl_dnn", "--train", train or dataset / "train.parquet",
            "--val", val or dataset / "val.parquet", "--out-model", out / "model.pt",
            "--out-history", out / "history.csv", "--epochs", 15, "--patience", 15, "--batch-size", 16, "--lr", 0.01,
            "--device", "cpu", "--threads", 1, "--params", SMALL, *extra]


def evaluate_args(model, test, out):
    return ["jets", "evaluate", "--checkpoint", model, "--test", test, "--out-predictions",
            out / "predictions.parquet", "--out-metrics", out / "metrics.json", "--device", "cpu"]


def test_two_class_subset_reports_exactly_those_classes(dataset, tmp_path, run_stage, faults):
    models = tmp_path / "models" / "hl_dnn" / "seed0"
    assert run_stage(*train_args(dataset, models, "--classes", "1", "2")).status == 0
    record = load_weights(models / "model.pt")["extra"]
    assert record["classes"] == ["1", "2"] and record["sizes"]["n_classes"] == 2
    evals = tmp_path / "eval" / "hl_dnn" / "seed0"
    assert run_stage(*evaluate_args(models / "model.pt", dataset / "test.parquet", evals)).status == 0
    metrics = json.loads((evals / "metrics.json").read_text())
    predictions = pd.read_parquet(evals / "predictions.parquet")
    assert metrics["classes"] == ["1", "2"] and list(metrics["per_class_accuracy"]) == ["1", "2"]
    assert [c for c in predictions.columns if c.startswith("prob_")] == ["prob_0", "prob_1"]
    for label, name in enumerate(["1", "2"]):
        rows = predictions[predictions["label"] == label]
        assert len(rows) > 0
        assert metrics["per_class_accuracy"][name] == pytest.approx((rows["pred"] == label).mean())
    assert np.array(metrics["confusion"]).shape == (2, 2)
    assert min(metrics["per_class_accuracy"].values()) > 0.8  # light vs heavy jets: separable in mass

    report = tmp_path / "report"
    outcome = run_stage(
        "jets", "report", "--models", "hl_dnn", "--seeds", 0, "--metrics", evals / "metrics.json",
        "--predictions", evals / "predictions.parquet", "--histories", models / "history.csv",
        *[a for s in ("train", "val", "test") for a in (f"--{s}", dataset / f"{s}.parquet")],
        "--dataset-summary", dataset / "summary.json", "--mass-window", 300, 700, "--pt-window", 1000, 1200,
        "--out-summary", report / "summary.csv", "--out-markdown", report / "report.md",
        "--out-confusion", report / "confusion.png", "--out-accuracy-vs-mass", report / "acc.png",
        "--out-spectra", report / "spectra.png", "--out-curves", report / "curves.png",
        "--out-roc", report / "roc.png", "--out-roc-table", report / "roc.csv")
    assert outcome.status == 0, outcome
    roc = pd.read_csv(report / "roc.csv")
    assert roc["class"].astype(str).tolist() == ["1", "2"]  # one row per class of the run
    assert roc.loc[1, "qcd_rejection_at_50"] >= 1.0 and np.isnan(roc.loc[0, "qcd_rejection_at_50"])
    text = (report / "report.md").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| Model") and "Inference" in line)
    assert [c.strip() for c in header.strip("|").split("|")] == ["Model", "1", "2", "Inference [jets/s]"]


def _rewrite(path, out, change):
    table = pq.read_table(path)
    pq.write_table(change(table), out)
    return out


def _set(table, name, array):
    return table.set_column(table.schema.get_field_index(name), name, array)


def test_bad_labels_are_refused_before_the_first_epoch(dataset, tmp_path, run_stage, faults):
    out = tmp_path / "model"
    val = dataset / "val.parquet"
    cases = {
        "float labels": (lambda t: _set(t, "label", pc.cast(t["label"], pa.float64())), "column label", "integers"),
        "label out of range": (lambda t: _set(t, "label", pa.array(np.where(np.arange(t.num_rows) == 3, 7,
                                                                              t["label"].to_numpy()))),
                               "column label", "label 7 in row 3"),
        "class disagrees": (lambda t: _set(t, "class", pa.array(["2"] * t.num_rows)), "column class", "row 0"),
        "other class order": (lambda t: t.replace_schema_metadata({CLASSES_METADATA: json.dumps(["2", "1"])}),
                              "metadata attnphys.classes", "['2', '1']"),
    }
    for name, (change, field, detail) in cases.items():
        bad = _rewrite(val, tmp_path / f"{name.replace(' ', '_')}.parquet", change)
        faults.refused(run_stage(*train_args(dataset, out, "--classes", "1", "2", val=bad)), bad, field, detail)
        assert not out.exists(), name
    faults.refused(run_stage(*train_args(dataset, out, "--classes", "1", "2", "4q")), "train.parquet",
                   "metadata attnphys.classes", "['1', '2', '4q']")
    assert not out.exists()


def test_evaluation_refuses_a_test_split_of_another_class_order(dataset, tmp_path, run_stage, faults):
    models = tmp_path / "model"
    assert run_stage(*train_args(dataset, models, "--classes", "1", "2")).status == 0
    test = dataset / "test.parquet"
    swapped = _rewrite(test, tmp_path / "swapped.parquet", lambda t: _set(
        t.replace_schema_metadata({CLASSES_METADATA: json.dumps(["2", "1"])}), "label",
        pc.subtract(pa.scalar(1, pa.int64()), t["label"])))
    evals = tmp_path / "eval"
    faults.refused(run_stage(*evaluate_args(models / "model.pt", swapped, evals)), swapped,
                   "metadata attnphys.classes", "['2', '1']")
    unrecorded = _rewrite(test, tmp_path / "unrecorded.parquet", lambda t: _set(
        t.replace_schema_metadata({}), "label", pc.subtract(pa.scalar(1, pa.int64()), t["label"])))
    faults.refused(run_stage(*evaluate_args(models / "model.pt", unrecorded, evals)), unrecorded, "column class")
    assert not evals.exists()

    cut = tmp_path / "cut.pt"
    cut.write_bytes((models / "model.pt").read_bytes()[:5000])
    faults.refused(run_stage(*evaluate_args(cut, test, evals)), cut, "checkpoint")
    with pytest.raises(SystemExit):
        run_stage(*evaluate_args(models / "model.pt", test, evals), "--batch-size", "0")
    assert not evals.exists()


def _fixed_lists(table, name, change):
    values = np.array(table[name].to_pylist())
    change(values)
    width = values.shape[1]
    return _set(table, name, pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), width))


SPLIT_FAULTS = {
    "nan jet mass": ("hl_dnn", lambda t: _set(t, "jet_mass", pa.array(
        np.where(np.arange(t.num_rows) == 2, np.nan, t["jet_mass"].to_numpy()), pa.float32())),
        "column jet_mass", "row 2"),
    "inf tau": ("hl_dnn", lambda t: _set(t, "tau2_b1", pa.array(
        np.where(np.arange(t.num_rows) == 4, np.inf, t["tau2_b1"].to_numpy()), pa.float32())), "column tau2_b1", "row 4"),
    "mask with a gap": ("pfn", lambda t: _fixed_lists(t, "tower_mask", lambda v: v.__setitem__((5, 0), False)),
                        "column tower_mask", "row 5"),
    "zero tower pt": ("pfn", lambda t: _fixed_lists(t, "tower_pt", lambda v: v.__setitem__((1, 0), 0.0)),
                      "column tower_pt", "row 1"),
    "null class": ("hl_dnn", lambda t: _set(t, "class", pa.array([None] + t["class"].to_pylist()[1:], pa.string())),
                   "column class", "null"),
}


@pytest.mark.parametrize("fault", list(SPLIT_FAULTS))
def test_bad_split_values_are_refused_before_training(dataset, tmp_path, run_stage, faults, fault):
    model, change, field, detail = SPLIT_FAULTS[fault]
    bad = _rewrite(dataset / "train.parquet", tmp_path / "train.parquet", change)
    args = train_args(dataset, tmp_path / "model", "--classes", "1", "2", train=bad)
    args[args.index("hl_dnn")] = model
    args[args.index("--params") + 1] = json.dumps({"phi": [8], "f": [8]}) if model == "pfn" else SMALL
    faults.refused(run_stage(*args), bad, field, detail)
    assert not (tmp_path / "model").exists()


@pytest.mark.slow
def test_workflow_subset_run_reports_exactly_the_configured_classes(dataset, tmp_path):
    """Snakemake from the dataset of classes ["1", "2"] to the jets report: --classes reaches training."""
    repo = Path(__file__).resolve().parents[2]
    out = tmp_path / "results"
    (out / "jets").mkdir(parents=True)
    (out / "jets" / "dataset").symlink_to(dataset, target_is_directory=True)
    overlay = {"outdir": str(out), "device": "cpu",
               "jets": {"classes": ["1", "2"], "models": ["hl_dnn"], "seeds": [0], "threads": 1,
                        "train": {"epochs": 15, "patience": 15, "batch_size": 16, "lr": 0.01},
                        "model_params": {"hl_dnn": json.loads(SMALL)}},
               "spanet": {"enabled": False}, "gating": {"enabled": False}, "neutron_stars": {"enabled": False}}
    (tmp_path / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(repo / "Snakefile"), "--directory",
                           str(tmp_path), "--cores", "2", "--configfile", str(tmp_path / "overlay.yaml"),
                           "--allowed-rules", "jets_train", "jets_evaluate", "jets_build_report", "--",
                           str(out / "jets" / "report" / "summary.csv")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    metrics = json.loads((out / "jets" / "eval" / "hl_dnn" / "seed0" / "metrics.json").read_text())
    predictions = pd.read_parquet(out / "jets" / "eval" / "hl_dnn" / "seed0" / "predictions.parquet")
    assert metrics["classes"] == ["1", "2"] and list(metrics["per_class_accuracy"]) == ["1", "2"]
    for label, name in enumerate(metrics["classes"]):
        rows = predictions[predictions["label"] == label]
        assert metrics["per_class_accuracy"][name] == pytest.approx((rows["pred"] == label).mean())
    text = (out / "jets" / "report" / "report.md").read_text()
    header = next(line for line in text.splitlines() if line.startswith("| Model") and "Inference" in line)
    assert [c.strip() for c in header.strip("|").split("|")] == ["Model", "1", "2", "Inference [jets/s]"]
