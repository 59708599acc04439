"""`.ci/run` runs the README's test command as written, then every test that the default run
leaves to an explicit CI step (``ATTNPHYS_CI_STEP``), so moving a test out of the default run
never drops it from CI."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CI = (REPO / ".ci/run").read_text()


def test_ci_runs_the_readme_test_command():
    commands = [line.strip() for line in (REPO / "README.md").read_text().splitlines()
                if line.strip().endswith("python -m pytest -q") and line.strip().startswith("pip install")]
    assert len(commands) == 1
    assert commands[0] in CI.splitlines()


def test_ci_runs_every_step_the_default_run_skips():
    steps = {}
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        for step in re.findall(r'ATTNPHYS_CI_STEP"\) != "(\w+)"', path.read_text()):
            steps[step] = path.relative_to(REPO)
    assert {"slurm", "conda"} <= set(steps)
    for step, path in steps.items():
        assert re.search(rf"^ATTNPHYS_CI_STEP={step} python -m pytest .*{re.escape(str(path))}$", CI, re.M), step
