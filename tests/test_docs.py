"""The documentation's contracts: the README's test command is the one CI runs, both commands
install the same torch first, and every relative link of the project's Markdown resolves to a
file (and heading) in the tree.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", REPO / "CHANGELOG.md",
        *sorted(p for folder in ("docs", "benchmarks", "profiles", "workflow") for p in (REPO / folder).rglob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _commands() -> list[str]:
    """The bash blocks of the README's "Two commands" section, in order."""
    section = REPO.joinpath("README.md").read_text().split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)\n```", section, re.S)


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors of a Markdown file's headings (outside code blocks)."""
    anchors, code = set(), False
    for line in path.read_text().splitlines():
        code ^= line.startswith("```")
        if not code and line.startswith("#"):
            anchors.add(re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-"))
    return anchors


def test_the_readme_test_command_is_the_one_ci_runs():
    main_job, tests = _commands()
    ci = [line for line in REPO.joinpath(".ci/run").read_text().splitlines() if line.startswith("pip install")]
    assert ci == [tests]
    assert main_job.split(" && ")[0] == tests.split(" && ")[0] == "pip install torch==2.13.0"
    assert main_job.endswith("snakemake --cores all") and tests.endswith("python -m pytest -q")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(doc):
    broken = []
    for link in LINK.findall(doc.read_text()):
        if re.match(r"[a-z]+:", link):
            continue
        path, _, anchor = link.partition("#")
        target = (doc.parent / path).resolve() if path else doc
        if not target.exists():
            broken.append(link)
        elif anchor and target.suffix == ".md" and anchor not in _anchors(target):
            broken.append(link)
    assert not broken, f"{doc.relative_to(REPO)}: links to nothing: {broken}"
