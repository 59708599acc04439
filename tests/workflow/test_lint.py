"""`snakemake --lint` finds nothing (it exits 1 on any finding; .ci/run runs it too)."""

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_snakemake_lint_reports_nothing(tmp_path):
    run = subprocess.run(["snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path), "--lint"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Congratulations, your workflow is in a good condition!" in run.stdout + run.stderr
