"""The default config's plan as Snakemake makes it: every job of a dry run of all areas and
the jets targets outside ``all``, parsed, for the tests of what the jobs declare."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# Every target: `all` and the jets stages outside it (a predict file is given, so jets_predict plans).
TARGETS = ("all", "jets_learning_curve", "jets_study", "jets_export", "jets_predict", "jets_cross")


def parse_jobs(log: str) -> list[dict]:
    """{"rule", fields of the job ("output", "log", "benchmark", "wildcards", ...), "resources": {}}
    of every job (not the local ones) of a dry run's log."""
    jobs = []
    for rule, body in re.findall(r"^rule (\w+):\n((?:    .*\n)+)", log, flags=re.M):
        fields = dict(re.findall(r"^    (\w+): (.*)$", body, flags=re.M))
        fields["resources"] = dict(item.split("=", 1) for item in fields["resources"].split(", "))
        jobs.append({"rule": rule, **fields})
    return jobs


@pytest.fixture(scope="session")
def every_job(tmp_path_factory) -> tuple[Path, list[dict]]:
    """(outdir, jobs) of a dry run of the default config with every area and target."""
    root = tmp_path_factory.mktemp("every_job")
    (root / "unlabelled.root").write_bytes(b"")
    (root / "dataset_PtNormed.h5").write_bytes(b"")  # the paper's file: planned at its published size
    overlay = {"outdir": str(root / "results"), "jets": {"predict": {"files": [str(root / "unlabelled.root")]},
                                                         "paper_file": str(root / "dataset_PtNormed.h5")}}
    (root / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    run = subprocess.run([sys.executable, "-m", "snakemake", *TARGETS, "-s", str(REPO / "Snakefile"), "--directory",
                          str(root), "-n", "--configfile", str(root / "overlay.yaml")],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return root / "results", parse_jobs(run.stdout + run.stderr)
