"""The local profile parses and caps GPU jobs (the SLURM profile: test_slurm.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml
from snakemake.cli import parse_args

REPO = Path(__file__).resolve().parents[2]
PROFILES = {"default": REPO / "profiles/default", "slurm": REPO / "profiles/slurm"}


def profile_args(name: str):
    _, args = parse_args(["--profile", str(PROFILES[name]), "--snakefile", str(REPO / "Snakefile"), "-n"])
    return args


def test_plain_snakemake_finds_the_default_profile_by_itself(tmp_path):
    """No --profile, no --cores: Snakemake must take both from profiles/default beside the Snakefile."""
    overlay = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())
    overlay["outdir"] = str(tmp_path / "results")
    (tmp_path / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    run = subprocess.run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path), "-n", "jets_report",
         "--configfile", str(tmp_path / "overlay.yaml")],
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    log = run.stdout + run.stderr
    assert "Using workflow specific profile" in log and "profiles/default" in log
    assert "rule jets_train:" in log


def test_default_profile_limits_gpu_jobs_to_one():
    args = profile_args("default")
    assert args.cores == os.cpu_count()  # `cores: all`
    assert args.resources["gpu"].value == 1
    assert args.printshellcmds and args.rerun_incomplete and not args.keep_going
