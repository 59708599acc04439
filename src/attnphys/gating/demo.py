"""The XOR demo stage: exact construction, training fits, decision-region figure, summary JSON."""

from __future__ import annotations

import json
import os

import torch

from attnphys.files import atomic_path
from attnphys.gating.figure import plot_decision_regions
from attnphys.gating.xor import (
    XOR_INPUTS,
    XOR_LR,
    XOR_MIN_LR_FRAC,
    accuracy,
    best_threshold_agreement,
    nand_unit,
    or_unit,
    xor_by_gating,
    xor_demo,
)


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
