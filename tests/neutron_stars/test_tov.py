"""TOV solver against analytic solutions and the SLy reference."""

import numpy as np
import pytest

from attnphys.neutron_stars.eos import SLY_READ, PiecewisePolytrope, incompressible_table, read_polytrope
from attnphys.neutron_stars.tov import mass_radius_curve, solve_stars
from attnphys.neutron_stars.units import KM2_PER_G_CM3, KM_PER_MSUN


def test_constant_density_star_matches_the_analytic_solution():
    rho = 1e15 * KM2_PER_G_CM3
    p_centre = np.geomspace(1e-3, 2.0, 6) * rho
    mass, radius = solve_stars(incompressible_table(rho, 10 * rho), p_centre)
    m_km = mass * KM_PER_MSUN
    np.testing.assert_allclose(m_km, 4.0 / 3.0 * np.pi * radius**3 * rho, rtol=1e-4)
    u = m_km / radius
    assert u.max() > 0.35  # strongly relativistic stars are covered
    expected = rho * (1 - np.sqrt(1 - 2 * u)) / (3 * np.sqrt(1 - 2 * u) - 1)
    np.testing.assert_allclose(expected, p_centre, rtol=1e-4)


def test_sly_maximum_mass_and_canonical_radius():
    curve = mass_radius_curve(read_polytrope(*SLY_READ).table())
    assert curve.m_max == pytest.approx(2.05, abs=0.03)
    assert float(curve.radius_at(1.4)) == pytest.approx(11.7, abs=0.2)
    assert curve.monotonic
    assert np.isnan(curve.radius_at(curve.m_max + 0.01))


def test_newtonian_n1_polytrope_radius_is_independent_of_mass():
    kappa = 100.0  # km^2, p = K rho^2
    newtonian = np.sqrt(np.pi * kappa / 2)  # pi sqrt(K / (2 pi G)), G = 1
    table = PiecewisePolytrope(np.array([kappa]), np.array([2.0]), np.array([0.0])).table(p_max=1e-3)
    mass, radius = solve_stars(table, np.array([1e-10, 1e-9, 1e-8]))
    assert mass[-1] / mass[0] > 9
    compactness = mass * KM_PER_MSUN / radius
    deviation = 1 - radius / newtonian
    np.testing.assert_allclose(radius, newtonian, rtol=5e-3)
    assert np.all(np.diff(deviation) > 0)  # GR shrinks the star more as compactness grows
    assert np.all(deviation < 2 * compactness)  # first-order post-Newtonian size


def test_curve_converges_with_tolerance():
    table = read_polytrope(*SLY_READ).table()
    loose, tight = mass_radius_curve(table), mass_radius_curve(table, n=80, rtol=1e-9)
    assert loose.m_max == pytest.approx(tight.m_max, abs=2e-3)
    assert float(loose.radius_at(1.4)) == pytest.approx(float(tight.radius_at(1.4)), abs=0.01)


def test_bad_central_pressure_is_rejected():
    table = read_polytrope(*SLY_READ).table()
    with pytest.raises(ValueError, match="central pressures"):
        solve_stars(table, np.array([np.nan]))
