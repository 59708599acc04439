"""Classical least-squares inversion through the TOV solver."""

import numpy as np

from attnphys.neutron_stars.dataset import Prior, physical_curve
from attnphys.neutron_stars.fit import branch_distance, fit_coefficients, starting_bank

PRIOR = Prior(((0.75, 1.55), (-0.2, 0.05)), min_max_mass=1.4)


def test_distance_to_the_branch():
    curve = physical_curve(np.array([1.2, -0.05]), 1.4)
    mass = np.array([1.2, 1.5])
    radius = curve.radius_at(mass)
    sigma = np.ones(2)
    np.testing.assert_allclose(branch_distance(curve, mass, radius, sigma, sigma), 0.0, atol=1e-9)
    shifted = branch_distance(curve, mass, radius + 0.1, sigma, sigma * 0.5)
    assert np.all(np.hypot(shifted[:2], shifted[2:]) <= 0.2 + 1e-12)  # at most the R offset / sigma
    assert np.all(np.hypot(shifted[:2], shifted[2:]) > 0.0)


def test_fit_recovers_coefficients_from_exact_stars():
    truth = np.array([1.25, -0.07])
    curve = physical_curve(truth, 1.4)
    mass = np.linspace(1.1, curve.m_max - 0.05, 5)
    bank = starting_bank(PRIOR, seed=1, size=4)
    fitted, info = fit_coefficients(mass, curve.radius_at(mass), 0.01, PRIOR, bank)
    np.testing.assert_allclose(fitted, truth, atol=0.02)
    assert info["cost"] < 1.0
