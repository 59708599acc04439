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
import json
import logging
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from attnphys.jets.models import build_model, count_parameters
from attnphys.jets.split import Jets, read_jets
from attnphys.train import TensorSet, TrainConfig, TrainResult, fit, load_weights
from attnphys.train.options import add_train_options, train_config

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
    values = jets.hl if model.inputs == ("hl",) else jets.towers[jets.mask]
    values = values.astype(np.float64)
    model.scale.fit_to(torch.from_numpy(values.mean(axis=0)), torch.from_numpy(values.std(axis=0)))


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
    entropy = [base_seed, zlib.crc32(b"jets"), zlib.crc32(model.encode()), seed]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


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
    on_stale: str = "error",
) -> TrainResult:
    """Train one tagger on the train and val splits; write ``model_path`` and ``history_path``."""
    params = dict(params or {})
    run_seed = train_seed(base_seed, model_name, seed)
    torch.manual_seed(run_seed)
    model = build_model(model_name, **params)
    inputs = tuple(model.inputs)
    towers = "towers" in inputs
    train, val = (read_jets(path, need_towers=towers) for path in (train_path, val_path))
    if len(train) == 0 or len(val) == 0:
        raise ValueError(f"{train_path}, {val_path}: empty split (train {len(train)} jets, val {len(val)} jets)")
    standardise_from(model, train)
    classes = class_names(train, model.n_classes)
    used = (lambda j: (j.towers, j.mask)) if towers else (lambda j: (j.hl,))
    fingerprint = {
        "model": model_name, "params": params, "seed": seed, "base_seed": base_seed,
        "train_sha1": _digest(train.label, *used(train)), "val_sha1": _digest(val.label, *used(val)),
    }
    extra = {"model": model_name, "params": params, "seed": seed, "train_seed": run_seed,
             "classes": classes, "inputs": list(inputs), "n_params": count_parameters(model),
             "n_train": len(train), "n_val": len(val)}
    config = dataclasses.replace(config, seed=run_seed)
    log.info("%s seed %d: %d parameters, %d train / %d val jets", model_name, seed,
             extra["n_params"], len(train), len(val))
    loss_fn = functools.partial(cross_entropy, inputs=inputs)
    return fit(model, jet_tensors(train, inputs), jet_tensors(val, inputs), loss_fn, config,
               Path(model_path), fingerprint, history_path=Path(history_path), extra=extra, on_stale=on_stale)


def load_tagger(path: str | Path) -> tuple[torch.nn.Module, dict]:
    """The trained model of ``model.pt`` (best validation loss, eval mode) and its ``extra`` record."""
    path = Path(path)
    weights = load_weights(path)
    info = weights["extra"]
    if not isinstance(info, dict) or "model" not in info:
        raise ValueError(f"{path}: field 'extra' lacks the tagger record (model, params, classes)")
    model = build_model(info["model"], **info.get("params", {}))
    model.load_state_dict(weights["state_dict"])
    return model.eval(), info


def _run(args: argparse.Namespace) -> int:
    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as err:
        raise ValueError(f"--params: not valid JSON ({err})") from err
    if not isinstance(params, dict):
        raise ValueError("--params: must be a JSON object")
    train_tagger(args.model, args.seed, args.train, args.val, args.out_model, args.out_history, train_config(args),
                 params, args.base_seed,
                 "restart" if args.restart_stale else "error")
    return 0


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("train", help="train one jet tagger (model, seed) on the Parquet dataset")
    p.add_argument("--model", required=True, choices=["hl_dnn", "pfn", "transformer"])
    p.add_argument("--seed", type=int, default=0, help="replica seed (one of jets.seeds)")
    p.add_argument("--base-seed", type=int, default=0, help="the config's master seed")
    p.add_argument("--train", type=Path, required=True, help="train split (train.parquet)")
    p.add_argument("--val", type=Path, required=True, help="validation split (val.parquet)")
    p.add_argument("--out-model", type=Path, required=True, help="model.pt to write (checkpoint_last.pt goes beside it)")
    p.add_argument("--out-history", type=Path, required=True, help="history.csv to write")
    p.add_argument("--params", default="{}", help="JSON object of build_model overrides")
    add_train_options(p)
    p.add_argument("--restart-stale", action="store_true",
                   help="start afresh if checkpoint_last.pt was written for other settings (else: error)")
    p.set_defaults(func=_run)
