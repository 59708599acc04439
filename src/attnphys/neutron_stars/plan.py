"""The neutron-star area's workflow plan, as plain functions of the config: the star counts a
network and a classical fit are run for, and the EOS-model flags every stage shares."""

from __future__ import annotations

COEFFICIENTS = ("gamma0", "gamma1", "gamma2", "gamma3")


def check(cfg: dict) -> None:
    """Nothing beyond the schema and the shared checks of ``attnphys.validate.config`` (splits,
    prior boxes, ``neutron_stars.model``)."""


def star_counts(cfg: dict) -> list[int]:
    """Star counts of the networks and fits: neutron_stars.star_counts and n_stars."""
    ns = cfg["neutron_stars"]
    return sorted(set(ns["star_counts"]) | {ns["n_stars"]})


def prior_flags(cfg: dict) -> str:
    """--coefficients, --prior and --min-max-mass: the EOS model every stage shares."""
    ns = cfg["neutron_stars"]
    return " ".join(
        [f"--coefficients {ns['n_coefficients']} --min-max-mass {ns['min_max_mass']}"]
        + [f"--prior {name}={ns['prior'][name][0]},{ns['prior'][name][1]}"
           for name in COEFFICIENTS[: ns["n_coefficients"]]]
    )
