"""Interactions: Llewellyn Smith QE with the configured M_A, exact four-momentum conservation,
Pythia multiplicities, channel mix, beam oscillation."""

import numpy as np
import pytest
from scipy import stats

from attnphys.neutrino import cross_sections, kinematics
from attnphys.neutrino.beam import EVENT_CLASSES, Beam
from attnphys.neutrino.cross_sections import NUCLEON_MASS
from attnphys.neutrino.generate import generate


@pytest.fixture(scope="module")
def sample():
    return generate(150, Beam(), 1.0, 4)


def test_four_momentum_conserved_in_every_event(sample):
    events, particles = sample
    sums = particles.groupby("event")[["e", "px", "py", "pz"]].sum().loc[events["event"]]
    e_nu = events["e_nu"].to_numpy()
    assert np.abs(sums["e"].to_numpy() - e_nu - NUCLEON_MASS).max() < 1e-6
    assert np.abs(sums["pz"].to_numpy() - e_nu).max() < 1e-6
    assert np.abs(sums[["px", "py"]].to_numpy()).max() < 1e-6


def test_final_states_per_class(sample):
    events, particles = sample
    by_event = particles.groupby("event")["pid"].apply(set)
    cls = events.set_index("event")["event_class"]
    for ev, pids in by_event.items():
        name = EVENT_CLASSES[cls[ev]]
        if name == "numu_cc":
            assert 13 in pids
        elif name == "nue_cc":
            assert 11 in pids
        elif name == "nutau_cc":
            assert 16 in pids and 15 not in pids  # tau decayed by Pythia
        else:
            assert 14 in pids
    dis = events.loc[events["channel"] == 2, "event"]
    hadrons = particles[particles["event"].isin(dis) & ~particles["pid"].abs().isin([11, 12, 13, 14, 15, 16])]
    assert hadrons.groupby("event").size().mean() > 2.0  # Pythia strings of W > 1.7 GeV


def test_nutau_threshold(sample):
    events, _ = sample
    tau = events[events["event_class"] == EVENT_CLASSES.index("nutau_cc")]
    assert tau["e_nu"].min() > cross_sections.threshold(1.77686, cross_sections.W_MIN["qe"])


@pytest.mark.parametrize("axial_mass", [0.8, 1.0, 1.3])
def test_qe_q2_follows_llewellyn_smith(axial_mass):
    rng = np.random.default_rng(1)
    energy = np.full(20000, 2.0)
    q2 = kinematics.sample_qe(energy, 0.10566, axial_mass, rng)["q2"]
    lo, hi = kinematics.q2_range(np.array([2.0]), 0.10566, np.array([kinematics.W_MIN["qe"]]))
    grid = np.linspace(lo[0], hi[0], 4001)
    pdf = kinematics.llewellyn_smith(grid, 2.0, 0.10566, axial_mass)
    cdf = np.cumsum(pdf) / pdf.sum()
    assert stats.kstest(q2, lambda x: np.interp(x, grid, cdf)).pvalue > 0.001


def test_qe_q2_falls_faster_for_smaller_axial_mass():
    rng = np.random.default_rng(2)
    energy = np.full(20000, 2.0)
    means = [kinematics.sample_qe(energy, 0.10566, m, rng)["q2"].mean() for m in (0.7, 1.0, 1.4)]
    assert means[0] < means[1] < means[2]


def test_oscillation_probabilities():
    beam = Beam()
    e = np.geomspace(0.3, 20, 200)
    prob = beam.oscillation(e)
    assert np.allclose(prob["mumu"] + prob["mue"] + prob["mutau"], 1.0)
    first_max = 1.267 * beam.dm2_32 * beam.baseline_km / (np.pi / 2)
    assert beam.oscillation(np.array([first_max]))["mumu"][0] < 0.05  # maximal disappearance near 1.6 GeV


def test_a_chunk_depends_only_on_seed_and_chunk():
    """Seeding streams ("neutrino", "interactions"/"simulate", chunk): reproducible, and chunks differ."""
    first, _ = generate(4, Beam(), 1.0, 11, chunk=3)
    again, _ = generate(4, Beam(), 1.0, 11, chunk=3)
    other, _ = generate(4, Beam(), 1.0, 11, chunk=4)
    assert first.equals(again)
    assert not np.allclose(first["e_nu"], other["e_nu"])
