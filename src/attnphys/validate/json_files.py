"""Small JSON files between stages (chunk statistics, dataset summaries): readable JSON
objects with their required fields, errors naming the file and the field."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence

from attnphys.files import existing
from attnphys.validate import BadInput


def read_json(path: str | os.PathLike, what: str, required: Sequence[str] = (),
              counts: Sequence[str] = (), numbers: Sequence[str] = ()) -> dict:
    """The JSON object of ``path`` with ``required`` fields; ``counts`` must be integers >= 0
    and ``numbers`` finite numbers."""
    path = existing(path, what)
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as err:
        raise BadInput(path, what, f"not valid JSON ({' '.join(str(err).split())})") from err
    if not isinstance(data, dict):
        raise BadInput(path, what, f"expected a JSON object, got {type(data).__name__}")
    for field in required:
        if field not in data:
            raise BadInput(path, f"field {field}", "missing")
    for field in counts:
        value = data.get(field)
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            raise BadInput(path, f"field {field}", f"expected a count (integer >= 0), got {value!r}")
    for field in numbers:
        value = data.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise BadInput(path, f"field {field}", f"expected a finite number, got {value!r}")
    return data
