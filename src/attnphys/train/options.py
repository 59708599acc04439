"""Command-line options of a training run, shared by every area's ``train`` stage, and the
``--device`` option of every stage that runs a model.

Each area's CLI adds these with :func:`add_train_options` and turns them into a
:class:`TrainConfig` with :func:`train_config`, so the flags, their defaults and their
meaning are the same for the jet taggers, SPA-NET and the neutron-star network.
"""

from __future__ import annotations

import argparse

from attnphys.train.config import DEVICES, SCHEDULES, TrainConfig

_DEFAULTS = TrainConfig()


def add_train_options(parser: argparse.ArgumentParser) -> None:
    """Add the optimiser, schedule and hardware flags (defaults from :class:`TrainConfig`)."""
    group = parser.add_argument_group("training (attnphys.train)")
    group.add_argument("--epochs", type=int, default=_DEFAULTS.epochs)
    group.add_argument("--batch-size", type=int, default=_DEFAULTS.batch_size)
    group.add_argument("--lr", type=float, default=_DEFAULTS.lr)
    group.add_argument("--weight-decay", type=float, default=_DEFAULTS.weight_decay)
    group.add_argument("--warmup-frac", type=float, default=_DEFAULTS.warmup_frac)
    group.add_argument("--schedule", choices=SCHEDULES, default=_DEFAULTS.schedule)
    group.add_argument("--patience", type=int, default=_DEFAULTS.patience,
                       help="early stopping: epochs without a better validation loss")
    group.add_argument("--bucket-pool", type=int, default=_DEFAULTS.bucket_pool,
                       help="batches drawn at random and sorted by length together (1: random batches)")
    add_device_option(group)
    group.add_argument("--threads", type=int, default=_DEFAULTS.threads,
                       help="torch threads (0: torch's default)")
    group.add_argument("--compile", action="store_true", help="torch.compile the model")
    group.add_argument("--restart-stale", action="store_true",
                       help="start afresh if checkpoint_last.pt was written for other settings (else: error)")


def add_device_option(parser) -> None:
    """``--device`` of every stage that runs a model (training, evaluation, prediction)."""
    parser.add_argument("--device", choices=DEVICES, default=_DEFAULTS.device,
                        help="auto: CUDA when available (default)")


def train_config(args: argparse.Namespace, **fixed) -> TrainConfig:
    """The :class:`TrainConfig` of parsed flags; ``fixed`` sets fields the area decides (seed)."""
    return TrainConfig(
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay,
        warmup_frac=args.warmup_frac, schedule=args.schedule, patience=args.patience,
        bucket_pool=args.bucket_pool, device=args.device, threads=args.threads, compile=args.compile,
        restart_stale=args.restart_stale, **fixed,
    )
