"""The fault suite's fixtures: the small valid inputs and ``run_stage`` of tests/validate."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("validate_fixtures",
                                               Path(__file__).parents[1] / "validate" / "conftest.py")
_fixtures = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _fixtures  # dataclasses look their module up
_spec.loader.exec_module(_fixtures)

run_stage, delphes_file, spanet_events = _fixtures.run_stage, _fixtures.delphes_file, _fixtures.spanet_events
