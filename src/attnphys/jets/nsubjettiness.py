"""N-subjettiness tau_N^(beta) of jets, the 16 high-level features of the jet taggers.

Definition (Thaler and Van Tilburg, JHEP 03 (2011) 015, arXiv:1011.2268; the beta
generalisation and the axis choices of JHEP 02 (2012) 093, arXiv:1108.2701), with the
normalisation of FACTS.md section 1:

    tau_N^(beta) = sum_i pT_i * min_k dR(i, axis_k)^beta / sum_i pT_i * R0^beta,

summed over the jet's constituents i (calorimeter towers), R0 = 1.2 (the jet radius), and
dR^2 = dy^2 + dphi^2 in rapidity and azimuth. Computed by the FastJet-contrib Nsubjettiness
package through scikit-hep ``fastjet``'s ``ClusterSequence.njettiness`` (``NormalizedMeasure``),
in C++ over all jets of a batch; no hand-written copy.

Axes (``axes=``, the package's axis definitions):

- ``"kt"`` (``KT_Axes``): the N exclusive-kT subjets, E-scheme recombination.
- ``"wta_kt"`` (``WTA_KT_Axes``): exclusive kT with winner-take-all recombination, so the
  axis follows the harder branch (recoil-free; Larkoski, Neill, Thaler, arXiv:1401.2158).
- ``"onepass_kt"`` / ``"onepass_wta_kt"``: those axes as the seed of one minimisation of
  tau_N^(beta) itself (Lloyd-style reassignment of the constituents and a move of every axis
  towards the minimum of its own sum, arXiv:1108.2701 section 3), so the axes are a local
  minimum of tau_N and tau_N measures the radiation pattern rather than the clustering
  history. ``DEFAULT_AXES``: the axes the pipeline uses, chosen by the physics study
  (``attnphys jets study``; docs/jets_study.md).

With fewer constituents than N every constituent is its own axis and tau_N = 0.
awkward and fastjet load inside ``nsubjettiness``: the taggers' reader (``attnphys.jets.split``)
needs only ``FEATURES`` and also runs where they are not installed (a bare GPU machine).
"""

from __future__ import annotations

import warnings

import numpy as np

N_MAX = 8
BETAS = (1, 2)
R0 = 1.2
FEATURES = tuple(f"tau{n}_b{beta}" for beta in BETAS for n in range(1, N_MAX + 1))
AXES = {
    "kt": "KT_Axes",
    "wta_kt": "WTA_KT_Axes",
    "onepass_kt": "OnePass_KT_Axes",
    "onepass_wta_kt": "OnePass_WTA_KT_Axes",
}
DEFAULT_AXES = "kt"


def nsubjettiness(pt, eta, phi, n_max: int = N_MAX, betas=BETAS, r0: float = R0,
                  axes: str = DEFAULT_AXES) -> dict[str, np.ndarray]:
    """tau_N^(beta) for N = 1..n_max and each beta; keys ``tau{N}_b{beta}``, values [n_jets].

    ``pt``, ``eta``, ``phi``: awkward arrays ``[jet, constituent]`` (massless constituents);
    ``axes``: a key of ``AXES``.
    """
    if axes not in AXES:
        raise ValueError(f"N-subjettiness axes {axes!r}: expected one of {list(AXES)}")
    import awkward as ak
    import fastjet

    from attnphys.detector.jets import four_momenta

    counts = np.asarray(ak.num(pt, axis=1))
    n_jets = len(counts)
    if n_jets and counts.min() == 0:
        raise ValueError(f"N-subjettiness: jet {int(np.argmin(counts))} has no constituents")
    keys = [f"tau{n}_b{beta}" for beta in betas for n in range(1, n_max + 1)]
    if n_jets == 0:
        return {key: np.zeros(0) for key in keys}
    definition = fastjet.JetDefinition(fastjet.kt_algorithm, fastjet.JetDefinition.max_allowable_R)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sequence = fastjet.ClusterSequence(four_momenta(pt, eta, phi), definition)
    out = {}
    for beta in betas:
        taus = ak.to_numpy(sequence.njettiness(
            measure_definition="NormalizedMeasure", axes_definition=AXES[axes],
            njets=list(range(1, n_max + 1)), beta=float(beta), R0=r0))
        for n in range(1, n_max + 1):
            out[f"tau{n}_b{beta}"] = np.asarray(taus[:, n - 1], dtype=np.float64)
    return {key: out[key] for key in keys}
