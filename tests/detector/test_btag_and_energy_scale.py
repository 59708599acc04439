"""Delphes ATLAS jet energy scale and b-tagging (attnphys.detector.energy_scale, .btag)."""

from __future__ import annotations

import awkward as ak
import numpy as np

from attnphys.detector.btag import btag, jet_flavour, tag_efficiency
from attnphys.detector.energy_scale import apply_energy_scale, scale_factor


def test_energy_scale_formula():
    assert np.isclose(scale_factor(9.0, 0.0), np.sqrt(2.0))  # (3.0)^2 / 9 + 1
    assert np.isclose(scale_factor(16.0, -5.0), np.sqrt(1.25))  # (3 - 1)^2 / 16 + 1
    pt, mass = apply_energy_scale(ak.Array([[9.0], []]), ak.Array([[0.0], []]), ak.Array([[2.0], []]))
    assert np.allclose(ak.to_numpy(ak.flatten(pt)), 9 * np.sqrt(2)) and ak.num(mass).tolist() == [1, 0]
    assert np.isclose(ak.flatten(mass)[0], 2 * np.sqrt(2))


def test_tag_efficiency_formulas():
    pt = np.array([50.0, 50.0, 50.0])
    eff = tag_efficiency(np.array([5, 4, 0]), pt)
    assert np.isclose(eff[0], 0.80 * np.tanh(0.15) * 30 / (1 + 4.3))
    assert np.isclose(eff[1], 0.20 * np.tanh(1.0) / (1 + 0.17))
    assert np.isclose(eff[2], 0.002 + 7.3e-6 * 50)


def test_flavour_is_heaviest_parton_within_half_a_unit():
    jets = ak.Array([[{"pt": 50.0, "eta": 0.0, "phi": 3.1}, {"pt": 40.0, "eta": 1.0, "phi": 0.0}], []])
    partons = ak.Array([
        [
            {"pid": 4, "pt": 20.0, "eta": 0.0, "phi": 3.0},  # c near jet 0
            {"pid": -5, "pt": 20.0, "eta": 0.3, "phi": -3.1},  # b near jet 0 across phi = pi
            {"pid": 5, "pt": 20.0, "eta": 1.6, "phi": 0.0},  # b 0.6 from jet 1: too far
            {"pid": 5, "pt": 0.5, "eta": 1.0, "phi": 0.0},  # b on jet 1 but too soft
        ],
        [{"pid": 5, "pt": 20.0, "eta": 0.0, "phi": 0.0}],
    ])
    assert jet_flavour(jets, partons).tolist() == [[5, 0], []]


def test_btag_rates_follow_efficiency():
    rng = np.random.default_rng(1)
    n = 20000
    flavour = ak.Array([[5, 4, 0]] * n)
    pt = ak.Array([[80.0, 80.0, 80.0]] * n)
    rate = ak.to_numpy(ak.mean(btag(flavour, pt, rng), axis=0))
    expect = tag_efficiency(np.array([5, 4, 0]), np.full(3, 80.0))
    assert np.allclose(rate, expect, atol=4 * np.sqrt(expect * (1 - expect) / n) + 1e-3)
