"""A trained model's record in ``model.pt``, and the one way to load a model from it.

Every area stores in ``extra``: ``model`` (the model's name in the area's registry),
``params`` (its constructor overrides, ``--params``) and ``sizes`` (the sizes the data set,
such as the number of classes), plus its own fields. Standardisation lives in the model's
buffers (``attnphys.train.standardise``), so the state dict restores it. ``load_model``
refuses a record that does not fit its model (``attnphys.validate.records``: sizes, classes,
windows, the training fingerprint) and weights that are not finite.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from torch import nn

from attnphys.train.engine import load_weights
from attnphys.train.params import construct
from attnphys.validate import BadInput, brief
from attnphys.validate.records import check_record, check_weights

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
    fingerprint = weights.get("fingerprint")
    check_record(path, extra, fingerprint if isinstance(fingerprint, dict) else None)
    try:
        model = construct(registry[extra["model"]], extra["params"], f"{path}: field 'extra.params'",
                          **extra["sizes"])
    except ValueError:
        raise
    except Exception as err:  # a constructor failing on sizes or params the checks above let through
        raise BadInput(path, "field 'extra.sizes'", f"cannot build model {extra['model']!r} from sizes "
                       f"{extra['sizes']} and params {extra['params']} ({brief(err)})") from err
    state = weights["state_dict"]
    if not isinstance(state, dict):
        raise BadInput(path, "field 'state_dict'", f"expected a dict of tensors, got {type(state).__name__}")
    try:
        model.load_state_dict(state)
    except Exception as err:
        raise BadInput(path, "field 'state_dict'", f"does not fit model {extra['model']!r} "
                       f"({brief(err)[:300]})") from err
    check_weights(path, model)
    model.record_path = str(path)  # named by attnphys.train.predict when an output is not finite
    return model.eval(), extra
