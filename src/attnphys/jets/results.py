"""Inputs of the jets report, read and checked: the evaluation and training history of every
configured (model, seed), the dataset splits and their summary; and the numbers derived from
them (accuracy over seeds, confusion matrices, accuracy in mass bins, dataset sizes).

Every file is named by the caller (the workflow's rule); a bad file names itself and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from attnphys.jets.paper import published_accuracy
from attnphys.parquet import read_columns

SUMMARY_COLUMNS = ["model", "n_params", "accuracy_mean", "accuracy_std", "n_seeds", "accuracy_paper"]
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class RunFiles:
    """The files of one (model, seed): evaluation metrics and predictions, training history."""

    metrics: Path
    predictions: Path
    history: Path


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


def load_run(model: str, seed: int, files: RunFiles) -> Run:
    """One (model, seed): metrics.json and predictions.parquet, and the training history."""
    metrics_path = Path(files.metrics)
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
    probabilities = [f"prob_{i}" for i in range(n_classes)]
    predictions = read_columns(Path(files.predictions), ["label", "pred", "jet_mass", *probabilities]).to_pandas()
    history_path = Path(files.history)
    if not history_path.exists():
        raise FileNotFoundError(f"{history_path}: file not found")
    history = pd.read_csv(history_path)
    _require(history, ["epoch", "train_loss", "train_acc", "val_loss", "val_acc"], history_path)
    return Run(model, seed, metrics, predictions, history)


def load_runs(files: dict[tuple[str, int], RunFiles], models: list[str], seeds: list[int]) -> dict[str, list[Run]]:
    """Load every configured (model, seed) from ``files``; refuse if any is missing."""
    missing = [
        f"{model} seed {seed} ({files[model, seed].metrics if (model, seed) in files else 'no files given'})"
        for model in models
        for seed in seeds
        if (model, seed) not in files or not Path(files[model, seed].metrics).exists()
    ]
    if missing:
        raise ValueError(
            f"report refused: jets.seeds is {list(seeds)} but the evaluation of "
            f"{len(missing)} configured run(s) is missing: {'; '.join(missing)}. "
            "A report is never averaged over fewer seeds than configured."
        )
    runs: dict[str, list[Run]] = {model: [] for model in models}
    for model, seed in tqdm([(m, s) for m in models for s in seeds], desc="report: load runs"):
        runs[model].append(load_run(model, seed, files[model, seed]))
    classes = {tuple(r.metrics["classes"]) for rs in runs.values() for r in rs}
    if len(classes) != 1:
        where = ", ".join(str(f.metrics) for f in files.values())
        raise ValueError(f"{where}: field classes differs between runs: {sorted(classes)}")
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
                "accuracy_paper": published_accuracy(model),
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def normalised_confusion(model_runs: list[Run]) -> np.ndarray:
    """Confusion matrix summed over seeds, each row (true class) divided by its total."""
    counts = np.sum([np.asarray(r.metrics["confusion"], dtype=float) for r in model_runs], axis=0)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def counts_in_mass_bins(predictions: pd.DataFrame, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correctly classified jets and all jets in each mass bin."""
    index = np.digitize(predictions["jet_mass"].to_numpy(), edges) - 1
    inside = (index >= 0) & (index < len(edges) - 1)
    correct = (predictions["label"].to_numpy() == predictions["pred"].to_numpy())[inside]
    n = np.bincount(index[inside], minlength=len(edges) - 1)
    hits = np.bincount(index[inside], weights=correct, minlength=len(edges) - 1).astype(np.int64)
    return hits, n


def accuracy_in_mass_bins(predictions: pd.DataFrame, edges: np.ndarray) -> np.ndarray:
    """Top-1 accuracy of the jets in each mass bin (NaN for an empty bin)."""
    hits, n = counts_in_mass_bins(predictions, edges)
    return np.divide(hits, n, out=np.full(len(n), np.nan), where=n > 0)


def probabilities(run: Run) -> np.ndarray:
    """The run's class probabilities, [jets, classes] in label order."""
    return run.predictions[[f"prob_{i}" for i in range(len(run.metrics["classes"]))]].to_numpy()


def per_class_counts(model_runs: list[Run]) -> tuple[np.ndarray, np.ndarray]:
    """Correct and all test jets per true class, summed over seeds (from the confusion matrices)."""
    counts = np.sum([np.asarray(r.metrics["confusion"], dtype=np.int64) for r in model_runs], axis=0)
    return np.diag(counts), counts.sum(axis=1)


ROC_COLUMNS = ["model", "class", "auc_mean", "auc_std", "n_seeds", "qcd_rejection_at_50", "qcd_rejection_at_80",
               "n_qcd"]


def roc_summary(runs: dict[str, list[Run]], classes: list[str]) -> pd.DataFrame:
    """Per model and class: one-vs-rest AUC (mean and spread over seeds) and, for the signal
    classes, QCD rejection 1/eps_B at 50 % and 80 % signal efficiency (mean over seeds)."""
    from attnphys.jets.roc import QCD, one_vs_rest, rejection

    background = classes.index(QCD) if QCD in classes else None
    rows = []
    for model, model_runs in runs.items():
        for k, cls in enumerate(classes):
            curves = [one_vs_rest(probabilities(r), r.predictions["label"].to_numpy(), k) for r in model_runs]
            aucs = np.array([c[2] for c in curves if c is not None])
            row = {"model": model, "class": cls, "auc_mean": float(aucs.mean()) if len(aucs) else float("nan"),
                   "auc_std": float(aucs.std(ddof=1)) if len(aucs) > 1 else 0.0, "n_seeds": len(aucs),
                   "qcd_rejection_at_50": float("nan"), "qcd_rejection_at_80": float("nan"), "n_qcd": 0}
            if background is not None and k != background:
                values = [rejection(probabilities(r), r.predictions["label"].to_numpy(), k, background)
                          for r in model_runs]
                row["qcd_rejection_at_50"] = float(np.mean([v[0.5] for v in values]))
                row["qcd_rejection_at_80"] = float(np.mean([v[0.8] for v in values]))
                row["n_qcd"] = int((model_runs[0].predictions["label"] == background).sum())
            rows.append(row)
    return pd.DataFrame(rows, columns=ROC_COLUMNS)


def load_dataset(splits: dict[str, Path]) -> pd.DataFrame:
    """The class, mass and pT of every dataset jet, with its split (``splits``: name -> Parquet)."""
    parts = []
    for split in SPLITS:
        part = read_columns(Path(splits[split]), ["label", "class", "jet_mass", "jet_pt"]).to_pandas()
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
