"""Attention as gating: capacity counts, XOR in one gated layer, report."""

from __future__ import annotations

import importlib

# Subcommand -> stage module defining ``add_cli(subparsers)``. Only the requested stage is
# imported, so the capacity counts never pay for importing torch.
STAGES = {
    "capacity": "attnphys.gating.capacity",
    "xor": "attnphys.gating.xor",
    "report": "attnphys.gating.report",
}


def register(subparsers, stage: str | None = None) -> None:
    for name, module in STAGES.items():
        if stage in STAGES and stage != name:
            subparsers.add_parser(name, help=f"attnphys gating {name} -h")
            continue
        importlib.import_module(module).add_cli(subparsers)
