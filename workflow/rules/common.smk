# Config validation, the package command, wildcard patterns, resources and every helper
# function the rules use. Rules live in the area files and hold no functions.

import glob
import hashlib
import json
import math
import os
import re
import shlex
import sys

from snakemake.utils import validate

# The registries of the package beside this Snakefile (the same sources the rules run).
sys.path.insert(0, os.path.join(workflow.basedir, "src"))
from attnphys.jets.prong_classes import CLASS_NAMES  # noqa: E402
from attnphys.validate.config import check_config as check_values  # noqa: E402
from attnphys.validate.unique import check_unique_files  # noqa: E402

validate(config, os.path.join(workflow.basedir, "workflow/schemas/config.schema.yaml"))


def check_config(cfg):
    """Cross-field checks that JSON schema cannot express; each names its key."""
    for key in ("pt_window", "mass_window"):
        lo, hi = cfg["jets"][key]
        if lo >= hi:
            raise ValueError(f"config key jets.{key}: min {lo} must be below max {hi}")
    if abs(sum(cfg["jets"]["split"]) - 1.0) > 1e-6:
        raise ValueError(f"config key jets.split: fractions {cfg['jets']['split']} must sum to 1")
    unknown = set(cfg["jets"]["acceptance"]) - set(CLASS_NAMES)
    if unknown:
        raise ValueError(f"config key jets.acceptance: unknown classes {sorted(unknown)}")
    train = cfg["jets"]["train"]
    if train["augment"] and train["preprocess"] == "standard":
        raise ValueError("config key jets.train.augment: random rotations would undo preprocess 'standard'")
    for model in {*cfg["jets"]["models"], *cfg["jets"]["learning_curve"]["models"]}:
        if model not in cfg["jets"]["model_params"]:
            raise ValueError(f"config key jets.model_params: no entry for model {model!r}")
    for cls in cfg["jets"]["classes"]:
        if cls not in cfg["jets"]["acceptance"]:
            raise ValueError(f"config key jets.acceptance: no acceptance for class {cls!r}")
    if "1" in cfg["jets"]["resonance_pid"]:
        raise ValueError("config key jets.resonance_pid: class '1' (QCD) has no resonance")
    predict = cfg["jets"]["predict"]
    if predict["files"] and predict["model"] not in cfg["jets"]["models"]:
        raise ValueError(f"config key jets.predict.model: {predict['model']!r} is not in jets.models")
    if predict["files"] and predict["seed"] not in cfg["jets"]["seeds"]:
        raise ValueError(f"config key jets.predict.seed: {predict['seed']} is not in jets.seeds")
    if abs(sum(cfg["neutrino"]["split"]) - 1.0) > 1e-6:
        raise ValueError(f"config key neutrino.split: fractions {cfg['neutrino']['split']} must sum to 1")
    if cfg["neutrino"]["enabled"] and "transformer" not in cfg["neutrino"]["models"]:
        raise ValueError("config key neutrino.models: must hold 'transformer' (the report's attention maps)")


def alternatives(names):
    """Wildcard constraint matching exactly one of `names` (classes, models from the config)."""
    return "|".join(re.escape(str(name)) for name in names)


check_config(config)
check_values(config)

OUT = config["outdir"]
CONDA_ENV = "../../envs/attnphys.yaml"

# The package command of every rule: the `attnphys` sources beside this Snakefile, run by the
# job's Python (the conda env of envs/attnphys.yaml under --sdm conda, else the current one).
# Rules take it as `params.attnphys`, so no shell string reads a global.
ATTNPHYS = (
    f"PYTHONPATH={os.path.join(workflow.basedir, 'src')}" + "${PYTHONPATH:+:$PYTHONPATH} python -m attnphys"
)


def gpu_request():
    """GPUs a GPU-capable job asks for: none when the config pins the CPU."""
    return 0 if config["device"] == "cpu" else 1


# ---- resources ---------------------------------------------------------------------
# mem_mb and runtime (minutes) of a job: SAFETY x (base + slope x job size). Bases and slopes
# come from the rules' benchmark files (max_rss, s) of the tiny and default-size runs listed
# in README "Resources" (python benchmarks/resource_table.py OUTDIR); memory slopes marked
# "data" are the size of the job's arrays (230 towers x 4 float32 per jet, two copies),
# because the measured sizes did not resolve them. Rules not listed are small (1 GB, 5 min).
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
    # slope doubled because part takes 1.9x the Transformer's time per step (README); trees:
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
    # 2 cores at load 9-10 (wall s 3-10x higher); README "Neutrino classification"
    "neutrino_simulate": (150, 0.02, 2, 0.002),         # simulated event of the chunk
    "neutrino_dataset": (200, 0.1, 1, 0.001),           # simulated event
    "neutrino_train": (600, 0.08, 5, 0.0005),           # simulated event (MB); train event x epoch x image (s)
    "neutrino_evaluate": (600, 0.08, 5, 0.01),          # simulated event (MB); test event (s)
}


