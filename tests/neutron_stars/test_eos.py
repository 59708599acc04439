"""EOS tables: continuity, the spectral form's adiabatic index, and the physical cuts."""

import numpy as np
import pytest

from attnphys.neutron_stars.dataset import Prior, physical_curve
from attnphys.neutron_stars.eos import SLY_READ, read_polytrope, spectral_adiabatic_index, spectral_table


def test_piecewise_polytrope_is_continuous_at_every_boundary():
    eos = read_polytrope(*SLY_READ)
    p_edges = eos.p_lo[1:]
    for f in (eos.energy_density, eos.enthalpy):
        below, above = f(p_edges * (1 - 1e-9)), f(p_edges * (1 + 1e-9))
        np.testing.assert_allclose(below, above, rtol=1e-6)


def test_spectral_table_follows_its_adiabatic_index():
    coefficients = np.array([1.1, -0.05])
    table = spectral_table(coefficients)
    p, eps = np.exp(table.log_p), np.exp(table.log_eps)
    core = slice(400, 900)  # inside the spectral part, away from the crust joint
    gamma = (eps + p)[core] / p[core] * np.gradient(p, eps)[core]
    x = np.log(p[core] / p[300])  # p[300] is p0, the first spectral node
    np.testing.assert_allclose(gamma, spectral_adiabatic_index(coefficients, x), rtol=2e-3)
    assert np.all(np.diff(table.log_eps) > 0)


def test_acausal_and_stiff_draws_are_rejected():
    assert physical_curve(np.array([1.6, 0.0])) is None  # Gamma(p0) = 4.95 > 4.5
    assert physical_curve(np.array([1.4, 0.15])) is None  # turns acausal before M_max
    table = spectral_table([1.4, 0.15])
    assert np.all(table.sound_speed_squared() <= 1.0)  # the table stops where c_s reaches c


def test_default_prior_box_contains_every_physical_eos():
    """Draws on the edges of the narrowed box are all rejected, so the cut loses nothing."""
    prior = Prior(((0.75, 1.55), (-0.2, 0.05)), min_max_mass=1.4)
    (lo0, hi0), (lo1, hi1) = prior.bounds
    edges = [(g0, g1) for g0 in np.linspace(lo0, hi0, 9) for g1 in (lo1, hi1)]
    edges += [(lo0, g1) for g1 in np.linspace(lo1, hi1, 6)]
    assert all(physical_curve(np.array(g), prior.min_max_mass) is None for g in edges)
    assert physical_curve(np.array([1.2, -0.05]), prior.min_max_mass) is not None


def test_invalid_coefficients_raise():
    with pytest.raises(ValueError, match="coefficients"):
        spectral_table([1.0])
    with pytest.raises(ValueError, match="gamma1"):
        Prior(((0.75, 1.55), (0.1, -0.2)), 1.4)
