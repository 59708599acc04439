"""Learning curves of the jet taggers: test accuracy against training jets per class.

Input: the ``metrics.json`` of every (model, frame, fraction, seed) run, from
``attnphys jets evaluate`` (networks) and ``attnphys jets trees`` (the tree reference).
Output:

- ``table.csv``: ``model, fraction, jets_per_class, seed, accuracy, frame`` (one row per run;
  ``frame`` names the tower preprocessing, e.g. ``standard`` or ``none+augment``);
- ``fits.csv``: per (model, frame) the saturating power law acc(n) = a - b (n / n_ref)^(-c)
  fitted to every run (scipy ``curve_fit``), its parameters and standard errors;
- ``learning_curve.png``: mean and spread (standard deviation) over seeds, and the fits;
- ``learning_curve.md``: where the talk's ordering Transformer > PFN > Mass + HL (Lu et al.,
  arXiv:2202.00723) holds at the measured sizes (paired by seed), and where the fits predict it.

Measured ordering: at each size, the difference of two models' accuracies paired by seed (same
dataset, split and subset), its mean and standard deviation over seeds, and in how many seeds the
better model of the talk wins. It *holds* when it wins in every seed, is *reversed* when it loses
in every seed, and is *within the seed spread* otherwise.

Where the ordering appears: the smallest n beyond which it holds at every n up to
``N_MAX`` jets per class. Its uncertainty comes from drawing the three models' parameters
from the fits' Gaussian covariances (``DRAWS`` draws, seeded): the median and the central
68 % of the draws in which it appears, and how often it holds everywhere or nowhere.
Power-law learning curves: Hestness et al., arXiv:1712.00409.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from attnphys.files import atomic_path
from attnphys.jets.frames import frame_name
from attnphys.jets.sources import HL_MODELS
from attnphys.seeding import generator
from attnphys.stage_options import add_seed_option

log = logging.getLogger(__name__)

TABLE_COLUMNS = ["model", "fraction", "jets_per_class", "seed", "accuracy", "frame"]
FIT_COLUMNS = ["model", "frame", "n_ref", "a", "a_err", "b", "b_err", "c", "c_err", "points", "status"]
TALK_ORDER = ("transformer", "pfn", "hl_dnn")
NAMES = {"hl_dnn": "Mass + HL DNN", "pfn": "PFN", "transformer": "Transformer",
         "part": "ParT-style Transformer", "trees": "Boosted trees (mass + HL)", "hl135": "Mass + 135 N-subjettiness DNN"}
N_MAX = 1e7
PAPER_JETS_PER_CLASS = 100_000
DRAWS = 4000
BOUNDS = ([0.0, 0.0, 0.01], [1.0, 1.0, 3.0])
MAX_ASYMPTOTE_ERROR = 0.05  # a fit whose asymptote is known to worse than 5 points is flagged
TALK_PAIRS = (("transformer", "pfn"), ("pfn", "hl_dnn"), ("pfn", "trees"), ("part", "transformer"))
FRAMELESS = (*HL_MODELS, "trees")  # trained on mass and tau_N: their runs carry tower frame none


def read_runs(paths: list[Path]) -> pd.DataFrame:
    """The table of runs from their metrics files; a missing field names the file."""
    rows = []
    for path in paths:
        path = Path(path)
        try:
            metrics = json.loads(path.read_text())
        except FileNotFoundError as err:
            raise FileNotFoundError(f"{path}: metrics file not found") from err
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not valid JSON ({err})") from err
        missing = [k for k in ("model", "seed", "train_fraction", "n_train_per_class", "accuracy") if k not in metrics]
        if missing:
            raise ValueError(f"{path}: metrics lack field(s) {missing}")
        accuracy = metrics["accuracy"]
        if not isinstance(accuracy, (int, float)) or not 0 <= accuracy <= 1:
            raise ValueError(f"{path}: field 'accuracy' must be in [0, 1], got {accuracy!r}")
        per_class = [n for n in metrics["n_train_per_class"] if n]
        rows.append({
            "model": metrics["model"], "fraction": float(metrics["train_fraction"]),
            "jets_per_class": int(round(float(np.mean(per_class)))) if per_class else 0,
            "seed": int(metrics["seed"]), "accuracy": float(accuracy),
            "frame": frame_name(metrics.get("preprocess", "none"), bool(metrics.get("augment", False))),
        })
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    return table.sort_values(["model", "frame", "fraction", "seed"], ignore_index=True)


def saturating_power_law(n: np.ndarray, a: float, b: float, c: float, n_ref: float = 1.0) -> np.ndarray:
    """acc(n) = a - b (n / n_ref)^(-c): a the accuracy at infinite n, b the shortfall at n_ref."""
    return a - b * np.power(np.asarray(n, dtype=np.float64) / n_ref, -c)


@dataclass
class Fit:
    model: str
    frame: str
    n_ref: float
    params: np.ndarray
    cov: np.ndarray
    points: int
    status: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def usable(self) -> bool:
        """Finite parameters and covariance: enough to draw from, if not to trust."""
        return bool(np.isfinite(self.params).all() and np.isfinite(self.cov).all())

    def __call__(self, n) -> np.ndarray:
        return saturating_power_law(n, *self.params, n_ref=self.n_ref)


def fit_curve(runs: pd.DataFrame, model: str, frame: str) -> Fit:
    """Least-squares fit of every run of one (model, frame); needs 3 distinct sizes and 4 runs."""
    from scipy.optimize import curve_fit

    n = runs["jets_per_class"].to_numpy(np.float64)
    acc = runs["accuracy"].to_numpy(np.float64)
    n_ref = float(n.max()) if len(n) else 1.0
    nan = np.full(3, np.nan)
    if len(np.unique(n)) < 3 or len(n) < 4:
        return Fit(model, frame, n_ref, nan, np.full((3, 3), np.nan), len(n), "too few sizes or runs")
    small, large = acc[n == n.min()].mean(), acc[n == n.max()].mean()
    start = [min(max(large + 0.02, 0.05), 0.99), max(large - small, 0.01) / 2, 0.5]
    try:
        params, cov = curve_fit(lambda x, a, b, c: saturating_power_law(x, a, b, c, n_ref), n, acc,
                                p0=start, bounds=BOUNDS, maxfev=20000)
    except (RuntimeError, ValueError) as err:
        return Fit(model, frame, n_ref, nan, np.full((3, 3), np.nan), len(n), f"fit failed ({err})")
    if not np.isfinite(cov).all():
        status = "covariance undetermined"
    elif np.sqrt(cov[0, 0]) > MAX_ASYMPTOTE_ERROR:
        status = "poorly constrained"
    else:
        status = "ok"
    return Fit(model, frame, n_ref, params, cov, len(n), status)


def _draws(fit: Fit, rng: np.random.Generator) -> np.ndarray:
    """Parameter draws (DRAWS, 3) from the fit's Gaussian, clipped to the fit bounds."""
    cov = (fit.cov + fit.cov.T) / 2
    draws = rng.multivariate_normal(fit.params, cov, size=DRAWS, method="eigh")
    return np.clip(draws, BOUNDS[0], BOUNDS[1])


