"""benchmarks/bench_gpu.py runs its CUDA code path on the CPU (the same engine), on a tiny
jets dataset: every model trains before (config.yaml's batch) and after (``--batch-size``),
with the peak rate of the area's ``lr_scaling`` rule, and the files it promises are written."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def _split_writer():
    spec = importlib.util.spec_from_file_location("preprocess_fixtures", REPO / "tests/jets/test_preprocess.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_split


@pytest.mark.slow
def test_bench_gpu_runs_before_and_after_on_the_cpu(tmp_path):
    write_split = _split_writer()
    rng = np.random.default_rng(3)
    for split, n in (("train", 8), ("val", 2), ("test", 2)):
        write_split(tmp_path / f"{split}.parquet", n, rng, split)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/bench_gpu.py"), "--jets", str(tmp_path), "--device", "cpu",
         "--steps", "1", "--batch-size", "256", "--largest-models", "--out", str(out)],
        capture_output=True, text=True, timeout=1200,
        env={**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = pd.read_csv(out / "bench_gpu.csv")
    models = ["hl_dnn", "pfn", "transformer", "part"]
    assert list(table["model"]) == [m for m in models for _ in range(2)]
    assert list(table["setting"]) == ["before", "after"] * 4
    jets = yaml.safe_load((REPO / "config.yaml").read_text())["jets"]["train"]
    assert set(table.loc[table["setting"] == "before", "batch"]) == {jets["batch_size"]}
    assert set(table.loc[table["setting"] == "after", "batch"]) == {256}
    assert (table["rows_per_s"] > 0).all() and table["best_val_acc"].between(0, 1).all()
    histories = pd.read_csv(out / "histories.csv")
    first = histories[histories["epoch"] == 1].set_index(["model", "setting"])["lr"]
    power = {"none": 0.0, "sqrt": 0.5, "linear": 1.0}[jets["lr_scaling"]]
    for model in models:  # one step per run: a one-step warm-up, so epoch 1 runs at the peak rate
        assert first[(model, "before")] == pytest.approx(jets["lr"] * (jets["batch_size"] / 64) ** power)
        assert first[(model, "after")] == pytest.approx(jets["lr"] * (256 / 64) ** power)
    assert "after/before" in proc.stdout and "projection" in proc.stdout
