"""Evaluation stage: one method's matching efficiencies on a SPANet-layout file."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pandas as pd

from attnphys.files import atomic_path
from attnphys.spanet.chi2 import chi2_assign
from attnphys.spanet.h5layout import read_h5
from attnphys.spanet.metrics import efficiencies

log = logging.getLogger(__name__)
METHODS = ("chi2", "spanet")


def evaluate(method: str, input_file: Path, out: Path, checkpoint: Path | None = None,
             device: str = "cpu") -> pd.DataFrame:
    """Assign jets with ``method`` and write the summary CSV ``out`` (one row per jet bin)."""
    if method not in METHODS:
        raise ValueError(f"--method: expected one of {METHODS}, got {method!r}")
    data = read_h5(input_file).packed()
    start = time.perf_counter()
    if method == "chi2":
        pred = chi2_assign(data)
    else:
        if checkpoint is None:
            raise ValueError("--checkpoint: required for --method spanet")
        from attnphys.spanet.models import MODELS
        from attnphys.spanet.train import spanet_assign
        from attnphys.train.record import load_model

        pred = spanet_assign(load_model(checkpoint, MODELS)[0], data, device)
    seconds = time.perf_counter() - start
    log.info("%s: %d events in %.2f s (%.3f ms/event)", method, len(data), seconds,
             1e3 * seconds / max(len(data), 1))
    table = efficiencies(pred, data.targets, data.njets, method)
    with atomic_path(out) as tmp:
        table.to_csv(tmp, index=False, float_format="%.2f")
    return table
