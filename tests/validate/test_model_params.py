"""Model settings: the constructor keywords read from the sources (``snakemake -n``, no torch)
are the real signatures, and a stage building a model refuses what the config check refuses."""

from __future__ import annotations

import pytest

import importlib

from attnphys.areas import AREAS
from attnphys.jets.models import build_model
from attnphys.validate.config import model_keywords
from attnphys.validate.model_params import from_class

SETTINGS = [area.models for area in AREAS if area.models is not None]


@pytest.mark.parametrize("settings", SETTINGS, ids=[s.key for s in SETTINGS])
def test_source_reading_matches_the_imported_constructors(settings):
    module = importlib.import_module(settings.module)
    imported = {settings.cls: getattr(module, settings.cls)} if settings.cls else module.MODELS
    assert model_keywords(settings) == {name: from_class(cls) for name, cls in imported.items()}


@pytest.mark.parametrize(("params", "message"), [
    ({"width": 0}, "jets.model_params.hl_dnn.width: must be at least 1, got 0"),
    ({"width": 32.0}, "jets.model_params.hl_dnn.width: expected an integer"),
    ({"depth": True}, "jets.model_params.hl_dnn.depth: expected an integer"),
    ({"n_classes": 3}, "unknown key(s) ['n_classes']"),
])
def test_building_a_model_refuses_bad_settings(params, message):
    with pytest.raises(ValueError) as error:
        build_model("hl_dnn", n_features=17, n_classes=2, params=params)
    assert message in str(error.value)


def test_settings_within_range_build_the_model():
    model = build_model("transformer", n_features=3, n_classes=2,
                        params={"d_model": 8, "heads": 2, "layers": 1, "ffn": 16, "head": 8, "dropout": 0.1})
    assert model.n_classes == 2
