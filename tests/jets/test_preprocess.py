"""Jet preprocessing (invariance under rotations, reflections and shifts of a jet),
augmentation (reproducible from the seed, preserves the jet), the nested training subsets
of learning curves, and their use by the train and evaluate stages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from attnphys.jets.evaluate import evaluate_tagger
from attnphys.jets.nested_subsets import nested_subset
from attnphys.jets.preprocess import canonical_frame, check_settings, rotate_and_reflect
from attnphys.jets.models import MODELS
from attnphys.jets.split import read_jets
from attnphys.jets.train import in_frame, jet_tensors, logits, train_tagger
from attnphys.train import TrainConfig, load_weights, predict
from attnphys.train.record import load_model

CLASSES = ["1", "2", "3", "4b", "4q", "6", "8"]
MAX_TOWERS = 80
SMALL_PFN = {"phi": [16, 16], "f": [32]}


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def toy_towers(n_jets: int, rng: np.random.Generator, prongs=None):
    """(ln pT, deta, dphi) of toy jets with ``prongs[j]`` clusters each, and their mask."""
    prongs = rng.integers(1, 8, n_jets) if prongs is None else prongs
    n_towers = rng.integers(3, MAX_TOWERS + 1, n_jets)
    towers = np.zeros((n_jets, MAX_TOWERS, 3), np.float32)
    for j, (k, count) in enumerate(zip(prongs, n_towers)):
        centres = rng.normal(0, 0.4, (k, 2))
        which = rng.integers(0, k, count)
        towers[j, :count, 1:] = centres[which] + rng.normal(0, 0.05, (count, 2))
        towers[j, :count, 0] = np.log(rng.exponential(20.0, count) + 0.5)
    mask = np.arange(MAX_TOWERS) < n_towers[:, None]
    return towers * mask[..., None], mask


def moved(towers: np.ndarray, mask: np.ndarray, angle: np.ndarray, reflect: np.ndarray, shift: np.ndarray):
    """Each jet rotated by ``angle`` about its axis, reflected where ``reflect``, then shifted."""
    x, y = towers[..., 1], np.where(reflect[:, None], -towers[..., 2], towers[..., 2])
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    out = towers.copy()
    out[..., 1] = c * x - s * y + shift[:, :1]
    out[..., 2] = s * x + c * y + shift[:, 1:]
    return (out * mask[..., None]).astype(np.float32)


def test_standard_frame_makes_rotated_reflected_and_shifted_copies_identical():
    rng = np.random.default_rng(1)
    towers, mask = toy_towers(200, rng)
    n = len(towers)
    copy = moved(towers, mask, rng.uniform(0, 2 * np.pi, n), rng.random(n) < 0.5, rng.normal(0, 0.2, (n, 2)))
    assert np.abs(copy - towers).max() > 0.5
    np.testing.assert_allclose(canonical_frame(copy, mask, "standard"), canonical_frame(towers, mask, "standard"),
                               atol=2e-5, rtol=0)
    # Without preprocessing, or with centring only, the copies stay different inputs.
    assert np.abs(canonical_frame(copy, mask, "centre") - canonical_frame(towers, mask, "centre")).max() > 0.5
    assert canonical_frame(copy, mask, "none") is copy


def test_standard_frame_conventions():
    rng = np.random.default_rng(2)
    towers, mask = toy_towers(100, rng, prongs=np.full(100, 2))
    out = canonical_frame(towers, mask, "standard")
    w = np.exp(out[..., 0].astype(np.float64)) * mask
    x, y = out[..., 1].astype(np.float64), out[..., 2].astype(np.float64)
    np.testing.assert_allclose((w * x).sum(1) / w.sum(1), 0, atol=1e-5)
    np.testing.assert_allclose((w * y).sum(1) / w.sum(1), 0, atol=1e-5)
    sxx, syy, sxy = (w * x * x).sum(1), (w * y * y).sum(1), (w * x * y).sum(1)
    np.testing.assert_allclose(sxy / (sxx + syy), 0, atol=1e-5)
    assert (sxx >= syy).all()
    assert ((w * (x > 0)).sum(1) >= (w * (x < 0)).sum(1)).all()
    assert ((w * (y > 0)).sum(1) >= (w * (y < 0)).sum(1)).all()
    assert (out[~mask] == 0).all() and np.array_equal(out[..., 0], towers[..., 0])


def test_augmentation_keeps_the_jet_and_is_reproducible_from_the_seed():
    towers, mask = (torch.from_numpy(a) for a in toy_towers(20, np.random.default_rng(3)))
    first = rotate_and_reflect(towers, torch.Generator().manual_seed(5))
    again = rotate_and_reflect(towers, torch.Generator().manual_seed(5))
    other = rotate_and_reflect(towers, torch.Generator().manual_seed(6))
    assert torch.equal(first, again) and not torch.allclose(first, other)
    assert torch.equal(first[..., 0], towers[..., 0]) and (first[~mask] == 0).all()
    # distances to the axis and between towers are kept: a rotation/reflection about the axis
    torch.testing.assert_close(first[..., 1:].norm(dim=-1), towers[..., 1:].norm(dim=-1), atol=1e-5, rtol=0)
    def distances(t):
        xy = t[..., 1:].double()
        return (xy.unsqueeze(2) - xy.unsqueeze(1)).norm(dim=-1)

    torch.testing.assert_close(distances(first), distances(towers), atol=1e-5, rtol=0)
    assert not torch.allclose(first, towers)


def test_augmentation_with_the_standard_frame_is_refused():
    with pytest.raises(ValueError, match="augment.*standard"):
        check_settings("standard", True)
    with pytest.raises(ValueError, match="preprocess.*'tilt'"):
        check_settings("tilt", False)


def _fixed(values: np.ndarray, kind) -> pa.Array:
    return pa.FixedSizeListArray.from_arrays(pa.array(values.reshape(-1), kind), values.shape[1])


def write_split(path: Path, n_per_class: int, rng: np.random.Generator, name: str) -> None:
    """Toy split with the dataset contract: class k has k+1 tower clusters."""
    labels = np.repeat(np.arange(len(CLASSES)), n_per_class)
    towers, mask = toy_towers(len(labels), rng, prongs=labels + 1)
    n = len(labels)
    columns = {
        "label": pa.array(labels, pa.int64()),
        "class": pa.array([CLASSES[k] for k in labels]),
        "jet_pt": pa.array(rng.uniform(1000, 1200, n), pa.float32()),
        "jet_mass": pa.array(rng.uniform(300, 700, n), pa.float32()),
        "tower_pt": _fixed(np.where(mask, np.exp(towers[..., 0]), 0).astype(np.float32), pa.float32()),
        "tower_deta": _fixed(towers[..., 1], pa.float32()),
        "tower_dphi": _fixed(towers[..., 2], pa.float32()),
        "tower_mask": _fixed(mask, pa.bool_()),
        "source_file": pa.array([f"{name}_{k}.root" for k in labels]),
        "source_entry": pa.array(np.arange(n) // 2, pa.int64()),  # two jets per event
        "source_jet": pa.array(np.arange(n) % 2, pa.int64()),
    }
    for N in range(1, 9):
        for beta in (1, 2):
            columns[f"tau{N}_b{beta}"] = pa.array(rng.uniform(0, 1, n) / N, pa.float32())
    pq.write_table(pa.table(columns), path)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dataset")
    rng = np.random.default_rng(7)
    for split, n in (("train", 16), ("val", 4), ("test", 6)):
        write_split(folder / f"{split}.parquet", n, rng, split)
    return folder


def splits(folder: Path) -> tuple[Path, Path]:
    return folder / "train.parquet", folder / "val.parquet"


def outputs(folder: Path) -> tuple[Path, Path]:
    return folder / "model.pt", folder / "history.csv"


def test_nested_subsets_are_nested_balanced_and_ignore_row_order(tmp_path, dataset):
    path = dataset / "train.parquet"
    table = pq.read_table(path)
    subsets = {f: nested_subset(path, f, 11, 0) for f in (0.125, 0.25, 0.5, 1.0)}
    assert subsets[1.0].tolist() == list(range(table.num_rows))
    labels = table.column("label").to_numpy()
    for small, large in ((0.125, 0.25), (0.25, 0.5), (0.5, 1.0)):
        assert set(subsets[small]) < set(subsets[large])
    for f, rows in subsets.items():
        assert np.bincount(labels[rows], minlength=7).tolist() == [max(1, round(f * 16))] * 7
    assert set(nested_subset(path, 0.5, 11, 1)) != set(subsets[0.5])
    shuffled = table.take(np.random.default_rng(0).permutation(table.num_rows))
    pq.write_table(shuffled, tmp_path / "train.parquet")
    def provenance(t, rows):
        return sorted(zip(*(t.column(c).to_numpy()[rows] for c in ("source_entry", "source_jet"))))

    assert provenance(shuffled, nested_subset(tmp_path / "train.parquet", 0.5, 11, 0)) == provenance(
        table, subsets[0.5])
    with pytest.raises(ValueError, match="fraction"):
        nested_subset(path, 0.0, 11, 0)


def test_nested_subsets_rank_each_jet_of_an_event_on_its_own(dataset):
    """The ranking is keyed on (file, entry, jet): the two jets of one event are drawn apart,
    so a half subset splits some events (keyed on the event, it would keep whole events)."""
    path = dataset / "train.parquet"
    table = pq.read_table(path, columns=["source_file", "source_entry"])
    events = [f"{f}|{e}" for f, e in zip(table.column("source_file").to_pylist(),
                                         table.column("source_entry").to_pylist())]
    kept = nested_subset(path, 0.5, 11, 0)
    per_event = {}
    for row in kept:
        per_event[events[row]] = per_event.get(events[row], 0) + 1
    assert 1 in per_event.values()


def test_training_on_a_fraction_records_it(tmp_path, dataset):
    config = TrainConfig(epochs=1, batch_size=32, device="cpu", threads=1)
    train_tagger("hl_dnn", 0, *splits(dataset), *outputs(tmp_path), config, {"width": 8, "depth": 1, "bottleneck": 4},
                 base_seed=3, train_fraction=0.25)
    extra = load_weights(tmp_path / "model.pt")["extra"]
    assert extra["train_fraction"] == 0.25 and extra["n_train"] == 28
    assert extra["n_train_per_class"] == [4] * 7 and extra["preprocess"] == "none"


def test_augmented_training_is_reproducible_from_the_seed(tmp_path, dataset):
    config = TrainConfig(epochs=1, batch_size=32, device="cpu", threads=1)

    def weights(seed: int, folder: str):
        train_tagger("pfn", 0, *splits(dataset), *outputs(tmp_path / folder), config, SMALL_PFN, base_seed=seed,
                     augment=True)
        return load_weights(tmp_path / folder / "model.pt")["state_dict"]

    first, again, other = weights(1, "a"), weights(1, "b"), weights(2, "c")
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not all(torch.equal(first[k], other[k]) for k in first)
    plain = train_tagger("pfn", 0, *splits(dataset), *outputs(tmp_path / "d"), config, SMALL_PFN, base_seed=1)
    augmented = load_weights(tmp_path / "a" / "model.pt")
    assert augmented["extra"]["augment"] is True and plain.epochs_run == 1
    assert not all(torch.equal(first[k], load_weights(tmp_path / "d" / "model.pt")["state_dict"][k]) for k in first)


def test_evaluation_applies_the_recorded_preprocessing(tmp_path, dataset):
    config = TrainConfig(epochs=1, batch_size=32, device="cpu", threads=1)
    train_tagger("pfn", 0, *splits(dataset), *outputs(tmp_path / "model"), config, SMALL_PFN, base_seed=1,
                 preprocess="standard")
    model, info = load_model(tmp_path / "model" / "model.pt", MODELS)
    assert info["preprocess"] == "standard"
    train = in_frame(read_jets(dataset / "train.parquet"), "standard")
    np.testing.assert_allclose(model.scale.mean.numpy(), train.towers[train.mask].mean(0), rtol=1e-4, atol=1e-5)
    metrics = evaluate_tagger(tmp_path / "model" / "model.pt", dataset / "test.parquet",
                              tmp_path / "eval" / "predictions.parquet", tmp_path / "eval" / "metrics.json",
                              device="cpu")
    assert metrics["preprocess"] == "standard"
    test = read_jets(dataset / "test.parquet")
    inputs = tuple(info["inputs"])

    def accuracy(jets):
        out = predict(model, jet_tensors(jets, inputs), lambda net, b: logits(net, b, inputs), 64, "cpu")
        return float((out.argmax(1).numpy() == jets.label).mean()), out

    framed, raw = accuracy(in_frame(test, "standard")), accuracy(test)
    assert metrics["accuracy"] == pytest.approx(framed[0])
    assert not torch.allclose(framed[1], raw[1], atol=1e-3)


def test_cli_refuses_augmentation_with_the_standard_frame(tmp_path, dataset):
    cmd = [sys.executable, "-m", "attnphys.cli", "jets", "train", "--model", "pfn",
           "--train", str(dataset / "train.parquet"), "--val", str(dataset / "val.parquet"),
           "--out-model", str(tmp_path / "model.pt"), "--out-history", str(tmp_path / "history.csv"),
           "--epochs", "1", "--device", "cpu", "--preprocess", "standard", "--augment",
           "--params", json.dumps(SMALL_PFN)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 2 and "augment" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "model.pt").exists()
