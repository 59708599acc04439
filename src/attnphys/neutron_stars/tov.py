"""Tolman-Oppenheimer-Volkoff (TOV) solver: mass-radius curves and maximum masses.

The TOV equations (G = c = 1) dm/dr = 4 pi r^2 eps, dp/dr = -(eps + p)(m + 4 pi r^3 p) /
(r (r - 2m)) are integrated in the pseudo-enthalpy h = int dp/(eps + p) (Lindblom 1992,
ApJ 398 569), which runs from h_c at the centre to exactly 0 at the surface, so no
surface search is needed:

    dr/dh = -r (r - 2m) / (m + 4 pi r^3 p),   dm/dh = 4 pi r^2 eps dr/dh.

With h = h_c (1 - t^2) every star runs over the same t in (0, 1], and r ~ t, m ~ t^3
are smooth at the centre; all central pressures of a curve are therefore stacked into
one system for a single adaptive ``solve_ivp`` run (the vectorised hot path).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from attnphys.neutron_stars.eos import EOSTable
from attnphys.neutron_stars.units import KM2_PER_DYN_CM2, KM_PER_MSUN

T_START = 1.0e-3  # start of the integration in t; series solution below it
LOG10_PC_RANGE = (34.0, 36.7)  # central pressures of a curve, log10 dyn/cm^2
N_CURVE = 32


def solve_stars(table: EOSTable, p_centre: np.ndarray, rtol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Gravitational mass (Msun) and radius (km) of stars with central pressures in km^-2."""
    p_centre = np.atleast_1d(np.asarray(p_centre, dtype=float))
    if np.any(~np.isfinite(p_centre)) or np.any(p_centre <= 0) or np.any(p_centre > table.p_max):
        raise ValueError(f"TOV: central pressures must lie in (0, {table.p_max:.3g}] km^-2")
    n = len(p_centre)
    h_c = table.enthalpy(p_centre)
    p_c, eps_c = table.state(h_c)
    # Series about the centre: r^2 = 3 (h_c - h) / (2 pi (eps_c + 3 p_c)), m = 4/3 pi eps_c r^3.
    r0 = T_START * np.sqrt(3.0 * h_c / (2.0 * np.pi * (eps_c + 3.0 * p_c)))
    m0 = 4.0 / 3.0 * np.pi * eps_c * r0**3

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        r, m = y[:n], y[n:]
        p, eps = table.state(h_c * (1.0 - t * t))
        dr = 2.0 * h_c * t * r * (r - 2.0 * m) / (m + 4.0 * np.pi * r**3 * p)
        return np.concatenate([dr, 4.0 * np.pi * r * r * eps * dr])

    sol = solve_ivp(rhs, (T_START, 1.0), np.concatenate([r0, m0]), rtol=rtol, atol=1e-12, t_eval=[1.0])
    if not sol.success:
        raise ValueError(f"TOV integration failed: {sol.message}")
    radius, mass = sol.y[:n, -1], sol.y[n:, -1]
    return mass / KM_PER_MSUN, radius


@dataclass(frozen=True)
class MassRadiusCurve:
    """Stars on a grid of central pressures, with the maximum mass located on it.

    ``m_max`` is NaN when the mass still rises at the highest central pressure.
    """

    p_centre: np.ndarray  # km^-2
    mass: np.ndarray  # Msun
    radius: np.ndarray  # km
    m_max: float
    p_centre_max: float  # central pressure of the heaviest star, km^-2
    radius_max: float  # radius of the heaviest star, km

    @property
    def stable(self) -> np.ndarray:
        """Mask of the stable branch: central pressures up to the heaviest star's."""
        return self.p_centre <= self.p_centre_max

    @property
    def monotonic(self) -> bool:
        """Whether mass rises with central pressure along the whole stable branch."""
        return bool(np.all(np.diff(self.mass[self.stable]) > 0))

    def radius_at(self, mass: np.ndarray) -> np.ndarray:
        """Radius (km) of the stable star of each mass; NaN outside the branch."""
        mass = np.asarray(mass, dtype=float)
        if not np.isfinite(self.m_max):
            return np.full(mass.shape, np.nan)
        branch_m = np.append(self.mass[self.stable], self.m_max)
        branch_r = np.append(self.radius[self.stable], self.radius_max)
        inside = (mass >= branch_m[0]) & (mass <= self.m_max)
        return np.where(inside, np.interp(mass, branch_m, branch_r), np.nan)


def mass_radius_curve(
    table: EOSTable, n: int = N_CURVE, log10_pc_range: tuple[float, float] = LOG10_PC_RANGE, rtol: float = 1e-6
) -> MassRadiusCurve:
    """M-R curve on ``n`` log-spaced central pressures; maximum by a parabola in log p_c."""
    lo, hi = log10_pc_range
    hi = min(hi, np.log10(table.p_max / KM2_PER_DYN_CM2))
    if hi <= lo:
        empty = np.empty(0)
        return MassRadiusCurve(empty, empty, empty, np.nan, np.nan, np.nan)
    log_pc = np.linspace(lo, hi, n)
    p_centre = np.minimum(10**log_pc * KM2_PER_DYN_CM2, table.p_max)
    mass, radius = solve_stars(table, p_centre, rtol=rtol)
    i = int(np.argmax(mass))
    if i in (0, n - 1):
        return MassRadiusCurve(p_centre, mass, radius, np.nan, np.nan, np.nan)
    x, dx = log_pc[i], log_pc[i + 1] - log_pc[i]
    m_lo, m_mid, m_hi = mass[i - 1 : i + 2]
    curvature = m_lo - 2.0 * m_mid + m_hi
    shift = 0.5 * (m_lo - m_hi) / curvature  # vertex, in grid steps from x
    m_max = m_mid - 0.25 * (m_lo - m_hi) * shift
    side = slice(i, i + 2) if shift > 0 else slice(i - 1, i + 1)
    radius_max = float(np.interp(x + shift * dx, log_pc[side], radius[side]))
    p_centre_max = float(10 ** (x + shift * dx) * KM2_PER_DYN_CM2)
    return MassRadiusCurve(p_centre, mass, radius, float(m_max), p_centre_max, radius_max)
