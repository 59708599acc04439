"""Train one classifier on dataset.h5 through the shared engine (attnphys.train).

Loss: cross-entropy of the event class, plus for the transformer models the mean
cross-entropy over the real prongs of their class. Training and inference both use the
reconstructed prongs, each labelled by its dominant true particle (as TransformerCVN
does); the evaluation also scores the truth prongs. Training on truth prongs and testing
on reconstructed ones was measured first: the transformer reached 77 % validation accuracy
on truth prongs but 65 % on the test events with reconstructed prongs (docs/neutrino.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from attnphys.neutrino.models import MODELS, build_model, model_sizes, parameter_count
from attnphys.neutrino.pixelmap import read_dataset
from attnphys.seeding import run_seed
from attnphys.stage_options import add_output, add_replica_option, add_seed_option
from attnphys.train import TensorSet, TrainConfig, fit
from attnphys.train.options import add_train_options, train_config
from attnphys.train.params import add_params_option
from attnphys.train.record import model_record

MAP_KEYS = ("pixel_maps", "truth_prong_index", "reco_prong_index", "truth_prong_label", "reco_prong_label",
            "event_label", "split", "event")


def tensors(data: dict, rows: np.ndarray, prongs: str) -> TensorSet:
    return TensorSet({
        "maps": torch.from_numpy(data["pixel_maps"][rows]),
        "prong_index": torch.from_numpy(data[f"{prongs}_prong_index"][rows]),
        "event_label": torch.from_numpy(data["event_label"][rows].astype(np.int64)),
        "prong_label": torch.from_numpy(data[f"{prongs}_prong_label"][rows].astype(np.int64)),
    })


def loss_fn(model, batch):
    event_logits, prong_logits = model(batch["maps"], batch["prong_index"])
    loss = F.cross_entropy(event_logits, batch["event_label"])
    if prong_logits is not None:
        labels = batch["prong_label"]
        if (labels >= 0).any():
            loss = loss + F.cross_entropy(prong_logits.reshape(-1, prong_logits.shape[-1]).float(), labels.reshape(-1),
                                          ignore_index=-1)
    correct = (event_logits.argmax(1) == batch["event_label"]).sum()
    return loss, {"correct": correct, "count": float(len(event_logits))}


def train_model(dataset: Path, name: str, model_path: Path, history_path: Path, config: TrainConfig, params: dict,
                replica: int) -> dict:
    """Train model ``name`` (``replica`` of the config's ``neutrino.seeds``; ``config.seed`` is
    the run's seed, :func:`attnphys.seeding.run_seed` of the master seed, the model and the replica)."""
    data, attrs = read_dataset(dataset, MAP_KEYS)
    classes, prong_classes = list(attrs["classes"]), list(attrs["prong_classes"])
    sizes = model_sizes(name, len(classes), len(prong_classes), int(attrs["max_prongs"]))
    torch.manual_seed(config.seed)
    model = build_model(name, params, sizes)
    split = data["split"]
    train, val = tensors(data, np.flatnonzero(split == 0), "reco"), tensors(data, np.flatnonzero(split == 1), "reco")
    extra = model_record(name, params, sizes, seed=replica, classes=classes, prong_classes=prong_classes,
                         max_prongs=int(attrs["max_prongs"]), parameters=parameter_count(model))
    fingerprint = {"model": name, "params": params, "dataset": str(dataset), "rows": len(split), "prongs": "reco"}
    result = fit(model, train, val, loss_fn, config, Path(model_path), fingerprint, history_path=Path(history_path),
                 extra=extra)
    return {"best_epoch": result.best_epoch, "parameters": parameter_count(model)}


def _run(args: argparse.Namespace) -> None:
    config = train_config(args, seed=run_seed(args.seed, "neutrino", args.model, args.replica))
    train_model(args.dataset, args.model, args.out_model, args.out_history, config, args.params, args.replica)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("train", help="train cvn | transformer | ablation with attnphys.train")
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--model", choices=tuple(MODELS), required=True)
    add_params_option(p, "the model's constructor (neutrino/models.py)")
    add_seed_option(p)
    add_replica_option(p)
    add_train_options(p)
    add_output(p, "model", "model.pt to write (checkpoint_last.pt goes beside it)")
    add_output(p, "history", "history.csv to write")
    p.set_defaults(func=_run)
