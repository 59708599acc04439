"""The workflow's lists of prong classes and jet models are the package's registries.

The config schema keeps enums (so a config is checked before any job starts); they must
equal ``prong_classes.CLASS_NAMES`` and ``jets.models.MODELS``, the one source of each list.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from attnphys.jets.models import MODELS, PAPER_ONLY
from attnphys.jets.prong_classes import CLASS_NAMES

ROOT = Path(__file__).resolve().parents[2]
JETS = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())["properties"]["jets"]["properties"]


def test_schema_classes_are_the_prong_class_registry():
    assert tuple(JETS["classes"]["items"]["enum"]) == CLASS_NAMES
    assert tuple(JETS["classes"]["default"]) == CLASS_NAMES
    assert set(JETS["acceptance"]["default"]) == set(CLASS_NAMES)


def test_schema_models_are_the_model_registry():
    curve = JETS["learning_curve"]["properties"]["models"]
    assert set(JETS["models"]["items"]["enum"]) == set(curve["items"]["enum"]) == set(MODELS)
    assert set(curve["default"]) == set(MODELS) - set(PAPER_ONLY)
    # part costs 1.9x the Transformer per step, so the default run trains the talk's three;
    # hl135 needs the paper's file (jets.source: paper).
    assert set(JETS["models"]["default"]) == set(MODELS) - {"part", *PAPER_ONLY}
    assert set(JETS["model_params"]["properties"]) == set(MODELS)


def test_default_config_lists_every_class_and_model():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())["jets"]
    assert tuple(config["classes"]) == CLASS_NAMES
    assert set(config["acceptance"]) == set(CLASS_NAMES)
    assert set(config["models"]) == set(MODELS) - {"part", *PAPER_ONLY}
    assert set(config["learning_curve"]["models"]) == set(MODELS) - set(PAPER_ONLY)
    assert set(config["model_params"]) == set(MODELS)
