"""Anti-kT clustering with FastJet (attnphys.detector.jets) against hand computations."""

from __future__ import annotations

import math

import awkward as ak
import numpy as np
import pytest

from attnphys.detector.jets import cluster


def test_two_separated_groups_give_two_anti_kt_jets(massless_sum):
    # Group A: three towers within 0.45 of each other around (0, 0); group B: two towers
    # around (0.5, 3.0), far from A. Input order is mixed on purpose.
    pt = [100.0, 500.0, 300.0, 500.0, 150.0]
    eta = [0.1, 0.0, 0.5, 0.0, 0.6]
    phi = [0.0, -0.4, 3.0, 0.4, 2.9]
    jets = cluster(ak.Array([pt, []]), ak.Array([eta, []]), ak.Array([phi, []]), radius=1.2)
    assert ak.num(jets).tolist() == [2, 0]
    first, second = jets[0]
    assert first.constituents.tolist() == [0, 1, 3]
    assert second.constituents.tolist() == [2, 4]
    for jet, members in ((first, [0, 1, 3]), (second, [2, 4])):
        expected = massless_sum(*(np.take(v, members) for v in (pt, eta, phi)))
        assert [jet.pt, jet.eta, jet.phi, jet.mass] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert first.mass == pytest.approx(math.sqrt(2 * 500 * 500 * (1 - math.cos(0.8)) + 2 * 100 * 500 * (
        math.cosh(0.1) - math.cos(0.4)) * 2), rel=1e-9)

    # R = 0.4 splits group A (its towers are >= 0.41 apart) but not B (0.14 apart); min_pt
    # drops soft jets.
    narrow = cluster(ak.Array([pt]), ak.Array([eta]), ak.Array([phi]), radius=0.4)
    assert sorted(narrow[0].constituents.tolist()) == [[0], [1], [2, 4], [3]]
    assert ak.all(narrow.pt[:, :-1] >= narrow.pt[:, 1:])
    hard = cluster(ak.Array([pt]), ak.Array([eta]), ak.Array([phi]), radius=1.2, min_pt=500.0)
    assert ak.num(hard).tolist() == [1]


def test_jets_wrap_around_phi_pi():
    jets = cluster(ak.Array([[400.0, 400.0]]), ak.Array([[0.0, 0.0]]),
                   ak.Array([[math.pi - 0.2, -math.pi + 0.2]]), radius=1.2)
    assert ak.num(jets).tolist() == [1]
    assert abs(jets[0, 0].phi) == pytest.approx(math.pi, abs=1e-9)
