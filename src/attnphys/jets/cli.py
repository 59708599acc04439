"""Extreme-jet tagging: generate, ingest, build the dataset, train, evaluate, report."""

from __future__ import annotations

import importlib

# Each stage module defines ``add_cli(subparsers)`` adding its subcommand.
STAGES = (
    "attnphys.jets.generate",
    "attnphys.jets.ingest",
    "attnphys.jets.dataset",
    "attnphys.jets.tagger",
    "attnphys.jets.evaluate",
    "attnphys.jets.report",
)


def register(subparsers) -> None:
    for name in STAGES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
            continue
        module.add_cli(subparsers)
