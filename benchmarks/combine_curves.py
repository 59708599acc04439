"""Fit learning curves measured on several datasets together and say where PFN passes the HL models.

    python benchmarks/combine_curves.py TABLE.csv [TABLE.csv ...] [--frame standard]
        [--out-figure curves.png --paired TABLE.csv ...]

Each TABLE is the ``table.csv`` of one ``attnphys jets learning-curve`` build (for example the
GPU curves of an 800-jets-per-class dataset and the CPU curves of a 3000-jets-per-class one).
``jets learning-curve`` itself refuses two runs with the same (model, frame, fraction, seed),
as from one dataset they would be the same run; from different datasets they are independent
points of one curve. Prints per model the saturating power-law fit (``fit_curve``) over all the
tables' runs, its value at 10^4 and 10^5 jets per class, and for each of the talk's pairs whose
two models are on the curves (Transformer > PFN, PFN > Mass + HL DNN, PFN > trees, ParT-style >
Transformer) the onset of the ordering from the best fits and over the fits' parameter draws
(``onset_of``, seeded from ``--seed``). ``--out-figure`` draws every run and fit in one figure,
with bands where a pair holds in every seed of the ``--paired`` tables (those whose runs are
real seeds of one dataset, paired by seed: not the rebuilt tables of benchmarks/curves).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from attnphys.jets.study.learning_curve import FRAMELESS, fit_curve, measured_pairs, pair_onsets, plot_curves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="+")
    parser.add_argument("--frame", default="standard", help="tower frame of the PFN runs")
    parser.add_argument("--seed", type=int, default=20220201)
    parser.add_argument("--out-figure", type=Path, help="learning_curve.png of every table's runs and the fits")
    parser.add_argument("--paired", nargs="*", default=[], help="tables whose seeds pair runs (bands in the figure)")
    args = parser.parse_args()
    runs = pd.concat([pd.read_csv(path) for path in args.tables], ignore_index=True)
    fits = {}
    for model in runs["model"].unique():
        frame = "none" if model in FRAMELESS else args.frame
        rows = runs[(runs["model"] == model) & (runs["frame"] == frame)]
        if rows.empty:
            continue
        fit = fits[model] = fit_curve(rows, model, frame)
        error = np.sqrt(np.diag(fit.cov))
        sizes = sorted(int(n) for n in rows["jets_per_class"].unique())
        print(f"{model} ({frame}): {len(rows)} runs at {sizes} jets per class; "
              f"a = {100 * fit.params[0]:.1f} +- {100 * error[0]:.1f} %, b = {100 * fit.params[1]:.1f} %, "
              f"c = {fit.params[2]:.2f} [{fit.status}]; fit at 1e4: {100 * fit(1e4):.1f} %, 1e5: {100 * fit(1e5):.1f} %")
    n_min = float(runs["jets_per_class"].min())
    for sentence in pair_onsets(fits, n_min, args.seed):
        print(sentence)
    if args.out_figure:
        pairs = [p for path in args.paired for p in measured_pairs(pd.read_csv(path), args.frame)]
        plot_curves(args.out_figure, runs, list(fits.values()), args.frame, pairs)

if __name__ == "__main__":
    main()
