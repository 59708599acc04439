"""Wall time and peak memory per rule from a run's Snakemake benchmark files.

Reads ``{outdir}/benchmarks/**.tsv`` (one per job: Snakemake's ``s``, ``max_rss`` and ``cpu_time``
columns) and prints, per rule folder, the jobs, the median and largest wall time, the summed CPU
time and the largest peak RSS, then the run's totals: the measurements behind the resource model
of ``attnphys.resources`` and the main job's CPU budget.

    python benchmarks/resource_table.py results-tiny [results ...]
"""

from __future__ import annotations

import argparse
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
        rows.append({"stage": stage, "s": float(bench["s"].max()), "cpu_s": float(bench["cpu_time"].max()),
                     "max_rss_mb": float(bench["max_rss"].max())})
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise ValueError(f"{root}: no benchmark files")
    return frame.groupby("stage").agg(jobs=("s", "size"), s_median=("s", "median"), s_max=("s", "max"),
                                      s_sum=("s", "sum"), cpu_s_sum=("cpu_s", "sum"),
                                      max_rss_mb=("max_rss_mb", "max")).round(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdirs", type=Path, nargs="+", help="a run's outdir (holds benchmarks/)")
    for outdir in parser.parse_args().outdirs:
        table = rule_table(outdir)
        print(f"{outdir}:\n{table.to_string()}")
        print(f"total: {int(table['jobs'].sum())} jobs, {table['s_sum'].sum():,.0f} s of job wall time, "
              f"{table['cpu_s_sum'].sum():,.0f} s of job CPU\n")


if __name__ == "__main__":
    main()
