"""Training stage of the jet taggers: Parquet dataset -> tensors -> ``attnphys.train.fit``.

Inputs per jet (``attnphys.jets.split``): ``hl`` (jet mass + 16 N-subjettiness values) for
``hl_dnn``; ``towers`` with their ``mask`` for ``pfn`` and ``transformer``, in batches bucketed
by tower count and trimmed to their longest jet.
Standardisation statistics come from the training split only (towers: real ones only) and
are stored in the model's ``scale`` buffers, hence in ``model.pt``. Loss: cross-entropy.
Tower models take an optional jet preprocessing and training-time rotations/reflections
(``attnphys.jets.preprocess``), recorded in the model record and reapplied at evaluation; a
learning curve trains on a nested fraction of the training split
(``attnphys.jets.nested_subsets``).
Classes come from the config (``--classes``, ``jets.classes`` in label order): the model has
one output per class and records their names; both splits are checked against them
(``attnphys.validate.dataset``) before the first epoch.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import logging
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from attnphys.jets.frames import PREPROCESS_MODES, check_settings
from attnphys.jets.models import MODELS, build_model, count_parameters, hl_columns, model_class
from attnphys.jets.nested_subsets import nested_subset, take_rows
from attnphys.jets.preprocess import canonical_frame, rotate_and_reflect
from attnphys.jets.split import Jets, read_jets, read_preprocessing
from attnphys.seeding import run_seed
from attnphys.stage_options import add_replica_option, add_seed_option
from attnphys.train import TensorSet, TrainConfig, TrainResult, fit
from attnphys.train.options import add_train_options, train_config
from attnphys.train.params import add_params_option
from attnphys.train.record import model_record
from attnphys.validate.dataset import check_split

log = logging.getLogger(__name__)


def jet_tensors(jets: Jets, inputs: tuple[str, ...]) -> TensorSet:
    """The model's inputs plus ``label``; tower inputs are bucketed by tower count."""
    columns = {"label": torch.from_numpy(jets.label)}
    if "hl" in inputs:
        columns["hl"] = torch.from_numpy(jets.hl)
    if "towers" in inputs:
        columns |= {"towers": torch.from_numpy(jets.towers), "mask": torch.from_numpy(jets.mask),
                    "length": torch.from_numpy(jets.length)}
        return TensorSet(columns, length_key="length", padded_keys=("towers", "mask"))
    return TensorSet(columns)


def standardise_from(model: torch.nn.Module, jets: Jets) -> None:
    """Set the model's input scaling from the training split (towers: real ones only)."""
    model.scale.fit(jets.hl if model.inputs == ("hl",) else jets.towers[jets.mask])
    if hasattr(model, "fit_pair_scale"):
        model.fit_pair_scale(torch.from_numpy(jets.towers), torch.from_numpy(jets.mask))


def in_frame(jets: Jets, preprocess: str) -> Jets:
    """``jets`` with its towers in the frame of ``preprocess`` (see attnphys.jets.preprocess)."""
    if preprocess == "none" or jets.towers.shape[1] == 0:
        return jets
    return dataclasses.replace(jets, towers=canonical_frame(jets.towers, jets.mask, preprocess))


def logits(model: torch.nn.Module, batch: dict, inputs: tuple[str, ...]) -> torch.Tensor:
    return model(*(batch[key] for key in inputs))


def cross_entropy(model: torch.nn.Module, batch: dict, inputs: tuple[str, ...], augment: bool = False):
    if augment and model.training:
        batch = {**batch, "towers": rotate_and_reflect(batch["towers"])}
    out = logits(model, batch, inputs)
    loss = F.cross_entropy(out.float(), batch["label"])
    correct = (out.argmax(dim=1) == batch["label"]).sum()
    return loss, {"correct": correct, "count": float(len(batch["label"]))}


def split_classes(jets: Jets, classes: list[str] | None, against: str) -> list[str]:
    """The class list of the run: ``classes`` (the config) or else the one the split records;
    the split's labels and class names must follow it."""
    if classes is None:
        if jets.class_list is None:
            raise ValueError(f"{jets.path}: metadata attnphys.classes: absent; give --classes (label order)")
        classes, against = jets.class_list, "the class list of the train split"
    check_split(jets.path, jets.label, jets.classes, list(classes), jets.class_list, against)
    return [str(c) for c in classes]


def _digest(*arrays: np.ndarray) -> str:
    sha = hashlib.sha1()
    for array in arrays:
        sha.update(np.ascontiguousarray(array).tobytes())
    return sha.hexdigest()


def train_seed(base_seed: int, model: str, seed: int) -> int:
    """Seed of one (model, replica seed) run, derived from the config's master seed."""
    return run_seed(base_seed, "jets", model, seed)


def data_sizes(train: Jets, classes: list[str], towers: bool) -> dict:
    """The model sizes the data and the config set: features per input row, one output per class."""
    n_features = train.towers.shape[-1] if towers else train.hl.shape[1]
    return {"n_features": int(n_features), "n_classes": len(classes)}


