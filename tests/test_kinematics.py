"""attnphys.kinematics: round trips and the pT = 0 convention."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from attnphys.kinematics import ETA_AT_ZERO_PT, cartesian, invariant_mass, pt_eta_phi, pt_eta_phi_mass

# momentum components in GeV: zero, or at least 1 keV in size (no subnormal pT, whose eta would exceed 700)
finite = st.one_of(st.just(0.0), st.floats(1e-6, 1e4), st.floats(-1e4, -1e-6))


@settings(max_examples=300, deadline=None)
@given(pt=st.floats(1e-3, 1e4), eta=st.floats(-5, 5), phi=st.floats(-np.pi, np.pi), mass=st.floats(0, 1e3))
def test_cylindrical_cartesian_round_trip(pt, eta, phi, mass):
    back = pt_eta_phi_mass(*cartesian(pt, eta, phi, mass))
    np.testing.assert_allclose(back[:3], (pt, eta, phi), rtol=1e-9, atol=1e-9)
    # the mass is a difference of large numbers: compare on the energy scale
    energy = np.sqrt((pt * np.cosh(eta)) ** 2 + mass**2)
    assert abs(back[3] ** 2 - mass**2) <= 1e-9 * energy**2 + 1e-12


@settings(max_examples=300, deadline=None)
@given(px=finite, py=finite, pz=finite)
def test_cartesian_round_trip_and_ranges(px, py, pz):
    pt, eta, phi = pt_eta_phi(px, py, pz)
    assert -np.pi <= phi <= np.pi and np.isfinite(eta)
    if pt > 0:
        x, y, z, e = cartesian(pt, eta, phi)
        scale = max(abs(px), abs(py), abs(pz), 1e-300)
        np.testing.assert_allclose([x, y, z], [px, py, pz], rtol=0, atol=1e-9 * scale)
        assert e == np.hypot(pt, z) or abs(e - np.sqrt(pt * pt + z * z)) < 1e-9 * scale


def test_zero_pt_convention():
    pt, eta, phi = pt_eta_phi([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [5.0, -5.0, 0.0])
    assert pt.tolist() == [0.0, 0.0, 0.0]
    assert eta.tolist() == [ETA_AT_ZERO_PT, -ETA_AT_ZERO_PT, 0.0] and ETA_AT_ZERO_PT == 999.9
    assert phi.tolist() == [0.0, 0.0, 0.0]
    px, py, pz, e = cartesian(0.0, ETA_AT_ZERO_PT, 1.0, 3.0)
    assert (px, py, pz, e) == (0.0, 0.0, 0.0, 3.0)
    # a subnormal pT: pz / pT overflows, eta = ln(2 pz / pT) stays finite and below the convention
    _, eta, _ = pt_eta_phi(0.0, 1e-310, 1.0)
    assert eta == np.log(2.0) - np.log(1e-310) < ETA_AT_ZERO_PT


def test_mass_is_never_nan_and_boosts_leave_it_unchanged():
    assert invariant_mass(1.0, 1.0 + 1e-12, 0.0, 0.0) == 0.0
    px, py, pz, e = cartesian(np.array([30.0, 40.0]), np.array([0.3, -1.2]), np.array([0.1, 2.0]), np.array([5.0, 10.0]))
    total = [x.sum() for x in (e, px, py, pz)]
    rapidity = 0.7  # boost along z: (E, pz) -> (E cosh y + pz sinh y, pz cosh y + E sinh y)
    boosted = [total[0] * np.cosh(rapidity) + total[3] * np.sinh(rapidity), total[1], total[2],
               total[3] * np.cosh(rapidity) + total[0] * np.sinh(rapidity)]
    np.testing.assert_allclose(invariant_mass(*boosted), invariant_mass(*total), rtol=1e-12)
