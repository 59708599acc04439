"""Fixtures shared across areas."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
TINY_SPANET = REPO / ".test/config/spanet.yaml"


def _massless_sum(pt, eta, phi):
    """(pt, eta, phi, mass) of a sum of massless particles, computed independently of the
    package's kinematics."""
    pt, eta, phi = map(np.asarray, (pt, eta, phi))
    px, py = np.sum(pt * np.cos(phi)), np.sum(pt * np.sin(phi))
    pz, e = np.sum(pt * np.sinh(eta)), np.sum(pt * np.cosh(eta))
    total_pt = math.hypot(px, py)
    return total_pt, math.asinh(pz / total_pt), math.atan2(py, px), math.sqrt(e * e - px * px - py * py - pz * pz)


@pytest.fixture
def massless_sum():
    """The reference four-vector sum of the clustering and ingest tests."""
    return _massless_sum


def _run_snakemake(workdir: Path, overlay: dict, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """The repository's Snakefile run in ``workdir`` on 2 cores, ``overlay`` (written to
    ``workdir/overlay.yaml``) as its config file; ``args`` name targets and options."""
    config = workdir / "overlay.yaml"
    config.write_text(yaml.safe_dump(overlay))
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
         "--cores", "2", *args, "--configfile", str(config)],
        capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def run_snakemake():
    """Runs the workflow on a config overlay (the areas' end-to-end tests)."""
    return _run_snakemake


@pytest.fixture
def tiny_spanet() -> dict:
    """The tiny SPA-NET overlay of ``.test/config/spanet.yaml``, as a fresh dict."""
    return yaml.safe_load(TINY_SPANET.read_text())
