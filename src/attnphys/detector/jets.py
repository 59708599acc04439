"""Jet clustering of calorimeter towers (or any massless/massive inputs) with FastJet.

One call clusters every event of a batch: the inputs are awkward arrays of shape
``[event, particle]`` and FastJet's awkward interface (scikit-hep ``fastjet``) runs the
sequential recombination in C++ over all events at once, with no Python loop over events.

API
---
``cluster(pt, eta, phi, radius, min_pt=0.0, mass=None, algorithm="antikt") -> ak.Array``
    Returns per event a list of jets sorted by decreasing pT, each a record with fields

    - ``pt``, ``eta``, ``phi``, ``mass``: the jet four-momentum (E scheme, ``attnphys.kinematics``);
    - ``constituents``: indices of the jet's inputs within their event, in input order.

    Jets below ``min_pt`` are dropped. Inputs whose four-momenta are not finite (NaN, or an
    |eta| beyond about 710 where pz overflows) are a ValueError: FastJet would crash on them. ``algorithm`` is ``"antikt"`` (default), ``"kt"`` or
    ``"cambridge"``. Inputs are massless unless ``mass`` is given.
    Leading jets: ``jets[:, :1]`` (empty lists where an event has none).

``four_momenta(pt, eta, phi, mass=None) -> ak.Array``
    The ``px, py, pz, E`` records FastJet consumes, for callers (N-subjettiness) that drive
    ``fastjet.ClusterSequence`` themselves.

Anti-kT: Cacciari, Salam, Soyez, JHEP 04 (2008) 063, arXiv:0802.1189.
FastJet: Cacciari, Salam, Soyez, EPJC 72 (2012) 1896, arXiv:1111.6097.
"""

from __future__ import annotations

import awkward as ak
import fastjet
import numpy as np

from attnphys.kinematics import cartesian, pt_eta_phi_mass

ALGORITHMS = {
    "antikt": fastjet.antikt_algorithm,
    "kt": fastjet.kt_algorithm,
    "cambridge": fastjet.cambridge_algorithm,
}


def four_momenta(pt, eta, phi, mass=None) -> ak.Array:
    """Cartesian four-momenta (float64 records ``px, py, pz, E``) of ``[event, particle]`` arrays.

    The arithmetic runs on the flat numpy content, then the event lists are rebuilt.
    """
    counts = ak.num(pt, axis=1)
    px, py, pz, energy = cartesian(*(_flat(a) for a in (pt, eta, phi)), None if mass is None else _flat(mass))
    momenta = ak.zip({"px": px, "py": py, "pz": pz, "E": energy}, with_name="Momentum4D")
    return ak.unflatten(momenta, counts)


def cluster(pt, eta, phi, radius: float, min_pt: float = 0.0, mass=None,
            algorithm: str = "antikt") -> ak.Array:
    """Cluster each event's inputs into jets; see the module docstring for the output."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"jet algorithm {algorithm!r}: expected one of {sorted(ALGORITHMS)}")
    if not radius > 0:
        raise ValueError(f"jet radius must be positive, got {radius}")
    momenta = four_momenta(pt, eta, phi, mass)
    for field in ("px", "py", "pz", "E"):
        values = _flat(momenta[field])
        if not np.isfinite(values).all():  # FastJet crashes (a segmentation fault) on them
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            raise ValueError(f"jet clustering: input {bad} has a non-finite {field} (pT {_flat(pt)[bad]}, "
                             f"eta {_flat(eta)[bad]}); readers refuse such values before clustering")
    sequence = fastjet.ClusterSequence(momenta, fastjet.JetDefinition(ALGORITHMS[algorithm], radius))
    jets = sequence.inclusive_jets(min_pt)
    constituents = sequence.constituent_index(min_pt)
    counts = ak.num(jets, axis=1)
    jpt, jeta, jphi, jmass = pt_eta_phi_mass(*(_flat(jets[f]) for f in ("px", "py", "pz", "E")))
    order = ak.argsort(ak.unflatten(jpt, counts), axis=1, ascending=False, stable=True)
    fields = {"pt": jpt, "eta": jeta, "phi": jphi, "mass": jmass}
    return ak.zip(
        {
            **{name: ak.unflatten(values, counts)[order] for name, values in fields.items()},
            "constituents": ak.sort(constituents[order], axis=-1),
        },
        depth_limit=2,
    )


def _flat(array) -> np.ndarray:
    return ak.to_numpy(ak.flatten(array, axis=1)).astype(np.float64, copy=False)
