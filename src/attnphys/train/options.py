"""Command-line options of a training run, shared by every area's ``train`` stage, and the
``--device`` option of every stage that runs a model.

Each area's CLI adds these with :func:`add_train_options` and turns them into a
:class:`TrainConfig` with :func:`train_config`, so the flags, their defaults and their
meaning are the same for the jet taggers, SPA-NET and the neutron-star network.
"""

from __future__ import annotations

import argparse
import dataclasses
import math

from attnphys.train.config import DEVICES, LR_SCALINGS, SCHEDULES, TrainConfig
from attnphys.validate.arguments import json_object, non_negative_int, positive_int

_DEFAULTS = TrainConfig()
# The settings --train-json may carry: those of the flags below that a config's `train` block sets.
TRAIN_JSON_KEYS = ("epochs", "batch_size", "lr", "lr_scaling", "lr_reference_batch", "weight_decay", "warmup_frac",
                   "schedule", "patience", "bucket_pool", "compile")


def add_train_options(parser: argparse.ArgumentParser, defaults: TrainConfig = _DEFAULTS) -> None:
    """Add the optimiser, schedule and hardware flags, with ``defaults`` (an area's own, or
    :class:`TrainConfig`'s); every help line ends with its default."""
    group = parser.add_argument_group("training (attnphys.train)")
    group.add_argument("--epochs", type=positive_int, default=defaults.epochs,
                       help="training epochs, an upper bound with early stopping (default: %(default)s)")
    group.add_argument("--batch-size", type=positive_int, default=defaults.batch_size,
                       help="rows per batch (default: %(default)s)")
    group.add_argument("--lr", type=float, default=defaults.lr, help="peak AdamW learning rate (default: %(default)s)")
    group.add_argument("--lr-scaling", choices=sorted(LR_SCALINGS), default=defaults.lr_scaling,
                       help="peak rate = lr x (batch size / --lr-reference-batch)^(0, 1/2, 1) for none, sqrt, "
                            "linear (default: %(default)s)")
    group.add_argument("--lr-reference-batch", type=int, default=defaults.lr_reference_batch,
                       help="the batch size at which --lr is the peak rate (default: %(default)s)")
    group.add_argument("--weight-decay", type=float, default=defaults.weight_decay,
                       help="AdamW weight decay (default: %(default)s)")
    group.add_argument("--warmup-frac", type=float, default=defaults.warmup_frac,
                       help="fraction of the steps with a linear warm-up (default: %(default)s)")
    group.add_argument("--schedule", choices=SCHEDULES, default=defaults.schedule,
                       help="learning-rate schedule after warm-up (default: %(default)s)")
    group.add_argument("--patience", type=int, default=defaults.patience,
                       help="early stopping: epochs without a better validation loss (default: %(default)s)")
    group.add_argument("--bucket-pool", type=positive_int, default=defaults.bucket_pool,
                       help="batches drawn at random and sorted by length together (1: random batches) "
                            "(default: %(default)s)")
    add_device_option(group)
    group.add_argument("--threads", type=non_negative_int, default=defaults.threads,
                       help="torch threads, 0: torch's default (default: %(default)s)")
    group.add_argument("--compile", action="store_true", help="torch.compile the model (default: off)")
    group.add_argument("--restart-stale", action="store_true",
                       help="start afresh if checkpoint_last.pt was written for other settings (default: error)")
    group.add_argument("--train-json", type=train_json, default={},
                       help=f"the training settings as one JSON object (keys {', '.join(TRAIN_JSON_KEYS)}), "
                            "overriding the flags above; the workflow passes its config's `train` block this way (default: none)")


def train_json(text: str) -> dict:
    """argparse type of ``--train-json``: a JSON object of :data:`TRAIN_JSON_KEYS`, each value of
    its :class:`TrainConfig` field's type (ranges are TrainConfig's)."""
    settings = json_object(text)
    unknown = sorted(set(settings) - set(TRAIN_JSON_KEYS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown key(s) {unknown}; allowed {list(TRAIN_JSON_KEYS)}")
    kinds = {f.name: f.type for f in dataclasses.fields(TrainConfig)}
    for key, value in settings.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        ok = {"int": number and isinstance(value, int), "float": number and math.isfinite(value),
              "str": isinstance(value, str), "bool": isinstance(value, bool)}[kinds[key]]
        if not ok:
            raise argparse.ArgumentTypeError(f"{key}: expected a {kinds[key]}, got {value!r}")
    return settings


def add_device_option(parser) -> None:
    """``--device`` of every stage that runs a model (training, evaluation, prediction)."""
    parser.add_argument("--device", choices=DEVICES, default=_DEFAULTS.device,
                        help="auto: CUDA when available, else the CPU (default: %(default)s)")


def train_config(args: argparse.Namespace, **fixed) -> TrainConfig:
    """The :class:`TrainConfig` of parsed flags (``--train-json`` over the single flags); ``fixed``
    sets fields the area decides (seed)."""
    flags = {key: getattr(args, key) for key in TRAIN_JSON_KEYS}
    return TrainConfig(**(flags | getattr(args, "train_json", {})), device=args.device, threads=args.threads,
                       restart_stale=args.restart_stale, **fixed)
