"""The talk's three jet taggers: ``hl_dnn`` (mass + 16 N-subjettiness), ``pfn`` and
``transformer`` (both on towers), and a fourth beyond the talk: ``part``, the Transformer
with a ParT-style pairwise-interaction attention bias, at the Transformer's count; and, where
the source holds the 135 values (the paper's published file), ``hl135``: the paper's final HL
network, mass + 135 N-subjettiness (``PAPER_ONLY``).

``build_model(name, n_features, n_classes, params)``: the sizes come from the data (17
high-level features or 3 per tower; one output per class), ``params`` override constructor
defaults (config key ``jets.model_params.<name>``). With the talk's sizes (``PAPER_SIZES``)
and no overrides the parameter counts are the talk's: 3,270,119, 1,205,895 and 1,388,807
(``part``: 1,388,807 too).
Each model names its inputs in ``model.inputs`` (``('hl',)`` or ``('towers', 'mask')``) and
holds its input standardisation in ``model.scale`` (buffers, set from the training split); an
``hl`` model takes the dataset columns of ``hl_columns(name)`` (mass first, then tau_N).
"""

from __future__ import annotations

from torch import nn

from attnphys.jets.models.hl_dnn import HLDNN
from attnphys.jets.models.nsubs_dnn import NsubsDNN
from attnphys.jets.models.pair_transformer import PairTransformer
from attnphys.jets.models.pfn import PFN
from attnphys.jets.models.transformer import TowerTransformer
from attnphys.jets.paper import TALK
from attnphys.jets.sources import PAPER_ONLY
from attnphys.jets.split import HL_COLUMNS
from attnphys.train.params import construct

MODELS: dict[str, type[nn.Module]] = {
    "hl_dnn": HLDNN, "pfn": PFN, "transformer": TowerTransformer, "part": PairTransformer, "hl135": NsubsDNN,
}
# PAPER_ONLY: models that need the published file's 135 N-subjettiness values (jets.source: paper).
# The talk's parameter counts, from the one table of the paper's figures (attnphys.jets.paper).
PAPER_PARAMS = {model: row.n_params for model, row in TALK.items()}
# Beyond the talk: ``part`` is sized to the Transformer's count.
TARGET_PARAMS = {**PAPER_PARAMS, "part": PAPER_PARAMS["transformer"]}
PAPER_SIZES = {
    "hl_dnn": {"n_features": 17, "n_classes": 7},
    "pfn": {"n_features": 3, "n_classes": 7},
    "transformer": {"n_features": 3, "n_classes": 7},
    "part": {"n_features": 3, "n_classes": 7},
    "hl135": {"n_features": 136, "n_classes": 7},
}


def model_class(name: str) -> type[nn.Module]:
    if name not in MODELS:
        raise ValueError(f"model: unknown name {name!r}; expected one of {sorted(MODELS)}")
    return MODELS[name]


def hl_columns(name: str) -> tuple[str, ...]:
    """The dataset columns of a model's ``hl`` input: the mass, then its tau_N columns."""
    return tuple(getattr(model_class(name), "hl_columns", HL_COLUMNS))


def build_model(name: str, n_features: int, n_classes: int, params: dict | None = None) -> nn.Module:
    """A fresh model by name with sizes from the data and ``params`` checked against its constructor."""
    return construct(model_class(name), params or {}, f"jets.model_params.{name}", n_features=n_features,
                     n_classes=n_classes)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


__all__ = [
    "MODELS", "PAPER_ONLY", "PAPER_PARAMS", "PAPER_SIZES", "TARGET_PARAMS", "build_model", "count_parameters",
    "hl_columns", "model_class",
]
