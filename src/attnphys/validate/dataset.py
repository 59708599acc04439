"""Validation of a dataset split (train, val or test) against the class list in label order.

Checked before the first epoch and before evaluation, so a bad label never surfaces as an
IndexError after an epoch or as a wrong accuracy: labels are integers (a float column
would be truncated), in ``[0, len(classes))``, every row's class name is ``classes[label]``,
and the class list the dataset stage wrote into the split's metadata (when present) is
``classes``, in the same order.
"""

from __future__ import annotations

import numpy as np

from attnphys.validate import BadInput, first_bad


def check_split(path, label: np.ndarray, names: np.ndarray, classes: list[str],
                recorded: list[str] | None, against: str) -> None:
    """Refuse split ``path`` unless its labels and class names follow ``classes``.

    ``recorded``: the split's own class list (metadata), if any; ``against`` names where
    ``classes`` come from in messages (``"--classes"``, ``"the model's record"``).
    """
    classes = [str(c) for c in classes]
    if recorded is not None and list(recorded) != classes:
        raise BadInput(path, "metadata attnphys.classes",
                       f"class list {list(recorded)} differs from {against} {classes} (labels would mean other classes)")
    if not np.issubdtype(label.dtype, np.integer):
        raise BadInput(path, "column label", f"expected integers, got {label.dtype}")
    out = (label < 0) | (label >= len(classes))
    if out.any():
        row = first_bad(out)
        raise BadInput(path, "column label", f"label {label[row]} in row {row} outside [0, {len(classes) - 1}] "
                       f"of {against} {classes}")
    expected = np.asarray(classes, dtype=object)[label]
    wrong = expected != names.astype(object)
    if wrong.any():
        row = first_bad(wrong)
        raise BadInput(path, "column class", f"row {row} has class {names[row]!r} with label {label[row]}, "
                       f"but {against} {classes} names label {label[row]} {expected[row]!r}")
