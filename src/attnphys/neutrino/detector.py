"""NOvA-like fast detector simulation: particles -> energy deposits -> cell hits.

Geometry: planes of cells along the beam (z), alternating in orientation, so even planes
measure x (the XZ view) and odd planes y (the YZ view); cell width ``cell_width`` across,
plane pitch ``plane_depth`` along z, cells ``cell_length`` long (NOvA far detector: 3.9 x
6.6 cm, 15.5 m; Aurisano et al., arXiv:1604.01444). The medium is
:class:`attnphys.neutrino.material.Medium`, treated as fully active.

Physics (PDG Review, "Passage of particles through matter"):

- charged tracks (mu, pi, K, p) step with Bethe-Bloch losses from the CSDA range table, so
  protons end in a Bragg peak and muons range out; Highland multiple scattering per step;
  pions, kaons and protons interact hadronically after an exponential path with the
  nuclear interaction length, where the remaining kinetic energy is deposited as a
  hadronic blob (70 % visible, Gaussian in depth and width; a coarse stand-in for a
  hadronic cascade);
- electrons and photons shower: longitudinal Gamma profile dE/dt = E b (bt)^(a-1) e^(-bt) /
  Gamma(a), b = 0.5, t_max = (a-1)/b = ln(E/E_c) - 0.5, transverse Gaussian with 90 % of
  the energy within one Moliere radius; photons first travel an exponential conversion
  gap of mean 9/7 X0; pi0 -> gamma gamma isotropically;
- neutrons and K0_L interact after an exponential path (lambda_I) and leave a blob of
  30 % of their kinetic energy; neutrinos are invisible; muon decay, delta rays and
  Cherenkov light are left out.

Readout: Birks' law L = E / (1 + k_B dE/dx), attenuation exp(-d/lambda) along the cell to
its readout end, Poisson photo-electrons with ``light_yield`` PE per MeV, and a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from attnphys.neutrino.kinematics import two_body
from attnphys.neutrino.material import Medium

MASS = {13: 0.1056583755, 211: 0.13957039, 321: 0.493677, 2212: 0.93827208816, 11: 0.00051099895,
        3222: 1.18937, 3112: 1.197449, 3312: 1.32171, 3334: 1.67245}
INVISIBLE = {12, 14, 16}
NEUTRAL_HADRONS = {2112, 130, 310, 3122, 3212, 3322}
EM = {11, 22}
MIP_DEDX = 2.0e-3  # GeV/cm, for Birks' law of shower and blob deposits


@dataclass(frozen=True)
class Detector:
    """Geometry and readout (config ``neutrino.detector``)."""

    cell_width: float = 3.9  # cm
    plane_depth: float = 6.6  # cm
    cell_length: float = 1550.0  # cm
    birks: float = 0.01155  # cm/MeV (k_B of the scintillator)
    attenuation: float = 700.0  # cm
    light_yield: float = 4.0  # PE per MeV at the readout end
    threshold_pe: int = 2
    step: float = 2.0  # cm, tracking step
    hadronic: bool = True
    medium: Medium = field(default_factory=Medium)


@dataclass
class Deposits:
    """Energy deposits: position (cm), energy (GeV), dE/dx (GeV/cm) and the particle index."""

    xyz: list = field(default_factory=list)
    energy: list = field(default_factory=list)
    dedx: list = field(default_factory=list)
    particle: list = field(default_factory=list)

    def add(self, xyz, energy, dedx, particle):
        self.xyz.append(np.asarray(xyz).reshape(-1, 3))
        self.energy.append(np.asarray(energy, dtype=float).ravel())
        self.dedx.append(np.broadcast_to(np.asarray(dedx, dtype=float), np.shape(energy)).ravel())
        self.particle.append(np.full(np.size(energy), particle, dtype=np.int64))

    def arrays(self):
        if not self.energy:
            return np.zeros((0, 3)), np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64)
        return (np.concatenate(self.xyz), np.concatenate(self.energy), np.concatenate(self.dedx),
                np.concatenate(self.particle))


def _frame(direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors orthogonal to ``direction``."""
    helper = np.array([1.0, 0, 0]) if abs(direction[0]) < 0.9 else np.array([0, 1.0, 0])
    u = np.cross(direction, helper)
    u /= np.linalg.norm(u)
    return u, np.cross(direction, u)


