"""Evaluation stage: one method's matching efficiencies on a SPANet-layout file."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import pandas as pd

from attnphys.files import atomic_path
from attnphys.spanet.chi2 import chi2_assign
from attnphys.spanet.h5layout import read_h5
from attnphys.spanet.metrics import efficiencies
from attnphys.stage_options import add_checkpoint_option
from attnphys.train.options import add_device_option

log = logging.getLogger(__name__)
METHODS = ("chi2", "spanet")


def evaluate(method: str, input_file: Path, out: Path, checkpoint: Path | None = None,
             device: str = "cpu") -> pd.DataFrame:
    """Assign jets with ``method`` and write the summary CSV ``out`` (one row per jet bin);
    ``checkpoint`` is the model of ``spanet`` and must be None for ``chi2``."""
    if method not in METHODS:
        raise ValueError(f"--method: expected one of {METHODS}, got {method!r}")
    if method == "chi2" and checkpoint is not None:
        raise ValueError("--checkpoint: chi2 uses no model; give it only with --method spanet")
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


def _run(args: argparse.Namespace) -> None:
    evaluate(args.method, args.input, args.out, args.checkpoint, args.device)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("evaluate", help="efficiencies of one method by jet multiplicity")
    p.add_argument("--method", choices=METHODS, required=True)
    p.add_argument("--input", type=Path, required=True, help="SPANet-layout .h5")
    add_checkpoint_option(p, "spanet", required=False)
    p.add_argument("--out", type=Path, required=True, help="summary.csv to write")
    add_device_option(p)
    p.set_defaults(func=_run)
