"""Validation of SPANet-layout events (``attnphys.spanet.h5layout``) beyond shapes and index
ranges: real jets have a pT that is not negative, and no jet is the target of two partons
in one event (a jet comes from one parton; a repeated index makes the matching target
impossible and the efficiency wrong).
"""

from __future__ import annotations

import numpy as np

from attnphys.validate import BadInput, first_bad


def check_physical(source, mask: np.ndarray, pt: np.ndarray, targets: np.ndarray,
                   names: list[str]) -> None:
    """``targets``: ``[events, n]`` jet indices (-1: none), ``names`` their dataset paths."""
    negative = mask & (pt < 0)
    if negative.any():
        event, jet = np.argwhere(negative)[0]
        raise BadInput(source, "INPUTS/Source/pt", f"negative pT {pt[event, jet]} of jet {jet} in event {event}")
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
