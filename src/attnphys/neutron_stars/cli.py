"""Neutron-star equation of state from a few stars: dataset, train, predict, fit, report."""

from __future__ import annotations

# Subcommand -> stage module defining ``add_cli(subparsers)``. Only the requested stage is
# imported, so the dataset and fit jobs never pay for importing torch.
STAGES = {
    "dataset": "attnphys.neutron_stars.dataset",
    "train": "attnphys.neutron_stars.train",
    "predict": "attnphys.neutron_stars.predict",
    "fit": "attnphys.neutron_stars.fit",
    "report": "attnphys.neutron_stars.report",
}
