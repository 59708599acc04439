"""The chi-square baseline: exact formula, hypothesis counting, brute-force agreement."""

from __future__ import annotations

from itertools import permutations

import numpy as np

from attnphys.spanet.chi2 import M_W, SIGMA_T, SIGMA_W, chi2_assign, chi2_values, four_vectors, hypotheses
from attnphys.spanet.h5layout import MatchingData
from attnphys.spanet.metrics import correct_tops

M_TOP = 172.5


def boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Lorentz boost of four-vectors (E, px, py, pz) ``p`` ``[n, 4]`` by velocity ``beta``."""
    b2 = beta @ beta
    gamma = 1 / np.sqrt(1 - b2)
    bp = p[:, 1:] @ beta
    e = gamma * (p[:, 0] + bp)
    vec = p[:, 1:] + ((gamma - 1) * bp / b2 + gamma * p[:, 0])[:, None] * beta
    return np.column_stack([e, vec])


def two_body(m: float, m1: float, m2: float, axis: np.ndarray) -> np.ndarray:
    """Decay products of a particle of mass m at rest along ``axis``: ``[2, 4]``."""
    q = np.sqrt((m**2 - (m1 + m2) ** 2) * (m**2 - (m1 - m2) ** 2)) / (2 * m)
    axis = axis / np.linalg.norm(axis)
    return np.array([[np.hypot(q, m1), *(q * axis)], [np.hypot(q, m2), *(-q * axis)]])


def top_decay(rng, beta) -> np.ndarray:
    """(b, q1, q2) of a top of velocity ``beta`` with exact W and top masses, massless jets."""
    b, w = two_body(M_TOP, 0.0, M_W, rng.normal(size=3))
    q = boost(two_body(M_W, 0.0, 0.0, rng.normal(size=3)), w[1:] / w[0])
    return boost(np.vstack([b, q]), beta)


def to_jets(p: np.ndarray):
    pt = np.hypot(p[:, 1], p[:, 2])
    m = np.sqrt(np.clip(p[:, 0] ** 2 - (p[:, 1:] ** 2).sum(1), 0, None))
    return pt, np.arcsinh(p[:, 3] / pt), np.arctan2(p[:, 2], p[:, 1]), m


def hand_built_event(rng) -> tuple[MatchingData, np.ndarray]:
    tops = [top_decay(rng, np.array([0.3, 0.2, 0.1])), top_decay(rng, np.array([-0.3, -0.1, -0.4]))]
    extra = np.array([[60.0, 40.0, 30.0, 30.0], [90.0, -30.0, 70.0, -40.0]])
    extra[:, 0] = np.linalg.norm(extra[:, 1:], axis=1)
    p = np.vstack([*tops, extra])
    order = rng.permutation(8)
    pt, eta, phi, m = to_jets(p[order])
    btag = np.isin(order, [0, 3, 6]).astype(np.float32)  # both b jets and one light jet tagged
    where = np.argsort(order)
    truth = where[np.arange(6)].reshape(1, 2, 3)
    f = lambda a: a[None].astype(np.float32)  # noqa: E731
    data = MatchingData(np.ones((1, 8), bool), f(pt), f(eta), f(phi), f(m), f(btag), truth)
    return data, truth


def test_exact_masses_give_zero_chi2_and_the_right_assignment(rng):
    data, truth = hand_built_event(rng)
    pred = chi2_assign(data)
    assert correct_tops(pred, truth)[0] == 2
    p = four_vectors(data)
    hyp = np.array([[*truth[0, 0], *truth[0, 1]]])
    assert chi2_values(p, hyp)[0, 0] < 1e-3


def test_formula_on_one_hypothesis():
    p = np.array([[[100.0, 0, 0, 0], [50, 30, 0, 0], [50, -30, 0, 0], [120, 0, 50, 0], [40, 0, 0, 20], [40, 0, 0, -20]]])
    hyp = np.array([[0, 1, 2, 3, 4, 5]])
    mw1, mw2 = np.sqrt(100**2 - 0), np.sqrt(80**2)
    mt1, mt2 = np.sqrt(200**2), np.sqrt(200**2 - 50**2)
    expect = (mt1 - mt2) ** 2 / (2 * SIGMA_T**2) + (mw1 - M_W) ** 2 / SIGMA_W**2 + (mw2 - M_W) ** 2 / SIGMA_W**2
    assert np.isclose(chi2_values(p, hyp)[0, 0], expect, rtol=1e-12)


def test_hypothesis_counts():
    # b pair from the tagged jets, then two disjoint ordered W pairs from the other n - 2 jets.
    assert len(hypotheses(6, 2)) == 6
    assert len(hypotheses(8, 2)) == 90
    assert len(hypotheses(8, 3)) == 3 * 90
    assert len(hypotheses(7, 7)) == 21 * 10 * 3
    assert len(hypotheses(5, 2)) == len(hypotheses(8, 1)) == 0
    assert len({tuple(h) for h in hypotheses(8, 3)}) == 270


def test_minimum_agrees_with_brute_force(rng, make_events):
    data = make_events(30, 8, rng)
    data.btag[:, :2] = 1.0
    pred = chi2_assign(data)
    p = four_vectors(data)
    for ev in range(len(data)):
        jets = np.flatnonzero(data.mask[ev])
        tagged = set(np.flatnonzero(data.mask[ev] & (data.btag[ev] > 0.5)))
        brute = [
            perm for perm in permutations(jets, 6) if perm[0] in tagged and perm[3] in tagged
        ]
        values = chi2_values(p[ev : ev + 1], np.array(brute))[0]
        got = chi2_values(p[ev : ev + 1], pred[ev].reshape(1, 6))[0, 0]
        assert np.isclose(got, values.min(), rtol=1e-12)
        assert len(set(pred[ev].ravel())) == 6


def test_too_few_b_tags_gives_no_assignment(rng, make_events):
    data = make_events(4, 8, rng)
    data.btag[:] = 0.0
    data.btag[:, 0] = 1.0
    assert (chi2_assign(data) == -1).all()
