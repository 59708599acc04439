"""The area contract, checked for every area ``attnphys.cli.AREAS`` registers, so no area
can be left out: its ``cli`` module holds only ``STAGES`` (``attnphys.cli`` registers them); each stage is
the module of the same name with an ``add_cli``; ``attnphys <area> <stage> -h`` works; the
options use the shared names (``attnphys.stage_options``); a missing input file ends with
exit status 2, one log line naming the file and nothing written."""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
from pathlib import Path

import pytest
import torch

from attnphys.cli import AREAS, main, stage_parser

# Areas that train no model kept in a file (the gating fits last seconds, in temporary folders).
NO_MODELS = {"gating"}

# A stage's module carries the stage's name (``learning-curve`` -> ``learning_curve``), but
# for these, whose module keeps the physics name.
MODULE_NAMES = {("jets", "study"): "physics_study", ("jets", "trees"): "boosted_trees"}

# Stages that read no file (they generate or enumerate): no missing-input check for them.
READ_NO_FILE = {("jets", "generate"), ("jets", "study"), ("spanet", "generate"), ("gating", "capacity"),
                ("gating", "xor"), ("neutrino", "simulate"), ("neutron-stars", "dataset")}

# Values of required options that are neither files nor numbers nor choices, where the stage
# checks them before it opens its files (a repeated option takes each value once).
PRIOR = ["gamma0=0.75,1.55", "gamma1=-0.2,0.05"]
VALUES = {("jets", "ingest"): {"cls": ["4q"]}, ("neutron-stars", "fit"): {"prior": PRIOR},
          ("neutron-stars", "report"): {"prior": PRIOR}}

# Old names of shared options: the model file is --checkpoint, the master seed --seed.
RETIRED = {"--model-file", "--model-path", "--base-seed"}


def _stages(area: str) -> dict[str, str]:
    return getattr(importlib.import_module(AREAS[area]), "STAGES", {})


STAGES = [(area, stage) for area in AREAS for stage in _stages(area)]


@pytest.mark.parametrize("area", list(AREAS))
def test_cli_module_holds_only_the_stages(area):
    module = importlib.import_module(AREAS[area])
    public = {name for name, value in vars(module).items() if not name.startswith("_") and not inspect.ismodule(value)}
    assert public - {"annotations"} == {"STAGES"}
    package = AREAS[area].removesuffix(".cli")
    assert module.STAGES and all(m.startswith(package + ".") for m in module.STAGES.values())


@pytest.mark.parametrize("area", [a for a in AREAS if a not in NO_MODELS])
def test_the_models_file_holds_the_models_registry(area):
    models = importlib.import_module(AREAS[area].removesuffix(".cli") + ".models")
    assert models.MODELS and all(isinstance(name, str) and issubclass(cls, torch.nn.Module)
                                 for name, cls in models.MODELS.items())


@pytest.mark.parametrize(("area", "stage"), STAGES)
def test_the_stage_is_its_own_module_with_add_cli(area, stage):
    name = _stages(area)[stage]
    assert name.rsplit(".", 1)[1] == MODULE_NAMES.get((area, stage), stage.replace("-", "_"))
    module = importlib.import_module(name)
    subparsers = argparse.ArgumentParser().add_subparsers()
    module.add_cli(subparsers)
    assert list(subparsers.choices) == [stage]  # one module, one stage


@pytest.mark.parametrize(("area", "stage"), STAGES)
def test_help_works(area, stage, capsys):
    with pytest.raises(SystemExit) as end:
        main([area, stage, "-h"])
    assert end.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: attnphys {area} {stage} ")


@pytest.mark.parametrize(("area", "stage"), STAGES)
def test_options_use_the_shared_names(area, stage):
    options = {opt: action for action in stage_parser(area, stage)._actions for opt in action.option_strings}
    assert not RETIRED & set(options)
    if "--seed" in options:
        assert options["--seed"].type is int and options["--seed"].help.startswith("master seed")
    if "--replica" in options:
        assert options["--replica"].type is int and options["--replica"].default == 0
    if "--checkpoint" in options:
        assert options["--checkpoint"].type is Path and "model.pt" in options["--checkpoint"].help
    for flag, action in options.items():
        if flag.startswith("--out-"):
            assert action.type is Path, flag


def _argv(parser: argparse.ArgumentParser, tmp_path: Path, given: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """Arguments filling every required option: a choice, a number, an output under
    ``tmp_path/out``, a missing file under ``tmp_path`` (a Path, or "file" in its help),
    else ``given`` or a word; and those missing files."""
    argv, missing = [], []
    for action in parser._actions:
        if not action.required:
            continue
        name = action.dest.replace("_", "-")
        count = action.nargs if isinstance(action.nargs, int) else 1
        if action.dest in given:
            if isinstance(action, argparse._AppendAction):
                argv += [token for value in given[action.dest] for token in (action.option_strings[0], value)]
                continue
            args = given[action.dest]
        elif action.choices is not None:
            args = [str(next(iter(action.choices)))] * count
        elif action.type is not None and action.type is not Path and action.type(str(count)) == count:
            args = [str(count + i) for i in range(count)]  # numbers, increasing (windows)
        elif name.startswith("out"):
            args = [str(tmp_path / "out" / name)]
        elif action.type is Path or "file" in (action.help or "").lower():
            args = [str(tmp_path / f"missing-{name}")]
            missing += args
        else:
            args = ["x"]
        argv += [*action.option_strings[:1], *args]
    return argv, missing


@pytest.mark.parametrize(("area", "stage"), STAGES)
def test_a_missing_input_file_is_one_line_naming_it(area, stage, tmp_path, caplog):
    argv, missing = _argv(stage_parser(area, stage), tmp_path, VALUES.get((area, stage), {}))
    if (area, stage) in READ_NO_FILE:
        assert not missing, f"{area} {stage} takes files {missing}: not a stage that reads none"
        return
    assert missing, f"{area} {stage}: no input file among its required options"
    (tmp_path / "out").mkdir()
    with caplog.at_level(logging.INFO):
        code = main([area, stage, *argv])
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert code == 2
    assert len(errors) == 1 and "\n" not in errors[0]
    assert any(path in errors[0] for path in missing) and errors[0] not in missing, errors[0]  # the file, and what
    assert not any((tmp_path / "out").iterdir())
