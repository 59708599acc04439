"""Training stage of the jet taggers: Parquet dataset -> tensors -> ``attnphys.train.fit``.

Inputs per jet (``attnphys.jets.split``): ``hl`` (jet mass + 16 N-subjettiness values) for
``hl_dnn``; ``towers`` with their ``mask`` for ``pfn`` and ``transformer``, in batches bucketed
by tower count and trimmed to their longest jet.
Standardisation statistics come from the training split only (towers: real ones only) and
are stored in the model's ``scale`` buffers, hence in ``model.pt``. Loss: cross-entropy.
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

from attnphys.jets.dataset import read_preprocessing
from attnphys.jets.models import MODELS, build_model, count_parameters, model_class
from attnphys.jets.split import Jets, read_jets
from attnphys.seeding import integer
from attnphys.train import TensorSet, TrainConfig, TrainResult, fit
from attnphys.train.options import add_train_options, train_config
from attnphys.train.params import add_params_option
from attnphys.train.record import model_record

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


def logits(model: torch.nn.Module, batch: dict, inputs: tuple[str, ...]) -> torch.Tensor:
    return model(*(batch[key] for key in inputs))


def cross_entropy(model: torch.nn.Module, batch: dict, inputs: tuple[str, ...]):
    out = logits(model, batch, inputs)
    loss = F.cross_entropy(out.float(), batch["label"])
    correct = (out.argmax(dim=1) == batch["label"]).sum()
    return loss, {"correct": correct, "count": float(len(batch["label"]))}


def class_names(jets: Jets, n_classes: int) -> list[str]:
    """Class name per label index, from the data; unseen labels are named by their index."""
    names = [str(i) for i in range(n_classes)]
    for label in np.unique(jets.label):
        if label >= n_classes:
            raise ValueError(f"{jets.path}: label {label} but the model has {n_classes} outputs")
        seen = np.unique(jets.classes[jets.label == label])
        if len(seen) != 1:
            raise ValueError(f"{jets.path}: label {label} maps to several classes {list(seen)}")
        names[label] = str(seen[0])
    return names


def _digest(*arrays: np.ndarray) -> str:
    sha = hashlib.sha1()
    for array in arrays:
        sha.update(np.ascontiguousarray(array).tobytes())
    return sha.hexdigest()


def train_seed(base_seed: int, model: str, seed: int) -> int:
    """Seed of one (model, replica seed) run, derived from the config's master seed."""
    return integer(base_seed, "jets", "train", model, seed)


def data_sizes(train: Jets, val: Jets, towers: bool) -> dict:
    """The model sizes the data sets: features per input row and classes (largest label + 1)."""
    n_features = train.towers.shape[-1] if towers else train.hl.shape[1]
    return {"n_features": int(n_features), "n_classes": int(max(train.label.max(), val.label.max())) + 1}


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
) -> TrainResult:
    """Train one tagger on the train and val splits; write ``model_path`` and ``history_path``."""
    params = dict(params or {})
    run_seed = train_seed(base_seed, model_name, seed)
    inputs = tuple(model_class(model_name).inputs)
    towers = "towers" in inputs
    train, val = (read_jets(path, need_towers=towers) for path in (train_path, val_path))
    if len(train) == 0 or len(val) == 0:
        raise ValueError(f"{train_path}, {val_path}: empty split (train {len(train)} jets, val {len(val)} jets)")
    sizes = data_sizes(train, val, towers)
    torch.manual_seed(run_seed)
    model = build_model(model_name, **sizes, params=params)
    standardise_from(model, train)
    classes = class_names(train, model.n_classes)
    used = (lambda j: (j.towers, j.mask)) if towers else (lambda j: (j.hl,))
    fingerprint = {
        "model": model_name, "params": params, "seed": seed, "base_seed": base_seed,
        "train_sha1": _digest(train.label, *used(train)), "val_sha1": _digest(val.label, *used(val)),
    }
    extra = model_record(model_name, params, sizes, seed=seed, train_seed=run_seed, classes=classes,
                         inputs=list(inputs),
                         preprocessing=read_preprocessing(train_path), n_params=count_parameters(model), n_train=len(train), n_val=len(val))
    config = dataclasses.replace(config, seed=run_seed)
    log.info("%s seed %d: %d parameters, %d train / %d val jets", model_name, seed,
             extra["n_params"], len(train), len(val))
    loss_fn = functools.partial(cross_entropy, inputs=inputs)
    return fit(model, jet_tensors(train, inputs), jet_tensors(val, inputs), loss_fn, config,
               Path(model_path), fingerprint, history_path=Path(history_path), extra=extra)


def _run(args: argparse.Namespace) -> int:
    train_tagger(args.model, args.seed, args.train, args.val, args.out_model, args.out_history, train_config(args),
                 args.params, args.base_seed)
    return 0


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("train", help="train one jet tagger (model, seed) on the Parquet dataset")
    p.add_argument("--model", required=True, choices=sorted(MODELS))
    p.add_argument("--seed", type=int, default=0, help="replica seed (one of jets.seeds)")
    p.add_argument("--base-seed", type=int, default=0, help="the config's master seed")
    p.add_argument("--train", type=Path, required=True, help="train split (train.parquet)")
    p.add_argument("--val", type=Path, required=True, help="validation split (val.parquet)")
    p.add_argument("--out-model", type=Path, required=True, help="model.pt to write (checkpoint_last.pt goes beside it)")
    p.add_argument("--out-history", type=Path, required=True, help="history.csv to write")
    add_params_option(p, "the model's constructor")
    add_train_options(p)
    p.set_defaults(func=_run)
