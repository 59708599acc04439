"""The one model record and loader (attnphys.train.record) and the one standardisation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attnphys.neutron_stars.models import MODELS, StarSetRegressor
from attnphys.train.checkpoint import save
from attnphys.train.record import load_model, model_record
from attnphys.train.standardise import Standardise


def test_record_round_trip_restores_weights_and_standardisation(tmp_path):
    torch.manual_seed(0)
    params, sizes = {"d_model": 8, "n_heads": 2, "n_layers": 1, "d_ff": 16}, {"n_outputs": 3}
    model = StarSetRegressor(**sizes, **params)
    model.scale.fit(np.random.default_rng(0).normal(2.0, 3.0, (50, 4, 2)))
    save({"state_dict": model.state_dict(), "extra": model_record("star_set", params, sizes, n_stars=4)},
         tmp_path / "model.pt")
    loaded, record = load_model(tmp_path / "model.pt", MODELS)
    assert record["n_stars"] == 4 and not loaded.training
    stars = torch.randn(5, 4, 2)
    with torch.no_grad():
        torch.testing.assert_close(loaded(stars), model.eval()(stars))
    torch.testing.assert_close(loaded.scale.std, model.scale.std)


def test_a_file_without_the_record_or_of_another_model_names_the_field(tmp_path):
    save({"state_dict": {}, "extra": {"model": "star_set"}}, tmp_path / "a.pt")
    with pytest.raises(ValueError, match=r"a\.pt: field 'extra' lacks the model record"):
        load_model(tmp_path / "a.pt", MODELS)
    save({"state_dict": {}, "extra": model_record("pfn", {}, {})}, tmp_path / "b.pt")
    with pytest.raises(ValueError, match=r"b\.pt: field 'extra.model' is 'pfn'"):
        load_model(tmp_path / "b.pt", MODELS)


def test_standardise_fits_rows_and_inverts():
    values = np.stack([np.arange(10.0), np.full(10, 4.0)], axis=1)  # second feature has no spread
    scale = Standardise(2)
    scale.fit(values)
    assert scale.std.tolist() == [pytest.approx(np.std(np.arange(10.0))), 1.0]
    x = torch.from_numpy(values.astype(np.float32))
    out = scale(x)
    assert out[:, 0].mean().abs() < 1e-6 and out[:, 0].std(unbiased=False) == pytest.approx(1.0, abs=1e-6)
    torch.testing.assert_close(scale.inverse(out), x)
