"""Prong grouping: angular clustering, truth prongs, labels, purity and completeness."""

import numpy as np
import pandas as pd
import pytest

from attnphys.neutrino.prongs import (angular_clusters, prong_class, prong_labels, purity_completeness,
                                      truth_prongs)


def test_angular_clusters_wrap_around_and_drop_singletons():
    angle = np.array([np.pi - 0.01, -np.pi + 0.02, 0.5, 0.52, 0.55, 2.0])
    labels = angular_clusters(angle, eps=0.1)
    assert labels[0] == labels[1] >= 0  # across the +-pi seam
    assert labels[2] == labels[3] == labels[4] >= 0 and labels[2] != labels[0]
    assert labels[5] == -1


def test_prong_classes():
    assert list(prong_class(np.array([11, -13, 2212, -211, 22, 111, 2112, 321]))) == [0, 1, 2, 3, 4, 4, 5, 5]


def _two_particle_event():
    # particle 0: 5 hits of 10 PE (muon), particle 1: 3 hits of 20 PE (proton), particle 2: 1 hit
    return pd.DataFrame({"event": [7] * 9, "plane": np.arange(9), "cell": np.arange(9), "view": np.arange(9) % 2,
                         "pe": [10] * 5 + [20] * 3 + [5], "particle": [0] * 5 + [1] * 3 + [2],
                         "pid": [13] * 5 + [2212] * 3 + [211]})


def test_truth_prongs_rank_by_charge_and_need_min_hits():
    hits = _two_particle_event()
    prong = truth_prongs(hits, max_prongs=5, min_hits=2)
    assert list(prong) == [1] * 5 + [0] * 3 + [-1]
    labels = prong_labels(hits, prong, np.array([7]), 3)
    assert labels.tolist() == [[2, 1, -1]]


def test_purity_and_completeness_of_a_perfect_and_a_merged_grouping():
    hits = _two_particle_event()
    assert purity_completeness(hits, hits["particle"].to_numpy()) == pytest.approx((1.0, 1.0))
    purity, completeness = purity_completeness(hits, np.zeros(9, dtype=int))
    assert purity == pytest.approx(60 / 115)  # one prong: the proton's 60 of 115 PE
    assert completeness == pytest.approx(1.0)

