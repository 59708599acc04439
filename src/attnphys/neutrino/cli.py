"""Neutrino classification (NOvA-like): simulate, dataset, train, evaluate, report."""

from __future__ import annotations

# Subcommand -> stage module defining ``add_cli(subparsers)``. Only the requested stage is
# imported, so a simulation job never pays for importing torch.
STAGES = {
    "simulate": "attnphys.neutrino.simulate",
    "dataset": "attnphys.neutrino.dataset",
    "train": "attnphys.neutrino.train",
    "evaluate": "attnphys.neutrino.evaluate",
    "report": "attnphys.neutrino.report",
}
