"""The shared training engine: bucketing, resume after a kill, checkpoints, schedule,
early stopping, inference order and DistributedDataParallel on CPU."""

from __future__ import annotations

import dataclasses
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path


import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from attnphys.train import TensorSet, TrainConfig, fit, load_weights, predict
from attnphys.train.data import batch_plan, gather
from attnphys.train.schedule import LearningRate

TOY = Path(__file__).with_name("fit_toy.py")
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _padded_set(n: int = 500, width: int = 230, seed: int = 0) -> TensorSet:
    g = torch.Generator().manual_seed(seed)
    length = torch.clamp(torch.poisson(torch.full((n,), 60.0), generator=g).long(), 1, width)
    mask = torch.arange(width)[None, :] < length[:, None]
    towers = torch.randn(n, width, 3, generator=g) * mask[..., None]
    label = torch.arange(n) % 3
    return TensorSet({"towers": towers, "mask": mask, "length": length, "label": label}, "length", ("towers", "mask"))


def test_bucketed_batches_cover_every_row_once_and_are_trimmed():
    data = _padded_set()
    plan = batch_plan(data, 32, np.random.default_rng(0), pool=8)
    rows = np.concatenate(plan)
    assert sorted(rows.tolist()) == list(range(len(data)))
    padded_cells = 0
    for index in plan:
        batch = gather(data, index, torch.device("cpu"))
        longest = int(data["length"][index].max())
        assert batch["towers"].shape == (len(index), longest, 3)
        assert batch["mask"].shape == (len(index), longest)
        torch.testing.assert_close(batch["towers"], data["towers"][index][:, :longest], rtol=0, atol=0)
        assert (batch["mask"].sum(1) == data["length"][index]).all()
        padded_cells += len(index) * longest
    # sorting pools by length leaves far less padding than the 230-wide rows (about 60 real)
    assert padded_cells < 0.4 * len(data) * 230
    unsorted = sum(len(i) * int(data["length"][i].max()) for i in batch_plan(TensorSet(
        {"length": data["length"]}), 32, np.random.default_rng(0)))
    assert padded_cells < unsorted


def test_default_batches_mix_labels_that_follow_length():
    """Towers per jet follow the prong class; default batches must still be random samples."""
    n, classes = 2048, 4
    length = torch.randint(1, 200, (n,), generator=torch.Generator().manual_seed(1))
    label = length * classes // 200
    data = TensorSet({"length": length, "label": label}, "length")

    def majority(plan):
        return np.mean([np.bincount(label[i].numpy(), minlength=classes).max() / len(i) for i in plan])

    assert majority(batch_plan(data, 64, np.random.default_rng(0))) < 0.45
    assert majority(batch_plan(data, 64, np.random.default_rng(0), pool=16)) > 0.9
    assert TrainConfig().bucket_pool == 1


def test_plan_depends_on_the_rng_seed_only():
    data = _padded_set(200)
    a = batch_plan(data, 16, np.random.default_rng([3, 1, 0]), pool=4)
    b = batch_plan(data, 16, np.random.default_rng([3, 1, 0]), pool=4)
    c = batch_plan(data, 16, np.random.default_rng([3, 2, 0]), pool=4)
    assert all((x == y).all() for x, y in zip(a, b))
    assert not all(len(x) == len(y) and (x == y).all() for x, y in zip(a, c))


def test_predict_returns_rows_in_original_order():
    data = _padded_set(300)
    torch.manual_seed(0)
    model = nn.Linear(3, 4)

    def forward(net, batch):
        return (net(batch["towers"]) * batch["mask"][..., None]).sum(1)

    out = predict(model, data, forward, batch_size=17, device="cpu")
    with torch.no_grad():
        direct = forward(model, {"towers": data["towers"], "mask": data["mask"]})
    torch.testing.assert_close(out, direct, atol=1e-5, rtol=1e-5)


