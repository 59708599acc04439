"""The resource cost model of the workflow's jobs: memory (MB) and runtime (minutes) of a job
as SAFETY x (base + slope x job size), per rule.

Bases and slopes come from the rules' benchmark files (max_rss, s) of the tiny and
default-size runs listed in benchmarks/README.md "Resources" (``python benchmarks/resource_table.py
OUTDIR``); memory slopes marked "data" are the size of the job's arrays (230 towers x 4
float32 per jet, two copies), because the measured sizes did not resolve them. Rules not
listed are small (1 GB, 5 min). The job sizes themselves (events, jets, epochs) come from
each area's plan (``attnphys.<area>.plan``).
"""

from __future__ import annotations

import math

SAFETY = 1.5
COST = {
    # rule: (MB base, MB per unit, s base, s per unit)   unit
    "jets_generate": (185, 0.01, 16, 0.053),            # generated event
    "jets_ingest": (150, 0.12, 12, 0.002),              # event in the file
    "jets_build_dataset": (200, 0.004, 6, 0.002),       # jet of the flat sample (MB: data)
    "jets_train": (880, 0.0074, 17, 0.148),             # jet (MB: data); jet x epoch (s)
    "jets_evaluate": (370, 0.0074, 10, 0.02),           # test jet (MB: data)
    "jets_study_sample": (400, 0.1, 20, 0.09),          # generated event (three levels, 12 tau sets)
    "jets_diagnosis": (500, 0.0, 30, 150),              # row of the diagnosis table (tree, 3 folds)
    # Learning curve: the costs of jets_train and jets_evaluate (the same stages), the time
    # slope doubled because part takes 1.9x the Transformer's time per step (benchmarks/README.md); trees:
    # HistGradientBoosting on 17 features, small (estimates, not yet measured).
    "jets_curve_train": (880, 0.0074, 17, 0.296),       # jet (MB: data); train+val jet x epoch (s)
    "jets_curve_evaluate": (370, 0.0074, 10, 0.02),     # test jet (MB: data)
    "jets_curve_trees": (300, 0.001, 10, 0.005),        # jet of the training split
    "jets_build_learning_curve": (250, 0.0, 10, 0.01),  # run (s: fits and parameter draws)
    "spanet_generate": (225, 0.01, 5, 0.055),           # generated event
    "spanet_dataset": (55, 0.01, 5, 0.001),             # generated event
    "spanet_train": (430, 0.005, 15, 0.011),            # generated event (x epoch for s)
    "neutron_stars_dataset": (150, 0.05, 5, 0.26),      # EOS sample (s: per worker)
    "neutron_stars_train": (375, 0.01, 29, 0.001),      # EOS sample (x epoch for s)
    "neutron_stars_fit": (180, 0.0, 10, 0.3),           # fitted sample x start
    # neutrino: the default run (3000 events, 10 epochs); s from cpu_time, as the run shared the
    # 2 cores at load 9-10 (wall s 3-10x higher); docs/neutrino.md
    "neutrino_simulate": (150, 0.02, 2, 0.002),         # simulated event of the chunk
    "neutrino_dataset": (200, 0.1, 1, 0.001),           # simulated event
    "neutrino_train": (600, 0.08, 5, 0.0005),           # simulated event (MB); train event x epoch x image (s)
    "neutrino_evaluate": (600, 0.08, 5, 0.01),          # simulated event (MB); test event (s)
}


def mem_mb(rule: str, units: float) -> int:
    """Memory request of a job of ``rule`` with ``units`` of work (MB)."""
    base, slope, _, _ = COST[rule]
    return int(math.ceil(SAFETY * (base + slope * units)))


def runtime(rule: str, units: float) -> int:
    """Runtime request of a job of ``rule`` with ``units`` of work (minutes, at least 1)."""
    _, _, base, slope = COST[rule]
    return max(1, int(math.ceil(SAFETY * (base + slope * units) / 60)))


def gpu_request(cfg: dict) -> int:
    """GPUs a GPU-capable job asks for: none when the config pins the CPU."""
    return 0 if cfg["device"] == "cpu" else 1
