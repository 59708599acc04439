"""The jets_learning_curve target on the tiny config: table contract, nested training subsets
shared by every model, the fits' markdown and figure.

The dataset is a toy one with the dataset contract (tests/jets/test_preprocess.py), put
in place of jets_dataset's output, and only the learning-curve rules may run, so the test
exercises these rules and the train/evaluate/trees stages they call, not generation.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from attnphys.train import load_weights

REPO = Path(__file__).resolve().parents[2]
TINY_CONFIG = REPO / ".test/config/config.yaml"
RULES = ["jets_curve_train", "jets_curve_evaluate", "jets_curve_trees", "jets_build_learning_curve",
         "jets_learning_curve"]


def _toy_split_writer():
    spec = importlib.util.spec_from_file_location("preprocess_fixtures", REPO / "tests/jets/test_preprocess.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_split


def _snakemake(workdir: Path, overlay: dict, dry: bool) -> str:
    (workdir / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--cores", "2", "--configfile", str(TINY_CONFIG), str(workdir / "overlay.yaml"),
           "--allowed-rules", *RULES] + (["-n"] if dry else []) + ["--", "jets_learning_curve"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def curve(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("curve")
    out = workdir / "results"
    dataset = out / "jets" / "dataset"
    dataset.mkdir(parents=True)
    write_split = _toy_split_writer()
    rng = np.random.default_rng(3)
    for split, n in (("train", 16), ("val", 4), ("test", 6)):
        write_split(dataset / f"{split}.parquet", n, rng, split)
    (dataset / "summary.json").write_text("{}\n")  # the dataset rule's fourth output
    overlay = {"outdir": str(out), "device": "cpu", "jets": {"learning_curve": {"fractions": [0.25, 0.5, 1.0]}}}
    _snakemake(workdir, overlay, dry=False)
    return workdir, out, overlay


@pytest.mark.slow
def test_table_contract(curve):
    _, out, _ = curve
    table = pd.read_csv(out / "jets" / "learning_curve" / "table.csv")
    assert list(table.columns) == ["model", "fraction", "jets_per_class", "seed", "accuracy", "frame"]
    tiny = yaml.safe_load((TINY_CONFIG).read_text())
    models = yaml.safe_load((REPO / "config.yaml").read_text())["jets"]["learning_curve"]["models"]
    assert sorted(table["model"].unique()) == sorted([*models, "trees"])
    assert len(table) == (len(models) + 1) * 3 * len(tiny["jets"]["seeds"])
    train = yaml.safe_load((REPO / "config.yaml").read_text())["jets"]["train"]
    main = train["preprocess"] + ("+augment" if train["augment"] else "")
    towers = table["model"].isin(["pfn", "transformer", "part"])
    assert table["accuracy"].between(0, 1).all() and (table.loc[~towers, "frame"] == "none").all()
    assert (table.loc[towers, "frame"] == main).all()
    per_fraction = table.groupby("fraction")["jets_per_class"].agg(["min", "max"])
    assert (per_fraction["min"] == per_fraction["max"]).all()
    assert per_fraction["min"].tolist() == [4, 8, 16]
    fits = pd.read_csv(out / "jets" / "learning_curve" / "fits.csv")
    assert set(fits["model"]) == set(table["model"])
    assert (out / "jets" / "learning_curve" / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    text = (out / "jets" / "learning_curve" / "learning_curve.md").read_text()
    assert "## The talk's ordering, measured" in text and "## Where the fits predict the talk's ordering" in text
    rows = [line for line in text.splitlines() if line.startswith("| PFN > Mass + HL DNN |")]
    assert [row.split("|")[2].strip() for row in rows] == ["4", "8", "16"]  # one row per size, paired by seed
    assert (out / "logs" / "jets" / "learning_curve" / "build.log").exists()


@pytest.mark.slow
def test_training_subsets_are_nested_and_shared_by_every_model(curve):
    _, out, _ = curve
    runs = out / "jets" / "learning_curve" / "runs"
    rows = {}
    for model_pt in runs.glob("*/*/f*/seed0/model.pt"):
        extra = load_weights(model_pt)["extra"]
        rows[(extra["model"], extra["train_fraction"])] = set(extra["train_rows"])
        assert len(extra["train_rows"]) == 7 * round(16 * extra["train_fraction"])
    models = {m for m, _ in rows}
    assert len(models) == 4
    for model in models:
        assert rows[(model, 0.25)] < rows[(model, 0.5)] < rows[(model, 1.0)]
        assert all(rows[(model, f)] == rows[("pfn", f)] for f in (0.25, 0.5, 1.0))
    metrics = json.loads((runs / "trees" / "none" / "f0.5" / "seed0" / "metrics.json").read_text())
    assert metrics["n_train"] == 7 * 8 and metrics["model"] == "trees"


@pytest.mark.slow
def test_extra_frames_add_tower_runs_only(curve):
    workdir, _, overlay = curve
    overlay = json.loads(json.dumps(overlay))
    overlay["jets"]["learning_curve"]["frames"] = ["none+augment"]
    log = _snakemake(workdir, overlay, dry=True)
    planned = [line.split(":", 1)[1].strip() for line in log.splitlines() if line.strip().startswith("wildcards:")]
    trained = sorted(w for w in planned if "frame=none+augment" in w and "fraction" in w)
    assert {w.split(",")[0] for w in trained} == {"model=pfn", "model=transformer", "model=part"}
    assert not any("model=hl_dnn" in w for w in planned)
    overlay["jets"]["train"] = {"preprocess": "standard", "augment": True}
    (workdir / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    refused = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory",
                              str(workdir), "--configfile", str(workdir / "overlay.yaml"), "-n", "jets_learning_curve"],
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "jets.train.augment" in refused.stdout + refused.stderr
