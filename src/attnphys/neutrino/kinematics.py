"""Lepton and hadronic-system kinematics of nu N scattering on a nucleon at rest.

Every channel is described by the hadronic invariant mass W and the momentum transfer
Q^2; the lepton follows exactly (nu = (W^2 - M^2 + Q^2) / 2M, E_l = E - nu,
Q^2 = 2 E (E_l - p_l cos theta) - m_l^2) and the hadronic system is k + p - l, so energy
and momentum are conserved by construction. The beam travels along +z.

- Quasi-elastic: dsigma/dQ^2 of Llewellyn Smith, Phys. Rept. 3 (1972) 261, with dipole
  vector (M_V^2 = 0.71 GeV^2) and axial (M_A from the config) form factors, the
  pseudoscalar form factor from PCAC (notation of Formaggio and Zeller, arXiv:1305.7513).
- Resonance: W from a Breit-Wigner Delta(1232), dsigma/dQ^2 proportional to the squared
  dipole (1 + Q^2/M_A^2)^-4; Delta -> N pi isotropic in its rest frame.
- DIS: x from the valence-like shape x^0.5 (1 - x)^3 (x q(x)), y uniform (the
  quark-level V-A cross-section), W > the DIS cut.
"""

from __future__ import annotations

import numpy as np

from attnphys.neutrino.cross_sections import NUCLEON_MASS, W_MIN

M_V2 = 0.71
G_A = -1.2723
XI = 3.706  # mu_p - mu_n
PION_MASS = 0.13957
DELTA_MASS, DELTA_WIDTH = 1.232, 0.117


