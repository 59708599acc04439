"""Fit learning curves measured on several datasets together and say where PFN passes the HL models.

    python benchmarks/combine_curves.py TABLE.csv [TABLE.csv ...] [--frame standard]

Each TABLE is the ``table.csv`` of one ``attnphys jets learning-curve`` build (for example the
GPU curves of an 800-jets-per-class dataset and the CPU curves of a 3000-jets-per-class one).
``jets learning-curve`` itself refuses two runs with the same (model, frame, fraction, seed),
as from one dataset they would be the same run; from different datasets they are independent
points of one curve. Prints per model the saturating power-law fit (``fit_curve``) over all the
tables' runs, its value at 10^4 and 10^5 jets per class, and for PFN against the Mass + HL DNN
and the boosted trees the onset of the ordering from the best fit and over the fit's parameter
draws (``onset_of``, seeded from ``--seed``).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from attnphys.jets.study.learning_curve import fit_curve, onset_of, onset_sentence

HL_MODELS = ("hl_dnn", "trees")  # trained on mass and tau_N: no tower frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", nargs="+")
    parser.add_argument("--frame", default="standard", help="tower frame of the PFN runs")
    parser.add_argument("--seed", type=int, default=20220201)
    args = parser.parse_args()
    runs = pd.concat([pd.read_csv(path) for path in args.tables], ignore_index=True)
    fits = {}
    for model in ("pfn", *HL_MODELS):
        frame = "none" if model in HL_MODELS else args.frame
        rows = runs[(runs["model"] == model) & (runs["frame"] == frame)]
        fit = fits[model] = fit_curve(rows, model, frame)
        error = np.sqrt(np.diag(fit.cov))
        sizes = sorted(int(n) for n in rows["jets_per_class"].unique())
        print(f"{model} ({frame}): {len(rows)} runs at {sizes} jets per class; "
              f"a = {100 * fit.params[0]:.1f} +- {100 * error[0]:.1f} %, b = {100 * fit.params[1]:.1f} %, "
              f"c = {fit.params[2]:.2f} [{fit.status}]; fit at 1e4: {100 * fit(1e4):.1f} %, 1e5: {100 * fit(1e5):.1f} %")
    n_min = float(runs["jets_per_class"].min())
    for other in HL_MODELS:
        print(onset_sentence(onset_of([fits["pfn"], fits[other]], n_min, args.seed), n_min))


if __name__ == "__main__":
    main()
