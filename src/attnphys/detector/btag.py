"""b-tagging of the Delphes ATLAS card (modules JetFlavorAssociation and BTagging).

A jet's flavour is the heaviest parton (b over c over light) within dR < 0.5 of its axis; it
is tagged with the card's flavour-dependent efficiency (pT in GeV):
  b: 0.80 tanh(0.003 pT) 30 / (1 + 0.086 pT); c: 0.20 tanh(0.02 pT) / (1 + 0.0034 pT);
  light: 0.002 + 7.3e-6 pT.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from attnphys.detector.azimuth import wrap_phi

FLAVOUR_RADIUS = 0.5
PARTON_MIN_PT = 1.0  # GeV; softer partons do not give a jet its flavour


def tag_efficiency(flavour, pt):
    """Probability that a jet of ``flavour`` (5, 4 or 0) and ``pt`` is b-tagged."""
    b = 0.80 * np.tanh(0.003 * pt) * 30.0 / (1.0 + 0.086 * pt)
    c = 0.20 * np.tanh(0.02 * pt) / (1.0 + 0.0034 * pt)
    light = 0.002 + 7.3e-6 * pt
    return np.where(flavour == 5, b, np.where(flavour == 4, c, light))


def jet_flavour(jets: ak.Array, partons: ak.Array) -> ak.Array:
    """Flavour (5, 4 or 0) of each jet: the heaviest quark among ``partons`` (records with
    ``pid, pt, eta, phi``) within dR < 0.5; per event, vectorised over events."""
    heavy = partons[(np.abs(partons.pid) >= 4) & (np.abs(partons.pid) <= 5) & (partons.pt > PARTON_MIN_PT)]
    pairs = ak.cartesian({"jet": jets, "parton": heavy}, axis=1, nested=True)
    dphi = wrap_phi(pairs.jet.phi - pairs.parton.phi)
    dr2 = (pairs.jet.eta - pairs.parton.eta) ** 2 + dphi**2
    near = ak.where(dr2 < FLAVOUR_RADIUS**2, np.abs(pairs.parton.pid), 0)
    return ak.fill_none(ak.max(near, axis=2), 0)


def btag(flavour: ak.Array, pt: ak.Array, rng: np.random.Generator) -> ak.Array:
    """Random b-tags (bool per jet) with the card's efficiencies."""
    counts = ak.num(pt)
    flat_eff = tag_efficiency(ak.to_numpy(ak.flatten(flavour)), ak.to_numpy(ak.flatten(pt)))
    return ak.unflatten(rng.random(len(flat_eff)) < flat_eff, counts)
