"""N-subjettiness tau_N^(beta) of jets, the 16 high-level features of the jet taggers.

Definition (Thaler and Van Tilburg, JHEP 03 (2011) 015, arXiv:1011.2268; the beta
generalisation of arXiv:1108.2701), with the normalisation of FACTS.md section 1:

    tau_N^(beta) = sum_i pT_i * min_k dR(i, axis_k)^beta / sum_i pT_i * R0^beta,

summed over the jet's constituents i (calorimeter towers), R0 = 1.2 (the jet radius), and
dR^2 = dy^2 + dphi^2 in rapidity and azimuth (phi wrapped to [-pi, pi)). Towers are massless,
so their rapidity is their pseudorapidity; the axes carry mass, so their rapidity is used.

Axes: the N exclusive-kT subjets of the jet. Each jet's towers are reclustered with the kT
algorithm (E-scheme recombination, R = FastJet's max_allowable_R so that no beam distance
interrupts the clustering) and the history is stopped when N pseudojets remain. With fewer
towers than N every tower is its own axis and tau_N = 0. These are the "KT_Axes" of the
FastJet-contrib Nsubjettiness package (not minimised over axes), which keeps tau_N cheap and
deterministic. tau_N is non-negative; for exclusive-kT axes it usually, not always, falls with N.

``nsubjettiness`` is vectorised over jets: one FastJet cluster sequence serves all jets and all
N, and the distances are numpy operations on the flattened towers.
"""

from __future__ import annotations

import warnings

import awkward as ak
import fastjet
import numpy as np

from attnphys.detector.azimuth import wrap_phi
from attnphys.detector.jets import four_momenta

N_MAX = 8
BETAS = (1, 2)
R0 = 1.2
FEATURES = tuple(f"tau{n}_b{beta}" for beta in BETAS for n in range(1, N_MAX + 1))


def nsubjettiness(pt, eta, phi, n_max: int = N_MAX, betas=BETAS, r0: float = R0) -> dict[str, np.ndarray]:
    """tau_N^(beta) for N = 1..n_max and each beta; keys ``tau{N}_b{beta}``, values [n_jets].

    ``pt``, ``eta``, ``phi``: awkward arrays ``[jet, tower]`` of each jet's constituents.
    """
    counts = np.asarray(ak.num(pt, axis=1))
    n_jets = len(counts)
    if n_jets and counts.min() == 0:
        raise ValueError(f"N-subjettiness: jet {int(np.argmin(counts))} has no constituents")
    keys = [f"tau{n}_b{beta}" for beta in betas for n in range(1, n_max + 1)]
    if n_jets == 0:
        return {key: np.zeros(0) for key in keys}
    owner = np.repeat(np.arange(n_jets), counts)
    tpt = ak.to_numpy(ak.flatten(pt)).astype(np.float64)
    teta = ak.to_numpy(ak.flatten(eta)).astype(np.float64)
    tphi = ak.to_numpy(ak.flatten(phi)).astype(np.float64)
    sum_pt = np.bincount(owner, weights=tpt, minlength=n_jets)

    definition = fastjet.JetDefinition(fastjet.kt_algorithm, fastjet.JetDefinition.max_allowable_R)
    sequence = fastjet.ClusterSequence(four_momenta(pt, eta, phi), definition)
    out = {}
    for n in range(1, n_max + 1):
        with warnings.catch_warnings():
            # fastjet warns about exclusive jets for every definition, kT included
            warnings.simplefilter("ignore", UserWarning)
            axes = sequence.exclusive_jets_up_to(n)
        ax_y, ax_phi = _padded_axes(axes, n)
        dy = teta[:, None] - ax_y[owner]
        dphi = wrap_phi(tphi[:, None] - ax_phi[owner])
        dr2 = np.nan_to_num(dy * dy + dphi * dphi, nan=np.inf).min(axis=1)
        for beta in betas:
            numerator = np.bincount(owner, weights=tpt * dr2 ** (beta / 2), minlength=n_jets)
            out[f"tau{n}_b{beta}"] = numerator / (sum_pt * r0**beta)
    return {key: out[key] for key in keys}


def _padded_axes(axes: ak.Array, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rapidity and azimuth of up to n axes per jet as [n_jets, n] arrays, NaN where absent."""
    padded = ak.pad_none(axes, n, axis=1, clip=True)
    px, py, pz, e = (ak.to_numpy(ak.fill_none(padded[f], np.nan)) for f in ("px", "py", "pz", "E"))
    with np.errstate(divide="ignore", invalid="ignore"):
        rapidity = 0.5 * np.log((e + pz) / (e - pz))
    return rapidity, np.arctan2(py, px)
