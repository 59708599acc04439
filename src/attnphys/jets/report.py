"""Report stage of the extreme-jet study: the talk's accuracy table and the plots behind it.

Reads the evaluation of every configured (model, seed), the training histories and the
flattened dataset (jets.results), draws the figures (jets.figure) and writes the files the
rule names:

- ``summary.csv``: one row per model with the contract columns ``model, n_params,
  accuracy_mean, accuracy_std, n_seeds, accuracy_paper`` (accuracies in percent; the
  spread is the sample standard deviation over seeds, 0 for a single seed);
- ``confusion_{model}.png``: confusion matrix summed over seeds, rows (true class)
  normalised to one;
- ``accuracy_vs_mass.png``: top-1 accuracy in bins of jet mass, seeds pooled, with 68 %
  Clopper-Pearson intervals (as the per-class accuracies of ``report.md``);
- ``dataset_mass_pt.png``: per-class jet mass and pT spectra of the dataset (flat after the
  accept-reject flattening of "Jets 2/4");
- ``training_curves.png``: loss and accuracy per epoch, train and validation;
- ``roc_{model}.png``: one-vs-rest ROC curves per class and QCD rejection against signal
  efficiency (``attnphys.jets.roc``), and ``roc.csv``: per model and class the one-vs-rest
  AUC and the QCD (class 1) rejection 1/eps_B at 50 % and 80 % signal efficiency;
- ``report.md``: the table beside the talk's figures, the figures, dataset sizes and the
  config used.

A report from fewer seeds than configured is refused, never averaged silently.
The talk's figures: Lu, Romero, Fenton, Whiteson, Baldi, arXiv:2202.00723.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from tqdm import tqdm

from attnphys.files import atomic_path
from attnphys.jets.figure import (
    MASS_BINS,
    plot_accuracy_vs_mass,
    plot_confusion,
    plot_dataset_spectra,
    plot_roc,
    plot_training_curves,
)
from attnphys.jets.paper import PAPER_V2, TALK, model_name
from attnphys.jets.results import (
    SPLITS,
    Run,
    RunFiles,
    dataset_sizes,
    load_dataset,
    load_runs,
    normalised_confusion,
    per_class_counts,
    read_dataset_summary,
    roc_summary,
    summarise,
)
from attnphys.binomial import binomial_interval
from attnphys.jets.roc import QCD
from attnphys.markdown import markdown_table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportFiles:
    """What the report stage writes; the markdown links the figures relative to itself."""

    summary: Path
    markdown: Path
    confusion: dict[str, Path]  # model -> PNG
    accuracy_vs_mass: Path
    spectra: Path
    curves: Path
    roc: dict[str, Path]  # model -> PNG
    roc_table: Path  # roc.csv


def _accuracy_cell(mean: float, std: float, n_seeds: int) -> str:
    if n_seeds > 1:
        return f"{mean:.2f} ± {std:.2f} %"
    return f"{mean:.2f} % (1 seed, no spread)"


def _published_cell(model: str) -> str:
    """The talk's accuracy of a model, else the paper's v2 figure (marked), else '-'."""
    if model in TALK:
        return f"{TALK[model].accuracy:.2f} ± {TALK[model].spread:.2f} %"
    return f"{PAPER_V2[model]:.2f} % (paper v2)" if model in PAPER_V2 else "-"


def source_sentence(dataset_summary: dict) -> str:
    """Which jets the numbers come from: our simulation, or the paper's published file."""
    source = dataset_summary.get("source", {"name": "simulation"})
    if source.get("name") != "paper":
        return ("**Source: our simulation** (Pythia 8 and the project's Delphes-ATLAS-like towers, "
                "`jets.source: simulation`).")
    scale = ("the file's jet pT in GeV" if source.get("pt_scale") == "GeV" else
             f"{source.get('nominal_pt'):g} GeV, a nominal scalar pT sum: the file's pT and mass are normalised")
    check = {True: "agree with the project's FastJet path", False: "**differ** from the project's FastJet path",
             None: "were not checked"}[dataset_summary.get("tau_check_agrees")]
    return (f"**Source: the paper's published jets** (`{source.get('file')}`, `jets.source: paper`; "
            f"pT in GeV = pT fraction x {scale}). "
            f"The file's tau_N {check} (consistency.json beside the dataset).")


