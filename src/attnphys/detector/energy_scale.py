"""Jet energy scale of the Delphes ATLAS card (delphes_card_ATLAS.tcl, module JetEnergyScale).

The jet four-momentum is multiplied by sqrt((3.0 - 0.2 |eta|)^2 / pT + 1), pT in GeV, which
corrects the calorimeter's low response to low-pT jets.
"""

from __future__ import annotations

import numpy as np


def scale_factor(pt, eta):
    """The card's scale factor for jets of transverse momentum ``pt`` (GeV) and ``eta``."""
    return np.sqrt((3.0 - 0.2 * np.abs(eta)) ** 2 / pt + 1.0)


def apply_energy_scale(pt, eta, mass):
    """Scaled (pT, mass) of jets; eta and phi are unchanged by a four-momentum scaling.
    Works on numpy and awkward arrays alike."""
    factor = scale_factor(pt, eta)
    return pt * factor, mass * factor
