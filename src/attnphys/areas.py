"""The registry of the project's five physics areas, the one list the workflow and the
cross-area tests iterate over, so no area can be left out of validation, planning or the
HTML report.

Each area names its config block, its subcommand and command-line module, the module of
its workflow plan (``<area>/plan.py``: chunk counts, file names, resource sizes and the
config's cross-checks, as plain functions of the config), the model settings the config
passes to its constructors, and the category of its results in ``snakemake --report``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class ModelSettings:
    """Config settings passed to model constructors as ``--params``.

    ``key`` is the config key (``{model}`` stands for each registered model), ``registry``
    the module whose dict ``MODELS`` (or, with ``cls``, the one class) builds them, and
    ``sizes`` the constructor keywords that follow from the data, never from the config.
    """

    key: str
    module: str
    cls: str | None = None
    sizes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    name: str
    command: str
    cli: str
    plan: str
    title: str
    models: ModelSettings | None = None

    def plan_module(self) -> ModuleType:
        return importlib.import_module(self.plan)


AREAS: tuple[Area, ...] = (
    Area("jets", "jets", "attnphys.jets.cli", "attnphys.jets.plan", "Extreme-jet tagging",
         ModelSettings("jets.model_params.{model}", "attnphys.jets.models", sizes=("n_features", "n_classes"))),
    Area("spanet", "spanet", "attnphys.spanet.cli", "attnphys.spanet.plan", "Jet-parton matching",
         ModelSettings("spanet.model", "attnphys.spanet.models", "SpaNet")),
    Area("gating", "gating", "attnphys.gating.cli", "attnphys.gating.plan", "Attention as gating"),
    Area("neutron_stars", "neutron-stars", "attnphys.neutron_stars.cli", "attnphys.neutron_stars.plan",
         "Neutron-star equation of state",
         ModelSettings("neutron_stars.model", "attnphys.neutron_stars.models", "StarSetRegressor", ("n_outputs",))),
    Area("neutrino", "neutrino", "attnphys.neutrino.cli", "attnphys.neutrino.plan", "Neutrino classification",
         ModelSettings("neutrino.model_params.{model}", "attnphys.neutrino.models",
                       sizes=("n_classes", "n_prong_classes", "max_prongs"))),
)
BY_NAME = {area.name: area for area in AREAS}


def plans(cfg: dict) -> dict[str, object]:
    """``{area: its plan module's Plan(cfg)}`` for the areas with jobs to derive (chunks, user
    files, sizes); constructing one resolves and checks its files."""
    out = {}
    for area in AREAS:
        plan = getattr(area.plan_module(), "Plan", None)
        if plan is not None:
            out[area.name] = plan(cfg)
    return out