def test_schedule_warms_up_then_follows_cosine_or_plateau():
    cosine = LearningRate(TrainConfig(lr=1.0, warmup_frac=0.1, schedule="cosine"), total_steps=100)
    assert cosine.at(0) == pytest.approx(0.1) and cosine.at(9) == pytest.approx(1.0)
    assert cosine.at(10 + 45) == pytest.approx(0.5)
    assert cosine.at(99) == pytest.approx(0.5 * (1 + math.cos(math.pi * 89 / 90)))
    plateau = LearningRate(TrainConfig(lr=1.0, warmup_frac=0.0, schedule="plateau", patience=4), total_steps=100)
    for loss in (1.0, 0.9, 0.95, 0.95):
        plateau.end_epoch(loss)
    assert plateau.at(50) == pytest.approx(0.5)


@pytest.mark.parametrize(("rule", "factor"), [("none", 1.0), ("sqrt", 4.0), ("linear", 16.0)])
def test_peak_rate_scales_from_the_reference_batch(rule, factor):
    """lr is the peak at the reference batch; a 16x batch multiplies it by 1, 4, 16."""
    config = TrainConfig(lr=1e-3, batch_size=1024, lr_scaling=rule, lr_reference_batch=64, warmup_frac=0.0)
    assert config.peak_lr == pytest.approx(1e-3 * factor)
    assert LearningRate(config, total_steps=10).at(0) == pytest.approx(1e-3 * factor)
    assert TrainConfig(lr=1e-3, batch_size=64, lr_scaling=rule).peak_lr == pytest.approx(1e-3)
    assert "lr_scaling" in config.result_fields()
    with pytest.raises(ValueError, match="lr_scaling='cube'"):
        TrainConfig(lr_scaling="cube")


def test_rows_given_as_a_tensor_gather_the_same_batch():
    """The engine gathers each batch with a slice of the epoch's order already on the columns'
    device; it must be the batch that the numpy index gives."""
    data = _padded_set(100)
    plan = batch_plan(data, 16, np.random.default_rng(2))
    order = torch.from_numpy(np.concatenate(plan))
    start = 0
    for index in plan:
        by_tensor = gather(data, index, torch.device("cpu"), order[start : start + len(index)])
        by_index = gather(data, index, torch.device("cpu"))
        start += len(index)
        assert by_tensor.keys() == by_index.keys()
        for key in by_index:
            assert torch.equal(by_tensor[key], by_index[key])


def _run_toy(outdir: Path, *extra: str, ok: bool = True) -> subprocess.CompletedProcess:
    """The toy run as its own process (the script, not an import of it)."""
    proc = subprocess.run([sys.executable, str(TOY), str(outdir), *extra], capture_output=True, text=True, env=ENV)
    assert (proc.returncode == 0) == ok, proc.stderr[-3000:]
    return proc


def _epoch_of(checkpoint: Path) -> int:
    if not checkpoint.exists():
        return 0
    return int(torch.load(checkpoint, weights_only=True)["epoch"])


def test_killed_run_resumes_to_the_same_final_weights(tmp_path):
    epochs, args = 6, ("--epochs", "6", "--dropout", "0.2")
    _run_toy(tmp_path / "straight", *args)

    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(TOY), str(killed), *args, "--sleep", "0.03"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    deadline = time.monotonic() + 60
    while _epoch_of(killed / "checkpoint_last.pt") < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = _epoch_of(killed / "checkpoint_last.pt")
    assert 2 <= at_kill < epochs, "the run must be killed part-way for this check to mean anything"
    assert not (killed / "model.pt").exists()

    _run_toy(killed, *args)
    straight = load_weights(tmp_path / "straight" / "model.pt")
    resumed = load_weights(killed / "model.pt")
    assert straight["epoch"] == resumed["epoch"]
    for key, value in straight["state_dict"].items():
        assert torch.equal(value, resumed["state_dict"][key]), key
    last_a = torch.load(tmp_path / "straight" / "checkpoint_last.pt", weights_only=True)
    last_b = torch.load(killed / "checkpoint_last.pt", weights_only=True)
    for key, value in last_a["model"].items():
        assert torch.equal(value, last_b["model"][key]), key
    cols = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr"]
    a, b = (pd.read_csv(d / "history.csv")[cols] for d in (tmp_path / "straight", killed))
    assert len(a) == epochs
    pd.testing.assert_frame_equal(a, b)
    # a different configuration is refused, naming what differs
    refused = _run_toy(killed, "--epochs", "6", "--dropout", "0.3", ok=False)
    assert re.search(r"checkpoint_last\.pt.*fingerprint\.dropout: checkpoint 0\.2 != now 0\.3", refused.stderr)