def mem_mb(rule, units):
    base, slope, _, _ = COST[rule]
    return int(math.ceil(SAFETY * (base + slope * units)))


def runtime(rule, units):
    """Minutes, at least 1."""
    _, _, base, slope = COST[rule]
    return max(1, int(math.ceil(SAFETY * (base + slope * units) / 60)))


# Rules of each area append their final target here; `all` builds the enabled ones.
AREA_TARGETS = {}


def area_targets():
    return [t for area, targets in AREA_TARGETS.items() if config[area]["enabled"] for t in targets]


# ---- jets --------------------------------------------------------------------------
JETS = config["jets"]
JETS_SPLITS = ("train", "val", "test")
JETS_RUNS = dict(model=JETS["models"], seed=JETS["seeds"])


def onnx_models():
    """The taggers of jets.models that jets_export writes (attnphys.jets.export refuses the others)."""
    from attnphys.jets.export import NOT_EXPORTABLE

    return [m for m in JETS["models"] if m not in NOT_EXPORTABLE]


def jet_chunks(cls):
    """Chunk numbers of class `cls`: enough events for jets.jets_per_class selected jets.

    ceil(jets_per_class / (acceptance[cls] * events_per_chunk)); a chunk's content depends
    only on (seed, class, chunk, events_per_chunk), so raising jets_per_class adds chunks.
    """
    per_chunk = JETS["acceptance"][cls] * JETS["events_per_chunk"]
    return list(range(math.ceil(JETS["jets_per_class"] / per_chunk)))


def jet_generated_classes():
    """Configured classes that are generated (not replaced by jets.delphes_files)."""
    return [c for c in JETS["classes"] if c not in JETS["delphes_files"]]


def file_chunks(patterns, key):
    """{chunk name: path} of the files matching glob `patterns` (config key `key`).

    A user file's chunk name is its sanitised stem plus a hash of its absolute path
    ("tag_1_delphes_events-3f2a9c1e"), so adding or removing files never renames the others.
    """
    files = sorted({f for p in patterns for f in glob.glob(os.path.expanduser(p))})
    if not files:
        raise ValueError(f"config key {key}: no file matches {patterns}")
    chunks = {}
    for path in files:
        stem = re.sub(r"[^A-Za-z0-9_]+", "_", os.path.splitext(os.path.basename(path))[0])
        digest = hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:8]
        chunks[f"{stem}-{digest}"] = path
    return chunks


def user_delphes_files():
    """{class: {chunk name: path}} from config jets.delphes_files (names: file_chunks)."""
    found = {}
    for cls, patterns in JETS["delphes_files"].items():
        if cls not in JETS["classes"]:
            raise ValueError(f"config key jets.delphes_files: class {cls!r} is not in jets.classes")
        found[cls] = file_chunks(patterns, f"jets.delphes_files.{cls}")
    check_unique_files([p for chunks in found.values() for p in chunks.values()], "config key jets.delphes_files")
    return found


USER_DELPHES_FILES = user_delphes_files()


def ingest_chunks(cls):
    """Chunk names of a class: its user files if given, else its generated chunks."""
    if cls in USER_DELPHES_FILES:
        return list(USER_DELPHES_FILES[cls])
    return [str(chunk) for chunk in jet_chunks(cls)]


def ingest_truth_options(wildcards):
    """--resonance-pid where jets.resonance_pid names the class; --require-match for user files
    (a user file without a truth-matched jet is an error, a small generated chunk may have none)."""
    options = []
    if wildcards.cls in JETS["resonance_pid"]:
        options.append(f"--resonance-pid {JETS['resonance_pid'][wildcards.cls]}")
    if wildcards.cls in USER_DELPHES_FILES:
        options.append("--require-match")
    return " ".join(options)


PREDICT_FILES = file_chunks(JETS["predict"]["files"], "jets.predict.files") if JETS["predict"]["files"] else {}


def predict_file(wildcards):
    return PREDICT_FILES[wildcards.name]


def delphes_file(wildcards):
    if wildcards.cls in USER_DELPHES_FILES:
        return USER_DELPHES_FILES[wildcards.cls][wildcards.chunk]
    return f"{OUT}/jets/events/{wildcards.cls}/{wildcards.chunk}.root"


def generated_events():
    return [f"{OUT}/jets/events/{cls}/{chunk}.root" for cls in jet_generated_classes() for chunk in jet_chunks(cls)]