def _per_class_cell(model_runs: list[Run], k: int) -> str:
    """Per-class accuracy in percent, seeds pooled, with its 68 % Clopper-Pearson interval;
    '-' where the class is absent from the test set."""
    hits, totals = per_class_counts(model_runs)
    if totals[k] == 0:
        return "-"
    lo, hi = binomial_interval(hits[k], totals[k])
    return f"{100.0 * hits[k] / totals[k]:.1f} [{100.0 * lo:.1f}, {100.0 * hi:.1f}]"


def _rejection_cell(value: float, n_qcd: int) -> str:
    if np.isnan(value):
        return "-"
    return f"> {n_qcd:,}" if np.isinf(value) else f"{value:.1f}"


def roc_markdown(table: pd.DataFrame, classes: list[str]) -> str:
    """AUC per class and model, and the QCD rejections of the signal classes."""
    models = list(dict.fromkeys(table["model"]))
    by = table.set_index(["model", "class"])
    auc = markdown_table(
        ["Model", *classes],
        [[model_name(m), *(f"{by.loc[(m, c), 'auc_mean']:.3f}" if not np.isnan(by.loc[(m, c), "auc_mean"]) else "-"
                           for c in classes)] for m in models],
        "l" + "r" * len(classes),
    )
    signal = [c for c in classes if c != QCD]
    if QCD not in classes:
        return auc + "\n\nNo QCD (class 1) in the classes: no rejection."
    rejection = markdown_table(
        ["Model", *(f"{c}: 50 % / 80 %" for c in signal)],
        [[model_name(m), *(" / ".join(_rejection_cell(by.loc[(m, c), f"qcd_rejection_at_{e}"], by.loc[(m, c), "n_qcd"])
                                      for e in (50, 80)) for c in signal)] for m in models],
        "l" + "r" * len(signal),
    )
    return f"""One-vs-rest AUC per class (mean over seeds):

{auc}

QCD rejection 1/eps_B at 50 % / 80 % signal efficiency per signal class, with the discriminant
p_s / (p_s + p_QCD) on the jets of the two classes (mean over seeds; "> n" where no QCD jet of
the n in the test split passes):

{rejection}"""


@dataclass(frozen=True)
class Crossing:
    """Where PFN > Mass + HL DNN was measured on the project's simulation: mean and standard
    deviation over seeds of both models' test accuracy (%) at ``jets_per_class`` training jets
    per class, and the seeds in which the PFN was ahead (benchmarks/README.md, "At the crossing
    size"; per-run table benchmarks/curves/curve6000_cpu.csv)."""

    jets_per_class: int
    pfn: tuple[float, float]
    hl_dnn: tuple[float, float]
    pfn_ahead: int
    seeds: int
    below: tuple[int, float]  # the next smaller size and the PFN's shortfall there (points)


SIMULATION_CROSSING = Crossing(4184, (59.2, 0.8), (58.9, 0.0), 2, 3, (2092, 3.1))


def crossing_sentence(crossing: Crossing, train_per_class: int | None) -> str:
    """The measured size at which the PFN reaches the HL network on our simulation, beside this run's."""
    c = crossing
    here = f" This run trains on {train_per_class:,} jets per class." if train_per_class else ""
    return (f"On this project's simulation the PFN reaches the Mass + HL DNN at {c.jets_per_class:,} training "
            f"jets per class ({c.pfn[0]:.1f} ± {c.pfn[1]:.1f} against {c.hl_dnn[0]:.1f} ± {c.hl_dnn[1]:.1f} %, "
            f"ahead in {c.pfn_ahead} of {c.seeds} seeds) and is {c.below[1]:.1f} points below it at "
            f"{c.below[0]:,}; the Transformer was not measured at those sizes (benchmarks/README.md).{here}")


