"""Report stage of the extreme-jet study: the talk's accuracy table and the plots behind it.

Reads the evaluation of every configured (model, seed), the training histories and the
flattened dataset, and writes into one directory:

- ``summary.csv``: one row per model with the contract columns ``model, n_params,
  accuracy_mean, accuracy_std, n_seeds, accuracy_paper`` (accuracies in percent; the
  spread is the sample standard deviation over seeds, 0 for a single seed);
- ``confusion_{model}.png``: confusion matrix summed over seeds, rows (true class)
  normalised to one;
- ``accuracy_vs_mass.png``: top-1 accuracy in bins of jet mass, mean and spread over seeds;
- ``dataset_mass_pt.png``: per-class jet mass and pT spectra of the dataset (flat after the
  accept-reject flattening of "Jets 2/4");
- ``training_curves.png``: loss and accuracy per epoch, train and validation;
- ``report.md``: the table beside the talk's figures, the figures, dataset sizes and the
  config used.

A report from fewer seeds than configured is refused, never averaged silently.
The talk's figures: Lu, Romero, Fenton, Whiteson, Baldi, arXiv:2202.00723.
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from tqdm import tqdm

from attnphys.files import atomic_path
from attnphys.parquet import read_columns

log = logging.getLogger(__name__)

SUMMARY_COLUMNS = ["model", "n_params", "accuracy_mean", "accuracy_std", "n_seeds", "accuracy_paper"]
SPLITS = ("train", "val", "test")
MASS_BINS = 8  # 50 GeV bins over the default 300-700 GeV window
SPECTRUM_BINS = 20


@dataclass(frozen=True)
class TalkRow:
    """One row of the talk's table: display name, parameters, top-1 accuracy +- spread (%)."""

    name: str
    n_params: int
    accuracy: float
    spread: float


TALK = {
    "hl_dnn": TalkRow("Mass + HL (tower) DNN", 3_270_119, 84.14, 0.45),
    "pfn": TalkRow("PFN (tower)", 1_205_895, 89.42, 0.49),
    "transformer": TalkRow("Transformer (tower)", 1_388_807, 91.25, 0.65),
}


@dataclass
class Run:
    """Evaluation and training history of one (model, seed)."""

    model: str
    seed: int
    metrics: dict
    predictions: pd.DataFrame
    history: pd.DataFrame


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from err


def _require(table: dict | pd.DataFrame, fields: list[str], where: Path | str) -> None:
    have = table.columns if isinstance(table, pd.DataFrame) else table
    missing = [f for f in fields if f not in have]
    if missing:
        raise ValueError(f"{where}: missing field(s) {missing}")


def load_run(eval_dir: Path, models_dir: Path, model: str, seed: int) -> Run:
    """One (model, seed): metrics.json and predictions.parquet, and the training history."""
    run_eval = eval_dir / model / f"seed{seed}"
    metrics_path = run_eval / "metrics.json"
    metrics = _read_json(metrics_path)
    _require(metrics, ["accuracy", "per_class_accuracy", "confusion", "classes", "n_params"], metrics_path)
    if not isinstance(metrics["per_class_accuracy"], dict):
        raise ValueError(f"{metrics_path}: field per_class_accuracy must map class names to fractions")
    accuracy = metrics["accuracy"]
    if not isinstance(accuracy, (int, float)) or not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"{metrics_path}: field accuracy must be a fraction in [0, 1], got {accuracy!r}")
    n_classes = len(metrics["classes"])
    if np.shape(metrics["confusion"]) != (n_classes, n_classes):
        raise ValueError(
            f"{metrics_path}: field confusion must be {n_classes}x{n_classes} (one row per class), "
            f"got shape {np.shape(metrics['confusion'])}"
        )
    predictions = read_columns(run_eval / "predictions.parquet", ["label", "pred", "jet_mass"]).to_pandas()
    history_path = models_dir / model / f"seed{seed}" / "history.csv"
    if not history_path.exists():
        raise FileNotFoundError(f"{history_path}: file not found")
    history = pd.read_csv(history_path)
    _require(history, ["epoch", "train_loss", "train_acc", "val_loss", "val_acc"], history_path)
    return Run(model, seed, metrics, predictions, history)


