"""Neutron-star equation of state from a few stars: dataset, train, predict, fit, report."""

from __future__ import annotations

import importlib

# Subcommand -> stage module defining ``add_cli(subparsers)``. Only the requested stage is
# imported, so the dataset and fit jobs never pay for importing torch.
STAGES = {
    "dataset": "attnphys.neutron_stars.dataset",
    "train": "attnphys.neutron_stars.train",
    "predict": "attnphys.neutron_stars.predict",
    "fit": "attnphys.neutron_stars.fit",
    "report": "attnphys.neutron_stars.report",
}


def register(subparsers, stage: str | None = None) -> None:
    for name, module in STAGES.items():
        if stage in STAGES and stage != name:
            subparsers.add_parser(name, help=f"attnphys neutron-stars {name} -h")
            continue
        importlib.import_module(module).add_cli(subparsers)
