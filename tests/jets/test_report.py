"""The report stage on synthetic evaluation outputs that follow the stage contracts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from scipy.stats import beta

from attnphys.cli import main
from attnphys.jets import report, results

CLASSES = ["1", "2", "3", "4b", "4q", "6", "8"]
# Accuracy per seed (fractions) chosen so that mean and sample std are exact in percent.
ACCURACY = {"hl_dnn": [0.80, 0.82, 0.84], "pfn": [0.86, 0.88, 0.90], "transformer": [0.90, 0.91, 0.92]}
N_PARAMS = {"hl_dnn": 3_270_119, "pfn": 1_205_895, "transformer": 1_388_807, "part": 1_388_807}
N_TEST = 700
MASS_WINDOW = (300.0, 700.0)
PT_WINDOW = (1000.0, 1200.0)


def write_synthetic_outputs(out: Path, accuracy: dict[str, list[float]] = ACCURACY, seed: int = 1) -> None:
    """Dataset splits, per-(model, seed) evaluation and history at the contract paths under ``out``.

    Each run gets exactly ``round(acc * N_TEST)`` correct predictions; the jets at the low
    end of the mass window are the ones misclassified, so accuracy rises with mass.
    """
    rng = np.random.default_rng(seed)
    for split, n_per_class in (("train", 30), ("val", 8), ("test", 100)):
        labels = np.repeat(np.arange(len(CLASSES)), n_per_class)
        frame = pd.DataFrame(
            {
                "label": labels,
                "class": [CLASSES[i] for i in labels],
                "jet_mass": rng.uniform(*MASS_WINDOW, labels.size),
                "jet_pt": rng.uniform(*PT_WINDOW, labels.size),
            }
        )
        (out / "jets/dataset").mkdir(parents=True, exist_ok=True)
        frame.to_parquet(out / f"jets/dataset/{split}.parquet")
    counts = {"before_flattening": 200, "final": 138}
    summary = {"target_per_class": 150, "final_per_class": 138, "shortfall_per_class": 12,
               "classes": {c: counts for c in CLASSES}}
    (out / "jets/dataset/summary.json").write_text(json.dumps(summary))
    test = pd.read_parquet(out / "jets/dataset/test.parquet")
    for model, per_seed in accuracy.items():
        for s, acc in enumerate(per_seed):
            order = np.argsort(test["jet_mass"].to_numpy())
            n_wrong = N_TEST - round(acc * N_TEST)
            pred = test["label"].to_numpy().copy()
            pred[order[:n_wrong]] = (pred[order[:n_wrong]] + 1) % len(CLASSES)
            predictions = test[["label", "jet_mass", "jet_pt"]].assign(pred=pred)
            prob = np.full((len(pred), len(CLASSES)), 0.4 / (len(CLASSES) - 1))
            prob[np.arange(len(pred)), pred] = 0.6
            prob += rng.uniform(0, 0.01, prob.shape)  # ties broken, so ROC curves have many points
            prob /= prob.sum(axis=1, keepdims=True)
            predictions = predictions.assign(**{f"prob_{i}": prob[:, i] for i in range(len(CLASSES))})
            run = out / f"jets/eval/{model}/seed{s}"
            run.mkdir(parents=True, exist_ok=True)
            predictions.to_parquet(run / "predictions.parquet")
            confusion = np.zeros((len(CLASSES), len(CLASSES)), dtype=int)
            np.add.at(confusion, (predictions["label"], predictions["pred"]), 1)
            metrics = {
                "accuracy": float(np.mean(pred == predictions["label"])),
                "per_class_accuracy": dict(zip(CLASSES, (np.diag(confusion) / confusion.sum(axis=1)).tolist())),
                "confusion": confusion.tolist(),
                "classes": CLASSES,
                "n_params": N_PARAMS[model],
                "n_test": N_TEST,
                "jets_per_second": 5000.0,
            }
            (run / "metrics.json").write_text(json.dumps(metrics))
            history = out / f"jets/models/{model}/seed{s}"
            history.mkdir(parents=True, exist_ok=True)
            epochs = np.arange(1, 4)
            pd.DataFrame(
                {
                    "epoch": epochs,
                    "train_loss": 2.0 / epochs,
                    "train_acc": acc * (1 - 0.2 / epochs),
                    "val_loss": 2.1 / epochs,
                    "val_acc": acc * (1 - 0.25 / epochs),
                    "lr": 1e-3,
                    "seconds": 1.0,
                }
            ).to_csv(history / "history.csv", index=False)


def run_files(out: Path, model: str, seed: int) -> results.RunFiles:
    """The files of one (model, seed) as the workflow lays them out."""
    evaluation = out / f"jets/eval/{model}/seed{seed}"
    return results.RunFiles(evaluation / "metrics.json", evaluation / "predictions.parquet",
                            out / f"jets/models/{model}/seed{seed}/history.csv")


def report_files(out: Path, models) -> report.ReportFiles:
    folder = out / "jets/report"
    return report.ReportFiles(folder / "summary.csv", folder / "report.md",
                              {m: folder / f"confusion_{m}.png" for m in models}, folder / "accuracy_vs_mass.png",
                              folder / "dataset_mass_pt.png", folder / "training_curves.png",
                              {m: folder / f"roc_{m}.png" for m in models}, folder / "roc.csv")


def build(out: Path, seeds=(0, 1, 2), models=tuple(ACCURACY)) -> pd.DataFrame:
    return report.build_report(
        runs={(m, s): run_files(out, m, s) for m in models for s in seeds},
        splits={split: out / f"jets/dataset/{split}.parquet" for split in ("train", "val", "test")},
        dataset_summary_path=out / "jets/dataset/summary.json",
        models=list(models),
        seeds=list(seeds),
        mass_window=MASS_WINDOW,
        pt_window=PT_WINDOW,
        config={"seed": 7, "jets": {"seeds": list(seeds)}},
        out=report_files(out, models),
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_synthetic_outputs(out)
    build(out)
    return out


def test_summary_csv_columns_and_values(built):
    summary = pd.read_csv(built / "jets/report/summary.csv")
    assert list(summary.columns) == ["model", "n_params", "accuracy_mean", "accuracy_std", "n_seeds", "accuracy_paper"]
    summary = summary.set_index("model")
    assert list(summary.index) == ["hl_dnn", "pfn", "transformer"]
    for model, per_seed in ACCURACY.items():
        assert summary.loc[model, "n_params"] == N_PARAMS[model]
        assert summary.loc[model, "n_seeds"] == 3
        # percent, mean and sample standard deviation over seeds: (80, 82, 84) -> 82 +- 2
        assert summary.loc[model, "accuracy_mean"] == pytest.approx(100 * np.mean(per_seed), abs=1e-3)
        assert summary.loc[model, "accuracy_std"] == pytest.approx(100 * np.std(per_seed, ddof=1), abs=1e-3)
    assert summary.loc["hl_dnn", "accuracy_std"] == pytest.approx(2.0, abs=1e-3)
    assert summary["accuracy_paper"].to_dict() == {"hl_dnn": 84.14, "pfn": 89.42, "transformer": 91.25}


def test_figures_are_real_pngs(built):
    names = [f"{kind}_{m}.png" for m in ACCURACY for kind in ("confusion", "roc")] + ["accuracy_vs_mass.png", "dataset_mass_pt.png", "training_curves.png"]
    for name in names:
        image = imread(built / "jets/report" / name)
        assert image.ndim == 3 and min(image.shape[:2]) > 200, name
        assert image[..., :3].std() > 0.01, f"{name} is blank"


def test_report_md_has_the_talks_table_and_sections(built):
    text = (built / "jets/report/report.md").read_text()
    assert "| Mass + HL (tower) DNN | 3,270,119 | 82.00 ± 2.00 % | 3 | 3,270,119 | 84.14 ± 0.45 % |" in text
    assert "| Transformer (tower) | 1,388,807 | 91.00 ± 1.00 % | 3 | 1,388,807 | 91.25 ± 0.65 % |" in text
    assert "ordering Transformer > PFN > Mass + HL DNN is reproduced" in text
    for needle in ("confusion_pfn.png", "accuracy_vs_mass.png", "dataset_mass_pt.png", "training_curves.png", "seed: 7"):
        assert needle in text
    # dataset sizes: selection and flattening from summary.json, then 30 / 8 / 100 per split
    assert "| Class | selected | flat sample | train | val | test |" in text
    assert "| 4b | 200 | 138 | 30 | 8 | 100 |" in text
    assert "| all | 1400 | 966 | 210 | 56 | 700 |" in text
    assert "138 per class, **12 short** of the target" in text


def test_roc_table_and_per_class_intervals(built):
    table = pd.read_csv(built / "jets/report/roc.csv")
    assert list(table.columns) == results.ROC_COLUMNS
    assert len(table) == len(ACCURACY) * len(CLASSES)
    assert table["auc_mean"].between(0.5, 1.0).all() and (table["n_seeds"] == 3).all()
    qcd = table["class"].astype(str) == "1"
    assert table.loc[qcd, "qcd_rejection_at_50"].isna().all()
    assert (table.loc[~qcd, "qcd_rejection_at_50"] >= table.loc[~qcd, "qcd_rejection_at_80"]).all()
    assert (table.loc[~qcd, "qcd_rejection_at_80"] >= 1.0).all() and (table.loc[~qcd, "n_qcd"] == 100).all()
    text = (built / "jets/report/report.md").read_text()
    assert "## ROC, AUC and QCD rejection" in text and "roc_transformer.png" in text
    assert "| Model | 2: 50 % / 80 % | 3: 50 % / 80 % |" in text
    # Per-class accuracy with its interval, seeds pooled: the Clopper-Pearson bounds are the
    # beta quantiles B(0.15865; k, n - k + 1) and B(0.84135; k + 1, n - k).
    confusion = sum(np.array(json.loads((built / f"jets/eval/transformer/seed{s}/metrics.json").read_text())["confusion"])
                    for s in range(3))
    k, n = int(confusion[0, 0]), int(confusion[0].sum())
    lo, hi = beta.ppf(0.15865, k, n - k + 1), beta.ppf(0.84135, k + 1, n - k)
    assert f"| Transformer (tower) | {100 * k / n:.1f} [{100 * lo:.1f}, {100 * hi:.1f}] |" in text


def test_fewer_seeds_than_configured_is_refused(tmp_path, caplog):
    write_synthetic_outputs(tmp_path, {m: a[:2] for m, a in ACCURACY.items()})
    with pytest.raises(ValueError, match=r"report refused: jets.seeds is \[0, 1, 2\].*pfn seed 2"):
        build(tmp_path)
    assert not (tmp_path / "jets/report/summary.csv").exists()
    def cli(*seeds: str) -> int:
        runs = [run_files(tmp_path, "pfn", int(s)) for s in seeds]
        out = report_files(tmp_path, ["pfn"])
        return main(["jets", "report", "--models", "pfn", "--seeds", *seeds,
                     "--metrics", *(str(r.metrics) for r in runs), "--predictions", *(str(r.predictions) for r in runs),
                     "--histories", *(str(r.history) for r in runs),
                     *(flag for s in ("train", "val", "test") for flag in (f"--{s}", str(tmp_path / f"jets/dataset/{s}.parquet"))),
                     "--dataset-summary", str(tmp_path / "jets/dataset/summary.json"),
                     "--mass-window", "300", "700", "--pt-window", "1000", "1200",
                     "--out-summary", str(out.summary), "--out-markdown", str(out.markdown),
                     "--out-confusion", str(out.confusion["pfn"]), "--out-accuracy-vs-mass", str(out.accuracy_vs_mass),
                     "--out-spectra", str(out.spectra), "--out-curves", str(out.curves),
                     "--out-roc", str(out.roc["pfn"]), "--out-roc-table", str(out.roc_table)])

    assert cli("0", "1", "2") == 2
    assert "never averaged over fewer seeds" in caplog.text
    assert cli("0", "1") == 0
    assert pd.read_csv(tmp_path / "jets/report/summary.csv")["n_seeds"].tolist() == [2]


def test_single_seed_has_zero_spread_and_says_so(tmp_path):
    write_synthetic_outputs(tmp_path, {"pfn": [0.9]})
    summary = build(tmp_path, seeds=[0], models=["pfn"])
    assert summary.loc[0, "accuracy_std"] == 0.0 and summary.loc[0, "n_seeds"] == 1
    assert "90.00 % (1 seed, no spread)" in (tmp_path / "jets/report/report.md").read_text()
    assert "needs all three models" in (tmp_path / "jets/report/report.md").read_text()


def test_confusion_rows_are_true_class_and_normalised():
    counts = np.array([[8, 2, 0], [0, 5, 5], [0, 0, 0]])
    run = results.Run("pfn", 0, {"confusion": counts.tolist()}, pd.DataFrame(), pd.DataFrame())
    matrix = results.normalised_confusion([run, run])
    np.testing.assert_allclose(matrix, [[0.8, 0.2, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 0.0]])


def test_accuracy_in_mass_bins_known_answer():
    predictions = pd.DataFrame(
        {"jet_mass": [310.0, 320.0, 510.0, 520.0, 530.0, 800.0], "label": [0, 1, 2, 2, 2, 0], "pred": [0, 0, 2, 2, 1, 0]}
    )
    np.testing.assert_allclose(results.accuracy_in_mass_bins(predictions, np.array([300.0, 500.0, 700.0])), [0.5, 2 / 3])
    assert np.isnan(results.accuracy_in_mass_bins(predictions, np.array([300.0, 400.0, 500.0])))[1]


def test_bad_metrics_name_the_file_and_field(tmp_path):
    write_synthetic_outputs(tmp_path, {"pfn": [0.9]})
    metrics = tmp_path / "jets/eval/pfn/seed0/metrics.json"
    content = json.loads(metrics.read_text())
    metrics.write_text(json.dumps({**content, "accuracy": 90.0}))
    with pytest.raises(ValueError, match=r"seed0/metrics.json: field accuracy must be a fraction"):
        build(tmp_path, seeds=[0], models=["pfn"])
    metrics.write_text(json.dumps({k: v for k, v in content.items() if k != "confusion"}))
    with pytest.raises(ValueError, match=r"seed0/metrics.json: missing field\(s\) \['confusion'\]"):
        build(tmp_path, seeds=[0], models=["pfn"])
    metrics.write_text("")
    with pytest.raises(ValueError, match=r"seed0/metrics.json: not valid JSON"):
        build(tmp_path, seeds=[0], models=["pfn"])


def test_simulation_crossing_is_the_measured_table():
    """The report's sentence on where PFN reaches the HL network quotes the committed per-run table."""
    table = pd.read_csv(Path(__file__).resolve().parents[2] / "benchmarks/curves/curve6000_cpu.csv")
    runs = table.pivot_table(index=["jets_per_class", "seed"], columns="model", values="accuracy") * 100
    c = report.SIMULATION_CROSSING
    at = runs.loc[c.jets_per_class]
    assert (round(at["pfn"].mean(), 1), round(at["pfn"].std(), 1)) == c.pfn
    assert (round(at["hl_dnn"].mean(), 1), round(at["hl_dnn"].std(), 1)) == c.hl_dnn
    assert (int((at["pfn"] > at["hl_dnn"]).sum()), len(at)) == (c.pfn_ahead, c.seeds)
    below = runs.loc[c.below[0]]
    assert round((below["hl_dnn"] - below["pfn"]).mean(), 1) == c.below[1]


@pytest.mark.parametrize("source, quoted", [("simulation", True), ("paper", False)])
def test_unreproduced_ordering_points_to_the_measured_crossing(source, quoted):
    summary = pd.DataFrame({"model": ["hl_dnn", "pfn", "transformer"], "accuracy_mean": [53.0, 41.0, 42.0]})
    sentence = report._ordering_sentence(summary, {"source": {"name": source}}, 181)
    assert "**not** reproduced" in sentence
    assert ("PFN reaches the Mass + HL DNN at 4,184 training jets per class" in sentence) is quoted
    assert ("This run trains on 181 jets per class." in sentence) is quoted
    reproduced = summary.assign(accuracy_mean=[80.0, 85.0, 90.0])
    assert "4,184" not in report._ordering_sentence(reproduced, {"source": {"name": source}}, 181)
