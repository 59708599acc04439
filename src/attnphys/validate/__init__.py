"""Validation of everything that enters the pipeline, one module per input kind.

Each reader calls its validator where the data enters, so no stage downstream sees an
unchecked value:

- ``delphes``: Delphes-layout ROOT files (header, leaf types, counters, finite and physical values);
- ``towers``: the towers Parquet files of ``jets ingest`` read by ``jets dataset``;
- ``dataset``: the train/val/test splits read by ``jets train`` and ``jets evaluate``
  (integer labels in range, class names in the configured order);
- ``spanet``: SPANet-layout HDF5 files (physical jets, boolean masks, distinct target indices);
- ``neutrino``: the neutrino pixel-map HDF5 files (shapes, views, labels, splits);
- ``records``: a trained model's record and weights, and its outputs;
- ``unique``: input files identified by resolved path and content;
- ``paths``: the files of one command: no output onto an input, no input given twice;
- ``config``: the workflow configuration, model settings included, before anything runs;
- ``tables``: CSV tables of stage summaries read by the reports (file and columns);
- ``arguments``: argparse types for counts, sizes and finite numbers.

Every failure is a :class:`BadInput` (a ValueError) whose one-line message names the file,
the field and, where it applies, the first bad entry; the command line turns it into exit
status 2 (``attnphys --debug`` shows the traceback).
"""

from __future__ import annotations

import math

import numpy as np

# Physical ranges shared by every reader (GeV, radians). BEAM_ENERGY: the LHC's design beam
# energy (14 TeV collisions), the most that any particle, tower or jet of an LHC event can
# carry; the generators here run at 13 TeV. ETA_COVERAGE: the calorimeters' reach
# (attnphys.detector.calorimeter, the Delphes ATLAS card: |eta| <= 5). ROUNDING: float32
# rounding of phi = +-pi and of eta at the edge.
BEAM_ENERGY = 7000.0
ETA_COVERAGE = 5.0
ROUNDING = 1e-4
PHI_LIMIT = math.pi + ROUNDING
ETA_LIMIT = ETA_COVERAGE + ROUNDING


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


def outside(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Elementwise: not in the closed interval [lo, hi] (NaN is outside)."""
    values = np.asarray(values)
    return ~((values >= lo) & (values <= hi))


__all__ = ["BEAM_ENERGY", "ETA_COVERAGE", "ETA_LIMIT", "PHI_LIMIT", "BadInput", "brief", "describe", "first_bad",
           "outside"]
