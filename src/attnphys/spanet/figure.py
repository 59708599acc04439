"""Figures of the SPA-NET report on bare matplotlib ``Figure`` objects: matching efficiency
against jet multiplicity with binomial intervals, and the training curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from attnphys.binomial import LEVEL, binomial_interval
from attnphys.files import atomic_path
from attnphys.spanet.metrics import BINS

# (summary column, label, trials per event of the column's denominator, denominator column)
EFFICIENCIES = (("event_eff", "event efficiency", 1, "n_events_2top"),
                ("top2_eff", "top efficiency, 2 matchable tops", 2, "n_events_2top"),
                ("top1_eff", "top efficiency, 1 matchable top", 1, "n_events_1top"))
NAMES = {"chi2": "chi2", "spanet": "SPA-NET"}


def _save(fig: Figure, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")


def efficiency_counts(table: pd.DataFrame, column: str, per_event: int, denominator: str):
    """(successes, trials) behind a percentage column of an evaluation summary, per jet bin."""
    trials = per_event * table[denominator].to_numpy().astype(np.int64)
    successes = np.rint(table[column].fillna(0).to_numpy() * trials / 100.0).astype(np.int64)
    return successes, trials


def plot_efficiency_by_jets(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """Each efficiency per jet bin for each method, with Clopper-Pearson intervals (tops of
    one event counted as independent trials for the top efficiency)."""
    fig = Figure(figsize=(13, 4.2))
    axes = fig.subplots(1, len(EFFICIENCIES), sharey=True)
    x = np.arange(len(BINS))
    for ax, (column, label, per_event, denominator) in zip(axes, EFFICIENCIES):
        for index, (method, table) in enumerate(tables.items()):
            k, n = efficiency_counts(table.loc[list(BINS)], column, per_event, denominator)
            value = 100.0 * np.divide(k, n, out=np.full(len(n), np.nan), where=n > 0)
            lo, hi = (100.0 * v for v in binomial_interval(k, n))
            ax.errorbar(x + 0.1 * (index - 0.5), value, yerr=[value - lo, hi - value], marker="o", linestyle="none",
                        capsize=3, label=NAMES.get(method, method))
        ax.set_xticks(x, ["6", "7", "≥ 8", "all"])
        ax.set_xlabel("jets in the event")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("efficiency [%]")
    axes[0].legend()
    fig.suptitle(f"Matching efficiency on the test split ({100 * LEVEL:.0f} % Clopper-Pearson intervals)")
    _save(fig, path)


def plot_training_curves(history: pd.DataFrame, path: Path) -> None:
    fig = Figure(figsize=(11, 4.2))
    loss_ax, acc_ax = fig.subplots(1, 2)
    for ax, key, label in ((loss_ax, "loss", "loss"), (acc_ax, "acc", "correct tops / matchable tops")):
        ax.plot(history["epoch"], history[f"train_{key}"], linestyle="--", marker=".", label="train")
        ax.plot(history["epoch"], history[f"val_{key}"], marker=".", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.grid(alpha=0.3)
    loss_ax.legend()
    fig.suptitle("SPA-NET training curves")
    _save(fig, path)
