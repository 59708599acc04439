"""The neutron-star area's plan (``attnphys.neutron_stars.plan``) without Snakemake."""

from __future__ import annotations

import argparse
from pathlib import Path

from attnphys.neutron_stars.plan import COEFFICIENTS, prior_flags, star_counts
from attnphys.validate.config import load_config

REPO = Path(__file__).resolve().parents[2]


def config(ns: dict) -> dict:
    return load_config([REPO / "config.yaml"], REPO / "workflow/schemas/config.schema.yaml", {"neutron_stars": ns})


def test_star_counts_hold_the_main_count_once():
    assert star_counts(config({"star_counts": [5, 1, 3], "n_stars": 3})) == [1, 3, 5]
    assert star_counts(config({"star_counts": [1], "n_stars": 4})) == [1, 4]


def test_prior_flags_carry_the_configured_box_of_each_coefficient():
    cfg = config({"n_coefficients": 2, "prior": {"gamma1": [-1.5, 1.25]}})
    parser = argparse.ArgumentParser()
    parser.add_argument("--coefficients", type=int)
    parser.add_argument("--min-max-mass", type=float)
    parser.add_argument("--prior", action="append")
    args = parser.parse_args(prior_flags(cfg).split())
    assert args.coefficients == 2 and args.min_max_mass == cfg["neutron_stars"]["min_max_mass"]
    boxes = {name: [float(v) for v in box.split(",")] for name, box in (p.split("=") for p in args.prior)}
    assert boxes == {name: cfg["neutron_stars"]["prior"][name] for name in COEFFICIENTS[:2]}
    assert boxes["gamma1"] == [-1.5, 1.25]
