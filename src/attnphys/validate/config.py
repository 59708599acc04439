"""The workflow configuration checked before anything runs (``snakemake -n`` included),
after the JSON schema (``workflow/schemas/config.schema.yaml``) has filled in defaults.

Beyond the schema: no NaN or infinite number anywhere; every split fraction positive and
the fractions summing to 1 (a zero-width split trains or tests on nothing); every window
and prior box with min < max; the model settings of every area valid for their
constructors (``attnphys.validate.model_params``, read from the sources without importing
torch); user Delphes files unique (``attnphys.validate.unique``). Errors name the key.
"""

from __future__ import annotations

import math
from pathlib import Path

from attnphys.validate.model_params import (
    Keyword,
    check_params,
    from_class,
    from_source,
    registry_from_source,
)

PACKAGE = Path(__file__).resolve().parents[1]
SPLITS = ("jets", "spanet", "neutron_stars")
WINDOWS = (("jets", "pt_window"), ("jets", "mass_window"))
# (config key, module file, class, sizes that follow from the data)
AREA_MODELS = (
    ("spanet.model", PACKAGE / "spanet" / "models.py", "SpaNet", ()),
    ("neutron_stars.model", PACKAGE / "neutron_stars" / "model.py", "StarSetRegressor", ("n_outputs",)),
)
JET_SIZES = ("n_features", "n_classes")


def check_config(cfg: dict) -> None:
    """Raise ValueError ``"config key {key}: ..."`` for the first bad value of ``cfg``."""
    _finite(cfg, "")
    for area in SPLITS:
        split = cfg.get(area, {}).get("split")
        if split is not None and (min(split) <= 0 or abs(sum(split) - 1.0) > 1e-6):
            raise ValueError(f"config key {area}.split: fractions {list(split)} must all be positive and sum to 1")
    for area, key in WINDOWS:
        lo, hi = cfg[area][key]
        if not lo < hi:
            raise ValueError(f"config key {area}.{key}: empty window, min {lo} must be below max {hi}")
    for name, (lo, hi) in cfg.get("neutron_stars", {}).get("prior", {}).items():
        if not lo < hi:
            raise ValueError(f"config key neutron_stars.prior.{name}: empty box, low {lo} must be below high {hi}")
    models = jet_models()
    for model, params in cfg["jets"].get("model_params", {}).items():
        if model not in models:
            raise ValueError(f"config key jets.model_params.{model}: unknown model; expected one of {sorted(models)}")
        check_params(params, models[model], f"config key jets.model_params.{model}", JET_SIZES)
    for key, module, cls, sizes in AREA_MODELS:
        area, leaf = key.split(".")
        if area in cfg and leaf in cfg[area]:
            check_params(cfg[area][leaf], from_source(module, cls), f"config key {key}", sizes)


def jet_models() -> dict[str, list[Keyword]]:
    """Constructor keywords of every jet tagger of ``attnphys.jets.models.MODELS``, read from the
    sources; a registry that is no plain dict literal is imported instead (torch, seconds)."""
    try:
        registry = registry_from_source(PACKAGE / "jets" / "models" / "__init__.py", "MODELS")
        return {name: from_source(*where) for name, where in registry.items()}
    except (ValueError, KeyError, AttributeError, OSError, SyntaxError):
        from attnphys.jets.models import MODELS

        return {name: from_class(cls) for name, cls in MODELS.items()}


def _finite(node, key: str) -> None:
    if isinstance(node, dict):
        for name, value in node.items():
            _finite(value, f"{key}.{name}" if key else str(name))
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            _finite(value, f"{key}[{i}]")
    elif isinstance(node, float) and not math.isfinite(node):
        raise ValueError(f"config key {key}: {node} is not a finite number")
