"""A tiny real Snakemake run of ``spanet_report``: Pythia chunks to the report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

OVERLAY = {
    "device": "cpu",
    "jets": {"enabled": False},
    "gating": {"enabled": False},
    "neutron_stars": {"enabled": False},
    "spanet": {
        "events": 400,
        "events_per_chunk": 200,
        "max_jets": 12,
        "split": [0.6, 0.2, 0.2],
        "model": {"dim": 16, "heads": 2, "layers": 1, "branch_layers": 1, "tensor_dim": 8},
        "train": {"epochs": 1, "batch_size": 32},
    },
}


def snakemake(workdir: Path, overlay: dict, *args: str) -> subprocess.CompletedProcess:
    config = workdir / "overlay.yaml"
    config.write_text(yaml.safe_dump(overlay))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
           "--cores", "2", *args, "--configfile", str(config)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_spanet_report_workflow(tmp_path):
    overlay = {**OVERLAY, "outdir": str(tmp_path / "out")}
    run = snakemake(tmp_path, overlay, "spanet_report")
    assert run.returncode == 0, run.stderr[-3000:]
    out = tmp_path / "out" / "spanet"
    assert sorted(p.name for p in (out / "chunks").glob("*.h5")) == ["chunk_0.h5", "chunk_1.h5"]
    for method in ("chi2", "spanet"):
        table = pd.read_csv(out / "eval" / method / "summary.csv", dtype={"njets": str})
        assert list(table.columns) == ["method", "njets", "event_eff", "top2_eff", "top1_eff",
                                       "n_events_2top", "n_events_1top", "n_events_0top"]
        assert table.njets.tolist() == ["6", "7", ">=8", "inclusive"]
        assert (table.method == method).all()
        assert table.n_events_2top.iloc[:3].sum() == table.n_events_2top.iloc[3]
    report = (out / "report" / "report.md").read_text()
    assert (out / "report" / "efficiency_by_jets.png").exists() and (out / "report" / "training_curves.png").exists()
    assert "| Inclusive |" in report and "(37.7 %)" in report and "(63.7 %)" in report
    assert (tmp_path / "out/logs/spanet/train.log").exists()
    assert (tmp_path / "out/logs/spanet/generate/1.log").exists()

    # Rule params hold exactly their settings: more epochs reruns training and what follows only.
    longer = {**overlay, "spanet": {**overlay["spanet"], "train": {"epochs": 2, "batch_size": 32}}}
    dry = snakemake(tmp_path, longer, "spanet_report", "-n", "--quiet", "rules")
    assert dry.returncode == 0, dry.stderr[-3000:]
    rules = {line.split()[0] for line in dry.stdout.splitlines() if line.startswith("spanet_")}
    assert rules == {"spanet_train", "spanet_evaluate_spanet", "spanet_report"}
