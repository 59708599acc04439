"""Figures of merit of a multi-class tagger beyond accuracy: one-vs-rest ROC curves and AUC
(scikit-learn), background rejection 1/eps_B at fixed signal efficiency, and binomial
confidence intervals on efficiencies and accuracies.

Rejection of QCD (class "1") for a signal class s uses the discriminant
D_s = p_s / (p_s + p_QCD) on the jets of classes s and QCD only, the likelihood ratio of the
two classes when the probabilities are calibrated (as in ParticleNet's X-vs-QCD taggers,
Qu and Gouskos, arXiv:1902.08570). eps_B at a signal efficiency is read off the ROC curve by
linear interpolation; with no background jet passing, the rejection is infinite and the
table gives the lower bound ``> n_B``.

Intervals on efficiencies and accuracies: ``attnphys.binomial`` (Clopper-Pearson, 68 %).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

QCD = "1"
EFFICIENCIES = (0.5, 0.8)


def one_vs_rest(prob: np.ndarray, label: np.ndarray, k: int):
    """ROC (false positive rate, true positive rate) and AUC of class ``k`` against all others,
    scored by p_k; None where the test set lacks class ``k`` or every other class."""
    positive = label == k
    if positive.all() or not positive.any():
        return None
    fpr, tpr, _ = roc_curve(positive, prob[:, k])
    return fpr, tpr, float(roc_auc_score(positive, prob[:, k]))


def rejection(prob: np.ndarray, label: np.ndarray, signal: int, background: int,
              efficiencies=EFFICIENCIES) -> dict[float, float]:
    """1/eps_B of ``background`` at each signal efficiency, with D = p_s / (p_s + p_b);
    NaN where the test set lacks either class, inf where no background jet passes."""
    keep = (label == signal) | (label == background)
    is_signal = label[keep] == signal
    if is_signal.all() or not is_signal.any():
        return {eff: float("nan") for eff in efficiencies}
    p_s, p_b = prob[keep, signal].astype(np.float64), prob[keep, background].astype(np.float64)
    discriminant = p_s / np.maximum(p_s + p_b, np.finfo(np.float64).tiny)
    fpr, tpr, _ = roc_curve(is_signal, discriminant)
    out = {}
    for eff in efficiencies:
        eps_b = float(np.interp(eff, tpr, fpr))
        out[eff] = 1.0 / eps_b if eps_b > 0 else float("inf")
    return out
