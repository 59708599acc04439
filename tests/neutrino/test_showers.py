"""EM showers: longitudinal maximum at t_max = ln(E/E_c) + C_j, containment in Moliere radii."""

import numpy as np
import pytest

from attnphys.neutrino.detector import Detector, shower


def _profile(det, energy, photon, rng, n_showers=60):
    depths, radii, weights = [], [], []
    for _ in range(n_showers):
        xyz, e = shower(det, np.zeros(3), np.array([energy, 0, 0, energy]), photon, rng)
        depths.append(xyz[:, 2])
        radii.append(np.hypot(xyz[:, 0], xyz[:, 1]))
        weights.append(e)
    return np.concatenate(depths), np.concatenate(radii), np.concatenate(weights)


@pytest.mark.parametrize("photon", [False, True])
@pytest.mark.parametrize("energy", [0.5, 1.0, 2.0, 5.0])
def test_shower_maximum_within_one_radiation_length(energy, photon):
    det = Detector()
    x0 = det.medium.radiation_length
    depth, _, weight = _profile(det, energy, photon, np.random.default_rng(11), n_showers=200)
    hist, edges = np.histogram(depth / x0, bins=np.arange(0, 25, 0.1), weights=weight)
    kernel = np.exp(-0.5 * (np.arange(-15, 16) * 0.1 / 0.4) ** 2)  # Gaussian smoothing, sigma 0.4 X0
    smooth = np.convolve(hist, kernel / kernel.sum(), mode="same")
    t_peak = edges[smooth.argmax()] + 0.05
    expected = np.log(energy / det.medium.critical_energy) + (0.5 if photon else -0.5)
    assert abs(t_peak - expected) < 1.0


@pytest.mark.parametrize("energy", [0.5, 2.0, 5.0])
def test_ninety_percent_within_two_moliere_radii(energy):
    det = Detector()
    _, radius, weight = _profile(det, energy, False, np.random.default_rng(2), n_showers=20)
    inside = weight[radius < 2 * det.medium.moliere_radius].sum() / weight.sum()
    within_one = weight[radius < det.medium.moliere_radius].sum() / weight.sum()
    assert inside >= 0.9
    assert within_one == pytest.approx(0.9, abs=0.02)  # PDG: ~90 % within one R_M


def test_shower_energy_is_conserved():
    det = Detector()
    _, _, weight = _profile(det, 3.0, True, np.random.default_rng(0), n_showers=1)
    assert weight.sum() == pytest.approx(3.0, rel=1e-9)
