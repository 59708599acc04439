"""Neutrino classification (NOvA-like): simulate, dataset, train, evaluate, report."""

from __future__ import annotations

import importlib

# Subcommand -> stage module defining ``add_cli(subparsers)``. Only the requested stage is
# imported, so a simulation job never pays for importing torch.
STAGES = {
    "simulate": "attnphys.neutrino.simulate",
    "dataset": "attnphys.neutrino.dataset",
    "train": "attnphys.neutrino.train",
    "evaluate": "attnphys.neutrino.evaluate",
    "report": "attnphys.neutrino.report",
}


def register(subparsers, stage: str | None = None) -> None:
    for name, module in STAGES.items():
        if stage in STAGES and stage != name:
            subparsers.add_parser(name, help=f"attnphys neutrino {name} -h")
            continue
        importlib.import_module(module).add_cli(subparsers)