class _Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(4, 2)

    def forward(self, x):
        return self.net(x)


def _loss(model, batch):
    out = model(batch["x"])
    loss = nn.functional.cross_entropy(out, batch["y"])
    return loss, {"correct": (out.argmax(1) == batch["y"]).sum(), "count": len(batch["y"])}


def _xy(n: int, flip: bool, seed: int) -> TensorSet:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    y = (x[:, 0] > 0).long()
    return TensorSet({"x": x, "y": 1 - y if flip else y})


def test_fingerprint_mismatch_is_a_clear_error_and_files_load_weights_only(tmp_path):
    config = TrainConfig(epochs=1, batch_size=16, device="cpu", threads=1)
    train, val = _xy(64, False, 0), _xy(32, False, 1)
    fit(_Tiny(), train, val, _loss, config, tmp_path / "model.pt", {"width": 4}, extra={"classes": ["a", "b"]})
    for name in ("checkpoint_last.pt", "model.pt"):
        loaded = torch.load(tmp_path / name, weights_only=True)
        assert isinstance(loaded, dict)
    assert load_weights(tmp_path / "model.pt")["extra"] == {"classes": ["a", "b"]}
    with pytest.raises(ValueError, match=r"checkpoint_last\.pt.*fingerprint\.width: checkpoint 4 != now 8"):
        fit(_Tiny(), train, val, _loss, config, tmp_path / "model.pt", {"width": 8})
    with pytest.raises(ValueError, match=r"train\.lr"):
        fit(_Tiny(), train, val, _loss, TrainConfig(epochs=1, batch_size=16, lr=0.5), tmp_path / "model.pt",
            {"width": 4})
    result = fit(_Tiny(), train, val, _loss, dataclasses.replace(config, restart_stale=True), tmp_path / "model.pt",
                 {"width": 8})
    assert result.epochs_run == 1
    assert load_weights(tmp_path / "model.pt")["fingerprint"]["fingerprint"] == {"width": 8}
    (tmp_path / "truncated.pt").write_bytes((tmp_path / "model.pt").read_bytes()[:100])
    with pytest.raises(ValueError, match="truncated.pt"):
        load_weights(tmp_path / "truncated.pt")


def test_early_stopping_keeps_the_best_epoch(tmp_path):
    # validation labels are the opposite of training labels: val loss rises as training learns
    config = TrainConfig(epochs=20, batch_size=16, lr=0.05, warmup_frac=0.0, patience=2, device="cpu", threads=1)
    torch.manual_seed(0)
    result = fit(_Tiny(), _xy(256, False, 0), _xy(64, True, 1), _loss, config, tmp_path / "model.pt", {})
    assert result.stopped_early and result.epochs_run == result.best_epoch + 2 < 20
    history = pd.read_csv(tmp_path / "history.csv")
    assert len(history) == result.epochs_run
    assert history["val_loss"].idxmin() + 1 == result.best_epoch
    best = load_weights(tmp_path / "model.pt")
    assert best["epoch"] == result.best_epoch and best["val_loss"] == pytest.approx(history["val_loss"].min())
    assert history["train_acc"].iloc[-1] > 0.8 and history["val_acc"].iloc[-1] < 0.2


def test_torchrun_two_gloo_processes_match_one_process(tmp_path):
    args = ("--epochs", "3", "--batch-size", "32")
    _run_toy(tmp_path / "single", *args)
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         str(TOY), str(tmp_path / "ddp"), *args],
        capture_output=True, text=True, env=ENV, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    single, ddp = (pd.read_csv(tmp_path / d / "history.csv") for d in ("single", "ddp"))
    for column in ("train_loss", "val_loss", "train_acc", "val_acc", "lr"):
        np.testing.assert_allclose(ddp[column], single[column], rtol=1e-5, atol=1e-6, err_msg=column)
    a = load_weights(tmp_path / "single" / "model.pt")["state_dict"]
    b = load_weights(tmp_path / "ddp" / "model.pt")["state_dict"]
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=1e-4, atol=1e-5)
