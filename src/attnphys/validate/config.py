"""The workflow configuration checked before anything runs (``snakemake -n`` included).

:func:`validate_config` fills in the defaults of the JSON schema
(``workflow/schemas/config.schema.yaml``) and checks the config against it, then
:func:`check_config` checks what a schema cannot express, for every area of the registry
(``attnphys.areas``), so no area is left out: no NaN or infinite number anywhere; every split
fraction positive and the fractions summing to 1 (a zero-width split trains or tests on
nothing); every window and prior box with min < max; the model settings of every area valid
for their constructors (``attnphys.validate.model_params``, read from the sources without
importing torch); then each area's own cross-checks (``check`` of its plan module). Every
error is one line, ``config key <key>: <problem>``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

import jsonschema
import yaml

from attnphys.areas import AREAS, ModelSettings
from attnphys.validate.model_params import Keyword, check_params, from_class, from_source, registry_from_source
from attnphys.validate.unique import check_unique_files

PACKAGE = Path(__file__).resolve().parents[1]
SPLITS = ("jets", "spanet", "neutron_stars", "neutrino")
WINDOWS = (("jets", "pt_window"), ("jets", "mass_window"))


def validate_config(cfg: dict, schema_file: str | Path) -> dict:
    """Fill in the schema's defaults in ``cfg`` (in place, as Snakemake's ``validate`` does) and
    check it against the schema; ValueError ``"config key <key>: <problem>"`` on the first error."""
    schema = yaml.safe_load(Path(schema_file).read_text())
    base = jsonschema.Draft202012Validator
    plain_properties = base.VALIDATORS["properties"]

    def properties_with_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(name, sub["default"])
        yield from plain_properties(validator, properties, instance, schema)

    validator = jsonschema.validators.extend(base, {"properties": properties_with_defaults})(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(cfg))
    if error is not None:
        key = ".".join(str(part) for part in error.absolute_path)
        raise ValueError(f"config key {key or '(top level)'}: {error.message}")
    return cfg


def load_config(files: list[str | Path], schema_file: str | Path, overlay: dict | None = None) -> dict:
    """The config of ``files`` merged in order (nested blocks key by key, as ``snakemake
    --configfile`` merges them) and then ``overlay``, with the schema's defaults, checked: the
    config a workflow run sees, for code that runs without Snakemake (benchmarks, tests)."""
    cfg: dict = {}
    for changes in [*(yaml.safe_load(Path(f).read_text()) or {} for f in files), overlay or {}]:
        _merge(cfg, changes)
    validate_config(cfg, schema_file)
    check_config(cfg)
    return cfg


def _merge(base: dict, changes: dict) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def check_config(cfg: dict) -> None:
    """Raise ValueError ``"config key {key}: ..."`` for the first bad value of ``cfg`` (a config
    with the schema's defaults filled in)."""
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
    for area in AREAS:
        if area.models is not None:
            check_model_settings(cfg, area.models)
    for area in AREAS:
        area.plan_module().check(cfg)


def check_model_settings(cfg: dict, settings: ModelSettings) -> None:
    """The settings of ``settings.key`` in ``cfg`` against their constructors' keywords."""
    prefix = settings.key.removesuffix(".{model}")
    node = cfg
    for part in prefix.split("."):
        if not isinstance(node, dict) or part not in node:
            return
        node = node[part]
    keywords = model_keywords(settings)
    if settings.cls is not None:
        check_params(node, keywords[settings.cls], f"config key {prefix}", settings.sizes)
        return
    for model, params in node.items():
        if model not in keywords:
            raise ValueError(f"config key {prefix}.{model}: unknown model; expected one of {sorted(keywords)}")
        check_params(params, keywords[model], f"config key {prefix}.{model}", settings.sizes)


def model_keywords(settings: ModelSettings) -> dict[str, list[Keyword]]:
    """``{model or class name: constructor keywords}`` of ``settings``, read from the sources; a
    registry that is no plain dict literal is imported instead (torch, seconds)."""
    module = _module_file(settings.module)
    if settings.cls is not None:
        return {settings.cls: from_source(module, settings.cls)}
    try:
        registry = registry_from_source(module, "MODELS")
        return {name: from_source(*where) for name, where in registry.items()}
    except (ValueError, KeyError, AttributeError, OSError, SyntaxError):
        import importlib

        registry = importlib.import_module(settings.module).MODELS
        return {name: from_class(cls) for name, cls in registry.items()}


def check_files(paths: Iterable[str | os.PathLike], key: str) -> list[str]:
    """The files of config key ``key``, refused (ValueError naming the key) when one is missing or
    a directory, or when two are one file (the same path, a symlink to it, or a copy)."""
    paths = [str(p) for p in paths]
    for path in paths:
        if os.path.isdir(path):
            raise ValueError(f"config key {key}: {path} is a directory, not a file")
        if not os.path.isfile(path):
            raise ValueError(f"config key {key}: no file {path}")
    check_unique_files(paths, f"config key {key}")
    return paths


def _module_file(module: str) -> Path:
    path = PACKAGE.parent.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _finite(node, key: str) -> None:
    if isinstance(node, dict):
        for name, value in node.items():
            _finite(value, f"{key}.{name}" if key else str(name))
    elif isinstance(node, list | tuple):
        for i, value in enumerate(node):
            _finite(value, f"{key}[{i}]")
    elif isinstance(node, float) and not math.isfinite(node):
        raise ValueError(f"config key {key}: {node} is not a finite number")
