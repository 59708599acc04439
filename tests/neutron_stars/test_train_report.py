"""The network's train and predict stages and the report, called directly on a tiny
simulated dataset: files written, standardisation from the training split, reproducible
weights, star-order invariance end to end, and errors the report must compute exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from attnphys.neutron_stars.dataset import (
    Prior,
    build_dataset,
    coefficients,
    derived_observables,
    evaluation_subset,
    stars,
    write_dataset,
)
from attnphys.neutron_stars.models import MODELS
from attnphys.neutron_stars.predict import predict_network
from attnphys.neutron_stars.report import SUMMARY_COLUMNS, write_report
from attnphys.neutron_stars.train import train_network
from attnphys.seeding import run_seed
from attnphys.train import TrainConfig, load_weights
from attnphys.train.record import load_model

PRIOR = Prior(((0.75, 1.55), (-0.2, 0.05)), min_max_mass=1.4)
N_STARS = 3
SMALL = {"d_model": 8, "n_heads": 2, "n_layers": 1, "d_ff": 16}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    frame = build_dataset(16, PRIOR, n_stars=N_STARS, noise=0.05, seed=5, split=(0.5, 0.25, 0.25))
    path = tmp_path_factory.mktemp("ns") / "dataset.parquet"
    write_dataset(frame, path)
    return path, frame


def _train(dataset_path, folder, seed=run_seed(1, "neutron_stars", N_STARS)):
    config = TrainConfig(epochs=2, batch_size=4, lr=1e-2, patience=5, seed=seed, device="cpu", threads=1)
    result = train_network(dataset_path, N_STARS, folder / "model.pt", folder / "history.csv", config, SMALL)
    return result, load_weights(folder / "model.pt")


def test_training_writes_a_reproducible_standardised_model(dataset, tmp_path):
    path, frame = dataset
    result, weights = _train(path, tmp_path / "a")
    history = pd.read_csv(tmp_path / "a" / "history.csv")
    assert list(history["epoch"]) == [1, 2] and result.epochs_run == 2
    assert weights["extra"] == {"model": "star_set", "params": SMALL, "sizes": {"n_outputs": 2}, "n_stars": N_STARS,
                                "coefficients": ["gamma0", "gamma1"]}
    train = frame[frame["split"] == "train"]
    state = weights["state_dict"]
    torch.testing.assert_close(state["scale.mean"], torch.tensor(stars(train, N_STARS).reshape(-1, 2).mean(0),
                                                                 dtype=torch.float32))
    torch.testing.assert_close(state["target_scale.mean"], torch.tensor(coefficients(train).mean(0), dtype=torch.float32))
    torch.testing.assert_close(state["target_scale.std"], torch.tensor(coefficients(train).std(0), dtype=torch.float32))

    _, again = _train(path, tmp_path / "b")
    _, other = _train(path, tmp_path / "c", seed=run_seed(2, "neutron_stars", N_STARS))
    for key, value in state.items():
        torch.testing.assert_close(again["state_dict"][key], value, rtol=0, atol=0)
    assert not torch.equal(other["state_dict"]["embed.0.weight"], state["embed.0.weight"])


def test_predictions_cover_the_test_split_whatever_the_order_of_the_stars(dataset, tmp_path):
    path, frame = dataset
    _train(path, tmp_path)
    out = predict_network(tmp_path / "model.pt", path, tmp_path / "network.parquet", device="cpu")
    test = frame[frame["split"] == "test"]
    assert list(out.columns) == ["sample", "method", "n_stars", "seconds", "gamma0", "gamma1"]
    assert list(out["sample"]) == list(test["sample"]) and (out["n_stars"] == N_STARS).all()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "network.parquet"), out)
    model, _ = load_model(tmp_path / "model.pt", MODELS)
    with torch.no_grad():
        expected = model.target_scale.inverse(model(torch.tensor(stars(test, N_STARS), dtype=torch.float32)))
    np.testing.assert_allclose(out[["gamma0", "gamma1"]].to_numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)

    reversed_stars = frame.copy()  # the same stars listed in reverse order: a set has no order
    for column in ("mass_obs", "radius_obs", "mass", "radius"):
        reversed_stars[column] = [values[:N_STARS][::-1] for values in frame[column]]
    write_dataset(reversed_stars, tmp_path / "reversed.parquet")
    again = predict_network(tmp_path / "model.pt", tmp_path / "reversed.parquet", tmp_path / "r.parquet", "cpu")
    np.testing.assert_allclose(again[["gamma0", "gamma1"]], out[["gamma0", "gamma1"]], rtol=1e-5, atol=1e-6)


def test_report_scores_exact_and_offset_predictions(dataset, tmp_path):
    path, frame = dataset
    test = frame[frame["split"] == "test"]
    subset = evaluation_subset(frame, 3)
    names = ["gamma0", "gamma1"]
    offset = 0.01 * PRIOR.width[0]
    exact = test[["sample", *names]].assign(method="network", n_stars=2, seconds=0.002)
    shifted = subset[["sample", *names]].assign(method="classical", n_stars=2, seconds=0.5)
    shifted["gamma0"] += offset
    files = [tmp_path / "network_stars2.parquet", tmp_path / "classical_stars2.parquet"]
    exact.to_parquet(files[0])
    shifted.to_parquet(files[1])
    report = tmp_path / "report" / "report.md"
    report.parent.mkdir()
    table = write_report(path, files, 3, 2, PRIOR, tmp_path / "summary.csv", report)

    summary = pd.read_csv(tmp_path / "summary.csv").set_index(["method", "coefficient"])
    assert list(pd.read_csv(tmp_path / "summary.csv").columns) == list(SUMMARY_COLUMNS) and len(table) == 3 * 4
    for quantity in ("gamma0", "gamma1", "m_max", "r_1p4"):  # the true coefficients give the true TOV curve
        assert summary.loc[("network", quantity), "rel_error_mean"] == pytest.approx(0.0, abs=1e-12)
    assert summary.loc[("classical", "gamma0"), "rel_error_mean"] == pytest.approx(0.01, rel=1e-9)
    assert summary.loc[("classical", "gamma1"), "rel_error_mean"] == pytest.approx(0.0, abs=1e-12)
    m_max = [derived_observables(np.array([g0 + offset, g1]))[0] for g0, g1 in subset[names].to_numpy()]
    expected = np.nanmean(np.abs(np.array(m_max) - subset["m_max"].to_numpy()) / subset["m_max"].to_numpy())
    assert summary.loc[("classical", "m_max"), "rel_error_mean"] == pytest.approx(expected, rel=1e-9)
    mean = coefficients(frame[frame["split"] == "train"]).mean(0)
    prior_error = np.abs(mean[1] - subset["gamma1"].to_numpy()) / PRIOR.width[1]
    assert summary.loc[("prior_mean", "gamma1"), "rel_error_mean"] == pytest.approx(prior_error.mean(), rel=1e-9)
    assert summary.loc[("network", "gamma0"), "ms_per_sample"] == pytest.approx(2.0)
    text = report.read_text()
    assert "](scatter_stars2.png)" in text and "](mr_bands.png)" in text
    assert f"the network's predictions cover all {len(test)} test samples" in text
    assert (report.parent / "scatter_stars2.png").stat().st_size > 0 and (report.parent / "mr_bands.png").stat().st_size > 0
