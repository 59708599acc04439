"""A tiny real Snakemake run of ``spanet_report``: Pythia chunks to the report."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.slow
def test_spanet_report_workflow(tmp_path, run_snakemake, tiny_spanet):
    overlay = {**tiny_spanet, "outdir": str(tmp_path / "out")}
    run = run_snakemake(tmp_path, overlay, "spanet_report")
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
    dry = run_snakemake(tmp_path, longer, "spanet_report", "-n", "--quiet", "rules")
    assert dry.returncode == 0, dry.stderr[-3000:]
    rules = {line.split()[0] for line in dry.stdout.splitlines() if line.startswith("spanet_")}
    assert rules == {"spanet_train", "spanet_evaluate_spanet", "spanet_report"}
