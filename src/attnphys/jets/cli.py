"""Extreme-jet tagging: generate, ingest, build the dataset, train, evaluate, report."""

from __future__ import annotations

# Subcommand -> stage module defining ``add_cli(subparsers)``. Only the requested stage is
# imported, so a generation job never pays for importing torch.
STAGES = {
    "generate": "attnphys.jets.generate",
    "ingest": "attnphys.jets.ingest",
    "dataset": "attnphys.jets.dataset",
    "paper-dataset": "attnphys.jets.paper_dataset",
    "paper-layout": "attnphys.jets.paper_layout",
    "train": "attnphys.jets.train",
    "evaluate": "attnphys.jets.evaluate",
    "predict": "attnphys.jets.predict",
    "export": "attnphys.jets.export",
    "report": "attnphys.jets.report",
    "cross-source": "attnphys.jets.cross_source",
    "study": "attnphys.jets.study.physics_study",
    "diagnosis": "attnphys.jets.study.diagnosis",
    "trees": "attnphys.jets.boosted_trees",
    "learning-curve": "attnphys.jets.study.learning_curve",
}