def load_runs(eval_dir: Path, models_dir: Path, models: list[str], seeds: list[int]) -> dict[str, list[Run]]:
    """Load every configured (model, seed); refuse if any is missing.

    Layout (the contract of the evaluation and training stages):
    ``{eval_dir}/{model}/seed{seed}/{metrics.json,predictions.parquet}`` and
    ``{models_dir}/{model}/seed{seed}/history.csv``.
    """
    eval_dir, models_dir = Path(eval_dir), Path(models_dir)
    missing = [
        f"{model} seed {seed} ({eval_dir / model / f'seed{seed}' / 'metrics.json'})"
        for model in models
        for seed in seeds
        if not (eval_dir / model / f"seed{seed}" / "metrics.json").exists()
    ]
    if missing:
        raise ValueError(
            f"report refused: jets.seeds is {list(seeds)} but the evaluation of "
            f"{len(missing)} configured run(s) is missing: {'; '.join(missing)}. "
            "A report is never averaged over fewer seeds than configured."
        )
    runs: dict[str, list[Run]] = {model: [] for model in models}
    for model, seed in tqdm([(m, s) for m in models for s in seeds], desc="report: load runs"):
        runs[model].append(load_run(eval_dir, models_dir, model, seed))
    classes = {tuple(r.metrics["classes"]) for rs in runs.values() for r in rs}
    if len(classes) != 1:
        raise ValueError(f"{eval_dir}: field classes differs between runs: {sorted(classes)}")
    return runs