def track(det: Detector, vertex, p4, mass: float, rng: np.random.Generator, interacts: bool):
    """Step a charged track: (deposit positions, energies, dE/dx, end point, kinetic energy left)."""
    med = det.medium
    momentum = np.linalg.norm(p4[1:])
    direction = p4[1:] / max(momentum, 1e-12)
    t_grid, r_grid = med.range_table(mass)
    kinetic = np.sqrt(momentum**2 + mass**2) - mass
    r0 = float(np.interp(kinetic, t_grid, r_grid))
    length = r0
    if interacts:
        length = min(r0, rng.exponential(med.interaction_length))
    n = max(int(np.ceil(length / det.step)), 1)
    s = np.minimum(np.arange(n + 1) * det.step, length)
    t = np.interp(r0 - s, r_grid, t_grid)
    if length >= r0:
        t[-1] = 0.0  # a stopping track deposits its last MeV (below the range table) in its last step
    else:
        t = np.concatenate([[kinetic], t[1:]])
    t[0] = kinetic
    de = -np.diff(t)
    ds = np.maximum(np.diff(s), 1e-9)
    p = np.sqrt(t[:-1] * (t[:-1] + 2 * mass))
    beta = p / np.sqrt(p**2 + mass**2)
    theta0 = med.highland_angle(np.maximum(p, 1e-4), np.maximum(beta, 1e-3), det.step)
    kicks = rng.normal(size=(n, 2)) * np.minimum(theta0, 0.5)[:, None]
    angles = np.cumsum(kicks, axis=0)
    u, v = _frame(direction)
    dirs = direction[None] + angles[:, :1] * u[None] + angles[:, 1:] * v[None]
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    steps = dirs * ds[:, None]
    ends = vertex[None] + np.cumsum(steps, axis=0)
    mids = ends - steps / 2
    left = float(t[-1])
    return mids, de, de / ds, ends[-1], left, dirs[-1]


def blob(det: Detector, point, direction, energy: float, rng: np.random.Generator, n_min: int = 10):
    """Hadronic blob of visible ``energy`` around ``point`` (depth and width ~ 15 and 8 cm)."""
    n = max(n_min, int(energy / 0.005))
    u, v = _frame(direction)
    depth = np.abs(rng.normal(0, 15.0, n))
    xyz = point[None] + depth[:, None] * direction[None] + rng.normal(0, 8.0, (n, 1)) * u + rng.normal(0, 8.0, (n, 1)) * v
    return xyz, np.full(n, energy / n)


def shower(det: Detector, vertex, p4, photon: bool, rng: np.random.Generator, spot_energy: float = 0.002):
    """EM shower spots (positions, energies) with the Gamma longitudinal profile.

    The number of spots follows the energy (one per ``spot_energy``); their depths are
    Gamma(a, 1/b) distributed in X0 after the conversion gap of a photon.
    """
    med = det.medium
    energy = p4[0]
    direction = p4[1:] / max(np.linalg.norm(p4[1:]), 1e-12)
    b = 0.5
    t_max = np.log(energy / med.critical_energy) - 0.5
    a = max(b * t_max + 1.0, 1.0)
    n = max(int(energy / spot_energy), 5)
    gap = rng.exponential(9.0 / 7.0) if photon else 0.0
    depth = (gap + rng.gamma(a, 1.0 / b, n)) * med.radiation_length
    sigma = med.moliere_radius / np.sqrt(2 * np.log(10))  # 90 % of a 2-D Gaussian within R_M
    u, v = _frame(direction)
    xyz = vertex[None] + depth[:, None] * direction[None] + rng.normal(0, sigma, (n, 1)) * u + rng.normal(0, sigma, (n, 1)) * v
    return xyz, np.full(n, energy / n)


