"""Equations of state (EOS) of neutron-star matter, tabulated for the TOV solver.

Every parameterisation here produces one :class:`EOSTable`: pressure p, energy density
eps and adiabatic index Gamma against the pseudo-enthalpy h = int dp / (eps + p)
(Lindblom 1992, ApJ 398 569), the variable the TOV solver integrates in.

Choice of parameterisation (documented per the issue):

* Inference uses the **spectral form** of Lindblom (2010, PRD 82 103011),
  Gamma(x) = exp(sum_k gamma_k x^k) with x = ln(p / p0), with 2 coefficients by
  default (gamma0, gamma1) and 4 optionally, glued at p0 onto a fixed SLy crust. It is
  smooth, needs few coefficients, and has a standard prior (Carney, Wade & Irwin 2018,
  PRD 98 063004): gamma0 in [0.2, 2], gamma1 in [-1.6, 1.7], gamma2 in [-0.6, 0.6],
  gamma3 in [-0.02, 0.02].
* The **piecewise polytrope** of Read et al. (2009, PRD 79 124032) supplies the fixed
  SLy crust (their Table II, four pieces) and, through their SLy core fit
  (log10 p1 = 34.384, Gamma = 3.005, 2.988, 2.851; Table III), a reliable SLy reference
  to check the TOV solver against (M_max = 2.05 Msun, R(1.4) = 11.7 km).

Units are geometrised (G = c = 1, km); see :mod:`attnphys.neutron_stars.units`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import cumulative_simpson

from attnphys.neutron_stars.units import KM2_PER_DYN_CM2, KM2_PER_G_CM3

# Read et al. (2009) Table II: SLy crust as four polytropes p = K rho^Gamma, with p/c^2
# and rho in g/cm^3, starting at the listed rest-mass densities (g/cm^3).
SLY_CRUST_K = (6.80110e-9, 1.06186e-6, 5.32697e1, 3.99874e-8)
SLY_CRUST_GAMMA = (1.58425, 1.28733, 0.62223, 1.35692)
SLY_CRUST_RHO = (0.0, 2.44034e7, 3.78358e11, 2.62780e12)

# Read et al. (2009): core dividing densities and the SLy core fit (Table III).
READ_RHO1_CGS = 10**14.7
READ_RHO2_CGS = 10**15.0
SLY_READ = (34.384, 3.005, 2.988, 2.851)

# Spectral EOS: joined to the crust at half nuclear saturation density.
SPECTRAL_RHO0_CGS = 1.35e14
SPECTRAL_PRIOR = {
    "gamma0": (0.2, 2.0),
    "gamma1": (-1.6, 1.7),
    "gamma2": (-0.6, 0.6),
    "gamma3": (-0.02, 0.02),
}

# Adiabatic-index window of the spectral form (Lindblom 2010; as in LALSuite).
GAMMA_RANGE = (0.6, 4.5)

P_MIN_CGS = 1.0e14  # lowest tabulated pressure: ~1 g/cm^3, h ~ 1e-10
P_MAX_CGS = 1.0e37  # highest tabulated pressure: beyond any stable star's centre
H_TINY = 1e-300  # stands in for h = 0 at the surface (below the table: its first entry)
N_CRUST = 300
N_CORE = 1200


@dataclass(frozen=True)
class EOSTable:
    """p, eps and Gamma on an increasing grid of log pseudo-enthalpy; km^-2 units.

    Gamma may be infinite (incompressible matter).
    """

    log_h: np.ndarray
    log_p: np.ndarray
    log_eps: np.ndarray
    gamma: np.ndarray

    def __post_init__(self) -> None:
        arrays = (self.log_h, self.log_p, self.log_eps)
        if not all(np.all(np.isfinite(a)) for a in arrays):
            raise ValueError("EOS table: non-finite pressure, energy density or enthalpy")
        if np.any(np.diff(self.log_h) <= 0) or np.any(np.diff(self.log_p) <= 0):
            raise ValueError("EOS table: enthalpy and pressure must increase together")

    @property
    def p_max(self) -> float:
        return float(np.exp(self.log_p[-1]))

    def state(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pressure and energy density at pseudo-enthalpy ``h`` (log-log interpolation)."""
        log_h = np.log(np.maximum(h, H_TINY))
        p = np.exp(np.interp(log_h, self.log_h, self.log_p))
        eps = np.exp(np.interp(log_h, self.log_h, self.log_eps))
        return p, eps

    def enthalpy(self, p: np.ndarray) -> np.ndarray:
        return np.exp(np.interp(np.log(p), self.log_p, self.log_h))

    def energy_density(self, p: np.ndarray) -> np.ndarray:
        return np.exp(np.interp(np.log(p), self.log_p, self.log_eps))

    def sound_speed_squared(self) -> np.ndarray:
        """c_s^2 = dp/deps = Gamma p / (eps + p) at the table's nodes."""
        p, eps = np.exp(self.log_p), np.exp(self.log_eps)
        return self.gamma * p / (eps + p)

    def violations(self, p_centre_max: float) -> list[str]:
        """Causality and adiabatic-index failures for pressures up to ``p_centre_max``.

        ``p_centre_max`` is the central pressure of the heaviest stable star: matter at
        higher pressure exists in no star, so it is not checked.
        """
        inside = np.exp(self.log_p) <= p_centre_max
        failures = []
        if np.any(self.sound_speed_squared()[inside] > 1.0):
            failures.append("acausal: sound speed exceeds c")
        gamma = self.gamma[inside]
        if np.any(gamma < GAMMA_RANGE[0]) or np.any(gamma > GAMMA_RANGE[1]):
            failures.append(f"adiabatic index outside {GAMMA_RANGE}")
        return failures