def ordering_onset(curves: list[np.ndarray], grid: np.ndarray) -> np.ndarray:
    """Per row of the (draws, grid) accuracy arrays ``curves`` (best model first): index of
    the first grid point from which curves[0] > curves[1] > ... holds to the end of the
    grid; 0 when it holds everywhere, len(grid) when it fails at the end."""
    holds = np.ones_like(curves[0], dtype=bool)
    for better, worse in zip(curves[:-1], curves[1:]):
        holds &= better > worse
    fails_from_end = (~holds)[:, ::-1]
    last_fail = len(grid) - 1 - np.argmax(fails_from_end, axis=1)
    return np.where(fails_from_end.any(axis=1), last_fail + 1, 0)


@dataclass
class Onset:
    names: tuple[str, ...]
    best: float | None  # jets per class; None: never; 0: everywhere
    median: float  # quantiles over the draws; inf: never below N_MAX
    low: float
    high: float
    p_always: float
    p_never: float


def onset_of(fits: list[Fit], n_min: float, seed: int) -> Onset:
    """Where ``fits`` (best first) become ordered, from the best fit and from draws."""
    grid = np.geomspace(n_min, N_MAX, 2000)
    names = tuple(f.model for f in fits)
    best_index = int(ordering_onset([f(grid)[None, :] for f in fits], grid)[0])
    best = 0.0 if best_index == 0 else (None if best_index == len(grid) else float(grid[best_index]))
    rng = generator(seed, "jets", "learning-curve", "onset")
    curves = [saturating_power_law(grid[None, :], *_draws(f, rng).T[:, :, None], n_ref=f.n_ref) for f in fits]
    index = ordering_onset(curves, grid)
    p_always, p_never = float(np.mean(index == 0)), float(np.mean(index == len(grid)))
    onsets = np.append(grid, np.inf)[index]  # never: +inf; everywhere: the smallest size
    median, low, high = (float(v) for v in np.quantile(onsets, [0.5, 0.16, 0.84], method="inverted_cdf"))
    return Onset(names, best, median, low, high, p_always, p_never)


