"""Cross-source table: taggers trained on one source of jets, tested on both.

For every model both sources can feed (``sources.cross_models``) and each (trained on, tested
on) pair of ``simulation`` and ``paper``: top-1 accuracy (mean and spread over seeds) and the
per-class accuracy, class by class, from the evaluation stage's ``metrics.json``. The diagonal
is each source on itself; the off-diagonal rows measure how far the two samples differ for a
tagger, class by class (a class that the simulation makes unlike the paper's loses accuracy
when crossing), instead of arguing it from the generation settings.

Writes ``cross_source.csv`` (one row per model, trained, tested: ``accuracy_mean``,
``accuracy_std``, ``n_seeds`` and ``acc_{class}`` in percent) and ``cross_source.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from attnphys.files import atomic_path
from attnphys.jets.paper import model_name
from attnphys.markdown import markdown_table

log = logging.getLogger(__name__)

LABELS = {"simulation": "our simulation", "paper": "the paper's jets"}


def _metrics(path: Path) -> dict:
    try:
        record = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: metrics.json not found") from None
    except ValueError as err:
        raise ValueError(f"{path}: not JSON ({err})") from err
    for field in ("model", "classes", "accuracy", "per_class_accuracy"):
        if field not in record:
            raise ValueError(f"{path}: field {field} is missing")
    return record


def cross_table(metrics: list[Path], trained: list[str], tested: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """One row per (model, trained, tested); accuracies in percent."""
    if not (len(metrics) == len(trained) == len(tested)):
        raise ValueError(f"--metrics ({len(metrics)}), --trained ({len(trained)}) and --tested ({len(tested)}) "
                         "must be equally long")
    records = [(_metrics(p), p, t, e) for p, t, e in zip(metrics, trained, tested)]
    classes = list(records[0][0]["classes"]) if records else []
    for record, path, _, _ in records:
        if list(record["classes"]) != classes:
            raise ValueError(f"{path}: field classes {record['classes']} differs from {classes} ({metrics[0]})")
    rows = []
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for record, _, t, e in records:
        groups.setdefault((record["model"], t, e), []).append(record)
    for (model, t, e), group in groups.items():
        accuracy = 100.0 * np.array([r["accuracy"] for r in group])
        row = {"model": model, "trained": t, "tested": e, "accuracy_mean": float(accuracy.mean()),
               "accuracy_std": float(accuracy.std(ddof=1)) if len(group) > 1 else 0.0, "n_seeds": len(group)}
        for c in classes:
            values = [r["per_class_accuracy"][c] for r in group if r["per_class_accuracy"].get(c) is not None]
            row[f"acc_{c}"] = 100.0 * float(np.mean(values)) if values else float("nan")
        rows.append(row)
    return pd.DataFrame(rows), classes


def cross_markdown(table: pd.DataFrame, classes: list[str]) -> str:
    """The table, class by class, with the accuracy lost when crossing."""
    def cell(value: float) -> str:
        return "-" if np.isnan(value) else f"{value:.1f}"

    body = markdown_table(
        ["Model", "Trained on", "Tested on", "Top-1 [%]", "Seeds", *classes],
        [[model_name(r.model), LABELS.get(r.trained, r.trained), LABELS.get(r.tested, r.tested),
          f"{r.accuracy_mean:.2f} ± {r.accuracy_std:.2f}" if r.n_seeds > 1 else f"{r.accuracy_mean:.2f}", r.n_seeds,
          *(cell(getattr(r, f"acc_{c}")) for c in classes)]
         for r in table.sort_values(["model", "trained", "tested"]).itertuples()],
        "lllrr" + "r" * len(classes),
    )
    lines = []
    indexed = table.set_index(["model", "trained", "tested"])["accuracy_mean"]
    for model in dict.fromkeys(table["model"]):
        for t, e in (("simulation", "paper"), ("paper", "simulation")):
            if (model, t, e) in indexed and (model, e, e) in indexed:
                lines.append(f"- {model_name(model)} trained on {LABELS[t]}: {indexed[(model, t, e)]:.2f} % on "
                             f"{LABELS[e]}, against {indexed[(model, e, e)]:.2f} % when trained on them.")
    return f"""# Cross-source evaluation: our simulation and the paper's published jets

Each tagger trained on one source of jets and tested on the test split of both (the same
classes, label order and tower inputs; the paper's tower pT in GeV as the paper-dataset stage
documents). Per-class columns: accuracy [%] of each true class, mean over seeds.

{body}

{chr(10).join(lines)}
"""


def write_cross_table(metrics: list[Path], trained: list[str], tested: list[str], out_csv: Path,
                      out_markdown: Path) -> pd.DataFrame:
    table, classes = cross_table(metrics, trained, tested)
    with atomic_path(out_csv) as tmp:
        table.to_csv(tmp, index=False, float_format="%.4f")
    with atomic_path(out_markdown) as tmp:
        tmp.write_text(cross_markdown(table, classes))
    log.info("cross-source table of %d runs -> %s", len(metrics), out_markdown)
    return table


def _run(args: argparse.Namespace) -> None:
    write_cross_table(args.metrics, args.trained, args.tested, args.out_csv, args.out_markdown)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("cross-source", help="taggers trained on one source of jets, tested on both: the table")
    p.add_argument("--metrics", nargs="+", type=Path, required=True, help="metrics.json of every run")
    p.add_argument("--trained", nargs="+", required=True, help="the source each run was trained on, in order")
    p.add_argument("--tested", nargs="+", required=True, help="the source each run was tested on, in order")
    p.add_argument("--out-csv", type=Path, required=True)
    p.add_argument("--out-markdown", type=Path, required=True)
    p.set_defaults(func=_run)
