"""Incremental re-execution of the jets workflow, through Snakemake's own dry run.

The workflow's outputs are created without running anything: every output of the tiny
config is written (the dataset, evaluation and history files with synthetic content that
follows the stage contracts, the rest empty), then ``snakemake --touch`` records them as
complete with their params and code. ``snakemake -n --summary`` then says, per output
file, whether Snakemake would rebuild it, under the default rerun triggers (mtime, params,
input, software-env, code).
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
TINY = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())
MODELS = yaml.safe_load((REPO / "config.yaml").read_text())["jets"]["models"]


def _synthetic_writer():
    """``write_synthetic_outputs`` of the report stage's tests (tests/jets/test_report.py)."""
    spec = importlib.util.spec_from_file_location("report_fixtures", REPO / "tests/jets/test_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_synthetic_outputs


def _merge(base: dict, changes: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        merged[key] = _merge(merged.get(key, {}), value) if isinstance(value, dict) else value
    return merged


class Workflow:
    """The repository's Snakefile run in a scratch directory on overlays of the tiny config."""

    def __init__(self, root: Path):
        self.root = root
        self.out = root / "results"
        self.env = {**os.environ, "OMP_NUM_THREADS": "1"}

    def overlay(self, **changes) -> Path:
        config = _merge(TINY, {"outdir": str(self.out), **changes})
        digest = hashlib.sha1(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]
        path = self.root / f"overlay-{digest}.yaml"
        path.write_text(yaml.safe_dump(config))
        return path

    def snakemake(self, overlay: Path, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(self.root),
             "--configfile", str(overlay), "--cores", "1", *args],
            capture_output=True, text=True, env=self.env,
        )

    def plan(self, overlay: Path) -> dict[str, str]:
        """{output relative to outdir: 'update pending' | 'no update'} for target jets_report."""
        run = self.snakemake(overlay, "-n", "--summary", "jets_report")
        assert run.returncode == 0, run.stderr[-3000:]
        rows = [line.split("\t") for line in run.stdout.splitlines()]
        return {
            str(Path(row[0]).relative_to(self.out)): row[5]
            for row in rows
            if len(row) == 6 and row[0] != "output_file"
        }

    def pending(self, overlay: Path) -> set[str]:
        return {path for path, plan in self.plan(overlay).items() if plan == "update pending"}


@pytest.fixture(scope="module")
def workflow(tmp_path_factory) -> Workflow:
    """Every output of the tiny config in place and recorded as complete by ``--touch``."""
    wf = Workflow(tmp_path_factory.mktemp("reruns"))
    base = wf.overlay()
    outputs = wf.plan(base)
    accuracy = {model: [0.5] * len(TINY["jets"]["seeds"]) for model in MODELS}
    _synthetic_writer()(wf.out, accuracy)
    for path in outputs:
        target = wf.out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    touch = wf.snakemake(base, "--touch", "jets_report")
    assert touch.returncode == 0, touch.stderr[-3000:]
    wf.outputs = set(outputs)
    return wf


def test_touching_nothing_reruns_nothing(workflow):
    assert workflow.pending(workflow.overlay()) == set()


def test_one_models_hyperparameter_reruns_only_that_model_and_the_report(workflow):
    pending = workflow.pending(workflow.overlay(jets={"model_params": {"pfn": {"phi": [16, 24]}}}))
    expected = {p for p in workflow.outputs if p.startswith(("jets/models/pfn/", "jets/eval/pfn/", "jets/report/"))}
    assert {"jets/models/pfn/seed0/model.pt", "jets/eval/pfn/seed0/metrics.json", "jets/report/summary.csv"} <= expected
    assert pending == expected


def test_more_jets_reruns_only_the_new_chunks_and_what_depends_on_them(workflow):
    more = workflow.overlay(jets={"jets_per_class": 3 * TINY["jets"]["jets_per_class"]})
    plan = workflow.plan(more)
    pending = {p for p, what in plan.items() if what == "update pending"}
    new = set(plan) - workflow.outputs
    new_events = {p for p in new if p.startswith("jets/events/")}
    assert new_events, "raising jets.jets_per_class must add generation chunks"
    assert new <= pending
    for stage in ("jets/events/", "jets/towers/"):
        assert {p for p in pending if p.startswith(stage)} == {p for p in new if p.startswith(stage)}, stage
    downstream = {p for p in plan if p.startswith(("jets/dataset/", "jets/models/", "jets/eval/", "jets/report/"))}
    assert downstream <= pending


def test_report_and_html_report_from_the_workflow(workflow):
    base = workflow.overlay()
    run = workflow.snakemake(base, "--forcerun=jets_build_report", "jets_report")
    assert run.returncode == 0, run.stderr[-3000:]
    summary = pd.read_csv(workflow.out / "jets/report/summary.csv")
    assert summary["model"].tolist() == MODELS
    assert summary["accuracy_mean"].tolist() == [50.0] * len(MODELS)
    assert workflow.pending(base) == set()
    html = workflow.snakemake(base, "--report", str(workflow.root / "report.html"))
    assert html.returncode == 0, html.stderr[-3000:]
    text = (workflow.root / "report.html").read_text()
    for needle in ("confusion_transformer.png", "accuracy_vs_mass.png", "dataset_mass_pt.png",
                   "training_curves.png", "Rows are the true class"):
        assert needle in text


def test_failed_job_leaves_no_output_taken_as_complete(workflow):
    base = workflow.overlay()
    metrics = workflow.out / "jets/eval/pfn/seed0/metrics.json"
    metrics.write_text("{")  # truncated: the report stage must fail, naming the file
    assert workflow.pending(base) == {p for p in workflow.outputs if p.startswith("jets/report/")}
    run = workflow.snakemake(base, "jets_report")
    assert run.returncode != 0
    log = (workflow.out / "logs/jets/report.log").read_text()
    assert "seed0/metrics.json: not valid JSON" in log
    assert not list((workflow.out / "jets/report").glob("*"))
    assert workflow.pending(base) == {p for p in workflow.outputs if p.startswith("jets/report/")}
