"""``attnphys spanet train`` called directly on tiny SPANet files: events without a matchable
top are dropped and counted, the input standardisation comes from the training split's real
jets, and the run's seed is ``run_seed(master seed, "spanet")`` and fixes the weights."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from attnphys.cli import main
from attnphys.seeding import run_seed
from attnphys.spanet.h5layout import write_h5
from attnphys.spanet.models import MODELS
from attnphys.spanet.train import TRAIN_DEFAULTS, train_spanet, trainable
from attnphys.train import TrainConfig
from attnphys.train.engine import HISTORY_COLUMNS
from attnphys.train.record import load_model, load_weights

SMALL = {"dim": 8, "heads": 2, "layers": 1, "branch_layers": 1, "tensor_dim": 4}
EPOCHS = 2


@pytest.fixture
def splits(tmp_path, rng, make_events):
    """train.h5 (40 events, the first 6 with no matchable top) and val.h5 (12 events, the first 2
    such), and their events."""
    train, val = make_events(40, 8, rng), make_events(12, 8, rng)
    train.targets[:6, :, 0] = -1
    val.targets[:2, :, 1] = -1
    for name, data in (("train", train), ("val", val)):
        write_h5(tmp_path / f"{name}.h5", data)
    return tmp_path / "train.h5", tmp_path / "val.h5", train, val


def _config(seed: int) -> TrainConfig:
    """The command line's settings (its defaults and the flags of ``_cli``)."""
    return dataclasses.replace(TRAIN_DEFAULTS, epochs=EPOCHS, batch_size=16, patience=EPOCHS, device="cpu",
                               threads=1, seed=seed)


def test_events_without_a_matchable_top_are_dropped_and_counted(tmp_path, splits):
    train_file, val_file, train, val = splits
    kept, kept_val = ((d.targets >= 0).all(-1).any(-1) for d in (train, val))
    assert len(trainable(train)) == kept.sum() and not kept[:6].any() and not kept_val[:2].any()
    train_spanet(train_file, val_file, tmp_path / "m/model.pt", tmp_path / "m/history.csv", _config(1), SMALL)
    _, info = load_model(tmp_path / "m/model.pt", MODELS)
    assert info["events"] == {"train_read": 40, "train_used": kept.sum(), "train_dropped": 40 - kept.sum(),
                              "val_read": 12, "val_used": kept_val.sum(), "val_dropped": 12 - kept_val.sum()}
    history = pd.read_csv(tmp_path / "m/history.csv")
    assert tuple(history.columns) == HISTORY_COLUMNS and history["epoch"].tolist() == list(range(1, EPOCHS + 1))


def test_standardisation_comes_from_the_real_jets_of_the_training_split(tmp_path, splits):
    train_file, val_file, train, _ = splits
    train_spanet(train_file, val_file, tmp_path / "model.pt", tmp_path / "history.csv", _config(1), SMALL)
    model, _ = load_model(tmp_path / "model.pt", MODELS)
    used = trainable(train)
    real = used.mask
    expected = np.stack([np.log(used.pt[real]), used.eta[real], used.phi[real],
                         np.log(np.maximum(used.mass[real], 1e-3))], axis=-1).astype(np.float64)
    np.testing.assert_allclose(model.scale.mean.numpy(), expected.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.scale.std.numpy(), expected.std(0), rtol=1e-5, atol=1e-6)


def _cli(splits, out, seed: int) -> int:
    train_file, val_file, _, _ = splits
    return main(["spanet", "train", "--train", str(train_file), "--val", str(val_file),
                 "--out-model", str(out / "model.pt"), "--out-history", str(out / "history.csv"),
                 "--epochs", str(EPOCHS), "--batch-size", "16", "--patience", str(EPOCHS), "--device", "cpu",
                 "--threads", "1", "--params", '{"dim": 8, "heads": 2, "layers": 1, "branch_layers": 1, '
                 '"tensor_dim": 4}', "--seed", str(seed)])


def test_the_run_seed_derives_from_the_master_seed_and_fixes_the_weights(tmp_path, splits):
    assert _cli(splits, tmp_path / "a", 5) == 0
    record = load_weights(tmp_path / "a/model.pt")
    assert record["fingerprint"]["train"]["seed"] == run_seed(5, "spanet")
    train_file, val_file, _, _ = splits
    train_spanet(train_file, val_file, tmp_path / "b/model.pt", tmp_path / "b/history.csv",
                 _config(run_seed(5, "spanet")), SMALL)
    again = load_weights(tmp_path / "b/model.pt")["state_dict"]
    assert all(torch.equal(record["state_dict"][k], again[k]) for k in again)
    assert _cli(splits, tmp_path / "c", 6) == 0
    other = load_weights(tmp_path / "c/model.pt")["state_dict"]
    assert not all(torch.equal(other[k], again[k]) for k in again)
