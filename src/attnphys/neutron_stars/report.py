"""Accuracy table and figures comparing the set network with the classical fit.

Both methods are scored on the same subset (the first ``n_fit`` test samples), next to a
reference that always predicts the training-set mean ("prior_mean"), which shows how much
the stars teach. Relative errors:

* coefficients: |predicted - true| / (width of the prior box), since gamma1 crosses zero;
* derived M_max and R(1.4): |predicted - true| / true, from the TOV curve of the predicted
  coefficients (samples whose predicted EOS has no such star are left out and counted).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from attnphys.files import atomic_path  # noqa: E402
from attnphys.markdown import markdown_table  # noqa: E402
from attnphys.neutron_stars.dataset import (  # noqa: E402
    Prior,
    add_prior_options,
    coefficient_names,
    coefficients,
    derived_observables,
    evaluation_subset,
    prior_from_args,
    read_dataset,
    stars,
)
from attnphys.stage_options import add_output  # noqa: E402

SUMMARY_COLUMNS = ("method", "n_stars", "coefficient", "rel_error_mean", "rel_error_std", "ms_per_sample")
DERIVED = ("m_max", "r_1p4")
METHODS = ("network", "classical", "prior_mean")
MASS_GRID = np.linspace(1.0, 2.4, 29)


def read_predictions(paths: list[Path], names: tuple[str, ...]) -> pd.DataFrame:
    frames = []
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"{path}: predictions not found")
        frame = pd.read_parquet(path)
        for column in ("sample", "method", "n_stars", "seconds", *names):
            if column not in frame.columns:
                raise ValueError(f"{path}: missing column {column!r}")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def scored(dataset: pd.DataFrame, predictions: pd.DataFrame, n_fit: int, prior: Prior) -> pd.DataFrame:
    """One row per (method, n_stars, sample) of the subset: predictions, truths, curves."""
    names = coefficient_names(dataset)
    subset = evaluation_subset(dataset, n_fit)
    train = dataset[dataset["split"] == "train"]
    mean = coefficients(train).mean(axis=0)
    rows = []
    for n_stars in sorted(predictions["n_stars"].unique()):
        reference = pd.DataFrame({"sample": subset["sample"], "method": "prior_mean", "n_stars": n_stars,
                                  "seconds": 0.0, **{name: mean[i] for i, name in enumerate(names)}})
        rows.append(reference)
    table = pd.concat([predictions, *rows], ignore_index=True)
    table = table[table["sample"].isin(subset["sample"])]
    truth = subset.set_index("sample")
    out = []
    for record in table.to_dict("records"):
        m_max, r_1p4, curve = derived_observables(np.array([record[name] for name in names]))
        true = truth.loc[record["sample"]]
        record.update({"m_max": m_max, "r_1p4": r_1p4, "curve": curve})
        for i, name in enumerate(names):
            record[f"err_{name}"] = abs(record[name] - true[name]) / prior.width[i]
            record[f"true_{name}"] = true[name]
        for name in DERIVED:
            record[f"err_{name}"] = abs(record[name] - true[name]) / true[name]
            record[f"true_{name}"] = true[name]
        out.append(record)
    return pd.DataFrame(out)


def summary_table(scores: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    rows = []
    for (method, n_stars), group in scores.groupby(["method", "n_stars"]):
        for quantity in (*names, *DERIVED):
            errors = group[f"err_{quantity}"].dropna()
            rows.append({"method": method, "n_stars": int(n_stars), "coefficient": quantity,
                         "rel_error_mean": errors.mean(), "rel_error_std": errors.std(ddof=0),
                         "ms_per_sample": 1e3 * group["seconds"].mean()})
    order = {m: i for i, m in enumerate(METHODS)}
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    return table.sort_values(["n_stars", "method"], key=lambda c: c.map(order) if c.name == "method" else c)


def scatter_figure(scores: pd.DataFrame, names: tuple[str, ...], n_stars: int, path: Path) -> None:
    """Predicted against true coefficients and derived quantities."""
    quantities = (*names, *DERIVED)
    fig, axes = plt.subplots(1, len(quantities), figsize=(3.3 * len(quantities), 3.2))
    group = scores[scores["n_stars"] == n_stars]
    for ax, quantity in zip(axes, quantities):
        for method, marker in (("network", "o"), ("classical", "s")):
            rows = group[group["method"] == method]
            ax.scatter(rows[f"true_{quantity}"], rows[quantity], s=12, marker=marker, alpha=0.7, label=method)
        truth = group[f"true_{quantity}"]
        lims = [truth.min(), truth.max()]
        ax.plot(lims, lims, "k--", lw=0.8)
        ax.set_xlabel(f"true {quantity}")
        ax.set_ylabel(f"predicted {quantity}")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{n_stars} star(s)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def _radius_on_grid(curve) -> np.ndarray:
    return np.full(MASS_GRID.shape, np.nan) if curve is None else curve.radius_at(MASS_GRID)


def band_figure(scores: pd.DataFrame, dataset: pd.DataFrame, n_stars: int, path: Path, n_examples: int = 3) -> None:
    """Left: residual band R_pred(M) - R_true(M) (16-84 %) per method. Right: examples."""
    truth = dataset.set_index("sample")
    group = scores[scores["n_stars"] == n_stars]
    fig, (ax_band, *ax_ex) = plt.subplots(1, 1 + n_examples, figsize=(4.0 * (1 + n_examples), 3.6))
    for method, color in (("network", "C0"), ("classical", "C1"), ("prior_mean", "C7")):
        rows = group[group["method"] == method]
        if rows.empty:
            continue
        residual = []
        for record in rows.to_dict("records"):
            true = truth.loc[record["sample"]]
            r_true = np.interp(MASS_GRID, true["curve_mass"], true["curve_radius"], left=np.nan, right=np.nan)
            residual.append(_radius_on_grid(record["curve"]) - r_true)
        residual = np.array(residual)
        enough = np.sum(np.isfinite(residual), axis=0) >= 3
        lo, mid, hi = (np.full(MASS_GRID.shape, np.nan) for _ in range(3))
        if enough.any():
            lo[enough], mid[enough], hi[enough] = np.nanpercentile(residual[:, enough], [16, 50, 84], axis=0)
        ax_band.fill_between(MASS_GRID, lo, hi, color=color, alpha=0.25)
        ax_band.plot(MASS_GRID, mid, color=color, label=method)
    ax_band.axhline(0, color="k", lw=0.6)
    ax_band.set_xlabel("M [Msun]")
    ax_band.set_ylabel("R_pred - R_true [km] (median, 16-84 %)")
    ax_band.legend(fontsize=7)
    samples = group["sample"].drop_duplicates().to_numpy()[:n_examples]
    observed = stars(truth.loc[samples].reset_index(), n_stars)
    for ax, sample, obs in zip(ax_ex, samples, observed):
        true = truth.loc[sample]
        ax.plot(true["curve_radius"], true["curve_mass"], "k-", label="true")
        for method, color in (("network", "C0"), ("classical", "C1")):
            record = group[(group["method"] == method) & (group["sample"] == sample)]
            if not record.empty and record["curve"].iloc[0] is not None:
                curve = record["curve"].iloc[0]
                ax.plot(curve.radius[curve.stable], curve.mass[curve.stable], color=color, label=method)
        noise = np.abs(obs - np.stack([np.asarray(true["mass"])[:n_stars], np.asarray(true["radius"])[:n_stars]], -1))
        ax.errorbar(obs[:, 1], obs[:, 0], xerr=noise[:, 1], yerr=noise[:, 0], fmt="o", color="C3", ms=4,
                    label="observed")
        ax.set_xlim(8, 16)
        ax.set_xlabel("R [km]")
        ax.set_ylabel("M [Msun]")
        ax.set_title(f"test sample {sample}", fontsize=9)
    ax_ex[0].legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def _markdown(table: pd.DataFrame) -> str:
    rows = [[f"{v:.4g}" if isinstance(v, float) else v for v in row] for row in table.itertuples(index=False)]
    return markdown_table(list(table.columns), rows)


def write_report(
    dataset_path: Path, prediction_paths: list[Path], n_fit: int, n_stars: int, prior: Prior, summary_path: Path,
    report_path: Path,
) -> pd.DataFrame:
    """The summary CSV, the markdown report and its figures (``scatter_stars{n}.png``,
    ``mr_bands.png``, beside the report, which links them)."""
    figures = Path(report_path).parent
    dataset = read_dataset(dataset_path)
    names = coefficient_names(dataset)
    predictions = read_predictions(prediction_paths, names)
    scores = scored(dataset, predictions, n_fit, prior)
    table = summary_table(scores, names)
    with atomic_path(summary_path) as tmp:
        table.to_csv(tmp, index=False)
    counts = sorted(int(n) for n in scores["n_stars"].unique())
    for n in counts:
        scatter_figure(scores, names, n, figures / f"scatter_stars{n}.png")
    main = n_stars if n_stars in counts else counts[-1]
    band_figure(scores, dataset, main, figures / "mr_bands.png")
    undefined = scores.groupby(["method", "n_stars"])["m_max"].apply(lambda s: int(s.isna().sum()))
    n_test = int((dataset["split"] == "test").sum())
    network_full = predictions[predictions["method"] == "network"]
    lines = [
        "# Neutron-star equation of state from a few stars' masses and radii",
        "",
        f"Lindblom spectral EOS with {len(names)} coefficients ({', '.join(names)}) on the SLy crust; "
        f"{len(dataset)} simulated EOS ({n_test} test), stars with M uniform in [1 Msun, M_max] and "
        "Gaussian relative noise on M and R.",
        f"Methods are compared on the same {int(scores['sample'].nunique())} test samples (the first "
        f"`n_fit` = {n_fit}); the network's predictions cover all {network_full['sample'].nunique()} test samples.",
        "",
        "Relative error: coefficients |pred - true| / prior width "
        f"({', '.join(f'{n}: {w:.3g}' for n, w in zip(names, prior.width))}); "
        "M_max and R(1.4): |pred - true| / true. `prior_mean` always predicts the training mean. "
        "`ms_per_sample`: network = batched CPU inference; classical = least-squares fit through the TOV solver.",
        "",
        _markdown(table),
        "",
        "Samples whose predicted EOS has no maximum mass (left out of the M_max and R(1.4) rows): "
        + ", ".join(f"{m} ({n} stars): {k}" for (m, n), k in undefined.items()),
        "",
        "## Predicted against true",
        "",
        *[f"![{n} star(s)](scatter_stars{n}.png)\n" for n in counts],
        "## M-R bands",
        "",
        f"{main} stars: band of R_pred(M) - R_true(M) over the subset, and example test samples "
        "(true curve; observed stars, bars = their offset from the true star; the curves of both methods' coefficients).",
        "",
        "![M-R bands](mr_bands.png)",
        "",
    ]
    with atomic_path(report_path) as tmp:
        tmp.write_text("\n".join(lines))
    return table


def _run(args: argparse.Namespace) -> None:
    write_report(args.dataset, args.predictions, args.n_fit, args.n_stars, prior_from_args(args), args.out_summary,
                 args.out_report)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("report", help="summary.csv, report.md, scatter plots and M-R bands")
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--predictions", type=Path, nargs="+", required=True, help="prediction Parquet files of all methods")
    p.add_argument("--n-fit", type=int, required=True, help="size of the common evaluation subset")
    p.add_argument("--n-stars", type=int, required=True, help="star count of the M-R band figure")
    add_prior_options(p)
    add_output(p, "summary", "summary CSV to write")
    add_output(p, "report", "report markdown to write (its figures go beside it)")
    p.set_defaults(func=_run)
