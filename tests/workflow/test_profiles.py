"""The local profile parses and caps GPU jobs (the SLURM profile: test_slurm.py)."""

from __future__ import annotations

import os
from pathlib import Path

from snakemake.cli import parse_args

REPO = Path(__file__).resolve().parents[2]
PROFILES = REPO / "workflow/profiles"


def profile_args(name: str):
    _, args = parse_args(["--profile", str(PROFILES / name), "--snakefile", str(REPO / "Snakefile"), "-n"])
    return args


def test_default_profile_limits_gpu_jobs_to_one():
    args = profile_args("default")
    assert args.cores == os.cpu_count()  # `cores: all`
    assert args.resources["gpu"].value == 1
    assert args.printshellcmds and args.rerun_incomplete and not args.keep_going
