"""The talk's three jet taggers: ``hl_dnn`` (mass + 16 N-subjettiness), ``pfn`` and
``transformer`` (both on towers), and a fourth beyond the talk: ``part``, the Transformer
with a ParT-style pairwise-interaction attention bias, at the Transformer's count.

``build_model(name, **overrides)`` with no overrides gives the talk's parameter counts:
3,270,119, 1,205,895 and 1,388,807 (``part``: 1,388,807 too). Each model names its inputs in ``model.inputs``
(``('hl',)`` or ``('towers', 'mask')``) and holds its input standardisation in
``model.scale`` (buffers, set from the training split).
"""

from __future__ import annotations

import inspect

from torch import nn

from attnphys.jets.models.hl_dnn import HLDNN
from attnphys.jets.models.pair_transformer import PairTransformer
from attnphys.jets.models.pfn import PFN
from attnphys.jets.models.transformer import TowerTransformer

MODELS: dict[str, type[nn.Module]] = {
    "hl_dnn": HLDNN, "pfn": PFN, "transformer": TowerTransformer, "part": PairTransformer,
}
PAPER_PARAMS = {"hl_dnn": 3_270_119, "pfn": 1_205_895, "transformer": 1_388_807}
# Beyond the talk: sized to the Transformer's count.
TARGET_PARAMS = {**PAPER_PARAMS, "part": 1_388_807}


def build_model(name: str, **overrides) -> nn.Module:
    """A fresh model by name; ``overrides`` replace constructor defaults (e.g. ``width=64``)."""
    if name not in MODELS:
        raise ValueError(f"model: unknown name {name!r}; expected one of {sorted(MODELS)}")
    cls = MODELS[name]
    allowed = set(inspect.signature(cls).parameters)
    unknown = sorted(set(overrides) - allowed)
    if unknown:
        raise ValueError(f"jets.model_params.{name}: unknown key(s) {unknown}; allowed {sorted(allowed)}")
    return cls(**{key: tuple(v) if isinstance(v, list) else v for key, v in overrides.items()})


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


__all__ = ["MODELS", "PAPER_PARAMS", "TARGET_PARAMS", "build_model", "count_parameters"]