@dataclass(frozen=True)
class PairAtSize:
    """One measured comparison: ``better`` (in the talk) minus ``worse`` at one size."""

    better: str
    worse: str
    jets_per_class: int
    mean: float  # accuracy difference, mean over seeds
    std: float  # its standard deviation over seeds (0 with one seed)
    wins: int  # seeds in which ``better`` is ahead
    seeds: int

    @property
    def verdict(self) -> str:
        if self.wins == self.seeds:
            return "holds"
        if self.wins == 0 and self.mean < 0:
            return "reversed"
        return "within the seed spread"


def measured_pairs(runs: pd.DataFrame, main_frame: str) -> list[PairAtSize]:
    """The talk's pairs at every size where both models ran on the same subsets, paired by
    (fraction, training jets per class, seed)."""
    main = runs[(runs.frame == main_frame) | runs.model.isin(FRAMELESS)]
    key = ["fraction", "jets_per_class", "seed"]
    pairs = []
    for better, worse in TALK_PAIRS:
        a = main[main.model == better].set_index(key)
        b = main[main.model == worse].set_index(key)
        both = a.join(b, how="inner", lsuffix="_better", rsuffix="_worse")
        for (_, size), group in both.groupby(level=["fraction", "jets_per_class"]):
            diff = (group["accuracy_better"] - group["accuracy_worse"]).to_numpy()
            pairs.append(PairAtSize(better, worse, int(size), float(diff.mean()),
                                    float(diff.std(ddof=1)) if len(diff) > 1 else 0.0,
                                    int((diff > 0).sum()), len(diff)))
    return pairs


def pair_onsets(by_model: dict[str, Fit], n_min: float, seed: int) -> list[str]:
    """The fitted onset sentence of every talk pair whose two fits are usable."""
    return [onset_sentence(onset_of([by_model[m] for m in pair], n_min, seed), n_min) for pair in TALK_PAIRS
            if all(m in by_model and by_model[m].usable for m in pair)]


def _name(model: str, frame: str, main_frame: str) -> str:
    name = NAMES.get(model, model)
    return name if frame == main_frame or model in FRAMELESS else f"{name} ({frame})"


def onset_sentence(onset: Onset, n_min: float) -> str:
    ordering = " > ".join(NAMES.get(m, m) for m in onset.names)
    if onset.best == 0.0:
        head = f"{ordering} holds at every size from the smallest measured ({n_min:,.0f} jets per class)"
    elif onset.best is None:
        head = f"{ordering}: the best fits do not reach this ordering below {N_MAX:,.0f} jets per class"
    else:
        head = f"{ordering} appears from about **{onset.best:,.0f} jets per class** (best fit)"
    def size(n: float) -> str:
        return f"{n:,.0f}" if math.isfinite(n) else f"beyond {N_MAX:,.0f}"

    return (f"- {head}; over the parameter draws: median {size(onset.median)}, 68 % interval "
            f"[{size(onset.low)}, {size(onset.high)}] jets per class; it holds at every size in "
            f"{100 * onset.p_always:.0f} % of the draws and never below {N_MAX:,.0f} in {100 * onset.p_never:.0f} %.")


