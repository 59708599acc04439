"""A stage killed through its job's shell wrapper leaves no process behind, and the same
inputs and seed give byte-identical model files.

The kill test runs the rule command exactly as Snakemake does (``bash -c "set -euo pipefail;
{ATTNPHYS} ..."``, ATTNPHYS read from workflow/rules/common.smk), kills the wrapper's pid and
checks that no python process of the job survives to write its outputs after the job was
marked failed."""

from __future__ import annotations

import ast
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[2]
TOY = REPO / "tests" / "train" / "fit_toy.py"


def rule_prefix() -> str:
    """The ``ATTNPHYS`` command prefix of the rules, evaluated as common.smk does."""
    text = (REPO / "workflow" / "rules" / "common.smk").read_text()
    source = re.search(r"^ATTNPHYS = \(\n(.*?)\n\)", text, re.S | re.M).group(1)
    return eval(compile(ast.parse(source.strip(), mode="eval"), "common.smk", "eval"),  # noqa: S307
                {"os": os, "workflow": SimpleNamespace(basedir=str(REPO))})


def job_processes(marker: str) -> list[int]:
    """Pids whose command line holds ``marker``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline and "bash -c" not in cmdline:
                pids.append(int(entry.name))
    return pids


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_killing_the_wrapper_leaves_no_process(tmp_path, signum):
    out = tmp_path / f"run{int(signum)}"
    marker = str(out / "xor.json")
    command = (f"set -euo pipefail; {rule_prefix()} gating xor --seed 1 --seeds 400 --epochs 20000 --lr 0.01"
               f" --out-json {marker} --out-figure {out / 'xor.png'} > {tmp_path / 'log'} 2>&1")
    wrapper = subprocess.Popen(["bash", "-c", command], start_new_session=False)
    deadline = time.monotonic() + 120
    while not job_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # the stage is importing or training
    assert job_processes(marker), (tmp_path / "log").read_text()[-2000:]
    os.kill(wrapper.pid, signum)
    wrapper.wait(timeout=60)
    deadline = time.monotonic() + 30
    while job_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = job_processes(marker)
    for pid in left:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert left == [], "the stage outlived its wrapper"
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == []


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_identical_trainings_give_identical_bytes(tmp_path):
    """Two processes (different pids, so different temporary names) and output folders."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    for name in ("a", "b"):
        subprocess.run([sys.executable, str(TOY), str(tmp_path / name), "--epochs", "2"], env=env, check=True,
                       capture_output=True, timeout=300)
    # model.pt only: checkpoint_last.pt also holds the history, whose epoch times differ
    assert _sha256(tmp_path / "a" / "model.pt") == _sha256(tmp_path / "b" / "model.pt")

    names = zipfile.ZipFile(tmp_path / "a" / "model.pt").namelist()
    assert all(n.startswith("archive/") for n in names), names