def train_tagger(
    model_name: str,
    seed: int,
    train_path: Path,
    val_path: Path,
    model_path: Path,
    history_path: Path,
    config: TrainConfig,
    params: dict | None = None,
    base_seed: int = 0,
    preprocess: str = "none",
    augment: bool = False,
    train_fraction: float = 1.0,
    classes: list[str] | None = None,
) -> TrainResult:
    """Train one tagger on the train and val splits; write ``model_path`` and ``history_path``.

    ``preprocess`` and ``augment`` apply to tower models only (a ``hl_dnn`` records
    ``none``/False); ``train_fraction`` < 1 trains on that nested subset of the training
    split (the validation split stays whole). ``classes``: class names in label order
    (``jets.classes``); None takes the train split's.
    """
    params = dict(params or {})
    check_settings(preprocess, augment)
    run_seed = train_seed(base_seed, model_name, seed)
    inputs = tuple(model_class(model_name).inputs)
    towers = "towers" in inputs
    if not towers:
        preprocess, augment = "none", False
    train, val = (in_frame(read_jets(path, need_towers=towers, hl_columns=hl_columns(model_name)), preprocess)
                  for path in (train_path, val_path))
    rows = np.arange(len(train))
    if train_fraction != 1.0:
        rows = nested_subset(train_path, train_fraction, base_seed, seed)
        train = take_rows(train, rows)
    if len(train) == 0 or len(val) == 0:
        raise ValueError(f"{train_path}, {val_path}: empty split (train {len(train)} jets, val {len(val)} jets)")
    against = "--classes" if classes is not None else "the class list of the train split"
    classes = split_classes(train, classes, "--classes")
    split_classes(val, classes, against)
    sizes = data_sizes(train, classes, towers)
    torch.manual_seed(run_seed)
    model = build_model(model_name, **sizes, params=params)
    standardise_from(model, train)
    used = (lambda j: (j.towers, j.mask)) if towers else (lambda j: (j.hl,))
    fingerprint = {
        "model": model_name, "params": params, "seed": seed, "base_seed": base_seed, "classes": classes,
        "train_sha1": _digest(train.label, *used(train)), "val_sha1": _digest(val.label, *used(val)),
        "preprocess": preprocess, "augment": augment, "train_fraction": train_fraction,
    }
    extra = model_record(model_name, params, sizes, seed=seed, train_seed=run_seed, classes=classes,
                         inputs=list(inputs), preprocessing=read_preprocessing(train_path),
                         n_params=count_parameters(model), n_train=len(train), n_val=len(val),
                         preprocess=preprocess, augment=augment, train_fraction=train_fraction,
                         n_train_per_class=np.bincount(train.label, minlength=sizes["n_classes"]).tolist(),
                         train_rows=rows.tolist())
    config = dataclasses.replace(config, seed=run_seed)
    log.info("%s seed %d: %d parameters, %d train / %d val jets", model_name, seed,
             extra["n_params"], len(train), len(val))
    loss_fn = functools.partial(cross_entropy, inputs=inputs, augment=augment)
    return fit(model, jet_tensors(train, inputs), jet_tensors(val, inputs), loss_fn, config,
               Path(model_path), fingerprint, history_path=Path(history_path), extra=extra)


def _run(args: argparse.Namespace) -> int:
    train_tagger(args.model, args.replica, args.train, args.val, args.out_model, args.out_history, train_config(args),
                 args.params, args.seed, args.preprocess, args.augment, args.train_fraction,
                 args.classes)
    return 0


def add_frame_options(parser: argparse.ArgumentParser) -> None:
    """``--preprocess`` and ``--augment`` of the tower models (ignored by ``hl_dnn``)."""
    parser.add_argument("--preprocess", choices=PREPROCESS_MODES, default="none",
                        help="tower frame: none, centre (pT centroid) or standard (centre, rotate, flip)")
    parser.add_argument("--augment", action="store_true",
                        help="random rotations about the jet axis and reflections of the towers while training")


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("train", help="train one jet tagger (model, seed) on the Parquet dataset")
    p.add_argument("--model", required=True, choices=sorted(MODELS))
    add_replica_option(p)
    add_seed_option(p)
    p.add_argument("--train", type=Path, required=True, help="train split (train.parquet)")
    p.add_argument("--val", type=Path, required=True, help="validation split (val.parquet)")
    p.add_argument("--out-model", type=Path, required=True, help="model.pt to write (checkpoint_last.pt goes beside it)")
    p.add_argument("--out-history", type=Path, required=True, help="history.csv to write")
    p.add_argument("--classes", nargs="+", help="class names in label order (jets.classes); "
                   "default: the list the dataset stage recorded in the train split")
    add_params_option(p, "the model's constructor")
    add_frame_options(p)
    p.add_argument("--train-fraction", type=float, default=1.0,
                   help="train on this nested, class-balanced fraction of the training split (0 < F <= 1)")
    add_train_options(p)
    p.set_defaults(func=_run)
