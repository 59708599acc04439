"""Stage ``jets diagnosis``: the table that explains why our classes separated less than the paper's.

Reads the Parquet files of ``attnphys jets study`` and, for each configuration of
``DIAGNOSIS`` (one thing switched at a time against the pipeline before the study: leading
jet only, calorimeter towers, exclusive-kT axes, beta 1 and 2, the old class definitions),
trains a fixed-capacity reference classifier: scikit-learn's HistGradientBoostingClassifier
(200 iterations at most, learning rate 0.1, 31 leaves, early stopping), k-fold stratified
cross validation (``--folds``, default 3), at a fixed number of jets per class, on the jet mass + 16 tau_N^(beta)
(as logarithms, so that tau_N / tau_N-1 ratios are differences a tree can cut on). Each
class is weighted flat in (mass, pT) with equal total weight, as the dataset stage's
flattening makes it, so the jet mass alone cannot tell classes apart by their spectra.
Output: a CSV with balanced accuracy (mean and spread over folds), per-class accuracy and
the three largest confusions per configuration, and its markdown twin for docs/jets_study.md.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from attnphys.files import atomic_path, existing
from attnphys.jets.prong_classes import CLASS_NAMES
from attnphys.jets.study.physics_study import BASES
from attnphys.stage_options import add_output, add_seed_option

log = logging.getLogger(__name__)


def flat_weights(frame: pd.DataFrame, bins=(8, 4), pt_window=(1000.0, 1200.0),
                 mass_window=(300.0, 700.0)) -> np.ndarray:
    """Per-jet weights making every class flat in (mass, pT) with equal total weight."""
    mass_bin = np.clip(((frame["mass"] - mass_window[0]) / (mass_window[1] - mass_window[0])
                        * bins[0]).astype(int), 0, bins[0] - 1)
    pt_bin = np.clip(((frame["pt"] - pt_window[0]) / (pt_window[1] - pt_window[0])
                      * bins[1]).astype(int), 0, bins[1] - 1)
    cell = frame["cls"].astype(str) + ":" + mass_bin.astype(str) + ":" + pt_bin.astype(str)
    counts = cell.map(cell.value_counts())
    weight = 1.0 / counts.to_numpy(dtype=float)
    per_class = pd.Series(weight).groupby(frame["cls"].to_numpy()).transform("sum").to_numpy()
    return weight / per_class * len(frame) / frame["cls"].nunique()


def feature_columns(axes: str, betas=(1, 2), n_max: int = 8) -> list[str]:
    """tau_N^(beta) columns of one axis choice (16 for the default betas; mass is added by score)."""
    return [f"{axes}:tau{n}_b{b}" for b in betas for n in range(1, n_max + 1)]


def score(frame: pd.DataFrame, columns: list[str], jets_per_class: int, seed: int,
          folds: int = 3, mass_window=(300.0, 700.0)) -> dict:
    """Balanced accuracy (mean, std over folds) and row-normalised confusion of the tree.

    Takes ``jets_per_class`` jets of each class at random (fewer if a class has fewer),
    inputs ``mass`` + ``columns`` (taus as logarithms, so ratios are differences), flat
    (mass, pT) weights in training and scoring.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import balanced_accuracy_score, confusion_matrix
    from sklearn.model_selection import StratifiedKFold

    rng = np.random.default_rng(seed)
    parts = []
    for cls, group in frame.groupby("cls"):
        take = rng.permutation(len(group))[:jets_per_class]
        parts.append(group.iloc[take])
    data = pd.concat(parts, ignore_index=True)
    classes = [c for c in CLASS_NAMES if c in set(data["cls"])]
    y = data["cls"].map({c: i for i, c in enumerate(classes)}).to_numpy()
    taus = np.log(np.maximum(data[columns].to_numpy(dtype=float), 1e-8))
    x = np.column_stack([data["mass"].to_numpy(), taus])
    w = flat_weights(data, mass_window=mass_window)
    pred = np.zeros(len(y), dtype=int)
    accuracies = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, max_leaf_nodes=31,
                                               early_stopping=True, random_state=seed)
        model.fit(x[train], y[train], sample_weight=w[train])
        pred[test] = model.predict(x[test])
        accuracies.append(balanced_accuracy_score(y[test], pred[test], sample_weight=w[test]))
    confusion = confusion_matrix(y, pred, labels=range(len(classes)), sample_weight=w, normalize="true")
    counts = data["cls"].value_counts()
    return {
        "accuracy": float(np.mean(accuracies)),
        "accuracy_std": float(np.std(accuracies)),
        "jets_per_class": int(counts.min()),
        "classes": classes,
        "confusion": confusion,
    }


