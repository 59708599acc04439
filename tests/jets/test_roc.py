"""ROC, AUC, QCD rejection and binomial intervals against analytic answers."""

from __future__ import annotations

import numpy as np
import pytest

from attnphys.binomial import binomial_interval
from attnphys.jets.roc import one_vs_rest, rejection

N = 20000


def _two_class_scores():
    """Discriminant D with QCD uniform on [0, 1] and signal of density 2x (quantile-spaced):
    eps_S(t) = 1 - t^2, eps_B(t) = 1 - t, AUC = P(D_s > D_b) = 2/3."""
    u = (np.arange(N) + 0.5) / N
    d = np.concatenate([u, np.sqrt(u)])
    label = np.repeat([0, 1], N)  # label 0 = QCD, 1 = signal
    prob = np.stack([1 - d, d], axis=1)
    return prob, label


def test_auc_and_rejection_match_the_analytic_answers():
    prob, label = _two_class_scores()
    fpr, tpr, auc = one_vs_rest(prob, label, 1)
    assert auc == pytest.approx(2 / 3, abs=1e-4)
    values = rejection(prob, label, signal=1, background=0)
    # eps_S = 0.5 at t = sqrt(0.5): eps_B = 1 - sqrt(0.5); eps_S = 0.8 at t = sqrt(0.2)
    assert values[0.5] == pytest.approx(1 / (1 - np.sqrt(0.5)), rel=1e-3)
    assert values[0.8] == pytest.approx(1 / (1 - np.sqrt(0.2)), rel=1e-3)


def test_rejection_uses_only_signal_and_qcd_jets_and_handles_edges():
    prob, label = _two_class_scores()
    # A third class with any scores changes nothing: D = p_s / (p_s + p_QCD) on classes s and QCD.
    other = np.full((100, 2), 0.5)
    three = np.concatenate([np.hstack([prob * 0.5, np.full((len(prob), 1), 0.5)]),
                            np.hstack([other * 0.1, np.full((100, 1), 0.9)])])
    labels = np.concatenate([label, np.full(100, 2)])
    assert rejection(three, labels, 1, 0) == pytest.approx(rejection(prob, label, 1, 0))
    perfect = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8]])
    assert rejection(perfect, np.array([0, 0, 1, 1]), 1, 0) == {0.5: np.inf, 0.8: np.inf}
    assert np.isnan(rejection(perfect, np.array([1, 1, 1, 1]), 1, 0)[0.5])
    assert one_vs_rest(perfect, np.array([1, 1, 1, 1]), 1) is None


def test_clopper_pearson_known_values():
    lo, hi = binomial_interval([0, 10, 5, 0], [10, 10, 10, 0])
    # k = 0: upper bound 1 - (alpha/2)^(1/n) with alpha/2 = 0.15865; k = n mirrors it.
    assert lo[0] == 0 and hi[0] == pytest.approx(1 - 0.15865 ** 0.1, abs=1e-4)
    assert hi[1] == 1 and lo[1] == pytest.approx(0.15865 ** 0.1, abs=1e-4)
    assert lo[2] == pytest.approx(1 - hi[2]) and lo[2] < 0.5 < hi[2]
    assert np.isnan(lo[3]) and np.isnan(hi[3])
