"""XOR in a single layer with gating: the exact construction and a training demo.

XOR is not linearly separable, so no single threshold unit computes it (at best 3 of the 4
inputs agree), yet one layer with output gating does: XOR = OR gated by NAND, with
OR = H(x1 + x2 - 0.5) and NAND = H(1.5 - x1 - x2) (Baldi and Vershynin, arXiv:2202.08371).
The demo fits the product of two sigmoid units to the four XOR points by gradient descent,
next to a single sigmoid unit fitted the same way, both through the shared engine
:func:`attnphys.train.fit` (full batch, Adam without weight decay, cosine decay to
``XOR_MIN_LR_FRAC`` of the rate, no early stopping). The stage ``attnphys gating xor``
(:func:`write_xor_demo`) writes the summary JSON and the decision-region figure.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from attnphys.files import atomic_path
from attnphys.gating.capacity import input_points, threshold_functions, unpack_tables
from attnphys.gating.layers import OutputGating, SigmoidUnit, ThresholdUnit
from attnphys.seeding import integers
from attnphys.stage_options import add_output, add_seed_option
from attnphys.train import TensorSet, TrainConfig, fit, load_weights

# The four inputs in truth-table order (row r has x_i = (r >> i) & 1) and XOR's values there.
XOR_INPUTS = torch.tensor(input_points(2), dtype=torch.float32)
XOR_TARGETS = XOR_INPUTS[:, 0] != XOR_INPUTS[:, 1]
XOR_TABLE = int(sum(1 << r for r, bit in enumerate(XOR_TARGETS.tolist()) if bit))

# Demo settings (config gating.xor_seeds / xor_epochs / xor_lr); the cosine schedule ends at
# XOR_MIN_LR_FRAC * lr so the last epochs still move the weights.
XOR_SEEDS = 10
XOR_EPOCHS = 150
XOR_LR = 0.2
XOR_MIN_LR_FRAC = 0.1


def or_unit() -> ThresholdUnit:
    return ThresholdUnit(torch.tensor([1.0, 1.0]), -0.5)


def nand_unit() -> ThresholdUnit:
    return ThresholdUnit(torch.tensor([-1.0, -1.0]), 1.5)


def xor_by_gating() -> OutputGating:
    """The exact single-layer XOR: the OR unit's output gated by the NAND unit's output."""
    return OutputGating(or_unit(), nand_unit())


def gated_sigmoid_unit() -> OutputGating:
    """Trainable gated layer: ``sigmoid(w.x + b) * sigmoid(u.x + c)`` on two inputs."""
    return OutputGating(SigmoidUnit(2), SigmoidUnit(2))


def single_sigmoid_unit() -> SigmoidUnit:
    """Trainable ungated unit ``sigmoid(w.x + b)`` on two inputs."""
    return SigmoidUnit(2)


def best_threshold_agreement() -> int:
    """Most of the 4 XOR inputs on which any threshold function of 2 inputs agrees (exhaustive)."""
    tables = unpack_tables(threshold_functions(2), 2)
    return int((tables == XOR_TARGETS.numpy()).sum(axis=1).max())


def xor_seeds(seed: int, count: int) -> list[int]:
    """``count`` independent training seeds derived from the master seed for this demo."""
    return integers(seed, count, "gating", "xor")


def accuracy(model: nn.Module) -> float:
    """Fraction of the four XOR inputs classified correctly at output threshold 1/2."""
    with torch.no_grad():
        return float(((model(XOR_INPUTS) > 0.5) == XOR_TARGETS).float().mean())


@dataclass
class XorFit:
    seed: int
    accuracy: float
    loss: float
    model: nn.Module


def xor_data() -> TensorSet:
    """The four XOR points as the engine's dataset: inputs ``x`` and 0/1 targets ``y``."""
    return TensorSet({"x": XOR_INPUTS, "y": XOR_TARGETS.float()})


def xor_loss(model: nn.Module, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict]:
    """Binary cross-entropy of the output read as P(XOR = 1), with accuracy counts at 1/2."""
    probability = model(batch["x"]).clamp(1e-7, 1 - 1e-7)
    loss = nn.functional.binary_cross_entropy(probability, batch["y"])
    correct = ((probability > 0.5) == (batch["y"] > 0.5)).sum()
    return loss, {"correct": correct, "count": len(probability)}


def xor_train_config(seed: int, epochs: int = XOR_EPOCHS, lr: float = XOR_LR) -> TrainConfig:
    """Full batch of the 4 points on the CPU; patience = epochs, since validating on the
    training points makes early stopping meaningless."""
    return TrainConfig(
        epochs=epochs, batch_size=len(XOR_INPUTS), lr=lr, weight_decay=0.0, warmup_frac=0.0,
        schedule="cosine", min_lr_frac=XOR_MIN_LR_FRAC, patience=epochs, seed=seed,
        device="cpu", amp=False,
    )