# The diagnosis table: one row per configuration, switching one thing at a time against the
# pipeline before this study (towers, leading jet only, exclusive-kT axes, beta 1 and 2).
# (label, variant, level, leading jets, axes, betas, mass window)
DIAGNOSIS = (
    ("before: towers, leading jet, kT axes", "pipeline", "calo", 1, "kt", (1, 2), None),
    ("two leading jets", "pipeline", "calo", 2, "kt", (1, 2), None),
    ("particle level", "pipeline", "particle", 2, "kt", (1, 2), None),
    ("HCAL with ECAL cells", "pipeline", "calo_fine", 2, "kt", (1, 2), None),
    ("WTA kT axes", "pipeline", "calo", 2, "wta_kt", (1, 2), None),
    ("one-pass minimised kT axes", "pipeline", "calo", 2, "onepass_kt", (1, 2), None),
    ("one-pass minimised WTA kT axes", "pipeline", "calo", 2, "onepass_wta_kt", (1, 2), None),
    ("beta 0.5 and 1", "pipeline", "calo", 2, "onepass_kt", (0.5, 1), None),
    ("beta 0.5, 1 and 2 (24 taus)", "pipeline", "calo", 2, "onepass_kt", (0.5, 1, 2), None),
    ("particle level, one-pass axes", "pipeline", "particle", 2, "onepass_kt", (1, 2), None),
    ("SM intermediates, kT axes", "sm", "calo", 2, "kt", (1, 2), None),
    ("SM intermediates, one-pass axes", "sm", "calo", 2, "onepass_kt", (1, 2), None),
    ("SM intermediates, particle, one-pass", "sm", "particle", 2, "onepass_kt", (1, 2), None),
    ("mass 300-500 GeV only (2m/pT < R)", "pipeline", "calo", 2, "onepass_kt", (1, 2), (300.0, 500.0)),
    ("SM, towers at cell centres", "sm", "calo_centres", 2, "kt", (1, 2), None),
    ("SM, light-quark class 1 (authors' 'uu')", "quark", "calo", 2, "kt", (1, 2), None),
    ("SM, light-quark class 1, cell centres", "quark", "calo_centres", 2, "kt", (1, 2), None),
    ("SM, light-quark class 1, particle level", "quark", "particle", 2, "kt", (1, 2), None),
)


def variant_rows(frame: pd.DataFrame, variant: str) -> pd.DataFrame:
    """Jets of a class-definition variant: for each class the jets of the variant itself if
    it generated that class, else those of the variant it builds on (``BASES``), and so on."""
    parts, covered = [], set()
    while variant is not None:
        own = frame[(frame["variant"] == variant) & ~frame["cls"].isin(covered)]
        parts.append(own)
        covered |= set(own["cls"])
        variant = BASES[variant]
    return pd.concat(parts)


def diagnosis(frame: pd.DataFrame, jets_per_class: int, seed: int, rows=DIAGNOSIS,
              folds: int = 3) -> pd.DataFrame:
    """Score every configuration of ``rows`` present in ``frame``; one result row each."""
    results = []
    for label, variant, level, leading, axes, betas, mass in tqdm(rows, desc="study: diagnosis"):
        part = variant_rows(frame, variant)
        part = part[(part["level"] == level) & (part["rank"] < leading)]
        if mass is not None:
            part = part[(part["mass"] >= mass[0]) & (part["mass"] <= mass[1])]
        if part["cls"].nunique() < 2:
            continue
        result = score(part, feature_columns(axes, betas), jets_per_class, seed, folds=folds,
                       mass_window=mass or (300.0, 700.0))
        classes = result["classes"]
        diagonal = np.diag(result["confusion"])
        results.append({
            "configuration": label, "variant": variant, "level": level, "leading": leading,
            "axes": axes, "betas": " ".join(str(b) for b in betas),
            "jets_per_class": result["jets_per_class"],
            "accuracy": result["accuracy"], "accuracy_std": result["accuracy_std"],
            **{f"acc_{c}": float(d) for c, d in zip(classes, diagonal)},
            "largest_confusion": _largest_confusion(result["confusion"], classes),
        })
        log.info("%s: %.1f %% (%d jets per class)", label, 100 * result["accuracy"],
                 result["jets_per_class"])
    return pd.DataFrame(results)


def _largest_confusion(confusion: np.ndarray, classes) -> str:
    off = confusion.copy()
    np.fill_diagonal(off, 0.0)
    flat = np.argsort(off, axis=None)[::-1][:3]
    pairs = [np.unravel_index(i, off.shape) for i in flat]
    return ", ".join(f"{classes[i]}->{classes[j]} {100 * off[i, j]:.0f}%" for i, j in pairs)


def markdown(table: pd.DataFrame) -> str:
    """The diagnosis table as markdown (accuracies in percent)."""
    classes = [c for c in CLASS_NAMES if f"acc_{c}" in table]
    head = ["configuration", "jets/class", "accuracy", *[f"{c}" for c in classes], "largest confusions"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, row in table.iterrows():
        cells = [row["configuration"], str(row["jets_per_class"]),
                 f"{100 * row['accuracy']:.1f} +- {100 * row['accuracy_std']:.1f}",
                 *[f"{100 * row[f'acc_{c}']:.0f}" for c in classes], row["largest_confusion"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_diagnosis(inputs: list[Path], jets_per_class: int, seed: int, folds: int, out: Path,
                    out_markdown: Path) -> pd.DataFrame:
    """The diagnosis table of the study samples ``inputs``: CSV ``out`` and markdown ``out_markdown``."""
    frame = pd.concat([pd.read_parquet(existing(p, "study Parquet file")) for p in inputs], ignore_index=True)
    table = diagnosis(frame, jets_per_class, seed, folds=folds)
    with atomic_path(out) as tmp:
        table.to_csv(tmp, index=False)
    with atomic_path(out_markdown) as tmp:
        tmp.write_text(markdown(table))
    return table


def _run_table(args: argparse.Namespace) -> int:
    print(markdown(write_diagnosis(args.inputs, args.jets_per_class, args.seed, args.folds, args.out,
                                   args.out_markdown)))
    return 0


def add_cli(subparsers) -> None:
    parser = subparsers.add_parser("diagnosis", help="physics study: the diagnosis table")
    parser.add_argument("--inputs", nargs="+", required=True, type=Path, help="study Parquet files")
    parser.add_argument("--jets-per-class", type=int, default=400)
    add_seed_option(parser, required=True)
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds")
    parser.add_argument("--out", required=True, type=Path, help="diagnosis CSV to write")
    add_output(parser, "markdown", "the same table as markdown, to write")
    parser.set_defaults(func=_run_table)