def towers_files(wildcards):
    return [f"{OUT}/jets/towers/{cls}/{chunk}.parquet" for cls in JETS["classes"] for chunk in ingest_chunks(cls)]


def jets_dataset_size():
    """Jets of the flat sample (train + val + test), or of the paper's file (jets.source)."""
    if JETS["source"] == "paper":
        return JETS_PAPER_JETS
    return JETS["jets_per_class"] * len(JETS["classes"])


def jets_test_size():
    return math.ceil(jets_dataset_size() * JETS["split"][2])


def study_events(cls):
    """Generated events of one study job: QCD's own count, the signal classes' otherwise."""
    return JETS["study"]["qcd_events"] if cls == "1" else JETS["study"]["events"]


def study_samples():
    """Every (variant, class) sample the diagnosis table reads."""
    return [f"{OUT}/jets/study/{variant}/{cls}.parquet"
            for variant, classes in JETS["study"]["variants"].items() for cls in classes]


# ---- jets sources ------------------------------------------------------------------
# jets.source: the simulation or the paper's published file; the paths of each source and the
# cross-source runs come from the package (attnphys.jets.sources).
from attnphys.jets import sources as jet_sources  # noqa: E402

jet_sources.check_sources(JETS)
JETS_OTHER = jet_sources.other_source(JETS)
JETS_PAPER_DIR = jet_sources.dataset_dir(OUT, JETS, "paper")
JETS_SIM_DIR = jet_sources.dataset_dir(OUT, JETS, "simulation")
JETS_DATASET = jet_sources.dataset_files(OUT, JETS)  # the configured source's splits and summary
JETS_PAPER_JETS = jet_sources.paper_jets(JETS["paper_file"]) if JETS["paper_file"] else 0


def jets_train_size():
    return math.ceil(jets_dataset_size() * JETS["split"][0])


def jets_curve_fit_size(fraction):
    """Jets a learning-curve training passes per epoch: its training fraction plus validation."""
    return math.ceil(jets_dataset_size() * (float(fraction) * JETS["split"][0] + JETS["split"][1]))


# Tower frames (attnphys.jets.preprocess): "preprocess" or "preprocess+augment".
JETS_FRAMES = ["none", "centre", "standard", "none+augment", "centre+augment"]


def jets_main_frame():
    """The tower frame of jets.train (preprocess[+augment])."""
    preprocess = JETS["train"]["preprocess"]
    return f"{preprocess}+augment" if JETS["train"]["augment"] else preprocess


def jets_frame_flags(model, frame):
    """`jets train` flags of a tower frame; the HL networks see no towers."""
    if model in jet_sources.HL_MODELS:
        return ""
    preprocess, _, augment = frame.partition("+")
    return f"--preprocess {preprocess}{' --augment' if augment else ''}"


# ---- jets learning curve -----------------------------------------------------------
# Runs live in {OUT}/jets/learning_curve/runs/{model}/{frame}/f{fraction}/seed{seed}/; the
# Mass + HL DNN and the trees see no towers and always run in frame "none".
JETS_CURVE = JETS["learning_curve"]
JETS_CURVE_DIR = f"{OUT}/jets/learning_curve"


def curve_frames(model):
    """Tower frames a model runs in on the learning curve (main frame first)."""
    if model in jet_sources.HL_MODELS:
        return ["none"]
    return list(dict.fromkeys([jets_main_frame(), *JETS_CURVE["frames"]]))


def curve_metrics():
    """metrics.json of every learning-curve run: networks in their frames, then the trees."""
    runs = [
        f"{JETS_CURVE_DIR}/runs/{model}/{frame}/f{fraction}/seed{seed}/metrics.json"
        for model in JETS_CURVE["models"]
        for frame in curve_frames(model)
        for fraction in JETS_CURVE["fractions"]
        for seed in JETS["seeds"]
    ]
    trees = [
        f"{JETS_CURVE_DIR}/runs/trees/none/f{fraction}/seed{seed}/metrics.json"
        for fraction in JETS_CURVE["fractions"]
        for seed in JETS["seeds"]
    ]
    return runs + trees


def jets_report_figure(name, caption, figure, model="all"):
    return report(
        f"{OUT}/jets/report/{name}.png",
        caption=f"../report/{caption}.rst",
        category="Extreme-jet tagging",
        labels={"figure": figure, "model": model},
    )


def jets_report_config():
    """The config shown in the jets report: the global keys and the jets block, nothing else."""
    return json.dumps({key: config[key] for key in ("seed", "outdir", "device", "jets")}, sort_keys=True)


