"""The train, evaluate and report stages called directly on a tiny dataset.h5 in the
documented layout (attnphys.neutrino.pixelmap): files and records written, reproducible
weights from (master seed, model, replica), a class written in the charge is learnt, and
the report's metrics on predictions whose scores are known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from attnphys.neutrino.beam import EVENT_CLASSES
from attnphys.neutrino.evaluate import evaluate
from attnphys.neutrino.models import parameter_count
from attnphys.neutrino.pixelmap import CELLS, PLANES, write_dataset
from attnphys.neutrino.report import efficiency_at_purity, write_report
from attnphys.neutrino.train import train_model
from attnphys.seeding import generator, run_seed
from attnphys.splits import assign_splits
from attnphys.train import TrainConfig, load_weights

MAX_PRONGS = 3
EVENTS = 64
SMALL = {"cvn": {"channels": 2, "dim": 8}, "transformer": {"channels": 2, "dim": 8, "heads": 2, "layers": 1}}


def tiny_dataset(path, seed=0):
    """Events whose class sets the charge of their hits (class k: 5 x 4^k to 10 x 4^k PE) and the
    planes they sit in (20k to 20k + 19), split into up to MAX_PRONGS prongs along the cells,
    with random prong classes."""
    rng = generator(seed, "test")
    label = np.arange(EVENTS) % len(EVENT_CLASSES)
    maps = np.zeros((EVENTS, 2, PLANES, CELLS), dtype=np.float32)
    index = np.full(maps.shape, -1, dtype=np.int8)
    prong_label = np.full((EVENTS, MAX_PRONGS), -1, dtype=np.int8)
    for event, k in enumerate(label):
        planes = slice(20 * k, 20 * k + 20)
        maps[event, :, planes, 30:48] = rng.uniform(5, 10, (2, 20, 18)) * 4.0**k * (rng.random((2, 20, 18)) < 0.5)
        n_prongs = 1 + event % MAX_PRONGS
        cells = np.arange(18) * n_prongs // 18  # prong of each of the 18 cells
        hit = maps[event, :, planes, 30:48] > 0
        index[event, :, planes, 30:48] = np.where(hit, cells, -1)
        prong_label[event, :n_prongs] = rng.integers(0, 6, n_prongs)
    arrays = {"pixel_maps": maps.astype(np.float16), "truth_prong_index": index, "reco_prong_index": index,
              "truth_prong_label": prong_label, "reco_prong_label": prong_label,
              "event_label": label.astype(np.int8),
              "split": assign_splits(EVENTS, (0.5, 0.25, 0.25), "test.split", generator(seed, "split")),
              "event": np.arange(EVENTS, dtype=np.int64) + 1000, "e_nu": np.ones(EVENTS, dtype=np.float32)}
    write_dataset(path, arrays, {"classes": list(EVENT_CLASSES), "prong_classes": ["e", "mu", "p", "pi", "g", "o"],
                                 "max_prongs": MAX_PRONGS})
    return arrays


def _train(dataset, folder, model="cvn", replica=0, epochs=1, params=None, lr=1e-2):
    config = TrainConfig(epochs=epochs, batch_size=8, lr=lr, patience=epochs, seed=run_seed(7, "neutrino", model, replica),
                         device="cpu", threads=1)
    info = train_model(dataset, model, folder / "model.pt", folder / "history.csv", config, params or SMALL[model],
                       replica)
    return info, load_weights(folder / "model.pt")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("nu") / "dataset.h5"
    return path, tiny_dataset(path)


def test_training_records_the_run_and_is_reproducible(dataset, tmp_path):
    path, _ = dataset
    info, weights = _train(path, tmp_path / "a", replica=1)
    extra = weights["extra"]
    assert extra["model"] == "cvn" and extra["seed"] == 1 and extra["parameters"] == info["parameters"]
    assert extra["sizes"] == {"n_classes": 4} and extra["max_prongs"] == MAX_PRONGS
    assert list(extra["classes"]) == list(EVENT_CLASSES)
    assert len(pd.read_csv(tmp_path / "a" / "history.csv")) == 1
    _, again = _train(path, tmp_path / "b", replica=1)
    _, replica = _train(path, tmp_path / "c", replica=0)
    for key, value in weights["state_dict"].items():
        torch.testing.assert_close(again["state_dict"][key], value, rtol=0, atol=0)
    assert not torch.equal(replica["state_dict"]["head.2.weight"], weights["state_dict"]["head.2.weight"])


def test_a_class_written_in_the_charge_is_learnt_and_evaluated(dataset, tmp_path):
    path, arrays = dataset
    _train(path, tmp_path, epochs=30, params={"channels": 4, "dim": 16}, lr=3e-3)
    evaluate(path, tmp_path / "model.pt", tmp_path / "p.parquet", tmp_path / "p.json", device="cpu")
    frame = pd.read_parquet(tmp_path / "p.parquet")
    test = np.flatnonzero(arrays["split"] == 2)
    assert list(frame["event"]) == list(arrays["event"][test])
    probs = frame[[f"p{k}" for k in range(4)]].to_numpy()
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    assert (probs.argmax(1) == frame["label"]).mean() >= 0.9  # chance: 0.25
    assert (frame[[f"reco_prong{j}_pred" for j in range(MAX_PRONGS)]] == -1).all().all()  # the CVN has no prongs
    meta = json.loads((tmp_path / "p.json").read_text())
    assert meta == {"model": "cvn", "seed": 0, "parameters": meta["parameters"], "max_prongs": MAX_PRONGS}
    assert meta["parameters"] > 0


def test_efficiency_at_purity_on_a_known_ranking():
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    is_nue = np.array([1, 1, 0, 1, 0])
    assert efficiency_at_purity(p, is_nue, 1.0) == pytest.approx(2 / 3)  # the two top scores
    assert efficiency_at_purity(p, is_nue, 0.75) == pytest.approx(1.0)  # 3 of the top 4
    assert efficiency_at_purity(p, is_nue, 0.0) == pytest.approx(1.0)
    assert efficiency_at_purity(np.array([0.9]), np.array([0]), 0.5) == 0.0


def _predictions(arrays, probs, prong_pred):
    test = np.flatnonzero(arrays["split"] == 2)
    frame = pd.DataFrame({"event": arrays["event"][test], "label": arrays["event_label"][test]})
    for k in range(4):
        frame[f"p{k}"] = probs(frame["label"].to_numpy())[:, k]
    for prongs in ("reco", "truth"):
        for j in range(MAX_PRONGS):
            frame[f"{prongs}_prong{j}_label"] = arrays[f"{prongs}_prong_label"][test, j]
            frame[f"{prongs}_prong{j}_pred"] = prong_pred(arrays[f"{prongs}_prong_label"][test, j])
    return frame


def test_report_scores_perfect_and_constant_classifiers(dataset, tmp_path):
    path, arrays = dataset
    _, weights = _train(path, tmp_path / "transformer", model="transformer")
    perfect = _predictions(arrays, lambda label: np.eye(4)[label], lambda labels: labels)
    constant = _predictions(arrays, lambda label: np.tile([0.1, 0.6, 0.2, 0.1], (len(label), 1)),
                            lambda labels: np.where(labels >= 0, 0, -1))
    files = []
    for (model, replica), frame in {("transformer", 0): perfect, ("cvn", 0): constant, ("cvn", 1): constant}.items():
        predictions, meta = tmp_path / f"{model}{replica}.parquet", tmp_path / f"{model}{replica}.json"
        frame.to_parquet(predictions)
        meta.write_text(json.dumps({"model": model, "seed": replica, "parameters": 10, "max_prongs": MAX_PRONGS}))
        files.append((predictions, meta))
    out = tmp_path / "report"
    out.mkdir()
    summary = write_report(path, [p for p, _ in files], [m for _, m in files], tmp_path / "transformer" / "model.pt",
                           out / "summary.csv", out / "report.md", out / "confusion.png", out / "displays.png",
                           out / "attention.png")

    assert list(zip(summary["model"], summary["seed"])) == [("cvn", 0), ("cvn", 1), ("transformer", 0)]
    best = summary.set_index("model").loc["transformer"]
    for metric in ("accuracy", "nue_efficiency", "nue_purity", "prong_accuracy_reco", "prong_accuracy_truth",
                   "nue_eff_at_cvn_purity"):
        assert best[metric] == 1.0, metric
    cvn = summary[summary["model"] == "cvn"].iloc[0]
    nue_share = (perfect["label"] == 1).mean()
    assert cvn["accuracy"] == pytest.approx(nue_share) and cvn["nue_purity"] == pytest.approx(nue_share)
    assert cvn["nue_efficiency"] == 1.0 and cvn["eff_numu_cc"] == 0.0
    real = perfect[[f"reco_prong{j}_label" for j in range(MAX_PRONGS)]].to_numpy()
    assert cvn["prong_accuracy_reco"] == pytest.approx((real[real >= 0] == 0).mean())
    assert pd.read_csv(out / "summary.csv")["accuracy"].tolist() == summary["accuracy"].tolist()
    text = (out / "report.md").read_text()
    assert "](confusion.png)" in text and "](displays.png)" in text and "](attention.png)" in text
    assert "seeds: [0, 1]" in text
    assert all((out / name).stat().st_size > 0 for name in ("confusion.png", "displays.png", "attention.png"))
    assert weights["extra"]["model"] == "transformer"