def write_markdown(path: Path, runs: pd.DataFrame, fits: list[Fit], main_frame: str, seed: int) -> None:
    sizes = sorted(runs["jets_per_class"].unique())
    seeds = sorted(runs["seed"].unique())
    lines = [
        "# Learning curves of the jet taggers",
        "",
        f"Test accuracy against training jets per class ({', '.join(f'{n:,}' for n in sizes)}; "
        f"seeds {', '.join(map(str, seeds))}), fitted per model with acc(n) = a - b (n / n_ref)^(-c), "
        f"n_ref the largest size. Tower frame of the main curves: `{main_frame}`.",
        "",
        "| model | frame | a (n -> inf) | b | c | accuracy at largest n | fit at 100k jets/class | fit |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for fit in fits:
        mine = runs[(runs.model == fit.model) & (runs.frame == fit.frame)]
        at_largest = mine[mine.jets_per_class == mine.jets_per_class.max()]["accuracy"].mean()
        err = np.sqrt(np.abs(np.diag(fit.cov))) if fit.usable else np.full(3, np.nan)
        cells = [f"{100 * v:.1f} ± {100 * e:.1f} %" if i < 2 else f"{v:.2f} ± {e:.2f}"
                 for i, (v, e) in enumerate(zip(fit.params, err))] if np.isfinite(fit.params).all() else ["-"] * 3
        paper = f"{100 * fit(PAPER_JETS_PER_CLASS):.1f} %" if np.isfinite(fit.params).all() else "-"
        lines.append(f"| {_name(fit.model, fit.frame, main_frame)} | {fit.frame} | {' | '.join(cells)} "
                     f"| {100 * at_largest:.1f} % | {paper} | {fit.status} |")
    pairs = measured_pairs(runs, main_frame)
    lines += ["", "## The talk's ordering, measured", ""]
    if pairs:
        lines += ["Accuracy difference (points), mean ± standard deviation over seeds, paired by seed:", "",
                  "| ordering | training jets per class | difference | seeds where it holds | verdict |",
                  "|---|---:|---:|---:|---|"]
        lines += [f"| {NAMES[p.better]} > {NAMES[p.worse]} | {p.jets_per_class:,} | {100 * p.mean:+.1f} ± "
                  f"{100 * p.std:.1f} | {p.wins} of {p.seeds} | {p.verdict} |" for p in pairs]
    else:
        lines.append("No size has two models of one of the talk's pairs.")
    lines += ["", "## Where the fits predict the talk's ordering", ""]
    by_model = {f.model: f for f in fits if f.frame == main_frame or f.model in FRAMELESS}
    if not set(TALK_ORDER) <= set(by_model):
        lines.append("The talk's whole ordering needs the Transformer, the PFN and the Mass + HL DNN on the curve; "
                     "this run has " + ", ".join(sorted(by_model)) + ".")
        onsets = pair_onsets(by_model, float(min(sizes)), seed)
        lines += [""] * bool(onsets) + onsets
    elif not all(by_model[m].usable for m in TALK_ORDER):
        bad = ", ".join(f"{m}: {by_model[m].status}" for m in TALK_ORDER if not by_model[m].usable)
        lines.append(f"The fits cannot place the ordering ({bad}); add sizes or seeds.")
    else:
        loose = [m for m in (*TALK_ORDER, "part") if m in by_model and by_model[m].usable and not by_model[m].ok]
        if loose:
            lines += [f"**Caution**: the fits of {', '.join(NAMES[m] for m in loose)} are poorly constrained "
                      f"(asymptote uncertain by more than {100 * MAX_ASYMPTOTE_ERROR:.0f} points); "
                      "the statements below are indicative only.", ""]
        n_min = float(min(sizes))
        pairs = [("transformer", "pfn"), ("pfn", "hl_dnn"), TALK_ORDER]
        if "part" in by_model and by_model["part"].usable:
            pairs.append(("part", "transformer"))
        for names in pairs:
            onset = onset_of([by_model[m] for m in names], n_min, seed)
            lines.append(onset_sentence(onset, n_min))
        lines += ["", "Ordering by the fitted asymptotes a: "
                  + " > ".join(f"{NAMES[m]} {100 * by_model[m].params[0]:.1f} %"
                               for m in sorted(TALK_ORDER, key=lambda m: -by_model[m].params[0])) + "."]
    lines += ["", "Uncertainties: parameters drawn from each fit's Gaussian covariance "
              f"({DRAWS} draws, seeded); the spread over seeds enters through the residuals. "
              "A power law fitted over one decade of sizes is an extrapolation, not a measurement.", ""]
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines))


