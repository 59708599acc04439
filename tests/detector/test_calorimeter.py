"""The ATLAS-like calorimeter (attnphys.detector.calorimeter): resolution, thresholds,
invisible particles, and the summed tower ET of real Pythia events."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from attnphys.detector.calorimeter import ECAL, HCAL, make_towers
from attnphys.event_record import final_state, generate_events, start_pythia
from attnphys.jets.prong_classes import PRONG_CLASSES
from attnphys.kinematics import pt_eta_phi


def test_summed_tower_et_matches_visible_particle_et_within_resolution():
    events = generate_events(start_pythia(PRONG_CLASSES["1"].settings, 3), 12)
    particles = final_state(events)
    towers = make_towers(particles, len(events), np.random.default_rng(0))
    pid = np.abs(particles["pid"])
    pt, eta, _ = pt_eta_phi(particles["px"], particles["py"], particles["pz"])
    central = (np.abs(eta) < 2.5) & ~np.isin(pid, (12, 13, 14, 16))
    visible = np.bincount(particles["event"][central], weights=pt[central], minlength=len(events))
    in_central = np.abs(towers.Eta) < 2.5
    summed = ak.to_numpy(ak.sum(towers.ET[in_central], axis=1))
    # Expected spread: each tower's resolution (HCAL, the coarser) added in quadrature.
    e = ak.to_numpy(ak.flatten(towers.E[in_central])).astype(np.float64)
    cosh = np.cosh(ak.to_numpy(ak.flatten(towers.Eta[in_central])))
    tower_event = np.repeat(np.arange(len(events)), ak.to_numpy(ak.num(towers.E[in_central])))
    variance = np.bincount(tower_event, weights=(HCAL.sigma(e, np.zeros_like(e)) / cosh) ** 2, minlength=len(events))
    sigma_et = np.sqrt(variance)
    # Soft particles below the thresholds are lost and cell edges move a few deposits
    # across |eta| = 2.5: allow 3 sigma plus 3 % of the visible ET.
    assert np.all(np.abs(summed - visible) < 3 * sigma_et + 0.03 * visible), (summed, visible, sigma_et)
    assert np.all(summed > 1500)  # two ~1 TeV jets


def _single(pid: int, energy: float, eta: float, n: int) -> dict[str, np.ndarray]:
    pt = energy / np.cosh(eta)
    phi = np.linspace(-3.0, 3.0, n)
    return {
        "event": np.arange(n),
        "pid": np.full(n, pid),
        "px": pt * np.cos(phi),
        "py": pt * np.sin(phi),
        "pz": np.full(n, pt * np.sinh(eta)),
        "e": np.full(n, energy),
    }


@pytest.mark.parametrize(("pid", "calo"), [(22, ECAL), (211, HCAL)])
def test_single_particle_energy_resolution(pid, calo):
    n, energy, eta = 4000, 200.0, 0.43
    towers = make_towers(_single(pid, energy, eta, n), n, np.random.default_rng(1))
    assert ak.all(ak.num(towers) == 1)
    e = ak.to_numpy(ak.flatten(towers.E)).astype(np.float64)
    sigma = float(calo.sigma(np.array([energy]), np.array([eta]))[0])
    assert abs(e.mean() - energy) < 4 * sigma / np.sqrt(n)
    assert abs(e.std() / sigma - 1) < 0.06
    # The tower centre is smeared inside the cell that holds eta = 0.43.
    grid = calo.grid
    cell = np.searchsorted(grid.eta_edges, eta, side="right") - 1
    tower_eta = ak.to_numpy(ak.flatten(towers.Eta))
    assert np.all((tower_eta >= grid.eta_edges[cell] - 1e-6) & (tower_eta <= grid.eta_edges[cell + 1] + 1e-6))
    assert tower_eta.std() > 0.2 * (grid.eta_edges[cell + 1] - grid.eta_edges[cell])
    np.testing.assert_allclose(ak.flatten(towers.ET), e / np.cosh(tower_eta), rtol=1e-5)


def test_muons_and_neutrinos_leave_nothing_and_k0s_splits():
    n = 50
    invisible = [_single(pid, 100.0, 0.2, n) for pid in (13, -13, 12, 14, -16)]
    merged = {k: np.concatenate([p[k] for p in invisible]) for k in invisible[0]}
    assert ak.sum(ak.num(make_towers(merged, n, np.random.default_rng(2)))) == 0
    towers = make_towers(_single(310, 500.0, 0.2, n), n, np.random.default_rng(3))
    assert ak.all(ak.num(towers) == 2)
    eem = ak.to_numpy(ak.sum(towers.Eem, axis=1))
    ehad = ak.to_numpy(ak.sum(towers.Ehad, axis=1))
    assert abs(eem.mean() / 150.0 - 1) < 0.02 and abs(ehad.mean() / 350.0 - 1) < 0.05


def test_below_threshold_deposits_make_no_tower():
    n = 200
    soft = make_towers(_single(22, 0.3, 0.0, n), n, np.random.default_rng(4))  # < 0.5 GeV ECAL
    assert ak.sum(ak.num(soft)) == 0


def test_towers_at_cell_centres_when_centre_smearing_is_off():
    """SmearTowerCenter = false: an HCAL pion at (eta 0.42, phi 1.0) makes a tower at the centre
    of its 0.1 x 10 degree cell, whatever the random stream; with smearing it lies in the cell."""
    particle = {"event": np.zeros(1, dtype=np.int64), "pid": np.array([211]),
                "px": np.array([500 * np.cos(1.0)]), "py": np.array([500 * np.sin(1.0)]),
                "pz": np.array([500 * np.sinh(0.42)]), "e": np.array([500 * np.cosh(0.42)])}
    width = 2 * np.pi / 36
    centre_phi = -np.pi + width * (np.floor((1.0 + np.pi) / width) + 0.5)
    for seed in (1, 2):
        towers = make_towers(particle, 1, np.random.default_rng(seed), smear_centres=False)
        assert len(towers[0]) == 1
        assert towers.Eta[0, 0] == pytest.approx(0.45, abs=1e-6)
        assert towers.Phi[0, 0] == pytest.approx(centre_phi, abs=1e-6)
    smeared = make_towers(particle, 1, np.random.default_rng(1))
    assert 0.4 <= smeared.Eta[0, 0] <= 0.5 and abs(smeared.Phi[0, 0] - centre_phi) <= width / 2
    assert smeared.Eta[0, 0] != pytest.approx(0.45, abs=1e-6)
