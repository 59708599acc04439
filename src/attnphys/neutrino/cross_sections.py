"""Energy dependence of the QE, RES and DIS cross-sections and the channel fractions.

Simple, documented shapes per nucleon (units 1e-38 cm^2) that follow the measured trends
summarised by Formaggio and Zeller, Rev. Mod. Phys. 84 (2012) 1307 (arXiv:1305.7513):
quasi-elastic scattering saturates near 0.45 above ~1 GeV; single-pion (Delta) production
rises from threshold to ~0.5; deep-inelastic scattering grows linearly, sigma/E -> 0.67.
Each turns on above the threshold of its final state (lepton mass included), so nu_tau CC
starts at 3.5 GeV. Neutral currents are 0.3 of the charged-current values (no threshold).
"""

from __future__ import annotations

import numpy as np

NUCLEON_MASS = 0.93891875  # GeV, average of proton and neutron
CHANNELS = ("qe", "res", "dis")
NC_RATIO = 0.3
# Lowest hadronic mass per channel: nucleon, nucleon + pion, DIS cut.
W_MIN = {"qe": 0.93957, "res": 1.08, "dis": 1.7}


def threshold(lepton_mass: float, w_min: float) -> float:
    """Neutrino energy at which a nucleon at rest can make lepton + hadrons of mass ``w_min``."""
    m = NUCLEON_MASS
    return ((lepton_mass + w_min) ** 2 - m**2) / (2 * m)


def channel(energy: np.ndarray, name: str, lepton_mass: float, cc: bool = True) -> np.ndarray:
    """Cross-section of channel ``name`` at ``energy`` GeV (1e-38 cm^2 per nucleon)."""
    e = np.asarray(energy, dtype=float)
    above = np.clip(e - threshold(lepton_mass, W_MIN[name]), 0, None)
    if name == "qe":
        sigma = 0.45 * (1 - np.exp(-above / 0.3))
    elif name == "res":
        sigma = 0.5 * (1 - np.exp(-above / 0.6))
    elif name == "dis":
        sigma = 0.67 * above * (1 - np.exp(-above / 1.5))
    else:
        raise ValueError(f"unknown channel {name!r} (known: {CHANNELS})")
    return sigma if cc else NC_RATIO * sigma


def total(energy: np.ndarray, lepton_mass: float, cc: bool = True) -> np.ndarray:
    return sum(channel(energy, name, lepton_mass, cc) for name in CHANNELS)


def choose_channels(energy: np.ndarray, lepton_mass: float, cc: bool, rng: np.random.Generator) -> np.ndarray:
    """Index into CHANNELS for each event, drawn with the channels' cross-section fractions."""
    sig = np.stack([channel(energy, name, lepton_mass, cc) for name in CHANNELS], axis=1)
    cdf = np.cumsum(sig, axis=1) / sig.sum(axis=1, keepdims=True)
    return (rng.random(len(energy))[:, None] > cdf).sum(axis=1)