def plot_curves(path: Path, runs: pd.DataFrame, fits: list[Fit], main_frame: str,
                pairs: list[PairAtSize]) -> None:
    """Mean and spread over seeds per size, the fits (dashed beyond the largest measured size) and
    a band at every size where one of the talk's ``pairs`` holds in every seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.8))
    n_lo, n_hi = runs.jets_per_class.min(), runs.jets_per_class.max()
    grid = np.geomspace(max(n_lo / 1.5, 1), max(n_hi * 30, PAPER_JETS_PER_CLASS), 200)
    for i, fit in enumerate(fits):
        mine = runs[(runs.model == fit.model) & (runs.frame == fit.frame)]
        stats = mine.groupby("jets_per_class")["accuracy"].agg(["mean", "std"]).fillna(0.0)
        color = f"C{i % 10}"
        label = _name(fit.model, fit.frame, main_frame)
        ax.errorbar(stats.index, 100 * stats["mean"], yerr=100 * stats["std"], fmt="o", color=color,
                    capsize=3, label=label)
        if np.isfinite(fit.params).all():
            measured = grid <= mine.jets_per_class.max()
            ax.plot(grid[measured], 100 * fit(grid[measured]), "-", color=color, lw=1)
            ax.plot(grid[~measured], 100 * fit(grid[~measured]), "--", color=color, lw=1)
    labelled = set()
    for pair in pairs:
        key = (pair.better, pair.worse)
        if pair.verdict != "holds":
            continue
        label = None if key in labelled else f"measured: {NAMES[pair.better]} > {NAMES[pair.worse]} in every seed"
        labelled.add(key)
        index = TALK_PAIRS.index(key)
        band = 1.04 + 0.03 * index  # nested bands when several pairs hold at one size
        ax.axvspan(pair.jets_per_class / band, pair.jets_per_class * band, color=f"C{6 + index}", alpha=0.15,
                   lw=0, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("training jets per class")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("Learning curves: mean ± std over seeds; fits a - b n^-c (dashed: extrapolated)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3, which="both")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, bbox_inches="tight", format="png")
    plt.close(fig)


@dataclass(frozen=True)
class CurveFiles:
    """The four outputs of the learning curve."""

    table: Path
    fits: Path
    figure: Path
    markdown: Path

    @staticmethod
    def in_folder(folder: str | Path) -> CurveFiles:
        folder = Path(folder)
        return CurveFiles(folder / "table.csv", folder / "fits.csv", folder / "learning_curve.png",
                          folder / "learning_curve.md")


def build_learning_curve(metrics: list[Path], out: CurveFiles, main_frame: str, seed: int,
                         expected_runs: int | None = None) -> pd.DataFrame:
    """Table, fits, figure and markdown of the learning curve into the files of ``out``."""
    runs = read_runs(metrics)
    if expected_runs is not None and len(runs) != expected_runs:
        raise ValueError(f"learning curve: {len(runs)} metrics files, expected {expected_runs}")
    duplicated = runs.duplicated(["model", "frame", "fraction", "seed"])
    if duplicated.any():
        raise ValueError(f"learning curve: duplicate runs {runs[duplicated].to_dict('records')}")
    fits = [fit_curve(group, model, frame) for (model, frame), group in runs.groupby(["model", "frame"], sort=False)]
    fit_rows = []
    for fit in fits:
        err = np.sqrt(np.abs(np.diag(fit.cov))) if fit.usable else np.full(3, np.nan)
        fit_rows.append([fit.model, fit.frame, fit.n_ref, fit.params[0], err[0], fit.params[1], err[1],
                         fit.params[2], err[2], fit.points, fit.status])
    with atomic_path(out.table) as tmp:
        runs.to_csv(tmp, index=False)
    with atomic_path(out.fits) as tmp:
        pd.DataFrame(fit_rows, columns=FIT_COLUMNS).to_csv(tmp, index=False)
    plot_curves(out.figure, runs, fits, main_frame, measured_pairs(runs, main_frame))
    write_markdown(out.markdown, runs, fits, main_frame, seed)
    for fit in fits:
        log.info("%s (%s): a %.4f b %.4f c %.3f [%s]", fit.model, fit.frame, *fit.params, fit.status)
    return runs


def _run(args: argparse.Namespace) -> int:
    out = CurveFiles(args.out_table, args.out_fits, args.out_figure, args.out_markdown)
    build_learning_curve(args.metrics, out, args.frame, args.seed, args.expected_runs)
    return 0


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("learning-curve", help="table, power-law fits and figure of the learning curves")
    p.add_argument("metrics", type=Path, nargs="+", help="metrics.json of every run (networks and trees)")
    p.add_argument("--out-table", type=Path, required=True, help="table.csv to write (one row per run)")
    p.add_argument("--out-fits", type=Path, required=True, help="fits.csv to write (power law per curve)")
    p.add_argument("--out-figure", type=Path, required=True, help="learning_curve.png to write")
    p.add_argument("--out-markdown", type=Path, required=True, help="learning_curve.md to write (the ordering)")
    p.add_argument("--frame", default="none", help="tower frame of the main curves (jets.train preprocess[+augment])")
    add_seed_option(p)
    p.add_argument("--expected-runs", type=int, default=None, help="refuse a table with another number of runs")
    p.set_defaults(func=_run)