@dataclass(frozen=True)
class PiecewisePolytrope:
    """p = K_i rho^Gamma_i above rest-mass density rho_i (Read et al. 2009, eqs 1-6).

    Energy density eps = (1 + a_i) rho + K_i rho^Gamma_i / (Gamma_i - 1), with a_i fixed
    by continuity of eps; geometrised units.
    """

    kappa: np.ndarray
    gamma: np.ndarray
    rho_lo: np.ndarray

    @property
    def a(self) -> np.ndarray:
        k, g, r = self.kappa, self.gamma, self.rho_lo
        a = np.zeros_like(k)
        for i in range(1, len(k)):
            a[i] = (
                a[i - 1]
                + k[i - 1] * r[i] ** (g[i - 1] - 1) / (g[i - 1] - 1)
                - k[i] * r[i] ** (g[i] - 1) / (g[i] - 1)
            )
        return a

    @property
    def p_lo(self) -> np.ndarray:
        return self.kappa * self.rho_lo**self.gamma

    def piece(self, p: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.p_lo, p, side="right") - 1

    def density(self, p: np.ndarray) -> np.ndarray:
        i = self.piece(p)
        return (p / self.kappa[i]) ** (1.0 / self.gamma[i])

    def energy_density(self, p: np.ndarray) -> np.ndarray:
        i = self.piece(p)
        rho = (p / self.kappa[i]) ** (1.0 / self.gamma[i])
        return (1.0 + self.a[i]) * rho + p / (self.gamma[i] - 1.0)

    def enthalpy(self, p: np.ndarray) -> np.ndarray:
        """h = ln((eps + p) / rho): zero at the surface, where eps = rho."""
        return np.log((self.energy_density(p) + p) / self.density(p))

    def table(self, p_max: float = P_MAX_CGS * KM2_PER_DYN_CM2, n: int = N_CRUST + N_CORE) -> EOSTable:
        p = np.geomspace(P_MIN_CGS * KM2_PER_DYN_CM2, p_max, n)
        return EOSTable(
            log_h=np.log(self.enthalpy(p)),
            log_p=np.log(p),
            log_eps=np.log(self.energy_density(p)),
            gamma=self.gamma[self.piece(p)],
        )


def _polytropes(k_cgs, gamma, rho_cgs) -> PiecewisePolytrope:
    """Pieces given as in Read et al. (K for p/c^2 in g/cm^3) -> geometrised units."""
    gamma = np.asarray(gamma, dtype=float)
    kappa = np.asarray(k_cgs, dtype=float) * KM2_PER_G_CM3 ** (1.0 - gamma)
    return PiecewisePolytrope(kappa, gamma, np.asarray(rho_cgs, dtype=float) * KM2_PER_G_CM3)


def sly_crust() -> PiecewisePolytrope:
    """The four-piece SLy crust of Read et al. (2009), Table II.

    The dividing densities are recomputed where adjacent pieces meet, so the pressure
    is exactly continuous despite the table's rounded constants (a 1e-4 correction).
    """
    crust = _polytropes(SLY_CRUST_K, SLY_CRUST_GAMMA, SLY_CRUST_RHO)
    k, g = crust.kappa, crust.gamma
    meet = (k[:-1] / k[1:]) ** (1.0 / (g[1:] - g[:-1]))
    return PiecewisePolytrope(k, g, np.concatenate([[0.0], meet]))


