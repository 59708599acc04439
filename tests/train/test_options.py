"""Every stage that runs a model takes ``--device`` with one default, and every training
stage takes ``--restart-stale`` (the one stale-checkpoint policy) and ``--params``."""

from __future__ import annotations

import argparse

import pytest

from attnphys.cli import stage_parser

STAGES = [("jets", "train"), ("jets", "evaluate"), ("spanet", "train"), ("spanet", "evaluate"),
          ("neutron-stars", "train"), ("neutron-stars", "predict"), ("neutrino", "train"), ("neutrino", "evaluate")]


def _options(area: str, stage: str) -> dict[str, argparse.Action]:
    return {opt: action for action in stage_parser(area, stage)._actions for opt in action.option_strings}


@pytest.mark.parametrize(("area", "stage"), STAGES)
def test_device_default_is_auto_everywhere(area, stage):
    device = _options(area, stage)["--device"]
    assert device.default == "auto" and list(device.choices) == ["auto", "cpu", "cuda"]


@pytest.mark.parametrize("area", ["jets", "spanet", "neutron-stars", "neutrino"])
def test_training_stages_share_the_stale_policy_and_params(area):
    options = _options(area, "train")
    assert options["--restart-stale"].default is False
    assert options["--params"].default == {}
