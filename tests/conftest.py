"""Fixtures shared across areas."""

from __future__ import annotations

import math

import numpy as np
import pytest


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
