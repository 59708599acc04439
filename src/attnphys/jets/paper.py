"""The published figures the jets report compares with: Lu, Romero, Fenton, Whiteson, Baldi,
arXiv:2202.00723, as shown in the talk (top-1 accuracy over seven prong classes, tower inputs).

The one place these numbers live; the models' own parameter counts are checked against them
in tests/jets/test_models.py. ``PAPER_V2``: the published v2 abstract's figures, beside the
talk's, among them the paper's final HL network (mass + 135 N-subjettiness, ``hl135``), which
the talk does not show; the paper gives no parameter count or spread for them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TalkRow:
    """One row of the talk's table: display name, parameters, top-1 accuracy +- spread (%)."""

    name: str
    n_params: int
    accuracy: float
    spread: float


TALK = {
    "hl_dnn": TalkRow("Mass + HL (tower) DNN", 3_270_119, 84.14, 0.45),
    "pfn": TalkRow("PFN (tower)", 1_205_895, 89.42, 0.49),
    "transformer": TalkRow("Transformer (tower)", 1_388_807, 91.25, 0.65),
}


# arXiv:2202.00723 v2 abstract: top-1 accuracy (%) on the same seven classes.
PAPER_V2 = {"hl135": 86.90, "pfn": 89.19, "transformer": 91.27}
NAMES = {"hl135": "Mass + 135 N-subjettiness DNN", "part": "ParT-style Transformer (tower)"}


def model_name(model: str) -> str:
    """The talk's display name of a model key (the key itself for a model the talk lacks)."""
    return TALK[model].name if model in TALK else NAMES.get(model, model)


def published_accuracy(model: str) -> float:
    """The talk's top-1 accuracy (%) of a model, else the v2 abstract's, else NaN."""
    return TALK[model].accuracy if model in TALK else PAPER_V2.get(model, float("nan"))
