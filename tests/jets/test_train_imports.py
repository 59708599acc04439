"""The taggers' training and evaluation stages import without the event-processing packages
(awkward, fastjet, uproot, pythia8mc), so they run on a GPU machine that has only torch and
the Parquet readers (benchmarks/bench_gpu.py)."""

from __future__ import annotations

import subprocess
import sys

HIDE = """
import sys
HIDDEN = {"awkward", "fastjet", "uproot", "pythia8mc"}
class Hide:
    def __init__(self, finder):
        self.finder = finder
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            return None
        find = getattr(self.finder, "find_spec", None)
        return find(name, path, target) if find else None
sys.meta_path[:] = [Hide(f) for f in sys.meta_path]
"""


def _imports(module: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", f"{HIDE}\nimport {module}"], capture_output=True, text=True,
                          check=False)


def test_train_and_evaluate_import_without_awkward_or_fastjet():
    for module in ("attnphys.jets.train", "attnphys.jets.evaluate", "attnphys.jets.nested_subsets"):
        done = _imports(module)
        assert done.returncode == 0, done.stderr


def test_the_hiding_works():
    done = _imports("attnphys.jets.dataset")  # builds N-subjettiness with FastJet: needs awkward
    assert done.returncode != 0 and "No module named 'awkward'" in done.stderr