def simulate_particles(det: Detector, vertex: np.ndarray, pids: np.ndarray, p4s: np.ndarray,
                       rng: np.random.Generator) -> tuple[Deposits, list[int]]:
    """Deposits of one event's final-state particles; also each deposit particle's pid
    (pi0 photons are new particles with pid 22 and their pi0's index as parent label)."""
    dep = Deposits()
    labels: list[int] = []  # per particle index: pid (pi0 photons get 111)
    queue = [(int(pid), p4, vertex, None) for pid, p4 in zip(pids, p4s)]
    while queue:
        pid, p4, start, parent = queue.pop(0)
        index = len(labels)
        labels.append(parent if parent is not None else pid)
        apid = abs(pid)
        if apid in INVISIBLE:
            continue
        if apid == 111:
            g1, g2 = two_body(p4[None], np.zeros(1), np.zeros(1), rng)
            queue += [(22, g1[0], start, 111), (22, g2[0], start, 111)]
            continue
        if apid in EM:
            xyz, e = shower(det, start, p4, apid == 22, rng)
            dep.add(xyz, e, MIP_DEDX, index)
            continue
        kinetic_neutral = p4[0] - np.sqrt(max(p4[0] ** 2 - (p4[1:] ** 2).sum(), 0.0))
        direction = p4[1:] / max(np.linalg.norm(p4[1:]), 1e-12)
        if apid in NEUTRAL_HADRONS or apid not in MASS:
            if det.hadronic and kinetic_neutral > 0.01:
                point = start + direction * rng.exponential(det.medium.interaction_length)
                xyz, e = blob(det, point, direction, 0.3 * kinetic_neutral, rng, n_min=3)
                dep.add(xyz, e, 5 * MIP_DEDX, index)
            continue
        interacts = det.hadronic and apid != 13
        mids, de, dedx, end, left, last_dir = track(det, start, p4, MASS[apid], rng, interacts)
        dep.add(mids, de, dedx, index)
        if left > 0.005:
            xyz, e = blob(det, end, last_dir, 0.7 * left, rng)
            dep.add(xyz, e, 5 * MIP_DEDX, index)
    return dep, labels


def digitise(det: Detector, xyz: np.ndarray, energy: np.ndarray, dedx: np.ndarray, particle: np.ndarray,
             rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Deposits -> hits (plane, cell, view, pe, particle): Birks, attenuation, Poisson PE.

    A cell's hit is labelled with the particle that deposited most of its energy; the
    ``edep`` column keeps the true deposited energy (GeV).
    """
    plane = np.floor(xyz[:, 2] / det.plane_depth).astype(np.int64)
    view = plane % 2
    across = np.where(view == 0, xyz[:, 0], xyz[:, 1])
    along = np.where(view == 0, xyz[:, 1], xyz[:, 0])
    cell = np.floor(across / det.cell_width).astype(np.int64)
    light = energy / (1 + det.birks * dedx * 1e3)
    light = light * np.exp(-(det.cell_length / 2 - np.clip(along, -det.cell_length / 2, det.cell_length / 2))
                           / det.attenuation)
    keep = plane >= 0
    plane, cell, view, light, energy, particle = (a[keep] for a in (plane, cell, view, light, energy, particle))
    if not len(plane):
        return {k: np.zeros(0, dtype=np.int64) for k in ("plane", "cell", "view", "pe", "particle")} | {
            "edep": np.zeros(0)}
    key = plane * 100_000 + (cell + 50_000)
    cells, inverse = np.unique(key, return_inverse=True)
    light_sum = np.bincount(inverse, weights=light)
    edep = np.bincount(inverse, weights=energy)
    # dominant particle per cell
    pair = inverse * (particle.max() + 1) + particle
    pairs, pair_inv = np.unique(pair, return_inverse=True)
    pair_e = np.bincount(pair_inv, weights=energy)
    order = np.lexsort((-pair_e, pairs // (particle.max() + 1)))
    first = np.unique(pairs[order] // (particle.max() + 1), return_index=True)[1]
    dominant = (pairs[order] % (particle.max() + 1))[first]
    pe = rng.poisson(light_sum * 1e3 * det.light_yield)
    hit = pe >= det.threshold_pe
    cplane = cells // 100_000
    return {"plane": cplane[hit], "cell": (cells % 100_000 - 50_000)[hit], "view": (cplane % 2)[hit],
            "pe": pe[hit], "particle": dominant[hit], "edep": edep[hit]}
