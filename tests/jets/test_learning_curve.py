"""Learning-curve analysis (power-law fits, where the ordering appears, table contract) and
the boosted-tree reference."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attnphys.jets.study.learning_curve import (
    TABLE_COLUMNS,
    Fit,
    CurveFiles,
    build_learning_curve,
    fit_curve,
    measured_pairs,
    onset_of,
    ordering_onset,
    read_runs,
    saturating_power_law,
)

SIZES = [125, 250, 500, 1000, 2000]


def _runs(a: float, b: float, c: float, noise: float = 0.0, seeds=(0, 1, 2), rng=None) -> pd.DataFrame:
    rows = []
    for seed in seeds:
        for n in SIZES:
            acc = saturating_power_law(n, a, b, c, n_ref=2000) + (rng.normal(0, noise) if noise else 0.0)
            rows.append({"jets_per_class": n, "seed": seed, "accuracy": acc})
    return pd.DataFrame(rows)


def test_fit_recovers_a_known_power_law():
    fit = fit_curve(_runs(0.91, 0.08, 0.6, noise=0.002, rng=np.random.default_rng(0)), "transformer", "none")
    assert fit.ok and fit.n_ref == 2000
    a, b, c = fit.params
    err = np.sqrt(np.diag(fit.cov))
    assert abs(a - 0.91) < 3 * err[0] + 1e-3 and abs(b - 0.08) < 3 * err[1] + 1e-3 and abs(c - 0.6) < 3 * err[2] + 0.02
    assert 0 < err[0] < 0.05


def test_too_few_sizes_is_not_fitted():
    runs = _runs(0.9, 0.1, 0.5, seeds=(0,))
    fit = fit_curve(runs[runs.jets_per_class <= 250], "pfn", "none")
    assert not fit.ok and np.isnan(fit.params).all()


def _exact(model: str, a: float, b: float, c: float) -> Fit:
    return Fit(model, "none", 1.0, np.array([a, b, c]), np.zeros((3, 3)), 5, "ok")


def test_ordering_appears_where_the_curves_cross():
    """0.90 - 1.0 n^-0.5 overtakes 0.85 - 0.3 n^-0.5 where 0.05 = 0.7 n^-0.5: n = 196."""
    onset = onset_of([_exact("transformer", 0.90, 1.0, 0.5), _exact("pfn", 0.85, 0.3, 0.5)], 10.0, 0)
    assert onset.best == pytest.approx(196.0, rel=0.01)
    assert onset.median == pytest.approx(196.0, rel=0.01) and onset.p_always == 0 and onset.p_never == 0
    never = onset_of([_exact("transformer", 0.80, 1.0, 0.5), _exact("pfn", 0.85, 0.3, 0.5)], 10.0, 0)
    assert never.best is None and never.p_never == 1 and never.median == np.inf
    always = onset_of([_exact("transformer", 0.90, 0.1, 0.5), _exact("pfn", 0.85, 0.3, 0.5)], 10.0, 0)
    assert always.best == 0.0 and always.p_always == 1 and always.high == pytest.approx(10.0)


def test_ordering_onset_needs_every_pair_in_order_to_the_end():
    grid = np.arange(5.0)
    top = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 1, 1]], float)
    mid = np.array([[2, 0, 2, 0, 0], [0, 0, 0, 0, 0]], float)
    low = np.array([[-1, -1, -1, -1, -1], [-1, -1, -1, -1, 2]], float)
    assert ordering_onset([top, mid, low], grid).tolist() == [3, 5]


def _metrics(folder: Path, model: str, fraction: float, seed: int, accuracy: float, n: int, **extra) -> Path:
    path = folder / f"{model}_{fraction}_{seed}.json"
    path.write_text(json.dumps({"model": model, "seed": seed, "train_fraction": fraction, "accuracy": accuracy,
                                "n_train_per_class": [n] * 7, "preprocess": "none", "augment": False, **extra}))
    return path


def test_build_writes_the_table_fits_figure_and_ordering(tmp_path):
    # Transformer overtakes the PFN where 0.02 = 0.04 (n / 2000)^-0.5: 8,000 jets per class.
    truth = {"transformer": (0.91, 0.10, 0.5), "pfn": (0.89, 0.06, 0.5), "hl_dnn": (0.84, 0.02, 0.5),
             "trees": (0.83, 0.02, 0.5)}
    rng = np.random.default_rng(1)
    paths = []
    for model, (a, b, c) in truth.items():
        for fraction, n in zip((0.0625, 0.125, 0.25, 0.5, 1.0), SIZES):
            for seed in (0, 1):
                acc = saturating_power_law(n, a, b, c, n_ref=2000) + rng.normal(0, 0.002)
                paths.append(_metrics(tmp_path, model, fraction, seed, acc, n))
    out = tmp_path / "curve"
    build_learning_curve(paths, CurveFiles.in_folder(out), "none", 5, expected_runs=len(paths))
    table = pd.read_csv(out / "table.csv")
    assert list(table.columns) == TABLE_COLUMNS and len(table) == 40
    assert table["accuracy"].between(0, 1).all() and set(table["jets_per_class"]) == set(SIZES)
    fits = pd.read_csv(out / "fits.csv").set_index("model")
    assert (fits["status"] == "ok").all()
    assert fits.loc["transformer", "a"] == pytest.approx(0.91, abs=0.02)
    assert (out / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (out / "learning_curve.md").read_text()
    assert "Transformer > PFN > Mass + HL DNN" in text and "jets per class" in text
    line = next(t for t in text.splitlines() if t.startswith("- Transformer > PFN appears"))
    best = float(line.split("**")[1].split()[0].replace(",", ""))
    assert 4000 < best < 16000
    with pytest.raises(ValueError, match="expected 41"):
        build_learning_curve(paths, CurveFiles.in_folder(tmp_path / "again"), "none", 5, expected_runs=41)


def test_measured_ordering_is_paired_by_seed(tmp_path):
    """PFN ahead of the HL network in every seed at the large size, in one of two at the small one."""
    accuracy = {("pfn", 0.5, 0): 0.50, ("pfn", 0.5, 1): 0.56, ("hl_dnn", 0.5, 0): 0.53, ("hl_dnn", 0.5, 1): 0.54,
                ("pfn", 1.0, 0): 0.60, ("pfn", 1.0, 1): 0.58, ("hl_dnn", 1.0, 0): 0.57, ("hl_dnn", 1.0, 1): 0.56,
                ("trees", 1.0, 0): 0.61, ("trees", 1.0, 1): 0.62}
    paths = [_metrics(tmp_path, model, fraction, seed, acc, int(4000 * fraction))
             for (model, fraction, seed), acc in accuracy.items()]
    runs = read_runs(paths)
    pairs = {(p.better, p.worse, p.jets_per_class): p for p in measured_pairs(runs, "none")}
    assert set(pairs) == {("pfn", "hl_dnn", 2000), ("pfn", "hl_dnn", 4000), ("pfn", "trees", 4000)}
    large, small, trees = pairs["pfn", "hl_dnn", 4000], pairs["pfn", "hl_dnn", 2000], pairs["pfn", "trees", 4000]
    assert (large.wins, large.seeds, large.verdict) == (2, 2, "holds")
    assert large.mean == pytest.approx(0.025) and large.std == pytest.approx(np.std([0.03, 0.02], ddof=1))
    assert (small.wins, small.verdict) == (1, "within the seed spread") and small.mean == pytest.approx(-0.005)
    assert (trees.wins, trees.verdict) == (0, "reversed") and trees.mean == pytest.approx(-0.025)
    out = tmp_path / "curve"
    build_learning_curve(paths, CurveFiles.in_folder(out), "none", 5)
    text = (out / "learning_curve.md").read_text()
    assert "| PFN > Mass + HL DNN | 4,000 | +2.5 ± 0.7 | 2 of 2 | holds |" in text
    assert "| PFN > Boosted trees (mass + HL) | 4,000 | -2.5 ± 2.1 | 0 of 2 | reversed |" in text
    assert "The talk's whole ordering needs the Transformer" in text


def test_bad_metrics_name_the_file_and_field(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"model": "pfn", "seed": 0, "accuracy": 0.5}))
    with pytest.raises(ValueError, match=r"bad\.json.*train_fraction"):
        read_runs([path])
    path.write_text(json.dumps({"model": "pfn", "seed": 0, "accuracy": float("nan"), "train_fraction": 1,
                                "n_train_per_class": [3]}))
    with pytest.raises(ValueError, match=r"bad\.json.*accuracy"):
        read_runs([path])
