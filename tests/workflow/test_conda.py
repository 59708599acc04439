"""The conda environment of the rules: complete, installable without a path to the repository,
and created by Snakemake where conda or mamba is present."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
ENV = yaml.safe_load((REPO / "envs/attnphys.yaml").read_text())
PIP = next(entry["pip"] for entry in ENV["dependencies"] if isinstance(entry, dict))
# The scheduler side runs outside the jobs' environment.
SCHEDULER = {"snakemake", "snakemake-executor-plugin-slurm"}


def test_env_holds_every_runtime_dependency_of_the_package():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {Requirement(r).name: Requirement(r) for r in project["dependencies"]}
    listed = {Requirement(r).name: Requirement(r) for r in PIP if not r.startswith("-")}
    assert set(listed) == set(wanted) - SCHEDULER
    for name, requirement in listed.items():
        if name != "torch":
            assert requirement.specifier == wanted[name].specifier, name
    (torch_pin,) = listed["torch"].specifier
    assert torch_pin.operator == "==" and wanted["torch"].specifier.contains(torch_pin.version)
    assert "python=3.11" in ENV["dependencies"]


def test_env_names_no_path_to_the_repository():
    """Snakemake copies the file into .snakemake/conda/, so a relative path (`-e ..`) breaks."""
    for entry in PIP:
        assert not entry.startswith(("-e", ".", "/", "file:")), entry
        assert "@" not in entry, entry


def test_every_rule_with_a_command_has_the_conda_env():
    blocks = [block for path in sorted((REPO / "workflow/rules").glob("*.smk"))
              for block in path.read_text().split("\nrule ")[1:]]
    commands = [block for block in blocks if "    shell:" in block]
    assert len(commands) >= 20
    for block in commands:
        assert "    conda:\n        CONDA_ENV\n" in block, block.splitlines()[0]
    common = (REPO / "workflow/rules/common.smk").read_text()
    assert 'CONDA_ENV = "../../envs/attnphys.yaml"' in common  # relative to the .smk file


@pytest.mark.skipif(os.environ.get("ATTNPHYS_CI_STEP") != "conda",
                    reason="a step of .ci/run: ATTNPHYS_CI_STEP=conda python -m pytest tests/workflow/test_conda.py")
@pytest.mark.skipif(
    not (shutil.which("conda") or shutil.which("mamba")),
    reason="neither conda nor mamba is on PATH, so Snakemake cannot create the environment",
)
def test_snakemake_creates_the_conda_env(tmp_path):
    run = subprocess.run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path), "--sdm", "conda",
         "--conda-create-envs-only", "--cores", "1", "--configfile", str(REPO / ".test/config/config.yaml")],
        capture_output=True, text=True, timeout=3600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert list((tmp_path / ".snakemake/conda").glob("*.yaml"))