def fit_xor(model: nn.Module, seed: int, epochs: int = XOR_EPOCHS, lr: float = XOR_LR) -> XorFit:
    """Initialise ``model``'s parameters from ``seed`` (standard normal) and fit XOR with
    :func:`attnphys.train.fit`; ``model`` ends with its best weights. The fit takes seconds,
    so its checkpoints go to a temporary directory instead of being kept for resuming."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
    data = xor_data()
    fingerprint = {"task": "gating.xor", "model": repr(model), "init_seed": seed}
    with tempfile.TemporaryDirectory(prefix="xor-fit-") as outdir:
        result = fit(model, data, data, xor_loss, xor_train_config(seed, epochs, lr), Path(outdir) / "model.pt",
                     fingerprint)
        model.load_state_dict(load_weights(result.model_path)["state_dict"])
    return XorFit(seed=seed, accuracy=accuracy(model), loss=result.best_val_loss, model=model)


def xor_demo(
    seed: int,
    count: int = XOR_SEEDS,
    epochs: int = XOR_EPOCHS,
    lr: float = XOR_LR,
    progress: bool = False,
) -> tuple[list[XorFit], list[XorFit]]:
    """Fit the gated layer and the single unit from the same ``count`` derived seeds."""
    if count < 1 or epochs < 1:
        raise ValueError(f"xor demo: seeds={count} and epochs={epochs} must both be >= 1")
    gated, single = [], []
    for s in tqdm(xor_seeds(seed, count), desc="xor fits", disable=not progress):
        gated.append(fit_xor(gated_sigmoid_unit(), s, epochs, lr))
        single.append(fit_xor(single_sigmoid_unit(), s, epochs, lr))
    return gated, single


def write_xor_demo(
    seed: int,
    count: int,
    epochs: int,
    out_json: str | os.PathLike,
    out_figure: str | os.PathLike,
    lr: float = XOR_LR,
    progress: bool = True,
) -> dict:
    """Exact OR-gated-by-NAND check plus ``count`` fits of each model (through
    :func:`attnphys.train.fit`, checkpoints in temporary directories); summary JSON and figure."""
    from attnphys.gating.figure import plot_decision_regions  # matplotlib, and it imports this module

    torch.set_num_threads(1)
    gated, single = xor_demo(seed, count, epochs, lr, progress=progress)
    with torch.no_grad():
        construction = {
            "or": or_unit()(XOR_INPUTS).int().tolist(),
            "nand": nand_unit()(XOR_INPUTS).int().tolist(),
            "xor": xor_by_gating()(XOR_INPUTS).int().tolist(),
        }
    summary = {
        "seed": seed,
        "epochs": epochs,
        "lr": lr,
        "schedule": "cosine",
        "min_lr_frac": XOR_MIN_LR_FRAC,
        "inputs": XOR_INPUTS.int().tolist(),
        "best_threshold_agreement": best_threshold_agreement(),
        "construction": construction,
        "gated": [{"seed": f.seed, "accuracy": f.accuracy, "loss": f.loss} for f in gated],
        "single": [{"seed": f.seed, "accuracy": f.accuracy, "loss": f.loss} for f in single],
    }
    panels = [
        ("exact: H(x1+x2-0.5) * H(1.5-x1-x2)", xor_by_gating()),
        (f"trained gated layer, seed 1 (acc {gated[0].accuracy:.0%})", gated[0].model),
        (f"single threshold unit OR = H(x1+x2-0.5) (acc {accuracy(or_unit()):.0%})", or_unit()),
        (f"trained single sigmoid unit, seed 1 (acc {single[0].accuracy:.0%})", single[0].model),
    ]
    plot_decision_regions(panels, out_figure)
    with atomic_path(out_json) as tmp:
        tmp.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _run(args: argparse.Namespace) -> None:
    write_xor_demo(args.seed, args.seeds, args.epochs, args.out_json, args.out_figure, lr=args.lr)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("xor", help="XOR = OR gated by NAND, and the training demo")
    add_seed_option(p, required=True)
    p.add_argument("--seeds", type=int, required=True, help="number of training seeds")
    p.add_argument("--epochs", type=int, required=True, help="full-batch Adam steps per fit")
    p.add_argument("--lr", type=float, required=True, help="Adam learning rate")
    add_output(p, "json", "summary JSON to write")
    add_output(p, "figure", "decision-region PNG to write")
    p.set_defaults(func=_run)
