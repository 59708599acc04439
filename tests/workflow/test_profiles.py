"""The local profile parses and caps GPU jobs at the visible GPUs (the SLURM profile: test_slurm.py)."""

from __future__ import annotations

import glob
import os
import subprocess
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("visible, slots", [("0", 1), ("0,1,2", 3), ("", None), ("-1", None)])
def test_default_profile_caps_gpu_jobs_at_the_visible_gpus(monkeypatch, visible, slots):
    """One GPU job per visible GPU; with none visible, no cap below the cores (CPU training
    jobs run side by side instead of queueing for a GPU that is not there)."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    args = profile_args("default")
    assert args.cores == os.cpu_count()  # `cores: all`
    assert args.resources["gpu"].value == (slots or os.cpu_count())
    assert args.printshellcmds and args.rerun_incomplete and not args.keep_going


def test_default_profile_counts_the_machines_gpus(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    gpus = len(glob.glob("/dev/nvidia[0-9]*"))
    assert profile_args("default").resources["gpu"].value == (gpus or os.cpu_count())
