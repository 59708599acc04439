"""Validation of SPANet-layout events (``attnphys.spanet.h5layout``) beyond shapes and index
ranges, for real jets (MASK true): pT in (0, beam energy] (every method takes log pT; a jet
of pT 0 is padding), mass in [0, beam energy], |eta| within the calorimeters' coverage, phi
in [-pi, pi], b-tag 0 or 1; every event has at least one real jet (an all-padding event has
nothing to assign and breaks the batch shapes); and no jet is the target of two partons in
one event (a jet comes from one parton; a repeated index makes the matching target
impossible and the efficiency wrong). ``check_mask``: the MASK is boolean (0/1 integers are
accepted); a float MASK of 0.5 would count padding as jets.
"""

from __future__ import annotations

import numpy as np

from attnphys.validate import BEAM_ENERGY, ETA_LIMIT, PHI_LIMIT, BadInput, first_bad, outside

MASK = "INPUTS/Source/MASK"
# field -> (low, high, open at low)
RANGES = {
    "pt": (0.0, BEAM_ENERGY, True),
    "mass": (0.0, BEAM_ENERGY, False),
    "eta": (-ETA_LIMIT, ETA_LIMIT, False),
    "phi": (-PHI_LIMIT, PHI_LIMIT, False),
}


def check_mask(source, mask: np.ndarray) -> np.ndarray:
    """The MASK as booleans; refused unless it holds booleans or the integers 0 and 1."""
    if mask.dtype == bool:
        return mask
    if not np.issubdtype(mask.dtype, np.number):
        raise BadInput(source, MASK, f"expected booleans, got {mask.dtype}")
    bad = (mask != 0) & (mask != 1)
    if bad.any():
        event, jet = np.argwhere(bad)[0]
        raise BadInput(source, MASK, f"expected booleans (0 or 1), got {mask[event, jet]!r} for jet {jet} "
                       f"in event {event}")
    return mask.astype(bool)


def check_real_jets(source, mask: np.ndarray) -> None:
    """Every event has at least one real jet."""
    empty = ~mask.any(axis=1)
    if empty.any():
        raise BadInput(source, MASK, f"event {first_bad(empty)} has no real jet ({int(empty.sum())} such events)")


def check_physical(source, mask: np.ndarray, jets: dict[str, np.ndarray], targets: np.ndarray,
                   names: list[str]) -> None:
    """``jets``: ``{field: [events, jets]}``; ``targets``: ``[events, n]`` jet indices (-1: none),
    ``names`` their dataset paths."""
    for name, (lo, hi, open_low) in RANGES.items():
        if name not in jets:
            continue
        values = jets[name]
        bad = mask & (outside(values, lo, hi) | ((values == lo) if open_low else False))
        if bad.any():
            event, jet = np.argwhere(bad)[0]
            value = values[event, jet]
            what = "negative" if value < 0 and lo == 0 else "unphysical"
            bound = f"({lo:g}, {hi:g}]" if open_low else f"[{lo:.6g}, {hi:.6g}]"
            raise BadInput(source, f"INPUTS/Source/{name}", f"{what} {name} {value} of jet {jet} in event {event} "
                           f"(real jets need {bound})")
    if "btag" in jets:
        bad = mask & (jets["btag"] != 0) & (jets["btag"] != 1)
        if bad.any():
            event, jet = np.argwhere(bad)[0]
            raise BadInput(source, "INPUTS/Source/btag", f"b-tag {jets['btag'][event, jet]} of jet {jet} in event "
                           f"{event}; expected 0 or 1")
    flat = targets.reshape(len(targets), -1)
    ordered = np.sort(flat, axis=1)
    repeated = ((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any(axis=1)
    if repeated.any():
        event = first_bad(repeated)
        row = flat[event]
        values, counts = np.unique(row[row >= 0], return_counts=True)
        jet = values[counts > 1][0]
        which = [names[i] for i in np.flatnonzero(row == jet)]
        raise BadInput(source, " and ".join(which), f"the same jet {jet} is the target of both in event {event}")
