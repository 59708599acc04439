"""Training stage of the jet taggers: Parquet dataset -> tensors -> ``attnphys.train.fit``.

Inputs per jet (dataset contract of "Jets 2/4"):
- ``hl`` for ``hl_dnn``: jet mass and tau_N^(beta), N = 1..8, beta = 1, 2 (17 columns);
- ``towers`` for ``pfn`` and ``transformer``: per tower (log pT/GeV, delta eta, delta phi)
  relative to the jet axis, with the boolean ``mask`` of real towers; batches are bucketed
  by tower count and trimmed to their longest jet.
Standardisation statistics come from the training split only (towers: real ones only) and
are stored in the model's ``scale`` buffers, hence in ``model.pt``. Loss: cross-entropy.
Tower models take an optional jet preprocessing and training-time rotations/reflections
(``attnphys.jets.preprocess``), recorded in ``model.pt`` and reapplied at evaluation; a
learning curve trains on a nested fraction of the training split
(``attnphys.jets.nested_subsets``).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
import torch.nn.functional as F

from attnphys.jets.models import build_model, count_parameters
from attnphys.jets.nested_subsets import nested_subset, take_rows
from attnphys.jets.preprocess import PREPROCESS_MODES, canonical_frame, check_settings, rotate_and_reflect
from attnphys.parquet import read_columns
from attnphys.train import TensorSet, TrainConfig, TrainResult, fit, load_weights
from attnphys.train.options import add_train_options, train_config

log = logging.getLogger(__name__)

HL_COLUMNS = ("jet_mass",) + tuple(f"tau{n}_b{beta}" for n in range(1, 9) for beta in (1, 2))
TOWER_COLUMNS = ("tower_pt", "tower_deta", "tower_dphi")


@dataclass
class Jets:
    """One split of the dataset as arrays; ``towers`` is (jets, max_towers, 3)."""

    path: Path
    label: np.ndarray
    classes: np.ndarray
    jet_pt: np.ndarray
    jet_mass: np.ndarray
    hl: np.ndarray
    towers: np.ndarray
    mask: np.ndarray
    length: np.ndarray

    def __len__(self) -> int:
        return len(self.label)


def _list_column(table: pa.Table, name: str, path: Path) -> np.ndarray:
    """A (fixed-size or equal-length) list column as a 2-D array."""
    column = table.column(name).combine_chunks()
    if not (pa.types.is_fixed_size_list(column.type) or pa.types.is_list(column.type)
            or pa.types.is_large_list(column.type)):
        raise ValueError(f"{path}: column {name!r} must be a list column, got {column.type}")
    n = len(column)
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    widths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    if (widths != widths[0]).any():
        raise ValueError(f"{path}: column {name!r} has lists of unequal length")
    return column.flatten().to_numpy(zero_copy_only=False).reshape(n, int(widths[0]))


def read_jets(path: str | Path, need_towers: bool = True) -> Jets:
    """Read one split; missing columns, NaN or a mask that is not a prefix name file and field."""
    path = Path(path)
    wanted = ["label", "class", "jet_pt", *HL_COLUMNS] + (["tower_mask", *TOWER_COLUMNS] if need_towers else [])
    table = read_columns(path, wanted, "dataset split")
    n = table.num_rows
    scalar = {c: table.column(c).to_numpy().astype(np.float32) for c in ("jet_pt", *HL_COLUMNS)}
    hl = np.stack([scalar[c] for c in HL_COLUMNS], axis=1) if n else np.zeros((0, len(HL_COLUMNS)), np.float32)
    if need_towers:
        mask = _list_column(table, "tower_mask", path).astype(bool)
        pt, deta, dphi = (_list_column(table, c, path).astype(np.float32) for c in TOWER_COLUMNS)
        arrays = {"tower_pt": pt, "tower_deta": deta, "tower_dphi": dphi}
        if n and any(a.shape != mask.shape for a in arrays.values()):
            raise ValueError(f"{path}: tower columns and tower_mask differ in shape")
        length = mask.sum(axis=1).astype(np.int64)
        if n and (mask != (np.arange(mask.shape[1]) < length[:, None])).any():
            raise ValueError(f"{path}: tower_mask is not a prefix (towers must come first, padding after)")
        if n and (pt[mask] <= 0).any():
            raise ValueError(f"{path}: tower_pt must be positive on real towers")
        logpt = np.log(np.where(mask, pt, 1.0), dtype=np.float32)
        towers = np.stack([logpt, deta, dphi], axis=-1) * mask[..., None]
    else:
        arrays = {}
        mask = np.zeros((n, 0), dtype=bool)
        length = np.zeros(n, dtype=np.int64)
        towers = np.zeros((n, 0, 3), dtype=np.float32)
    for name, values in {**scalar, **arrays}.items():
        if not np.isfinite(values).all():
            raise ValueError(f"{path}: column {name!r} has NaN or infinite values")
    label = table.column("label").to_numpy().astype(np.int64)
    if n and label.min() < 0:
        raise ValueError(f"{path}: column 'label' has negative values")
    return Jets(path, label, table.column("class").to_numpy(zero_copy_only=False).astype(str),
                scalar["jet_pt"], scalar["jet_mass"], hl, towers.astype(np.float32), mask, length)


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
    dataset: Path,
    outdir: Path,
    config: TrainConfig,
    params: dict | None = None,
    base_seed: int = 0,
    on_stale: str = "error",
    preprocess: str = "none",
    augment: bool = False,
    train_fraction: float = 1.0,
) -> TrainResult:
    """Train one tagger on ``dataset/{train,val}.parquet`` into ``outdir``.

    ``preprocess`` and ``augment`` apply to tower models only (a ``hl_dnn`` records
    ``none``/False); ``train_fraction`` < 1 trains on that nested subset of the training
    split (the validation split stays whole)."""
    params = dict(params or {})
    check_settings(preprocess, augment)
    dataset = Path(dataset)
    run_seed = train_seed(base_seed, model_name, seed)
    torch.manual_seed(run_seed)
    model = build_model(model_name, **params)
    inputs = tuple(model.inputs)
    towers = "towers" in inputs
    if not towers:
        preprocess, augment = "none", False
    train, val = (in_frame(read_jets(dataset / f"{split}.parquet", need_towers=towers), preprocess)
                  for split in ("train", "val"))
    rows = np.arange(len(train))
    if train_fraction != 1.0:
        rows = nested_subset(dataset / "train.parquet", train_fraction, base_seed, seed)
        train = take_rows(train, rows)
    if len(train) == 0 or len(val) == 0:
        raise ValueError(f"{dataset}: empty split (train {len(train)} jets, val {len(val)} jets)")
    standardise_from(model, train)
    classes = class_names(train, model.n_classes)
    used = (lambda j: (j.towers, j.mask)) if towers else (lambda j: (j.hl,))
    fingerprint = {
        "model": model_name, "params": params, "seed": seed, "base_seed": base_seed,
        "train_sha1": _digest(train.label, *used(train)), "val_sha1": _digest(val.label, *used(val)),
        "preprocess": preprocess, "augment": augment, "train_fraction": train_fraction,
    }
    extra = {"model": model_name, "params": params, "seed": seed, "train_seed": run_seed,
             "classes": classes, "inputs": list(inputs), "n_params": count_parameters(model),
             "n_train": len(train), "n_val": len(val), "preprocess": preprocess, "augment": augment,
             "train_fraction": train_fraction,
             "n_train_per_class": np.bincount(train.label, minlength=model.n_classes).tolist(),
             "train_rows": rows.tolist()}
    config = dataclasses.replace(config, seed=run_seed)
    log.info("%s seed %d: %d parameters, %d train / %d val jets", model_name, seed,
             extra["n_params"], len(train), len(val))
    loss_fn = functools.partial(cross_entropy, inputs=inputs, augment=augment)
    return fit(model, jet_tensors(train, inputs), jet_tensors(val, inputs), loss_fn, config,
               Path(outdir), fingerprint, extra=extra, on_stale=on_stale)


def load_tagger(model_dir: str | Path) -> tuple[torch.nn.Module, dict]:
    """The trained model (best validation loss, eval mode) and its ``extra`` record."""
    path = Path(model_dir) / "model.pt"
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
    train_tagger(args.model, args.seed, args.dataset, args.out, train_config(args), params, args.base_seed,
                 "restart" if args.restart_stale else "error", args.preprocess, args.augment, args.train_fraction)
    return 0


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("train", help="train one jet tagger (model, seed) on the Parquet dataset")
    p.add_argument("--model", required=True, choices=["hl_dnn", "pfn", "transformer", "part"])
    p.add_argument("--seed", type=int, default=0, help="replica seed (one of jets.seeds)")
    p.add_argument("--base-seed", type=int, default=0, help="the config's master seed")
    p.add_argument("--dataset", type=Path, required=True, help="folder with train.parquet and val.parquet")
    p.add_argument("--out", type=Path, required=True, help="output folder (model.pt, history.csv)")
    p.add_argument("--params", default="{}", help="JSON object of build_model overrides")
    p.add_argument("--preprocess", choices=PREPROCESS_MODES, default="none",
                   help="tower frame: none, centre (pT centroid) or standard (centre, rotate, flip)")
    p.add_argument("--augment", action="store_true",
                   help="random rotations about the jet axis and reflections of the towers while training")
    p.add_argument("--train-fraction", type=float, default=1.0,
                   help="train on this nested, class-balanced fraction of the training split (0 < F <= 1)")
    add_train_options(p)
    p.add_argument("--restart-stale", action="store_true",
                   help="start afresh if checkpoint_last.pt was written for other settings (else: error)")
    p.set_defaults(func=_run)
