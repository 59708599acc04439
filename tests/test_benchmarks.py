"""Every benchmark script imports against the package as it is (a renamed module breaks a
benchmark silently otherwise: they run by hand, not in the suite) and parses ``--help``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((REPO / "benchmarks").glob("*.py"))


def test_the_benchmarks_folder_has_its_scripts():
    assert {"bench_train.py", "bench_gpu.py", "resource_table.py", "combine_curves.py"} <= {p.name for p in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_benchmark_imports_and_answers_help(script, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location(f"bench_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, "argv", [script.name, "--help"])
    with pytest.raises(SystemExit) as exit_:
        module.main()
    assert exit_.value.code == 0 and "usage:" in capsys.readouterr().out
