"""Real Pythia ttbar through the shared detector: selection, matching, W and top masses."""

from __future__ import annotations

import numpy as np
import pytest

from attnphys.spanet.chi2 import four_vectors, mass
from attnphys.spanet.generate import generate_chunk, match_partons
from attnphys.spanet.h5layout import MatchingData


def test_greedy_matching_by_ascending_dr():
    # Jet 0 is nearest to both partons 0 (dR 0.1) and 1 (dR 0.05): parton 1 takes it first,
    # parton 0 falls back to jet 1 (dR 0.3); parton 2 has nothing within 0.4.
    jets = MatchingData(
        np.array([[True, True, True, False]]),
        np.full((1, 4), 50, np.float32),
        np.array([[0.0, 0.4, 2.0, 0.0]], np.float32),
        np.zeros((1, 4), np.float32),
        np.zeros((1, 4), np.float32),
        np.zeros((1, 4), np.float32),
        np.zeros((1, 2, 3), np.int64),
    )
    partons = {
        "eta": np.array([[0.1, -0.05, -1.0, 2.0, 0.0, 0.0]]),
        "phi": np.array([[0.0, 0.0, 0.0, 0.0, 3.0, 3.0]]),
    }
    assert match_partons(partons, jets).tolist() == [[1, 0, -1, 2, -1, -1]]


@pytest.fixture(scope="module")
def chunk():
    return generate_chunk(300, seed=11, chunk=0, max_jets=10, progress=False)


def test_selection_rate_and_layout(chunk):
    data, stats = chunk
    assert stats.generated == 300 and stats.selected == len(data)
    assert 0.08 < stats.selected / stats.generated < 0.45  # about 21 % at 13 TeV
    assert data.max_jets == 10
    assert (data.njets >= 6).all() and ((data.btag * data.mask).sum(1) >= 2).all()
    pt = np.where(data.mask, data.pt, -1.0)
    assert (data.pt[data.mask] > 25).all() and (np.abs(data.eta[data.mask]) < 2.5).all()
    assert (np.diff(pt, axis=1) <= 0).all()  # ordered by pT, padding last
    matched = data.targets[data.targets >= 0]
    assert len(matched) > 0.6 * data.targets.size
    for ev in range(len(data)):
        used = data.targets[ev][data.targets[ev] >= 0]
        assert len(set(used)) == len(used)


def test_matched_partons_give_w_and_top_masses(chunk):
    data, _ = chunk
    p = four_vectors(data)
    t = data.targets
    w_masses, top_masses = [], []
    for top in range(2):
        ev = np.flatnonzero((t[:, top] >= 0).all(-1))
        w = p[ev, t[ev, top, 1]] + p[ev, t[ev, top, 2]]
        w_masses.append(mass(w))
        top_masses.append(mass(w + p[ev, t[ev, top, 0]]))
    w_masses, top_masses = np.concatenate(w_masses), np.concatenate(top_masses)
    assert len(w_masses) > 20
    assert 72 < np.median(w_masses) < 90  # m_W = 80.4 GeV
    assert 150 < np.median(top_masses) < 180  # m_t = 172.5 GeV
    b_jets = t[..., 0][(t >= 0).all(-1)]
    ev = np.nonzero((t >= 0).all(-1))[0]
    assert data.btag[ev, b_jets].mean() > 0.6
