"""Validation of a trained model's record (``model.pt``, ``attnphys.train.record``) where it is loaded.

A record is refused, naming the file and the field, unless:

- ``extra.params`` is a dict and ``extra.sizes`` a dict of integers of at least 1;
- ``extra.classes`` (where present) are distinct non-empty strings, as many as
  ``extra.sizes.n_classes``, and in the order of the training fingerprint (a record whose
  classes were reordered would name every prediction after another class);
- ``extra.preprocessing`` (where present) has windows of two finite numbers 0 <= min < max
  and a tower count of at least 1 (a reversed or NaN window selects nothing, silently);
- after loading, every parameter and buffer of the model is finite: NaN weights predict NaN
  probabilities and a class chosen by ``argmax`` of NaN.

``check_outputs`` refuses a model output that is not finite (``attnphys.train.predict``, so
predict and evaluate of every area, and the ONNX comparison of ``jets export --check``).
"""

from __future__ import annotations

import math

import numpy as np

from attnphys.validate import BadInput

WINDOWS = ("pt_window", "mass_window")


def check_record(path, extra: dict, fingerprint: dict | None) -> None:
    """Refuse the record ``extra`` of ``path`` (``fingerprint``: the training identity saved beside it)."""
    if not isinstance(extra["params"], dict):
        raise BadInput(path, "field 'extra.params'", f"expected a dict, got {type(extra['params']).__name__}")
    sizes = extra["sizes"]
    if not isinstance(sizes, dict):
        raise BadInput(path, "field 'extra.sizes'", f"expected a dict, got {type(sizes).__name__}")
    for key, value in sizes.items():
        if not _count(value):
            raise BadInput(path, f"field 'extra.sizes.{key}'", f"expected an integer of at least 1, got {value!r}")
    if "classes" in extra:
        _check_classes(path, extra["classes"], sizes.get("n_classes"))
    trained = (fingerprint or {}).get("fingerprint", {})
    if "classes" in trained and "classes" in extra and _plain(trained["classes"]) != _plain(extra["classes"]):
        raise BadInput(path, "field 'extra.classes'", f"{extra['classes']!r} differs from the training fingerprint "
                       f"{trained['classes']!r} (an edited record would name predictions after other classes)")
    preprocessing = extra.get("preprocessing")
    if isinstance(preprocessing, dict):
        for key in WINDOWS:
            if key in preprocessing:
                _check_window(path, f"field 'extra.preprocessing.{key}'", preprocessing[key])
        if "max_towers" in preprocessing and not _count(preprocessing["max_towers"]):
            raise BadInput(path, "field 'extra.preprocessing.max_towers'",
                           f"expected an integer of at least 1, got {preprocessing['max_towers']!r}")


def check_weights(path, model) -> None:
    """Every parameter and buffer of the loaded ``model`` finite."""
    for name, tensor in (*model.named_parameters(), *model.named_buffers()):
        if tensor.is_floating_point() or tensor.is_complex():
            values = tensor.detach().cpu().numpy()
            bad = ~np.isfinite(values)
            if bad.any():
                value = values.ravel()[int(np.flatnonzero(bad.ravel())[0])]
                raise BadInput(path, f"state_dict {name}", f"{int(bad.sum())} non-finite weight(s), first {value}; "
                               "a model with NaN or infinite weights predicts nothing meaningful")


def check_outputs(source, values: np.ndarray, what: str) -> None:
    """Refuse ``values`` (rows of a model's outputs) unless all are finite."""
    values = np.asarray(values)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad.reshape(len(values), -1).any(axis=1))[0]) if values.ndim else 0
        raise BadInput(source, what, f"{int(bad.sum())} of {values.size} values are not finite (first in row {row}); "
                       "the model or its input overflows")


def _check_classes(path, classes, n_classes) -> None:
    field = "field 'extra.classes'"
    if not isinstance(classes, list | tuple) or not all(isinstance(c, str) and c for c in classes):
        raise BadInput(path, field, f"expected a list of class names, got {classes!r}")
    if len(set(classes)) != len(classes):
        raise BadInput(path, field, f"class names repeat: {list(classes)}")
    if n_classes is not None and len(classes) != n_classes:
        raise BadInput(path, field, f"{len(classes)} classes, but extra.sizes.n_classes is {n_classes}")


def _check_window(path, field: str, window) -> None:
    if not isinstance(window, list | tuple) or len(window) != 2 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in window):
        raise BadInput(path, field, f"expected two finite numbers [min, max], got {window!r}")
    if not 0 <= window[0] < window[1]:
        raise BadInput(path, field, f"need 0 <= min < max, got {list(window)}")


def _count(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 1


def _plain(value):
    """Tuples as lists, so a JSON round trip compares equal."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
