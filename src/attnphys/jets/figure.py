"""Figures of the jets report, drawn on bare matplotlib ``Figure`` objects (Agg canvas):
confusion matrices, accuracy against jet mass, the dataset's spectra, training curves and
ROC curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from attnphys.files import atomic_path
from attnphys.jets.paper import model_name
from attnphys.jets.results import Run, counts_in_mass_bins, probabilities
from attnphys.binomial import LEVEL, binomial_interval
from attnphys.jets.roc import QCD, one_vs_rest

MASS_BINS = 8  # 50 GeV bins over the default 300-700 GeV window
SPECTRUM_BINS = 20


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
    for index, (model, model_runs) in enumerate(runs.items()):
        hits, n = np.sum([counts_in_mass_bins(r.predictions, edges) for r in model_runs], axis=0)
        accuracy = 100.0 * np.divide(hits, n, out=np.full(len(n), np.nan), where=n > 0)
        lo, hi = (100.0 * v for v in binomial_interval(hits, n))
        shift = (index - (len(runs) - 1) / 2) * 0.08 * np.diff(edges)  # side by side within a bin
        ax.errorbar(centres + shift, accuracy, yerr=[accuracy - lo, hi - accuracy], marker="o", linestyle="none",
                    capsize=2, label=model_name(model))
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel("jet mass [GeV]")
    ax.set_ylabel("top-1 accuracy [%]")
    ax.set_title(f"Accuracy against jet mass (test split, seeds pooled; {100 * LEVEL:.0f} % Clopper-Pearson)")
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
            name = model_name(model) if n == 0 else None
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


def plot_roc(model_runs: list[Run], classes: list[str], title: str, path: Path) -> None:
    """Left: one-vs-rest ROC curve of every class (AUC in the legend). Right: QCD rejection
    1/eps_B against signal efficiency for every signal class, D = p_s / (p_s + p_QCD).
    Curves of the first seed; the table gives the mean over seeds."""
    from sklearn.metrics import roc_curve

    run = model_runs[0]
    prob, label = probabilities(run), run.predictions["label"].to_numpy()
    fig = Figure(figsize=(11, 4.6))
    roc_ax, rej_ax = fig.subplots(1, 2)
    for k, cls in enumerate(classes):
        curve = one_vs_rest(prob, label, k)
        if curve is not None:
            roc_ax.plot(curve[0], curve[1], color=f"C{k % 10}", label=f"{cls} vs rest (AUC {curve[2]:.3f})")
    roc_ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    roc_ax.set_xlabel("false positive rate (other classes)")
    roc_ax.set_ylabel("true positive rate (class)")
    roc_ax.set_xlim(0, 1)
    roc_ax.set_ylim(0, 1.01)
    roc_ax.legend(fontsize=7)
    roc_ax.grid(alpha=0.3)
    if QCD in classes:
        b = classes.index(QCD)
        for k, cls in enumerate(classes):
            keep = (label == k) | (label == b)
            if k == b or not (label[keep] == k).any() or not (label[keep] == b).any():
                continue
            p_s, p_b = prob[keep, k].astype(float), prob[keep, b].astype(float)
            fpr, tpr, _ = roc_curve(label[keep] == k, p_s / np.maximum(p_s + p_b, 1e-300))
            passed = fpr > 0
            rej_ax.plot(tpr[passed], 1.0 / fpr[passed], color=f"C{k % 10}", label=f"class {cls}")
        rej_ax.set_yscale("log")
        rej_ax.legend(fontsize=7)
    for eff in (0.5, 0.8):
        rej_ax.axvline(eff, color="grey", linestyle=":", linewidth=1)
    rej_ax.set_xlabel("signal efficiency $\\varepsilon_S$")
    rej_ax.set_ylabel("QCD rejection $1/\\varepsilon_B$")
    rej_ax.set_xlim(0, 1)
    rej_ax.grid(alpha=0.3, which="both")
    fig.suptitle(f"{title}: ROC curves (test split, seed {run.seed})")
    _save(fig, path)
