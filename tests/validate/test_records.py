"""Honest checks of a trained model: a record that does not fit its model (reordered classes,
a reversed or NaN window, bad sizes, a state dict of other shapes) and weights that are not
finite are refused at load by every stage; an output that is not finite is an error in
evaluate, predict and ``export --check`` (NaN-aware), and a failed check leaves no ONNX file."""

from __future__ import annotations

import json
import math

import pytest
import torch

from attnphys.train import checkpoint

SMALL = json.dumps({"width": 16, "depth": 1, "bottleneck": 8})


@pytest.fixture(scope="module")
def trained(tmp_path_factory, towers_files_module):
    """A dataset of the fault suite's towers files and an hl_dnn trained on it for one epoch."""
    from attnphys.cli import main

    folder = tmp_path_factory.mktemp("records")
    files = list(towers_files_module.values())
    outs = [f for s in ("train", "val", "test") for f in (f"--out-{s}", folder / f"{s}.parquet")]
    assert main([str(a) for a in ["jets", "dataset", *files, *outs, "--out-summary", folder / "summary.json",
                                  "--classes", "1", "2", "--jets-per-class", 60, "--flatten-bins", 1, 1,
                                  "--seed", 1]]) == 0
    model = folder / "model.pt"
    assert main([str(a) for a in ["jets", "train", "--model", "hl_dnn", "--train", folder / "train.parquet",
                                  "--val", folder / "val.parquet", "--out-model", model, "--out-history",
                                  folder / "history.csv", "--epochs", 1, "--batch-size", 16, "--device", "cpu",
                                  "--threads", 1, "--params", SMALL]]) == 0
    return {"model": model, "test": folder / "test.parquet"}


def tampered(trained, tmp_path, change, name="model.pt"):
    weights = checkpoint.load(trained["model"])
    change(weights)
    path = tmp_path / name
    checkpoint.save(weights, path)
    return path


def stages(model, test, root, out):
    """Every stage that loads a tagger, writing into folder ``out``."""
    return {
        "evaluate": ["jets", "evaluate", "--checkpoint", model, "--test", test, "--out-predictions",
                     out / "predictions.parquet", "--out-metrics", out / "metrics.json", "--device", "cpu"],
        "predict": ["jets", "predict", "--checkpoint", model, "--input", root, "--out", out / "jets.parquet",
                    "--device", "cpu"],
        "export": ["jets", "export", "--checkpoint", model, "--out", out / "model.onnx", "--check", test],
    }


def _first_weight(weights, value):
    name = next(k for k in weights["state_dict"] if k.endswith("weight"))
    weights["state_dict"][name] = torch.full_like(weights["state_dict"][name], value)


def _window(key, window):
    def change(weights):
        weights["extra"]["preprocessing"][key] = window
    return change


RECORD_FAULTS = {
    "nan weight": (lambda w: _first_weight(w, math.nan), "state_dict", "non-finite weight"),
    "inf weight": (lambda w: _first_weight(w, math.inf), "state_dict", "non-finite weight"),
    "reordered classes": (lambda w: w["extra"].update(classes=w["extra"]["classes"][::-1]), "extra.classes",
                          "fingerprint"),
    "repeated classes": (lambda w: w["extra"].update(classes=["1", "1"]), "extra.classes", "repeat"),
    "reversed pt window": (_window("pt_window", [1200.0, 1000.0]), "extra.preprocessing.pt_window", "min < max"),
    "nan mass window": (_window("mass_window", [math.nan, 700.0]), "extra.preprocessing.mass_window", "finite"),
    "zero classes": (lambda w: w["extra"]["sizes"].update(n_classes=0), "extra.sizes.n_classes", "at least 1"),
    "three classes": (lambda w: w["extra"]["sizes"].update(n_classes=3), "extra.classes", "n_classes"),
    "wider features": (lambda w: w["extra"]["sizes"].update(n_features=18), "state_dict", "does not fit"),
}


@pytest.mark.parametrize("fault", list(RECORD_FAULTS))
def test_bad_records_are_refused_by_every_stage(trained, delphes_file, tmp_path, run_stage, faults, fault):
    change, field, detail = RECORD_FAULTS[fault]
    model = tampered(trained, tmp_path, change)
    out = tmp_path / "out"
    for stage, argv in stages(model, trained["test"], delphes_file, out).items():
        outcome = run_stage(*argv)
        faults.refused(outcome, model, field, detail)
        assert not out.exists(), stage


def test_overflowing_outputs_are_errors_and_no_onnx_is_left(trained, delphes_file, tmp_path, run_stage, faults):
    """Finite weights of 1e30 overflow to inf and NaN: evaluate and export --check refuse."""
    def huge(weights):
        for name, value in weights["state_dict"].items():
            if name.endswith("weight") and value.ndim == 2:
                weights["state_dict"][name] = torch.full_like(value, 1e30)

    model = tampered(trained, tmp_path, huge)
    out = tmp_path / "out"
    argv = stages(model, trained["test"], delphes_file, out)
    faults.refused(run_stage(*argv["evaluate"]), model, "model output", "not finite")
    faults.refused(run_stage(*argv["export"]), model, "PyTorch probabilities", "not finite")
    assert not out.exists()


def test_export_check_on_a_missing_split_leaves_no_onnx(trained, tmp_path, run_stage, faults):
    out = tmp_path / "onnx"
    outcome = run_stage("jets", "export", "--checkpoint", trained["model"], "--out", out / "model.onnx",
                        "--check", tmp_path / "absent.parquet")
    faults.refused(outcome, "absent.parquet")
    assert not out.exists()


def test_valid_model_exports_with_a_passing_check(trained, tmp_path, run_stage):
    out = tmp_path / "model.onnx"
    assert run_stage("jets", "export", "--checkpoint", trained["model"], "--out", out, "--check",
                     trained["test"]).status == 0
    assert out.is_file() and sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]


@pytest.mark.parametrize(("option", "value"), [("--batch-size", "0"), ("--threads", "-1")])
def test_bad_counts_are_usage_errors(trained, delphes_file, tmp_path, run_stage, option, value, capsys):
    for stage in ("predict", "evaluate"):
        argv = stages(trained["model"], trained["test"], delphes_file, tmp_path / "out")[stage]
        with pytest.raises(SystemExit) as exit_info:
            run_stage(*argv, option, value)
        assert exit_info.value.code == 2 and option in capsys.readouterr().err


def test_export_is_byte_reproducible(trained, tmp_path, run_stage):
    """Two exports of one model (two temporary names) give the same bytes."""
    for name in ("a", "b"):
        assert run_stage("jets", "export", "--checkpoint", trained["model"], "--out", tmp_path / f"{name}.onnx"
                         ).status == 0
    assert (tmp_path / "a.onnx").read_bytes() == (tmp_path / "b.onnx").read_bytes()
