"""A trained model's record in ``model.pt``, and the one way to load a model from it.

Every area stores in ``extra``: ``model`` (the model's name in the area's registry),
``params`` (its constructor overrides, ``--params``) and ``sizes`` (the sizes the data set,
such as the number of classes), plus its own fields. Standardisation lives in the model's
buffers (``attnphys.train.standardise``), so the state dict restores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from torch import nn

from attnphys.train.engine import load_weights
from attnphys.train.params import construct

RECORD = ("model", "params", "sizes")


def model_record(model: str, params: dict, sizes: dict, **fields) -> dict:
    """The ``extra`` of a training run: what rebuilds the model, plus ``fields``."""
    return {"model": model, "params": dict(params), "sizes": dict(sizes), **fields}


def load_model(path: str | Path, registry: Mapping[str, type[nn.Module]]) -> tuple[nn.Module, dict]:
    """The model of ``path`` (best validation loss, eval mode) and its record."""
    path = Path(path)
    weights = load_weights(path)
    extra = weights.get("extra")
    if not isinstance(extra, dict) or not set(RECORD) <= set(extra):
        raise ValueError(f"{path}: field 'extra' lacks the model record {list(RECORD)}")
    if extra["model"] not in registry:
        raise ValueError(f"{path}: field 'extra.model' is {extra['model']!r}, expected one of {sorted(registry)}")
    model = construct(registry[extra["model"]], extra["params"], f"{path}: field 'extra.params'", **extra["sizes"])
    model.load_state_dict(weights["state_dict"])
    return model.eval(), extra
