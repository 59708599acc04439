"""The gating rules run end to end under Snakemake on a tiny overlay."""

import math
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def snakemake(workdir: Path, overlay: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        "snakemake", "gating_report", *args, "-s", str(REPO / "Snakefile"),
        "--directory", str(workdir), "--cores", "2", "--configfile", str(overlay),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def write_overlay(path: Path, outdir: Path, epochs: int) -> None:
    overlay = {
        "outdir": str(outdir),
        "jets": {"enabled": False},
        "spanet": {"enabled": False},
        "neutron_stars": {"enabled": False},
        "gating": {"max_n": 3, "xor_seeds": 2, "xor_epochs": epochs},
    }
    path.write_text(yaml.safe_dump(overlay))


@pytest.mark.slow
def test_gating_report_target(tmp_path):
    outdir = tmp_path / "results"
    overlay = tmp_path / "overlay.yaml"
    write_overlay(overlay, outdir, epochs=150)
    run = snakemake(tmp_path, overlay)
    assert run.returncode == 0, run.stderr[-3000:]

    table = pd.read_csv(outdir / "gating" / "capacity.csv")
    assert list(table.columns) == [
        "n", "threshold", "gated", "all", "capacity_threshold", "capacity_gated"
    ]
    assert table["n"].tolist() == [1, 2, 3]
    assert table["threshold"].tolist() == [4, 14, 104]
    assert table["gated"].tolist() == [4, 16, 246]
    assert table["all"].tolist() == [4, 16, 256]
    assert table["capacity_threshold"].tolist() == pytest.approx(
        [2.0, math.log2(14), math.log2(104)], abs=1e-6
    )
    assert table["capacity_gated"].tolist() == pytest.approx([2.0, 4.0, math.log2(246)], abs=1e-6)

    report = (outdir / "gating" / "report.md").read_text()
    assert "| 3 | 2 | 104 | 246 | 256 |" in report
    assert "](xor_regions.png)" in report
    assert "2/2 seeds at 100%" in report
    assert (outdir / "gating" / "xor_regions.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for stage in ("capacity", "xor", "report"):
        assert (outdir / "logs" / "gating" / f"{stage}.log").is_file()

    # Changing a setting of the XOR demo reruns that stage and the report, not the counts.
    write_overlay(overlay, outdir, epochs=120)
    dry = snakemake(tmp_path, overlay, "-n", "--quiet", "rules")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert {line.split()[0] for line in dry.stdout.splitlines() if line.startswith("gating_")} == {
        "gating_xor", "gating_report"}
