"""Pre-selection before the parton shower: the smallest enclosing circle (analytic cases,
invariances, Jung's bounds) and the Pythia hook on real events (vetoes only what cannot give
a truth-matched jet, leaves QCD and the random stream alone)."""

from __future__ import annotations

import math

import awkward as ak
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attnphys.detector.azimuth import delta_r
from attnphys.detector.delphes_tree import PARTICLE_FIELDS, read_collection
from attnphys.event_record import generate_events, start_pythia
from attnphys.jets.generate import generate_chunk
from attnphys.jets.ingest import MATCH_RADIUS
from attnphys.jets.preselection import (
    CONTAINMENT_MARGIN,
    Preselection,
    smallest_enclosing_radius,
)
from attnphys.jets.prong_classes import PRONG_CLASSES
from attnphys.jets.truth import hard_partons

THRESHOLD = MATCH_RADIUS + CONTAINMENT_MARGIN


@pytest.mark.parametrize(
    ("eta", "phi", "radius"),
    [
        ([0.3], [1.0], 0.0),
        ([0.0, 1.0], [0.0, 0.0], 0.5),  # a diameter
        ([0.0, 1.0, 0.5], [0.0, 0.0, math.sqrt(3) / 2], 1 / math.sqrt(3)),  # equilateral: circumcircle
        ([0.0, 2.0, 1.0], [0.0, 0.0, 0.3], 1.0),  # obtuse: the longest side is a diameter
        ([0.0, 2.0, 1.0, 1.0], [0.0, 0.0, 0.2, -0.3], 1.0),  # inner points change nothing
        ([0.0, 0.0], [3.1, -3.1], math.pi - 3.1),  # across phi = +-pi, not 3.1
    ],
)
def test_smallest_enclosing_radius_analytic(eta, phi, radius):
    assert smallest_enclosing_radius(eta, phi) == pytest.approx(radius, abs=1e-12)


# Spread below pi in phi, where the cylinder is locally a plane (the radius is exact below pi / 2).
points = st.lists(st.tuples(st.floats(-2.5, 2.5), st.floats(-1.5, 1.5)), min_size=2, max_size=8)


@settings(max_examples=150, deadline=None)
@given(points, st.floats(-1.0, 1.0), st.floats(-math.pi, math.pi))
def test_smallest_enclosing_radius_invariant_and_within_jungs_bounds(pts, shift_eta, shift_phi):
    eta, phi = np.array(pts).T
    radius = smallest_enclosing_radius(eta, phi)
    moved = smallest_enclosing_radius(eta + shift_eta, phi + shift_phi)
    assert moved == pytest.approx(radius, abs=1e-9)
    # Jung's theorem in the plane: D / 2 <= R <= D / sqrt(3), D the largest distance.
    i, j = np.triu_indices(len(eta), 1)
    diameter = delta_r(eta[i], phi[i], eta[j], phi[j]).max() if len(i) else 0.0
    assert diameter / 2 - 1e-9 <= radius <= diameter / math.sqrt(3) + 1e-9


def candidate_radii(path, cls) -> np.ndarray:
    """Per event, the smallest enclosing radius of the written decay partons, best candidate."""
    found = hard_partons(read_collection(path, "Particle", PARTICLE_FIELDS), PRONG_CLASSES[cls].resonance)
    radii = []
    for event in ak.to_list(found):
        radii.append(min((smallest_enclosing_radius([p["eta"] for p in c["partons"]], [p["phi"] for p in c["partons"]])
                          for c in event if c["partons"]), default=np.inf))
    return np.array(radii)


def test_written_events_keep_containable_decays_and_count_hard_processes(tmp_path):
    """Class 6 (six partons, often wider than a jet): with the pre-selection every written
    event has its decay partons within the threshold (up to the shower's recoil), more hard
    processes were made than written; without it, wider events are written too."""
    kept = generate_chunk("6", 0, 40, 5, tmp_path / "kept.root")
    plain = generate_chunk("6", 0, 40, 5, tmp_path / "plain.root", preselect=False)
    assert kept.hard_processes > kept.events == 40
    assert plain.hard_processes == plain.events == 40
    assert candidate_radii(kept.out, "6").max() < THRESHOLD + 0.1
    assert candidate_radii(plain.out, "6").max() > THRESHOLD + 0.2


def test_qcd_is_never_vetoed_and_recording_leaves_the_events_unchanged():
    settings_ = PRONG_CLASSES["1"].settings
    hook = Preselection(None)
    with_hook = generate_events(start_pythia(settings_, 3, hook), 20)
    assert hook.hard_processes == hook.showered == 20
    # Record mode vetoes nothing and draws no random number: the same events as no hook.
    signal = PRONG_CLASSES["8"]
    recorder = Preselection(signal.resonance, record=True)
    recorded = generate_events(start_pythia(signal.settings, 4, recorder), 15)
    bare = generate_events(start_pythia(signal.settings, 4), 15)
    np.testing.assert_array_equal(ak.to_numpy(recorded.info.pT2Hat), ak.to_numpy(bare.info.pT2Hat))
    assert len(recorder.records) == 15 and recorder.showered == 15
    keys = np.array([pt for pt, _, _ in recorder.records])
    np.testing.assert_allclose(keys, np.sqrt(ak.to_numpy(recorded.info.pT2Hat)), rtol=1e-9)
    assert all(len(jets) <= 2 and all(pt >= 500 for pt, _ in jets) for _, _, jets in recorder.records)
    assert len(with_hook) == 20