def summarise(runs: dict[str, list[Run]]) -> pd.DataFrame:
    """One row per model: parameters, accuracy mean and spread over seeds (percent), talk's figure."""
    rows = []
    for model, model_runs in runs.items():
        n_params = {int(r.metrics["n_params"]) for r in model_runs}
        if len(n_params) != 1:
            raise ValueError(f"metrics.json of {model}: field n_params differs between seeds: {sorted(n_params)}")
        accuracy = 100.0 * np.array([r.metrics["accuracy"] for r in model_runs], dtype=float)
        rows.append(
            {
                "model": model,
                "n_params": n_params.pop(),
                "accuracy_mean": float(accuracy.mean()),
                "accuracy_std": float(accuracy.std(ddof=1)) if len(accuracy) > 1 else 0.0,
                "n_seeds": len(accuracy),
                "accuracy_paper": TALK[model].accuracy if model in TALK else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def normalised_confusion(model_runs: list[Run]) -> np.ndarray:
    """Confusion matrix summed over seeds, each row (true class) divided by its total."""
    counts = np.sum([np.asarray(r.metrics["confusion"], dtype=float) for r in model_runs], axis=0)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def accuracy_in_mass_bins(predictions: pd.DataFrame, edges: np.ndarray) -> np.ndarray:
    """Top-1 accuracy of the jets in each mass bin (NaN for an empty bin)."""
    index = np.digitize(predictions["jet_mass"].to_numpy(), edges) - 1
    inside = (index >= 0) & (index < len(edges) - 1)
    correct = (predictions["label"].to_numpy() == predictions["pred"].to_numpy())[inside]
    n = np.bincount(index[inside], minlength=len(edges) - 1)
    hits = np.bincount(index[inside], weights=correct, minlength=len(edges) - 1)
    return np.divide(hits, n, out=np.full(len(n), np.nan), where=n > 0)


def load_dataset(dataset_dir: Path) -> pd.DataFrame:
    """The class, mass and pT of every dataset jet, with its split."""
    parts = []
    for split in SPLITS:
        part = read_columns(Path(dataset_dir) / f"{split}.parquet", ["label", "class", "jet_mass", "jet_pt"]).to_pandas()
        parts.append(part.assign(split=split))
    return pd.concat(parts, ignore_index=True)


def read_dataset_summary(path: Path) -> dict:
    """The dataset stage's summary.json: selection and flattening counts per class."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found")
    summary = _read_json(path)
    _require(summary, ["target_per_class", "final_per_class", "shortfall_per_class", "classes"], path)
    for cls, counts in summary["classes"].items():
        _require(counts, ["before_flattening", "final"], f"{path} (classes.{cls})")
    return summary


def dataset_sizes(dataset: pd.DataFrame, summary: dict, classes: list[str]) -> pd.DataFrame:
    """Jets per class through selection and flattening (summary.json) and per split (Parquet)."""
    funnel = pd.DataFrame(summary["classes"]).T[["before_flattening", "final"]]
    funnel.columns = ["selected", "flat sample"]
    splits = pd.crosstab(dataset["class"], dataset["split"]).reindex(columns=list(SPLITS), fill_value=0)
    sizes = funnel.join(splits, how="outer").reindex(classes).fillna(0).astype(int)
    sizes.loc["all"] = sizes.sum(axis=0)
    return sizes


def _model_name(model: str) -> str:
    return TALK[model].name if model in TALK else model


def _save(fig: Figure, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")


def plot_confusion(matrix: np.ndarray, classes: list[str], title: str, path: Path) -> None:
    fig = Figure(figsize=(6.2, 5.4))
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="Blues", vmin=0.0, vmax=1.0)
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, classes)
    ax.set_yticks(ticks, classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8, color="white" if value > 0.5 else "black")
    fig.colorbar(image, ax=ax, label="fraction of true class")
    _save(fig, path)


def plot_accuracy_vs_mass(runs: dict[str, list[Run]], edges: np.ndarray, path: Path) -> None:
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot()
    centres = 0.5 * (edges[1:] + edges[:-1])
    for model, model_runs in runs.items():
        per_seed = 100.0 * np.array([accuracy_in_mass_bins(r.predictions, edges) for r in model_runs])
        spread = per_seed.std(axis=0, ddof=1) if len(per_seed) > 1 else None
        ax.errorbar(centres, per_seed.mean(axis=0), yerr=spread, xerr=0.5 * np.diff(edges), marker="o",
                    linestyle="none", capsize=2, label=_model_name(model))
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel("jet mass [GeV]")
    ax.set_ylabel("top-1 accuracy [%]")
    ax.set_title("Accuracy against jet mass (test split)")
    ax.grid(alpha=0.3)
    ax.legend()
    _save(fig, path)


def plot_dataset_spectra(dataset: pd.DataFrame, classes: list[str], mass_window, pt_window, path: Path) -> None:
    fig = Figure(figsize=(11, 4.4))
    axes = fig.subplots(1, 2)
    for ax, column, window, label in (
        (axes[0], "jet_mass", mass_window, "jet mass [GeV]"),
        (axes[1], "jet_pt", pt_window, "jet $p_T$ [GeV]"),
    ):
        edges = np.linspace(window[0], window[1], SPECTRUM_BINS + 1)
        for cls in classes:
            ax.hist(dataset.loc[dataset["class"] == cls, column], bins=edges, histtype="step", linewidth=1.4, label=cls)
        ax.set_xlabel(label)
        ax.set_ylabel(f"jets / {edges[1] - edges[0]:g} GeV")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].legend(title="class", ncol=2, fontsize=8)
    fig.suptitle("Dataset after flattening, all splits: per-class spectra")
    _save(fig, path)


def plot_training_curves(runs: dict[str, list[Run]], path: Path) -> None:
    fig = Figure(figsize=(11, 4.4))
    loss_ax, acc_ax = fig.subplots(1, 2)
    for index, (model, model_runs) in enumerate(runs.items()):
        colour = f"C{index % 10}"
        for n, run in enumerate(model_runs):
            h = run.history
            name = _model_name(model) if n == 0 else None
            style = {"color": colour, "marker": ".", "markersize": 5}
            loss_ax.plot(h["epoch"], h["train_loss"], linestyle="--", alpha=0.8, **style)
            loss_ax.plot(h["epoch"], h["val_loss"], label=name, **style)
            acc_ax.plot(h["epoch"], h["train_acc"], linestyle="--", alpha=0.8, **style)
            acc_ax.plot(h["epoch"], h["val_acc"], label=name, **style)
    loss_ax.set_ylabel("loss")
    acc_ax.set_ylabel("accuracy")
    last_epoch = max(r.history["epoch"].max() for rs in runs.values() for r in rs)
    for ax in (loss_ax, acc_ax):
        ax.set_xlim(0.5, last_epoch + 0.5)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.grid(alpha=0.3)
    loss_ax.legend(title="solid: validation, dashed: train", fontsize=8, title_fontsize=8)
    fig.suptitle("Training curves (every seed)")
    _save(fig, path)


def _markdown_table(header: list[str], rows: list[list], align: str) -> str:
    """A GitHub markdown table; ``align`` holds one of 'l'/'r' per column."""
    rule = ["---" if a == "l" else "---:" for a in align]
    lines = [header, rule, *[[str(cell) for cell in row] for row in rows]]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def _accuracy_cell(mean: float, std: float, n_seeds: int) -> str:
    if n_seeds > 1:
        return f"{mean:.2f} ± {std:.2f} %"
    return f"{mean:.2f} % (1 seed, no spread)"


def _per_class_cell(model_runs: list[Run], cls: str) -> str:
    """Mean per-class accuracy over seeds in percent; '-' where the class is absent from the test set."""
    values = [r.metrics["per_class_accuracy"].get(cls) for r in model_runs]
    values = [v for v in values if v is not None]
    return f"{100.0 * np.mean(values):.1f}" if values else "-"


def _ordering_sentence(summary: pd.DataFrame) -> str:
    acc = summary.set_index("model")["accuracy_mean"]
    order = ["transformer", "pfn", "hl_dnn"]
    if not set(order) <= set(acc.index):
        return "The talk's ordering needs all three models; this report has " + ", ".join(acc.index) + "."
    values = " > ".join(f"{_model_name(m)} {acc[m]:.2f} %" for m in order)
    if acc["transformer"] > acc["pfn"] > acc["hl_dnn"]:
        return f"The talk's ordering Transformer > PFN > Mass + HL DNN is reproduced: {values}."
    ranked = ", ".join(f"{_model_name(m)} {acc[m]:.2f} %" for m in acc.sort_values(ascending=False).index)
    return f"The talk's ordering Transformer > PFN > Mass + HL DNN is **not** reproduced at this size: {ranked}."


def write_markdown(
    path: Path,
    summary: pd.DataFrame,
    runs: dict[str, list[Run]],
    sizes: pd.DataFrame,
    dataset_summary: dict,
    figures: dict[str, str],
    config: dict,
) -> None:
    seeds = sorted({r.seed for rs in runs.values() for r in rs})
    classes = list(next(iter(runs.values()))[0].metrics["classes"])
    n_test = {int(r.metrics["n_test"]) for rs in runs.values() for r in rs if "n_test" in r.metrics}
    table = _markdown_table(
        ["Model", "Parameters", "Top-1 accuracy", "Seeds", "Talk: parameters", "Talk: top-1 accuracy"],
        [
            [
                _model_name(row.model),
                f"{row.n_params:,}",
                _accuracy_cell(row.accuracy_mean, row.accuracy_std, row.n_seeds),
                row.n_seeds,
                f"{TALK[row.model].n_params:,}" if row.model in TALK else "-",
                f"{TALK[row.model].accuracy:.2f} ± {TALK[row.model].spread:.2f} %" if row.model in TALK else "-",
            ]
            for row in summary.itertuples()
        ],
        "lrrrrr",
    )
    per_class = _markdown_table(
        ["Model", *classes, "Inference [jets/s]"],
        [
            [
                _model_name(model),
                *(_per_class_cell(rs, cls) for cls in classes),
                f"{np.mean([r.metrics['jets_per_second'] for r in rs]):,.0f}" if all("jets_per_second" in r.metrics for r in rs) else "-",
            ]
            for model, rs in runs.items()
        ],
        "l" + "r" * (len(classes) + 1),
    )
    funnel = (
        f"Target {dataset_summary['target_per_class']:,} jets per class; the flat sample holds "
        f"{dataset_summary['final_per_class']:,} per class"
        + (f", **{dataset_summary['shortfall_per_class']:,} short** of the target." if dataset_summary["shortfall_per_class"] else ".")
    )
    size_table = _markdown_table(
        ["Class", *sizes.columns], [[index, *row] for index, row in zip(sizes.index, sizes.to_numpy().tolist())], "l" + "r" * len(sizes.columns)
    )
    confusion = "\n\n".join(f"![{_model_name(m)}]({figures[f'confusion_{m}']})" for m in runs)
    text = f"""# Extreme-jet tagging: {len(classes)}-class prong tagging of boosted jets

Reproduction of the tower-based taggers of Lu, Romero, Fenton, Whiteson and Baldi
(arXiv:2202.00723), as shown in the talk. Every number is on the test split
({", ".join(str(n) for n in sorted(n_test)) or "?"} jets), averaged over seeds {seeds};
the spread is the standard deviation over seeds.

## Top-1 accuracy

{table}

{_ordering_sentence(summary)}

### Per-class accuracy [%] and inference throughput

{per_class}

## Confusion matrices (rows: true class, normalised; summed over seeds)

{confusion}

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
    eval_dir: Path,
    models_dir: Path,
    dataset_dir: Path,
    models: list[str],
    seeds: list[int],
    mass_window: tuple[float, float],
    pt_window: tuple[float, float],
    config: dict,
    out_dir: Path,
) -> pd.DataFrame:
    """Write summary.csv, the figures and report.md into ``out_dir``; return the summary."""
    out_dir = Path(out_dir)
    runs = load_runs(eval_dir, models_dir, models, seeds)
    classes = list(next(iter(runs.values()))[0].metrics["classes"])
    dataset = load_dataset(dataset_dir)
    dataset_summary = read_dataset_summary(Path(dataset_dir) / "summary.json")
    unknown = sorted(set(dataset["class"]) - set(classes))
    if unknown:
        raise ValueError(f"{dataset_dir}: column class holds {unknown}, not among the evaluated classes {classes}")
    summary = summarise(runs)
    figures = {f"confusion_{m}": f"confusion_{m}.png" for m in models}
    figures |= {k: f"{k}.png" for k in ("accuracy_vs_mass", "dataset_mass_pt", "training_curves")}
    for model in tqdm(models, desc="report: figures"):
        plot_confusion(normalised_confusion(runs[model]), classes, _model_name(model), out_dir / figures[f"confusion_{model}"])
    plot_accuracy_vs_mass(runs, np.linspace(mass_window[0], mass_window[1], MASS_BINS + 1), out_dir / figures["accuracy_vs_mass"])
    plot_dataset_spectra(dataset, classes, mass_window, pt_window, out_dir / figures["dataset_mass_pt"])
    plot_training_curves(runs, out_dir / figures["training_curves"])
    with atomic_path(out_dir / "summary.csv") as tmp:
        summary.to_csv(tmp, index=False, float_format="%.4f")
    write_markdown(out_dir / "report.md", summary, runs, dataset_sizes(dataset, dataset_summary, classes), dataset_summary, figures, config)
    log.info("report written to %s", out_dir)
    return summary


def _run(args: argparse.Namespace) -> None:
    try:
        config = json.loads(args.config_json)
    except json.JSONDecodeError as err:
        raise ValueError(f"--config-json: not valid JSON ({err})") from err
    build_report(
        eval_dir=args.eval_dir,
        models_dir=args.models_dir,
        dataset_dir=args.dataset_dir,
        models=args.models,
        seeds=args.seeds,
        mass_window=tuple(args.mass_window),
        pt_window=tuple(args.pt_window),
        config=config,
        out_dir=args.out_dir,
    )


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser("report", help="the talk's table and plots from every configured (model, seed)")
    parser.add_argument("--eval-dir", type=Path, required=True, help="{eval_dir}/{model}/seed{seed}/metrics.json, predictions.parquet")
    parser.add_argument("--models-dir", type=Path, required=True, help="{models_dir}/{model}/seed{seed}/history.csv")
    parser.add_argument("--dataset-dir", type=Path, required=True, help="holds train/val/test.parquet and summary.json")
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--seeds", nargs="+", type=int, required=True, help="the configured seeds; all must be present")
    parser.add_argument("--mass-window", nargs=2, type=float, required=True, metavar=("LO", "HI"))
    parser.add_argument("--pt-window", nargs=2, type=float, required=True, metavar=("LO", "HI"))
    parser.add_argument("--config-json", default="{}", help="the config shown in the report, as JSON")
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.set_defaults(func=_run)
