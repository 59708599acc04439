"""Validation of a neutrino pixel-map dataset (``attnphys.neutrino.pixelmap``) where it is read.

Refused, naming the file and the dataset (and the first bad event): a dataset of another
shape than the layout's (``pixel_maps`` and the prong indices ``[events, 2 views, 100
planes, 80 cells]``, as the models take them; prong labels ``[events, max_prongs]``; one
value per event otherwise), datasets of different event counts, labels that are not
integers or lie outside their class lists (``event_label`` in ``[0, len(classes))``, prong
labels in ``[-1, len(prong_classes))``, prong indices in ``[-1, max_prongs)``), a ``split``
value other than 0, 1 or 2, and a charge or neutrino energy that is negative or not finite.
"""

from __future__ import annotations

import numpy as np

from attnphys.validate import BadInput, describe, first_bad

PLANES, CELLS, VIEWS = 100, 80, 2
MAPS = ("pixel_maps", "truth_prong_index", "reco_prong_index")
PRONG_LABELS = ("truth_prong_label", "reco_prong_label")
INTEGERS = (*MAPS[1:], *PRONG_LABELS, "event_label", "split", "event")


def check_maps(path, data: dict[str, np.ndarray], attrs: dict) -> None:
    """Refuse the datasets ``data`` (any subset of the layout) of ``path`` with attributes ``attrs``."""
    n = None
    for name, values in data.items():
        if n is None:
            n, first = len(values) if values.ndim else -1, name
        if not values.ndim or len(values) != n:
            raise BadInput(path, name, f"{len(values) if values.ndim else 'no'} events, but {first} has {n}")
        expected = _shape(name, n, attrs)
        if expected is not None and values.shape != expected:
            raise BadInput(path, name, f"shape {values.shape}, expected {expected} "
                           f"({'[events, views, planes, cells]' if name in MAPS else 'as the layout says'})")
        if name in INTEGERS and not np.issubdtype(values.dtype, np.integer):
            raise BadInput(path, name, f"expected integers, got {values.dtype}")
        low, high = _range(path, name, attrs)
        if name in ("pixel_maps", "e_nu"):
            values = values.astype(np.float64)
            if not np.isfinite(values).all():
                _refuse(path, name, values, ~np.isfinite(values), "non-finite value")
        if name == "split":
            bad = (values != 0) & (values != 1) & (values != 2)
            if bad.any():
                _refuse(path, name, values, bad, "split value (expected 0 train, 1 validation or 2 test)")
        elif low is not None:
            bad = (values < low) | (values > high)
            if bad.any():
                _refuse(path, name, values, bad, f"value outside [{low}, {high}]")


def _shape(name: str, n: int, attrs: dict) -> tuple | None:
    if name in MAPS:
        return (n, VIEWS, PLANES, CELLS)
    if name in PRONG_LABELS:
        return (n, int(attrs["max_prongs"])) if "max_prongs" in attrs else None
    return (n,)


def _range(path, name: str, attrs: dict) -> tuple:
    """(low, high) allowed for ``name``, from the attributes where labels index a list."""
    def needs(key):
        if key not in attrs:
            raise BadInput(path, f"attribute {key}", f"missing (needed to check {name})")
        return attrs[key]

    if name == "event_label":
        return 0, len(needs("classes")) - 1
    if name in PRONG_LABELS:
        return -1, len(needs("prong_classes")) - 1
    if name in MAPS[1:]:
        return -1, int(needs("max_prongs")) - 1
    if name in ("pixel_maps", "e_nu"):
        return 0.0, np.inf
    return None, None


def _refuse(path, name: str, values: np.ndarray, bad: np.ndarray, what: str) -> None:
    event = int(np.argwhere(bad)[0][0]) if bad.ndim > 1 else first_bad(bad)
    raise BadInput(path, name, f"{what}: {describe(values, bad)} in event {event}")
