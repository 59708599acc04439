"""The local and SLURM profiles parse, and the SLURM profile builds the DAG with GPU requests."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import yaml
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


def test_slurm_profile_requests_a_gpu_for_training():
    args = profile_args("slurm")
    assert args.executor == "slurm"
    assert args.default_resources["runtime"].value == 60
    assert args.set_resources["jets_train"]["gpu"].value == 1
    for rule, resources in args.set_resources.items():
        # the plugin rejects a GPU asked for twice (gpu and gres)
        assert not ("gpu" in resources and "gres" in resources), rule


def test_profile_rules_exist_in_the_workflow(tmp_path):
    named = set(yaml.safe_load((PROFILES / "slurm/config.yaml").read_text())["set-resources"])
    listed = subprocess.run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path), "--list-rules"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert named <= set(listed)


def test_slurm_dry_run_builds_the_dag(tmp_path):
    overlay = yaml.safe_load((REPO / "workflow/configs/tiny.yaml").read_text())
    overlay["outdir"] = str(tmp_path / "results")
    (tmp_path / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    run = subprocess.run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path),
         "--profile", str(PROFILES / "slurm"), "--configfile", str(tmp_path / "overlay.yaml"), "-n", "jets_report"],
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    log = run.stdout + run.stderr
    train_jobs = re.findall(r"rule jets_train:\n(?:    .*\n)*?    resources: (.*)", log)
    models = yaml.safe_load((REPO / "config.yaml").read_text())["jets"]["models"]
    assert len(train_jobs) == len(models) * len(overlay["jets"]["seeds"])  # every model, every seed
    assert all("gpu=1" in resources and "runtime=720" in resources for resources in train_jobs)
    assert "rule jets_build_report:" in log
