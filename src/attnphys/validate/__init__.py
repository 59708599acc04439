"""Validation of everything that enters the pipeline, one module per input kind.

Each reader calls its validator where the data enters, so no stage downstream sees an
unchecked value:

- ``delphes``: Delphes-layout ROOT files (header, leaf types, finite and physical values);
- ``towers``: the towers Parquet files of ``jets ingest`` read by ``jets dataset``;
- ``dataset``: the train/val/test splits read by ``jets train`` and ``jets evaluate``
  (integer labels in range, class names in the configured order);
- ``spanet``: SPANet-layout HDF5 files (physical jets, distinct target indices);
- ``unique``: input files identified by resolved path and content;
- ``config``: the workflow configuration, model settings included, before anything runs;
- ``arguments``: argparse types for counts, sizes and finite numbers.

Every failure is a :class:`BadInput` (a ValueError) whose one-line message names the file,
the field and, where it applies, the first bad entry; the command line turns it into exit
status 2 (``attnphys --debug`` shows the traceback).
"""

from __future__ import annotations

import numpy as np


class BadInput(ValueError):
    """An input that the pipeline refuses: ``"{source}: {field}: {problem}"``."""

    def __init__(self, source, field: str, problem: str):
        self.source, self.field, self.problem = str(source), field, problem
        super().__init__(f"{source}: {field}: {problem}")


def brief(err: BaseException) -> str:
    """A library's error as one line (``Type: message``), for messages that quote it."""
    return f"{type(err).__name__}: {' '.join(str(err).split())}"


def first_bad(bad: np.ndarray) -> int:
    """Index of the first True of a boolean array (``bad.any()`` must hold)."""
    return int(np.flatnonzero(np.asarray(bad).ravel())[0])


def describe(values: np.ndarray, bad: np.ndarray) -> str:
    """``"NaN"``, ``"inf"`` or the first bad value itself, for messages."""
    value = np.asarray(values).ravel()[first_bad(bad)]
    if isinstance(value, float | np.floating) and np.isnan(value):
        return "NaN"
    return repr(value.item() if hasattr(value, "item") else value)


__all__ = ["BadInput", "brief", "describe", "first_bad"]