def _ordering_sentence(summary: pd.DataFrame, dataset_summary: dict, train_per_class: int | None) -> str:
    acc = summary.set_index("model")["accuracy_mean"]
    order = ["transformer", "pfn", "hl_dnn"]
    if not set(order) <= set(acc.index):
        return "The talk's ordering needs all three models; this report has " + ", ".join(acc.index) + "."
    values = " > ".join(f"{model_name(m)} {acc[m]:.2f} %" for m in order)
    if acc["transformer"] > acc["pfn"] > acc["hl_dnn"]:
        return f"The talk's ordering Transformer > PFN > Mass + HL DNN is reproduced: {values}."
    ranked = ", ".join(f"{model_name(m)} {acc[m]:.2f} %" for m in acc.sort_values(ascending=False).index)
    sentence = f"The talk's ordering Transformer > PFN > Mass + HL DNN is **not** reproduced at this size: {ranked}."
    if dataset_summary.get("source", {"name": "simulation"}).get("name") != "paper":
        sentence += " " + crossing_sentence(SIMULATION_CROSSING, train_per_class)
    return sentence


def write_markdown(
    path: Path,
    summary: pd.DataFrame,
    runs: dict[str, list[Run]],
    sizes: pd.DataFrame,
    dataset_summary: dict,
    figures: dict[str, str],
    config: dict,
    roc: pd.DataFrame,
) -> None:
    seeds = sorted({r.seed for rs in runs.values() for r in rs})
    classes = list(next(iter(runs.values()))[0].metrics["classes"])
    n_test = {int(r.metrics["n_test"]) for rs in runs.values() for r in rs if "n_test" in r.metrics}
    train_counts = [n for rs in runs.values() for r in rs for n in r.metrics.get("n_train_per_class", []) if n]
    train_per_class = int(round(float(np.mean(train_counts)))) if train_counts else None
    table = markdown_table(
        ["Model", "Parameters", "Top-1 accuracy", "Seeds", "Talk: parameters", "Talk: top-1 accuracy"],
        [
            [
                model_name(row.model),
                f"{row.n_params:,}",
                _accuracy_cell(row.accuracy_mean, row.accuracy_std, row.n_seeds),
                row.n_seeds,
                f"{TALK[row.model].n_params:,}" if row.model in TALK else "-",
                _published_cell(row.model),
            ]
            for row in summary.itertuples()
        ],
        "lrrrrr",
    )
    per_class = markdown_table(
        ["Model", *classes, "Inference [jets/s]"],
        [
            [
                model_name(model),
                *(_per_class_cell(rs, k) for k in range(len(classes))),
                f"{np.mean([r.metrics['jets_per_second'] for r in rs]):,.0f}" if all("jets_per_second" in r.metrics for r in rs) else "-",
            ]
            for model, rs in runs.items()
        ],
        "l" + "r" * (len(classes) + 1),
    )
    funnel = "The published file, as it is (no selection or flattening here)." if "layout" in dataset_summary else (
        f"Target {dataset_summary['target_per_class']:,} jets per class; the flat sample holds "
        f"{dataset_summary['final_per_class']:,} per class"
        + (f", **{dataset_summary['shortfall_per_class']:,} short** of the target." if dataset_summary["shortfall_per_class"] else ".")
    )
    size_table = markdown_table(
        ["Class", *sizes.columns], [[index, *row] for index, row in zip(sizes.index, sizes.to_numpy().tolist())], "l" + "r" * len(sizes.columns)
    )
    confusion = "\n\n".join(f"![{model_name(m)}]({figures[f'confusion_{m}']})" for m in runs)
    roc_figures = "\n\n".join(f"![ROC curves of {model_name(m)}]({figures[f'roc_{m}']})" for m in runs)
    text = f"""# Extreme-jet tagging: {len(classes)}-class prong tagging of boosted jets

Reproduction of the tower-based taggers of Lu, Romero, Fenton, Whiteson and Baldi
(arXiv:2202.00723), as shown in the talk. Every number is on the test split
({", ".join(str(n) for n in sorted(n_test)) or "?"} jets), averaged over seeds {seeds};
the spread is the standard deviation over seeds.

{source_sentence(dataset_summary)}

## Top-1 accuracy

{table}

{_ordering_sentence(summary, dataset_summary, train_per_class)}

## ROC, AUC and QCD rejection

{roc_markdown(roc, classes)}

### Per-class accuracy [%] (seeds pooled, 68 % Clopper-Pearson interval) and inference throughput

{per_class}

## Confusion matrices (rows: true class, normalised; summed over seeds)

{confusion}

## ROC curves (first seed)

{roc_figures}

## Accuracy against jet mass

![accuracy against jet mass]({figures["accuracy_vs_mass"]})

## Dataset

Jets per class: selected (pT and mass windows, truth match), kept by the flattening in
(mass, pT), in the final equal-count sample, and per split.
{funnel}

{size_table}

![per-class mass and pT spectra]({figures["dataset_mass_pt"]})

## Training curves

![training curves]({figures["training_curves"]})

## Config used

```yaml
{yaml.safe_dump(config, sort_keys=False).rstrip()}
```
"""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def build_report(
    runs: dict[tuple[str, int], RunFiles],
    splits: dict[str, Path],
    dataset_summary_path: Path,
    models: list[str],
    seeds: list[int],
    mass_window: tuple[float, float],
    pt_window: tuple[float, float],
    config: dict,
    out: ReportFiles,
) -> pd.DataFrame:
    """Write the summary CSV, the figures and the markdown of ``out``; return the summary."""
    loaded = load_runs(runs, models, seeds)
    classes = list(next(iter(loaded.values()))[0].metrics["classes"])
    dataset = load_dataset(splits)
    dataset_summary = read_dataset_summary(dataset_summary_path)
    unknown = sorted(set(dataset["class"]) - set(classes))
    if unknown:
        raise ValueError(f"{splits['train']}: column class holds {unknown}, not among the evaluated classes {classes}")
    for flag, paths in (("--out-confusion", out.confusion), ("--out-roc", out.roc)):
        missing = sorted(set(models) - set(paths))
        if missing:
            raise ValueError(f"{flag}: no figure path for model(s) {missing}")
    summary = summarise(loaded)
    for model in tqdm(models, desc="report: figures"):
        plot_confusion(normalised_confusion(loaded[model]), classes, model_name(model), out.confusion[model])
        plot_roc(loaded[model], classes, model_name(model), out.roc[model])
    plot_accuracy_vs_mass(loaded, np.linspace(mass_window[0], mass_window[1], MASS_BINS + 1), out.accuracy_vs_mass)
    plot_dataset_spectra(dataset, classes, mass_window, pt_window, out.spectra)
    plot_training_curves(loaded, out.curves)
    with atomic_path(out.summary) as tmp:
        summary.to_csv(tmp, index=False, float_format="%.4f")
    roc = roc_summary(loaded, classes)
    with atomic_path(out.roc_table) as tmp:
        roc.to_csv(tmp, index=False, float_format="%.4f")
    folder = Path(out.markdown).parent
    link = lambda path: os.path.relpath(path, folder)  # noqa: E731
    figures = {f"confusion_{m}": link(out.confusion[m]) for m in models}
    figures |= {f"roc_{m}": link(out.roc[m]) for m in models}
    figures |= {"accuracy_vs_mass": link(out.accuracy_vs_mass), "dataset_mass_pt": link(out.spectra),
                "training_curves": link(out.curves)}
    write_markdown(out.markdown, summary, loaded, dataset_sizes(dataset, dataset_summary, classes), dataset_summary,
                   figures, config, roc)
    log.info("report written to %s", out.markdown)
    return summary