def q2_range(energy: np.ndarray, lepton_mass: float, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Allowed Q^2 interval for neutrino energy E, lepton mass m and hadronic mass W."""
    m = NUCLEON_MASS
    s = m**2 + 2 * m * energy
    rs = np.sqrt(s)
    e_nu = (s - m**2) / (2 * rs)
    e_l = (s + lepton_mass**2 - w**2) / (2 * rs)
    p_l = np.sqrt(np.clip(e_l**2 - lepton_mass**2, 0, None))
    lo = -(lepton_mass**2) + 2 * e_nu * (e_l - p_l)
    hi = -(lepton_mass**2) + 2 * e_nu * (e_l + p_l)
    return np.maximum(lo, 0.0), hi


def llewellyn_smith(q2: np.ndarray, energy: np.ndarray, lepton_mass: float, axial_mass: float) -> np.ndarray:
    """Llewellyn Smith dsigma/dQ^2 of nu n -> l- p up to the constant G_F^2 cos^2 theta_C / 8 pi."""
    m = NUCLEON_MASS
    tau = q2 / (4 * m**2)
    gd = 1 / (1 + q2 / M_V2) ** 2
    ge, gm = gd, (1 + XI) * gd
    f1 = (ge + tau * gm) / (1 + tau)
    f2 = (gm - ge) / (1 + tau)
    fa = G_A / (1 + q2 / axial_mass**2) ** 2
    fp = 2 * m**2 * fa / (PION_MASS**2 + q2)
    ml2 = lepton_mass**2
    a = (ml2 + q2) / m**2 * (
        (1 + tau) * fa**2 - (1 - tau) * f1**2 + tau * (1 - tau) * f2**2 + 4 * tau * f1 * f2
        - ml2 / (4 * m**2) * ((f1 + f2) ** 2 + (fa + 2 * fp) ** 2 - (q2 / m**2 + 4) * fp**2)
    )
    b = q2 / m**2 * fa * (f1 + f2)
    c = (fa**2 + f1**2 + tau * f2**2) / 4
    s_u = 4 * m * energy - q2 - ml2
    return m**2 / energy**2 * (a - b * s_u / m**2 + c * s_u**2 / m**4)


def _accept_reject(draw, weight, n: int, rng: np.random.Generator, bound: np.ndarray):
    """Vectorised rejection sampling: ``draw(idx)`` proposes for rows ``idx``."""
    out = None
    todo = np.arange(n)
    for _ in range(20000):
        if not len(todo):
            return out
        proposal = draw(todo)
        ok = rng.random(len(todo)) * bound[todo] <= weight(todo, proposal)
        if out is None:
            out = {k: np.zeros(n) for k in proposal}
        for k, v in proposal.items():
            out[k][todo[ok]] = v[ok]
        todo = todo[~ok]
    raise ValueError("kinematics: rejection sampling did not converge")


def sample_qe(energy: np.ndarray, lepton_mass: float, axial_mass: float, rng: np.random.Generator,
              nucleon_mass: np.ndarray | None = None) -> dict:
    """Q^2 of quasi-elastic events from the Llewellyn Smith cross-section (W = outgoing nucleon mass)."""
    n = len(energy)
    w = np.full(n, W_MIN["qe"]) if nucleon_mass is None else np.asarray(nucleon_mass, dtype=float)
    lo, hi = q2_range(energy, lepton_mass, w)
    grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0, 1, 64)[None, :]
    bound = 1.2 * llewellyn_smith(grid, energy[:, None], lepton_mass, axial_mass).max(axis=1)

    def draw(idx):
        return {"q2": lo[idx] + (hi[idx] - lo[idx]) * rng.random(len(idx))}

    def weight(idx, prop):
        return llewellyn_smith(prop["q2"], energy[idx], lepton_mass, axial_mass)

    q2 = _accept_reject(draw, weight, n, rng, bound)["q2"]
    return {"q2": q2, "w": w}


def sample_res(energy: np.ndarray, lepton_mass: float, axial_mass: float, rng: np.random.Generator) -> dict:
    """W from a Breit-Wigner Delta(1232) and Q^2 from the squared axial dipole.

    W is drawn from the Breit-Wigner truncated to its kinematic range, Q^2 uniformly within
    its range for that W, and the pair accepted with weight dipole(Q^2) x (range width),
    which samples BW(W) dipole(Q^2) over the allowed region efficiently near threshold.
    """
    n = len(energy)
    rs = np.sqrt(NUCLEON_MASS**2 + 2 * NUCLEON_MASS * energy)
    w_hi = np.minimum(1.6, rs - lepton_mass - 1e-6)
    lo0, hi0 = q2_range(energy, lepton_mass, np.full(n, W_MIN["res"]))
    c_lo = np.arctan((W_MIN["res"] - DELTA_MASS) / (DELTA_WIDTH / 2))
    c_hi = np.arctan((w_hi - DELTA_MASS) / (DELTA_WIDTH / 2))

    def draw(idx):
        u = c_lo + (c_hi[idx] - c_lo) * rng.random(len(idx))
        w = DELTA_MASS + DELTA_WIDTH / 2 * np.tan(u)
        lo, hi = q2_range(energy[idx], lepton_mass, w)
        return {"w": w, "q2": lo + (hi - lo) * rng.random(len(idx)), "width": hi - lo}

    def weight(idx, prop):
        return (1 + prop["q2"] / axial_mass**2) ** -4 * prop["width"]

    out = _accept_reject(draw, weight, n, rng, hi0 - lo0 + 1e-12)
    return {"q2": out["q2"], "w": out["w"]}


def sample_dis(energy: np.ndarray, lepton_mass: float, rng: np.random.Generator) -> dict:
    """(x, y) from x^0.5 (1-x)^3 and flat y; keeps W above the DIS cut and Q^2 in range."""
    n = len(energy)
    m = NUCLEON_MASS

    def draw(idx):
        x = rng.beta(1.5, 4.0, len(idx))
        y = rng.random(len(idx))
        q2 = 2 * m * energy[idx] * x * y
        w = np.sqrt(np.clip(m**2 + q2 * (1 - x) / x, 0, None))
        lo, hi = q2_range(energy[idx], lepton_mass, w)
        return {"q2": q2, "w": w, "lo": lo, "hi": hi}

    def weight(idx, prop):
        return ((prop["w"] > W_MIN["dis"]) & (prop["q2"] >= prop["lo"]) & (prop["q2"] <= prop["hi"])).astype(float)

    out = _accept_reject(draw, weight, n, rng, np.ones(n))
    return {"q2": out["q2"], "w": out["w"]}


def lepton_and_hadrons(energy: np.ndarray, lepton_mass: float, q2: np.ndarray, w: np.ndarray,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Lab four-momenta (E, px, py, pz) of the lepton and of the hadronic system."""
    m = NUCLEON_MASS
    nu = (w**2 - m**2 + q2) / (2 * m)
    e_l = energy - nu
    p_l = np.sqrt(np.clip(e_l**2 - lepton_mass**2, 0, None))
    cos = np.clip((2 * energy * e_l - lepton_mass**2 - q2) / (2 * energy * np.maximum(p_l, 1e-12)), -1, 1)
    sin = np.sqrt(1 - cos**2)
    phi = rng.uniform(0, 2 * np.pi, len(energy))
    lepton = np.stack([e_l, p_l * sin * np.cos(phi), p_l * sin * np.sin(phi), p_l * cos], axis=1)
    initial = np.stack([energy + m, np.zeros_like(energy), np.zeros_like(energy), energy], axis=1)
    return lepton, initial - lepton


def boost(p: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """Boost four-momenta ``p`` (rest frame of ``frame``) into the frame where ``frame`` moves."""
    mass = np.sqrt(np.clip(frame[:, 0] ** 2 - (frame[:, 1:] ** 2).sum(1), 1e-18, None))
    beta = frame[:, 1:] / frame[:, :1]
    gamma = frame[:, 0] / mass
    bp = (beta * p[:, 1:]).sum(1)
    b2 = (beta**2).sum(1)
    factor = np.where(b2 > 0, (gamma - 1) * bp / np.where(b2 > 0, b2, 1), 0.0)
    e = gamma * (p[:, 0] + bp)
    vec = p[:, 1:] + (factor + gamma * p[:, 0])[:, None] * beta
    return np.concatenate([e[:, None], vec], axis=1)


def two_body(parent: np.ndarray, m1: np.ndarray, m2: np.ndarray, rng: np.random.Generator):
    """Isotropic two-body decay of ``parent`` (lab four-momenta) into masses m1, m2."""
    mass = np.sqrt(np.clip(parent[:, 0] ** 2 - (parent[:, 1:] ** 2).sum(1), 0, None))
    p = np.sqrt(np.clip((mass**2 - (m1 + m2) ** 2) * (mass**2 - (m1 - m2) ** 2), 0, None)) / (2 * mass)
    cos = rng.uniform(-1, 1, len(mass))
    phi = rng.uniform(0, 2 * np.pi, len(mass))
    sin = np.sqrt(1 - cos**2)
    direction = np.stack([sin * np.cos(phi), sin * np.sin(phi), cos], axis=1)
    d1 = np.concatenate([np.sqrt(p**2 + m1**2)[:, None], p[:, None] * direction], axis=1)
    d2 = np.concatenate([np.sqrt(p**2 + m2**2)[:, None], -p[:, None] * direction], axis=1)
    return boost(d1, parent), boost(d2, parent)