# ---- spanet ------------------------------------------------------------------------
SPANET = config["spanet"]
SPANET_CHUNKS = math.ceil(SPANET["events"] / SPANET["events_per_chunk"])


def spanet_files():
    """Config spanet.files, checked: train, val and test, or events alone, each an existing file."""
    files = SPANET["files"]
    if files and set(files) not in ({"train", "val", "test"}, {"events"}):
        raise ValueError(f"config key spanet.files: give train, val and test, or events alone; got {sorted(files)}")
    for name, path in files.items():
        if not os.path.exists(os.path.expanduser(path)):
            raise ValueError(f"config key spanet.files.{name}: no file {path}")
    return files


SPANET_FILES = spanet_files()


def spanet_split(name):
    """The train / val / test .h5 SPA-NET uses: the user's (spanet.files) or the dataset rule's."""
    if name in SPANET_FILES:
        return os.path.expanduser(SPANET_FILES[name])
    return f"{OUT}/spanet/data/{name}.h5"


def spanet_dataset_inputs():
    """The files cut into the splits (spanet_dataset): the user's one file (spanet.files.events) or the chunks."""
    if "events" in SPANET_FILES:
        return {"h5": [os.path.expanduser(SPANET_FILES["events"])], "stats": []}
    chunks = range(SPANET_CHUNKS)
    return {"h5": [f"{OUT}/spanet/chunks/chunk_{c}.h5" for c in chunks],
            "stats": [f"{OUT}/spanet/chunks/chunk_{c}.json" for c in chunks]}


def spanet_dataset_summary():
    """dataset.json of the dataset rule; none when the user gives the three splits."""
    return [] if "train" in SPANET_FILES else [f"{OUT}/spanet/data/dataset.json"]


def spanet_stats_option(wildcards, input):
    """--chunk-stats of generated chunks; none for a user's file."""
    return " ".join(["--chunk-stats", *map(shlex.quote, input.stats)]) if input.stats else ""


def spanet_summary_option(wildcards, input):
    """--dataset of the report where the dataset rule ran."""
    return f"--dataset {shlex.quote(input.dataset[0])}" if input.dataset else ""


def spanet_chunk_events(wildcards):
    """Events of one chunk: events_per_chunk, the last one taking the remainder."""
    chunk = int(wildcards.chunk)
    return min(SPANET["events_per_chunk"], SPANET["events"] - chunk * SPANET["events_per_chunk"])


# ---- neutron stars -----------------------------------------------------------------
NS = config["neutron_stars"]
NS_COUNTS = sorted(set(NS["star_counts"]) | {NS["n_stars"]})
NS_COEFFICIENTS = ["gamma0", "gamma1", "gamma2", "gamma3"][: NS["n_coefficients"]]


def neutron_stars_prior():
    """--coefficients, --prior and --min-max-mass: the EOS model every stage shares."""
    return " ".join(
        [f"--coefficients {NS['n_coefficients']} --min-max-mass {NS['min_max_mass']}"]
        + [f"--prior {name}={NS['prior'][name][0]},{NS['prior'][name][1]}" for name in NS_COEFFICIENTS]
    )


# ---- neutrino ----------------------------------------------------------------------
NU = config["neutrino"]
NU_CHUNKS = list(range(math.ceil(NU["events_per_class"] / NU["events_per_chunk"])))
NU_RUNS = dict(model=NU["models"], seed=NU["seeds"])
# Your own maps (neutrino/pixelmap.py layout) replace the simulation: neutrino.dataset names the file.
NU_DATASET = NU["dataset"] or f"{OUT}/neutrino/dataset.h5"


def neutrino_events():
    """Simulated events (4 classes, whole chunks)."""
    return 4 * NU["events_per_chunk"] * len(NU_CHUNKS)


def neutrino_test_events():
    return math.ceil(neutrino_events() * NU["split"][2])


def neutrino_model_params(wildcards):
    """--params of one model: its constructor overrides, neutrino.model_params.<model>."""
    return json.dumps(NU["model_params"].get(wildcards.model, {}), sort_keys=True)


def neutrino_train_runtime(wildcards):
    """Minutes of one training job: CNN cost per training event x epoch, the transformers
    embedding the event and max_prongs prong maps (1 + max_prongs images per event)."""
    images = 1 if wildcards.model == "cvn" else 1 + NU["max_prongs"]
    units = neutrino_events() * NU["split"][0] * NU["train"]["epochs"] * images
    return runtime("neutrino_train", units)


def neutrino_report_file(name, caption, figure):
    return report(
        f"{OUT}/neutrino/report/{name}",
        caption=f"../report/{caption}.rst",
        category="Neutrino classification",
        labels={"figure": figure},
    )