def _per_run(paths: list[Path], flag: str, models: list[str], seeds: list[int]) -> list[Path]:
    if len(paths) != len(models) * len(seeds):
        raise ValueError(f"{flag}: {len(paths)} files for {len(models)} models x {len(seeds)} seeds")
    return paths


def _run(args: argparse.Namespace) -> None:
    try:
        config = json.loads(args.config_json)
    except json.JSONDecodeError as err:
        raise ValueError(f"--config-json: not valid JSON ({err})") from err
    pairs = [(m, s) for m in args.models for s in args.seeds]
    columns = [_per_run(getattr(args, name), f"--{name}", args.models, args.seeds)
               for name in ("metrics", "predictions", "histories")]
    for flag, paths in (("--out-confusion", args.out_confusion), ("--out-roc", args.out_roc)):
        if len(paths) != len(args.models):
            raise ValueError(f"{flag}: {len(paths)} files for {len(args.models)} models")
    build_report(
        runs={pair: RunFiles(*files) for pair, files in zip(pairs, zip(*columns))},
        splits={"train": args.train, "val": args.val, "test": args.test},
        dataset_summary_path=args.dataset_summary,
        models=args.models,
        seeds=args.seeds,
        mass_window=tuple(args.mass_window),
        pt_window=tuple(args.pt_window),
        config=config,
        out=ReportFiles(args.out_summary, args.out_markdown, dict(zip(args.models, args.out_confusion)),
                        args.out_accuracy_vs_mass, args.out_spectra, args.out_curves,
                        dict(zip(args.models, args.out_roc)), args.out_roc_table),
    )


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser("report", help="the talk's table and plots from every configured (model, seed)")
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--seeds", nargs="+", type=int, required=True, help="the configured seeds; all must be present")
    runs = "one per (model, seed), models outer, seeds inner"
    parser.add_argument("--metrics", type=Path, nargs="+", required=True, help=f"metrics.json files, {runs}")
    parser.add_argument("--predictions", type=Path, nargs="+", required=True, help=f"predictions.parquet, {runs}")
    parser.add_argument("--histories", type=Path, nargs="+", required=True, help=f"history.csv files, {runs}")
    for split in SPLITS:
        parser.add_argument(f"--{split}", type=Path, required=True, help=f"{split} split of the dataset (Parquet)")
    parser.add_argument("--dataset-summary", type=Path, required=True, help="summary.json of the dataset stage")
    parser.add_argument("--mass-window", nargs=2, type=float, required=True, metavar=("LO", "HI"))
    parser.add_argument("--pt-window", nargs=2, type=float, required=True, metavar=("LO", "HI"))
    parser.add_argument("--config-json", default="{}", help="the config shown in the report, as JSON")
    parser.add_argument("--out-summary", type=Path, required=True, help="summary.csv to write")
    parser.add_argument("--out-markdown", type=Path, required=True, help="report.md to write")
    parser.add_argument("--out-confusion", type=Path, nargs="+", required=True, help="confusion PNG per model, in order")
    parser.add_argument("--out-accuracy-vs-mass", type=Path, required=True, help="PNG to write")
    parser.add_argument("--out-spectra", type=Path, required=True, help="dataset mass and pT PNG to write")
    parser.add_argument("--out-curves", type=Path, required=True, help="training curves PNG to write")
    parser.add_argument("--out-roc", type=Path, nargs="+", required=True, help="ROC curves PNG per model, in order")
    parser.add_argument("--out-roc-table", type=Path, required=True, help="roc.csv to write (AUC, QCD rejection)")
    parser.set_defaults(func=_run)
