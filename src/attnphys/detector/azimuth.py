"""Azimuthal differences and the (eta, phi) distance dR used for jet and parton matching.

Works on numpy and awkward arrays alike (numpy ufuncs dispatch to awkward).
"""

from __future__ import annotations

import numpy as np


def wrap_phi(phi):
    """Azimuth (or azimuthal difference) wrapped to [-pi, pi)."""
    return np.remainder(phi + np.pi, 2 * np.pi) - np.pi


def delta_r(eta1, phi1, eta2, phi2):
    """dR = sqrt(deta^2 + dphi^2) with dphi wrapped to [-pi, pi)."""
    return np.hypot(eta1 - eta2, wrap_phi(phi1 - phi2))
