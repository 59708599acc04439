# The workflow's adapter to the package: the config checked, the package command, and the
# plans of the areas (attnphys.areas; attnphys.<area>.plan: chunks, user files, job sizes,
# curve runs) and the resource cost model (attnphys.resources) the rules read.

import json  # noqa: F401 (the rules pass config blocks as JSON)
import os
import re
import sys

# The package beside this Snakefile (the same sources the rules run).
sys.path.insert(0, os.path.join(workflow.basedir, "src"))
from attnphys import areas  # noqa: E402
from attnphys.jets import sources as jet_sources  # noqa: E402
from attnphys.jets.frames import FRAMES  # noqa: E402
from attnphys.jets.plan import CURVE_RUN, TREES_RUN, USER_CHUNK, diagnosis_rows, frame_flags  # noqa: E402
from attnphys.neutron_stars.plan import prior_flags, star_counts  # noqa: E402
from attnphys.resources import gpu_request, mem_mb, runtime  # noqa: E402
from attnphys.spanet.plan import stats_option, summary_option  # noqa: E402
from attnphys.validate.config import check_config, validate_config  # noqa: E402

# Schema (defaults filled in), the areas' value checks and user files: a bad value is one line
# naming the key and exit status 2, as for the stages' bad input.
try:
    validate_config(config, os.path.join(workflow.basedir, "workflow/schemas/config.schema.yaml"))
    check_config(config)
    PLANS = areas.plans(config)
except ValueError as error:
    print(f"Error: {error}", file=sys.stderr)
    sys.exit(2)

OUT = config["outdir"]
CONDA_ENV = "../../envs/attnphys.yaml"

# The package command of every rule: the `attnphys` sources beside this Snakefile, run by the
# job's Python (the conda env of envs/attnphys.yaml under --sdm conda, else the current one).
# Rules take it as `params.attnphys`, so no shell string reads a global. `exec`: python replaces
# the job's shell, so killing the job kills the stage (no orphan writing outputs afterwards).
ATTNPHYS = (
    f"PYTHONPATH={os.path.join(workflow.basedir, 'src')}" + "${PYTHONPATH:+:$PYTHONPATH} exec python -m attnphys"
)

JETS, JETS_PLAN = config["jets"], PLANS["jets"]
JETS_CURVE = JETS["learning_curve"]
JETS_CURVE_DIR = JETS_PLAN.curve_dir
# jets.source: the simulation or the paper's published file (attnphys.jets.sources).
JETS_OTHER = jet_sources.other_source(JETS)
JETS_PAPER_DIR = jet_sources.dataset_dir(OUT, JETS, "paper")
JETS_SIM_DIR = jet_sources.dataset_dir(OUT, JETS, "simulation")
JETS_DATASET = jet_sources.dataset_files(OUT, JETS)  # the configured source's splits and summary
JETS_PAPER_JETS = JETS_PLAN.paper_jets
SPANET, SPANET_PLAN = config["spanet"], PLANS["spanet"]
NS, NS_COUNTS = config["neutron_stars"], star_counts(config)
NU, NU_PLAN = config["neutrino"], PLANS["neutrino"]

# Rules of each area append their final target here; `all` builds the enabled ones.
AREA_TARGETS = {}


def area_targets():
    return [t for area, targets in AREA_TARGETS.items() if config[area]["enabled"] for t in targets]


def alternatives(names):
    """Wildcard constraint matching exactly one of `names` (classes, models from the config)."""
    return "|".join(re.escape(str(name)) for name in names) or "$^"


def neutrino_model_params(wildcards):
    return NU_PLAN.params_json(wildcards.model)


def result(path, area, caption, **labels):
    """An output shown in `snakemake --report`: in its area's category, with its caption."""
    return report(path, caption=f"../report/{caption}.rst", category=areas.BY_NAME[area].title, labels=labels)
