"""Model settings: the constructor keywords read from the sources (``snakemake -n``, no torch)
are the real signatures, and a stage building a model refuses what the config check refuses."""

from __future__ import annotations

import pytest

from attnphys.jets.models import MODELS, build_model
from attnphys.neutron_stars.model import StarSetRegressor
from attnphys.spanet.models import SpaNet
from attnphys.validate.config import AREA_MODELS, jet_models
from attnphys.validate.model_params import from_class, from_source


def test_source_reading_matches_the_imported_constructors():
    assert {name: from_class(cls) for name, cls in MODELS.items()} == jet_models()
    imported = {"SpaNet": SpaNet, "StarSetRegressor": StarSetRegressor}
    for _, module, cls, _ in AREA_MODELS:
        assert from_source(module, cls) == from_class(imported[cls])


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