def read_polytrope(log10_p1: float, gamma1: float, gamma2: float, gamma3: float) -> PiecewisePolytrope:
    """Read et al. (2009) core (p1 in dyn/cm^2 at 10^14.7 g/cm^3) on the SLy crust.

    The crust-core density is where the last crust piece meets the first core piece.
    """
    crust = sly_crust()
    rho1 = READ_RHO1_CGS * KM2_PER_G_CM3
    rho2 = READ_RHO2_CGS * KM2_PER_G_CM3
    k1 = 10**log10_p1 * KM2_PER_DYN_CM2 / rho1**gamma1
    k2 = k1 * rho1 ** (gamma1 - gamma2)
    k3 = k2 * rho2 ** (gamma2 - gamma3)
    rho_cc = (crust.kappa[-1] / k1) ** (1.0 / (gamma1 - crust.gamma[-1]))
    if not crust.rho_lo[-1] < rho_cc < rho1:
        raise ValueError(f"piecewise polytrope: log10_p1={log10_p1}, gamma1={gamma1} do not meet the crust")
    return PiecewisePolytrope(
        np.concatenate([crust.kappa, [k1, k2, k3]]),
        np.concatenate([crust.gamma, [gamma1, gamma2, gamma3]]),
        np.concatenate([crust.rho_lo, [rho_cc, rho1, rho2]]),
    )


def spectral_adiabatic_index(coefficients: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gamma(x) = exp(sum_k gamma_k x^k) (Lindblom 2010, eq. 9)."""
    return np.exp(np.polynomial.polynomial.polyval(x, np.asarray(coefficients, dtype=float)))


def spectral_table(coefficients, p_max: float = P_MAX_CGS * KM2_PER_DYN_CM2) -> EOSTable:
    """Spectral EOS above p0 on the SLy crust below it, as one table.

    With mu(x) = exp(-int_0^x dx'/Gamma) the core follows from deps/dp = (eps + p)/(p Gamma):
    eps(x) = eps0/mu + (p0/mu) int_0^x e^x' mu/Gamma dx' (Lindblom 2010, eqs 7-8),
    h(x) = h0 + int_0^x p dx' / (eps + p).

    The table stops below the first pressure where the EOS turns unphysical (Gamma outside
    ``GAMMA_RANGE``, or sound speed above c): a star whose centre lies beyond cannot be
    built, so an EOS whose heaviest star would need that pressure gets no maximum mass.
    """
    coefficients = np.asarray(coefficients, dtype=float)
    if coefficients.ndim != 1 or len(coefficients) not in (2, 3, 4) or not np.all(np.isfinite(coefficients)):
        raise ValueError(f"spectral EOS: need 2-4 finite coefficients, got {coefficients!r}")
    crust = sly_crust()
    rho0 = SPECTRAL_RHO0_CGS * KM2_PER_G_CM3
    p0 = float(crust.kappa[-1] * rho0 ** crust.gamma[-1])
    eps0 = float(crust.energy_density(np.array([p0]))[0])
    h0 = float(crust.enthalpy(np.array([p0]))[0])

    x = np.linspace(0.0, np.log(p_max / p0), N_CORE)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        gamma = spectral_adiabatic_index(coefficients, x)
        mu = np.exp(-cumulative_simpson(1.0 / gamma, x=x, initial=0.0))
        p = p0 * np.exp(x)
        eps = (eps0 + p0 * cumulative_simpson(np.exp(x) * mu / gamma, x=x, initial=0.0)) / mu
        h = h0 + cumulative_simpson(p / (eps + p), x=x, initial=0.0)
        physical = (
            (gamma >= GAMMA_RANGE[0]) & (gamma <= GAMMA_RANGE[1])
            & np.isfinite(eps) & np.isfinite(h) & (gamma * p <= eps + p)
        )
    n = len(x) if physical.all() else int(np.argmin(physical))
    if n < 2:
        raise ValueError(f"spectral EOS {coefficients.tolist()}: unphysical already at the crust, p0")

    p_crust = np.geomspace(P_MIN_CGS * KM2_PER_DYN_CM2, p0, N_CRUST, endpoint=False)
    return EOSTable(
        log_h=np.log(np.concatenate([crust.enthalpy(p_crust), h[:n]])),
        log_p=np.log(np.concatenate([p_crust, p[:n]])),
        log_eps=np.log(np.concatenate([crust.energy_density(p_crust), eps[:n]])),
        gamma=np.concatenate([crust.gamma[crust.piece(p_crust)], gamma[:n]]),
    )


def incompressible_table(rho: float, p_max: float) -> EOSTable:
    """Constant energy density ``rho`` (km^-2): p = rho (e^h - 1); the analytic check."""
    p = np.geomspace(p_max * 1e-12, p_max, N_CORE)
    return EOSTable(
        log_h=np.log(np.log1p(p / rho)),
        log_p=np.log(p),
        log_eps=np.full_like(p, np.log(rho)),
        gamma=np.full_like(p, np.inf),
    )
