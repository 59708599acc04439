"""Training stage of SPA-NET on SPANet-layout files, through the shared training engine."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import torch

from attnphys.seeding import run_seed
from attnphys.spanet.h5layout import MatchingData, read_h5
from attnphys.spanet.metrics import correct_tops
from attnphys.spanet.models import SpaNet, assign, continuous_features, jet_features, matching_loss
from attnphys.stage_options import add_seed_option
from attnphys.train import TensorSet, TrainConfig, TrainResult, fit, predict
from attnphys.train.options import add_train_options, train_config
from attnphys.train.params import add_params_option, construct
from attnphys.train.record import model_record

log = logging.getLogger(__name__)

# `attnphys spanet train` without flags, and the defaults of config key spanet.train
# (tests/spanet/test_spanet_files.py keeps the schema and config.yaml equal to these): 100
# epochs (40 lose to chi2 at 6 jets), batch 64, lr 2e-3, patience 15, batches pooled by jet count.
TRAIN_DEFAULTS = TrainConfig(epochs=100, batch_size=64, lr=0.002, lr_scaling="sqrt", weight_decay=0.01, warmup_frac=0.05,
                             schedule="cosine", patience=15, bucket_pool=16)


def tensor_set(data: MatchingData) -> TensorSet:
    """Jets (real ones first), mask, targets and jet counts as one bucketed TensorSet."""
    data = data.packed()
    return TensorSet(
        {
            "x": torch.from_numpy(jet_features(data)),
            "mask": torch.from_numpy(data.mask),
            "targets": torch.from_numpy(data.targets),
            "njets": torch.from_numpy(data.njets.astype(np.int64)),
        },
        length_key="njets",
        padded_keys=("x", "mask"),
    )


def _loss(model: torch.nn.Module, batch: dict) -> tuple[torch.Tensor, dict]:
    logp = model(batch["x"], batch["mask"])
    loss = matching_loss(logp, batch["targets"])
    truth = batch["targets"]
    correct = correct_tops(assign(logp.detach()), truth).sum()  # counted on the device: no read-back per step
    return loss, {"correct": correct, "count": (truth >= 0).all(-1).sum()}


def trainable(data: MatchingData) -> MatchingData:
    """Events with at least one matchable top: the others carry no target."""
    return data.subset((data.targets >= 0).all(-1).any(-1))


def train_spanet(
    train_file: Path, val_file: Path, model_path: Path, history_path: Path, config: TrainConfig,
    model_params: dict,
) -> TrainResult:
    """Fit SPA-NET with the input standardisation taken from the training split.

    Events with no matchable top carry no target and are dropped; their counts go to the
    model record (``extra.events``: per split, events read and events trained on)."""
    read = {"train": read_h5(train_file), "val": read_h5(val_file)}
    train, val = trainable(read["train"]), trainable(read["val"])
    events = {"train_read": len(read["train"]), "train_used": len(train), "train_dropped": len(read["train"]) - len(train),
              "val_read": len(read["val"]), "val_used": len(val), "val_dropped": len(read["val"]) - len(val)}
    if events["train_dropped"] or events["val_dropped"]:
        log.info("SPA-NET: dropped %d train / %d val events with no matchable top",
                 events["train_dropped"], events["val_dropped"])
    torch.manual_seed(config.seed)
    model = construct(SpaNet, model_params, "spanet.model")
    model.scale.fit(continuous_features(jet_features(train), train.mask))
    log.info("SPA-NET: %d parameters, %d train / %d val events",
             sum(p.numel() for p in model.parameters()), len(train), len(val))
    fingerprint = {"model": model_params, "train_events": len(train), "val_events": len(val),
                   "train_file": Path(train_file).name, "max_jets": train.max_jets}
    extra = model_record("spanet", model_params, {}, events=events)
    return fit(model, tensor_set(train), tensor_set(val), _loss, config, Path(model_path), fingerprint,
               history_path=Path(history_path), extra=extra)


def spanet_assign(model: SpaNet, data: MatchingData, device: str = "cpu", batch_size: int = 512) -> np.ndarray:
    """Greedy SPA-NET assignment ``[N, 2, 3]`` in the jet indices of ``data.packed()``."""
    out = predict(model, tensor_set(data), lambda m, b: assign(m(b["x"], b["mask"])), batch_size, device)
    return out.round().long().numpy()


def _run(args: argparse.Namespace) -> None:
    train_spanet(args.train, args.val, args.out_model, args.out_history,
                 train_config(args, seed=run_seed(args.seed, "spanet")), args.params)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("train", help="train SPA-NET (defaults: the config's spanet.train)")
    p.add_argument("--train", type=Path, required=True, help="train split .h5 (SPANet layout)")
    p.add_argument("--val", type=Path, required=True, help="validation split .h5 (SPANet layout)")
    p.add_argument("--out-model", type=Path, required=True, help="model.pt to write (checkpoint_last.pt goes beside it)")
    p.add_argument("--out-history", type=Path, required=True, help="history.csv to write")
    add_train_options(p, TRAIN_DEFAULTS)
    add_params_option(p, "SpaNet (spanet/models.py)")
    add_seed_option(p)
    p.set_defaults(func=_run)
