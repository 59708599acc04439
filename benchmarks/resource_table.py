"""Wall time and peak memory per rule from a run's Snakemake benchmark files.

Reads ``{outdir}/benchmarks/**.tsv`` (one per job: Snakemake's ``s`` and ``max_rss`` columns)
and prints, per rule folder, the jobs, the median and largest wall time and the largest peak
RSS: the measurements behind the resource model of ``attnphys.resources``.

    python benchmarks/resource_table.py results-tiny [results ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def rule_table(outdir: Path) -> pd.DataFrame:
    rows = []
    root = Path(outdir) / "benchmarks"
    for path in sorted(root.rglob("*.tsv")):
        parts = path.relative_to(root).parts
        # {area}/{stage}.tsv or {area}/{stage}/{wildcards...}.tsv
        stage = "_".join(parts[:2]).removesuffix(".tsv")
        bench = pd.read_csv(path, sep="\t")
        rows.append({"stage": stage, "s": float(bench["s"].max()), "max_rss_mb": float(bench["max_rss"].max())})
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise ValueError(f"{root}: no benchmark files")
    return frame.groupby("stage").agg(jobs=("s", "size"), s_median=("s", "median"), s_max=("s", "max"),
                                      max_rss_mb=("max_rss_mb", "max")).round(1)


if __name__ == "__main__":
    for outdir in sys.argv[1:]:
        print(f"{outdir}:\n{rule_table(Path(outdir)).to_string()}\n")
