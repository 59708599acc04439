"""Matching efficiencies on hand-built predictions (definitions of arXiv:2010.09206)."""

from __future__ import annotations

import numpy as np

from attnphys.spanet.metrics import efficiencies

T = [[0, 1, 2], [3, 4, 5]]


def test_hand_built_table():
    truth = np.array(
        [
            T,  # 6 jets, 2 matchable tops: prediction swaps tops and q1<->q2 -> 2 correct
            T,  # 6 jets: one top right, one wrong b -> 1 correct
            T,  # 7 jets: both wrong (b and q swapped across) -> 0 correct
            [[0, 1, 2], [3, -1, 5]],  # 8 jets, 1 matchable top, found in branch 2 -> 1
            [[0, 1, 2], [-1, 4, 5]],  # 9 jets, 1 matchable top, missed -> 0
            [[-1, 1, 2], [3, -1, 5]],  # 6 jets, no matchable top: counted nowhere
        ]
    )
    pred = np.array(
        [
            [[3, 5, 4], [0, 2, 1]],
            [[0, 2, 1], [6, 4, 5]],
            [[1, 0, 2], [4, 3, 5]],
            [[3, 4, 5], [0, 1, 2]],
            [[0, 1, 3], [6, 4, 5]],
            [[0, 1, 2], [3, 4, 5]],
        ]
    )
    njets = np.array([6, 6, 7, 8, 9, 6])
    table = efficiencies(pred, truth, njets, "test").set_index("njets")
    assert list(table.index) == ["6", "7", ">=8", "inclusive"]
    six = table.loc["6"]
    assert (six.event_eff, six.top2_eff, six.n_events_2top, six.n_events_1top) == (50.0, 75.0, 2, 0)
    assert np.isnan(six.top1_eff)
    assert table.loc["7"].event_eff == 0.0 and table.loc["7"].top2_eff == 0.0
    assert table.loc[">=8"].top1_eff == 50.0 and table.loc[">=8"].n_events_1top == 2
    inc = table.loc["inclusive"]
    assert inc.event_eff == 100 / 3 and inc.top2_eff == 50.0 and inc.top1_eff == 50.0
    assert (inc.n_events_2top, inc.n_events_1top) == (3, 2)
    assert (table.method == "test").all()


def test_unmatched_prediction_never_correct():
    truth = np.array([[[0, 1, 2], [3, 4, -1]]])
    pred = np.array([[[-1, -1, -1], [3, 4, -1]]])
    table = efficiencies(pred, truth, np.array([6]), "x").set_index("njets")
    assert table.loc["6"].top1_eff == 0.0
