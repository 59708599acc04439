"""The SPA-NET report: chi2 and SPA-NET side by side in the talk's format, with its numbers."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pandas as pd

from attnphys.files import atomic_path
from attnphys.markdown import markdown_table
from attnphys.spanet.metrics import BINS, COLUMNS
from attnphys.stage_options import add_output
from attnphys.validate.json_files import read_json
from attnphys.validate.tables import read_csv_columns

# The seed talk's table (arXiv:2010.09206): (event, eps2, eps1) in percent per jet bin.
TALK = {
    "chi2": {"6": (61.8, 65.0, 24.2), "7": (40.8, 50.4, 24.6), ">=8": (23.2, 35.5, 20.2),
             "inclusive": (37.7, 47.0, 23.0)},
    "spanet": {"6": (80.7, 84.1, 56.7), "7": (66.8, 75.7, 56.2), ">=8": (52.3, 66.2, 52.9),
               "inclusive": (63.7, 73.5, 55.2)},
}
TALK_RUNTIME_MS = {"chi2": 369.0, "spanet": 4.4}
METRICS = ("event_eff", "top2_eff", "top1_eff")
LABELS = {"6": "6", "7": "7", ">=8": "≥ 8", "inclusive": "Inclusive"}
HISTORY_COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds")


def read_summary(path: Path, method: str) -> pd.DataFrame:
    """A ``summary.csv`` of ``attnphys spanet evaluate``, indexed by jet bin."""
    table = read_csv_columns(path, COLUMNS, "evaluation summary", dtype={"njets": str})
    if set(table["method"]) != {method}:
        raise ValueError(f"{path}: column method holds {sorted(set(table['method']))}, expected {method!r}")
    table = table.set_index("njets")
    absent = [b for b in BINS if b not in table.index]
    if absent:
        raise ValueError(f"{path}: column njets lacks bin(s) {absent}")
    return table


def read_history(path: Path) -> pd.DataFrame:
    """The ``history.csv`` of ``attnphys spanet train``, checked for the columns the report uses."""
    return read_csv_columns(path, HISTORY_COLUMNS, "training history")


def _cell(value: float, talk: float) -> str:
    ours = "n/a" if pd.isna(value) else f"{value:.1f} %"
    return f"{ours} ({talk:.1f} %)"


def render(chi2: pd.DataFrame, spanet: pd.DataFrame, dataset: dict | None = None,
           history: pd.DataFrame | None = None) -> str:
    """Markdown of the comparison; each cell is "ours (talk)"."""
    lines = [
        "# Jet-parton matching in all-hadronic ttbar: chi2 against SPA-NET",
        "",
        "Efficiencies on the test split, ours with the seed talk's in brackets "
        "(arXiv:2010.09206; definitions in FACTS.md section 3).",
        "",
        markdown_table(
            ["N_jets", "chi2 ε_event", "chi2 ε₂_top", "chi2 ε₁_top", "SPA-NET ε_event", "SPA-NET ε₂_top",
             "SPA-NET ε₁_top"],
            [[LABELS[b], *(_cell(chi2.loc[b, m], TALK["chi2"][b][i]) for i, m in enumerate(METRICS)),
              *(_cell(spanet.loc[b, m], TALK["spanet"][b][i]) for i, m in enumerate(METRICS))] for b in BINS],
        ),
    ]
    differences = []
    for b in BINS:
        ours = spanet.loc[b, "event_eff"] - chi2.loc[b, "event_eff"]
        talk = TALK["spanet"][b][0] - TALK["chi2"][b][0]
        n = max(int(chi2.loc[b, "n_events_2top"]), 1)
        err = sum(e * (100 - e) / n for e in (spanet.loc[b, "event_eff"], chi2.loc[b, "event_eff"])) ** 0.5
        differences.append([LABELS[b], f"{ours:+.1f} ± {err:.1f}", f"{talk:+.1f}",
                            f"{int(chi2.loc[b, 'n_events_2top'])} / {int(chi2.loc[b, 'n_events_1top'])}"])
    lines += ["", "SPA-NET minus chi2 in event efficiency (percentage points), and the events behind it:", "",
              markdown_table(["N_jets", "ours (± binomial stat.)", "talk", "events with 2 / 1 matchable tops"],
                             differences)]
    beaten = all(spanet.loc[b, "event_eff"] > chi2.loc[b, "event_eff"] for b in BINS)
    lines += ["", f"SPA-NET beats chi2 in event efficiency in every jet bin: **{'yes' if beaten else 'no'}**."]
    lines += ["", "Runtime on 8-jet events in the talk: chi2 "
              f"{TALK_RUNTIME_MS['chi2']:g} ms, SPA-NET {TALK_RUNTIME_MS['spanet']:g} ms per event; "
              "ours: `python benchmarks/bench_spanet.py`."]
    n0 = int(chi2.loc["inclusive", "n_events_0top"]) if "n_events_0top" in chi2.columns else None
    if n0 is not None:
        lines += ["", f"{n0} test events have no matchable top and enter no efficiency."]
    if dataset and "generated" not in dataset:
        lines += ["", "## Data", "", f"Your SPANet file, {dataset['selected']} events; train / val / test = "
                  f"{dataset['train_events']} / {dataset['val_events']} / {dataset['test_events']}."]
    elif dataset:
        rate = dataset["selected"] / dataset["generated"]
        speed = dataset["generated"] / dataset["generation_seconds"]
        lines += ["", "## Data", "",
                  f"Pythia 8 ttbar, both W -> q q': {dataset['generated']} events generated "
                  f"({speed:.0f} events/s per core incl. detector and jets), {dataset['selected']} selected "
                  f"({100 * rate:.1f} %); train / val / test = {dataset['train_events']} / "
                  f"{dataset['val_events']} / {dataset['test_events']}."]
    if history is not None and len(history):
        best = history.loc[history["val_loss"].idxmin()]
        lines += ["", "## SPA-NET training", "",
                  f"{len(history)} epochs ({history['seconds'].sum():.0f} s); best validation loss "
                  f"{best['val_loss']:.3f} at epoch {int(best['epoch'])}."]
    return "\n".join(lines) + "\n"


def write_report(chi2_csv: Path, spanet_csv: Path, out: Path, dataset_json: Path | None = None,
                 history_csv: Path | None = None, efficiency_png: Path | None = None,
                 curves_png: Path | None = None) -> str:
    """The markdown ``out`` and, where paths are given, the efficiency and training-curve figures
    (``curves_png`` needs ``history_csv``)."""
    from attnphys.spanet.figure import plot_efficiency_by_jets, plot_training_curves

    dataset = read_json(dataset_json, "SPA-NET dataset summary") if dataset_json else None
    history = read_history(history_csv) if history_csv else None
    if curves_png is not None and history is None:
        raise ValueError("--out-curves: needs --history")
    chi2, spanet = read_summary(chi2_csv, "chi2"), read_summary(spanet_csv, "spanet")
    text = render(chi2, spanet, dataset, history)
    folder = Path(out).parent
    if efficiency_png is not None:
        plot_efficiency_by_jets({"chi2": chi2, "spanet": spanet}, Path(efficiency_png))
        text += f"\n## Efficiency by jet multiplicity\n\n![efficiency by jet multiplicity]" \
                f"({os.path.relpath(efficiency_png, folder)})\n"
    if curves_png is not None:
        plot_training_curves(history, Path(curves_png))
        text += f"\n## Training curves\n\n![training curves]({os.path.relpath(curves_png, folder)})\n"
    with atomic_path(out) as tmp:
        tmp.write_text(text)
    return text


def _run(args: argparse.Namespace) -> None:
    write_report(args.chi2, args.spanet, args.out, args.dataset, args.history, args.out_efficiency, args.out_curves)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("report", help="chi2 and SPA-NET side by side with the talk's table")
    p.add_argument("--chi2", type=Path, required=True, help="summary.csv of chi2")
    p.add_argument("--spanet", type=Path, required=True, help="summary.csv of SPA-NET")
    p.add_argument("--dataset", type=Path, help="dataset.json of `attnphys spanet dataset` (default: none)")
    p.add_argument("--history", type=Path, help="history.csv of training (default: none)")
    p.add_argument("--out", type=Path, required=True, help="report.md to write")
    add_output(p, "efficiency", "efficiency by jet multiplicity PNG to write (default: none)", required=False)
    add_output(p, "curves", "training curves PNG to write, needs --history (default: none)", required=False)
    p.set_defaults(func=_run)
