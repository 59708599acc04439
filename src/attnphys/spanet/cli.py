"""Jet-parton matching in all-hadronic ttbar: generate, dataset, train, evaluate, predict, report."""

from __future__ import annotations

# Subcommand -> stage module defining ``add_cli(subparsers)``. Only the requested stage is
# imported, so a generation job never pays for importing torch.
STAGES = {
    "generate": "attnphys.spanet.generate",
    "dataset": "attnphys.spanet.dataset",
    "train": "attnphys.spanet.train",
    "evaluate": "attnphys.spanet.evaluate",
    "predict": "attnphys.spanet.predict",
    "report": "attnphys.spanet.report",
}
