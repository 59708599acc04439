"""Model settings: one JSON object per model, checked against the constructor's signature."""

from __future__ import annotations

import subprocess
import sys

import pytest

from attnphys.neutron_stars.models import StarSetRegressor
from attnphys.spanet.models import SpaNet
from attnphys.train.params import construct


def test_overrides_replace_constructor_defaults_and_lists_become_tuples():
    model = construct(StarSetRegressor, {"d_model": 8, "n_heads": 2, "n_layers": 1, "d_ff": 16},
                      "neutron_stars.model", n_outputs=3)
    assert model.head[-1].out_features == 3 and model.embed[0].out_features == 8


@pytest.mark.parametrize(("cls", "where", "sizes", "bad"), [
    (SpaNet, "spanet.model", {"mean": [0.0] * 4, "std": [1.0] * 4}, "dimm"),
    (StarSetRegressor, "neutron_stars.model", {"n_outputs": 2}, "n_outputs"),
])
def test_unknown_key_or_data_size_names_the_config_key(cls, where, sizes, bad):
    with pytest.raises(ValueError, match=rf"^{where}: unknown key\(s\) \['{bad}'\]"):
        construct(cls, {bad: 3}, where, **sizes)


@pytest.mark.parametrize("area", ["spanet", "neutron-stars", "neutrino"])
def test_params_that_are_not_a_json_object_exit_2_naming_the_flag(area, tmp_path):
    out = subprocess.run([sys.executable, "-m", "attnphys.cli", area, "train", "--params", "[1, 2]",
                          "--out-model", str(tmp_path / "model.pt"), "--out-history", str(tmp_path / "history.csv")],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "argument --params: must be a JSON object" in out.stderr
