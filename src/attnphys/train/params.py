"""Model settings, one way for every area: a JSON object of constructor keywords.

A stage's ``--params`` (from the config key ``jets.model_params.<model>``, ``spanet.model``
or ``neutron_stars.model``) overrides the constructor's defaults, which are the only
defaults. Keys are checked against the constructor's signature. Sizes that follow from the
data (number of classes, input features, outputs) are passed by the stage and refused in
``--params``; types and ranges follow the constructor's annotations
(``attnphys.validate.model_params``).
"""

from __future__ import annotations

import argparse
import inspect

from attnphys.validate.arguments import json_object
from attnphys.validate.model_params import check_params, from_class


def parse_params(text: str) -> dict:
    """``--params`` text -> dict; not a JSON object is an argparse error (exit status 2)."""
    return json_object(text)


def add_params_option(parser: argparse.ArgumentParser, constructor: str) -> None:
    parser.add_argument("--params", type=parse_params, default={},
                        help=f"JSON object of {constructor} keyword overrides (default {{}}: its defaults)")


def construct(cls: type, params: dict, where: str, **sizes):
    """``cls(**sizes, **params)`` with lists as tuples; a key the constructor lacks, or a
    size the data sets, is a ValueError naming ``where`` (the config key) and the key."""
    allowed = sorted(set(inspect.signature(cls).parameters) - set(sizes))
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        from_data = f" ({', '.join(sorted(sizes))} follow from the data)" if sizes else ""
        raise ValueError(f"{where}: unknown key(s) {unknown}; allowed {allowed}{from_data}")
    check_params(params, from_class(cls), where, tuple(sizes))
    return cls(**sizes, **{key: tuple(v) if isinstance(v, list) else v for key, v in params.items()})
