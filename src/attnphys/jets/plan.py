"""The jets area's workflow plan: which jobs the config asks for and how large they are, as
plain functions of the config, so the rules (``workflow/rules/jets_*.smk``), the learning-curve
runner without Snakemake (``benchmarks/run_curves.py``) and the tests share one answer.

- chunks: a class's generation chunks hold enough events for ``jets_per_class`` selected
  jets at its acceptance; a chunk's content depends only on (seed, class, chunk, events per
  chunk), so raising ``jets_per_class`` adds chunks;
- user files (``jets.delphes_files``, ``jets.predict.files``): glob patterns resolved once,
  each file named by its sanitised stem and a hash of its absolute path, so adding a file
  never renames the others; a directory, or one file given twice (a symlink included), is
  refused;
- learning curve: every (model, tower frame, fraction, seed) run in ``CURVE_RUN`` folders;
- job sizes for the resource cost model (``attnphys.resources``).
"""

from __future__ import annotations

import glob
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass

from attnphys.jets.frames import frame_name, frame_settings
from attnphys.jets.prong_classes import CLASS_NAMES
from attnphys.jets.sources import HL_MODELS, check_sources, paper_jets
from attnphys.validate.config import check_files

SPLITS = ("train", "val", "test")
# Settings of jets.train passed to `jets train --train-json` (compile only to jets_train).
TRAIN_SETTINGS = ("epochs", "batch_size", "lr", "lr_scaling", "weight_decay", "warmup_frac", "schedule", "patience",
                  "bucket_pool")
# One learning-curve run's folder under the curve's folder; the Mass + HL DNN and the trees
# see no towers and run in frame "none" only.
CURVE_RUN = "runs/{model}/{frame}/f{fraction}/seed{seed}"
NO_TOWERS = (*HL_MODELS, "trees")
TREES_RUN = CURVE_RUN.format(model="trees", frame="none", fraction="{fraction}", seed="{seed}")
USER_CHUNK = r"[A-Za-z0-9_]+(-[0-9a-f]{8})?"


def check(cfg: dict) -> None:
    """Cross-field checks of the ``jets`` block that JSON schema cannot express; each names its key."""
    jets = cfg["jets"]
    check_sources(jets)
    unknown = set(jets["acceptance"]) - set(CLASS_NAMES)
    if unknown:
        raise ValueError(f"config key jets.acceptance: unknown classes {sorted(unknown)}")
    train = jets["train"]
    if train["augment"] and train["preprocess"] == "standard":
        raise ValueError("config key jets.train.augment: random rotations would undo preprocess 'standard'")
    for model in {*jets["models"], *jets["learning_curve"]["models"]}:
        if model not in jets["model_params"]:
            raise ValueError(f"config key jets.model_params: no entry for model {model!r}")
    for cls in jets["classes"]:
        if cls not in jets["acceptance"]:
            raise ValueError(f"config key jets.acceptance: no acceptance for class {cls!r}")
    if "1" in jets["resonance_pid"]:
        raise ValueError("config key jets.resonance_pid: class '1' (QCD) has no resonance")
    for cls in jets["delphes_files"]:
        if cls not in jets["classes"]:
            raise ValueError(f"config key jets.delphes_files: class {cls!r} is not in jets.classes")
    predict = jets["predict"]
    if predict["files"] and predict["model"] not in jets["models"]:
        raise ValueError(f"config key jets.predict.model: {predict['model']!r} is not in jets.models")
    if predict["files"] and predict["seed"] not in jets["seeds"]:
        raise ValueError(f"config key jets.predict.seed: {predict['seed']} is not in jets.seeds")


def file_chunks(patterns: list[str], key: str) -> dict[str, str]:
    """``{chunk name: path}`` of the files matching glob ``patterns`` (config key ``key``):
    the sanitised stem plus a hash of the absolute path ("tag_1_delphes_events-3f2a9c1e")."""
    files = sorted({f for p in patterns for f in glob.glob(os.path.expanduser(p))})
    if not files:
        raise ValueError(f"config key {key}: no file matches {patterns}")
    chunks = {}
    for path in files:
        stem = re.sub(r"[^A-Za-z0-9_]+", "_", os.path.splitext(os.path.basename(path))[0])
        digest = hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:8]
        chunks[f"{stem}-{digest}"] = path
    return chunks


@dataclass(frozen=True)
class CurveRun:
    """One learning-curve run."""

    model: str
    frame: str
    fraction: float
    seed: int

    def folder(self, curve_dir: str) -> str:
        return f"{curve_dir}/{CURVE_RUN.format(**vars(self))}"


class Plan:
    """The jobs of the ``jets`` block of ``cfg``; user files are resolved and checked once, here
    (``files=False`` skips them: the learning curve alone, on a machine without them)."""

    def __init__(self, cfg: dict, files: bool = True):
        self.cfg, self.jets, self.out = cfg, cfg["jets"], cfg["outdir"]
        self.curve = self.jets["learning_curve"]
        self.curve_dir = f"{self.out}/jets/learning_curve"
        self.user_files, self.predict_files = {}, {}
        if files:
            self.user_files = {cls: file_chunks(patterns, f"jets.delphes_files.{cls}")
                               for cls, patterns in self.jets["delphes_files"].items()}
            check_files([p for chunks in self.user_files.values() for p in chunks.values()], "jets.delphes_files")
            predict = self.jets["predict"]["files"]
            self.predict_files = file_chunks(predict, "jets.predict.files") if predict else {}
            check_files(self.predict_files.values(), "jets.predict.files")
        self.paper_jets = paper_jets(self.jets["paper_file"]) if files and self.jets["paper_file"] else 0

    # ---- generation and ingestion ----------------------------------------------------
    def chunks(self, cls: str) -> list[int]:
        """Generation chunks of class ``cls``: ceil(jets_per_class / (acceptance x events_per_chunk))."""
        per_chunk = self.jets["acceptance"][cls] * self.jets["events_per_chunk"]
        return list(range(math.ceil(self.jets["jets_per_class"] / per_chunk)))

    def generated_classes(self) -> list[str]:
        """Configured classes that are generated (not replaced by jets.delphes_files)."""
        return [c for c in self.jets["classes"] if c not in self.user_files]

    def generated_events(self) -> list[str]:
        return [f"{self.out}/jets/events/{cls}/{chunk}.root"
                for cls in self.generated_classes() for chunk in self.chunks(cls)]

    def ingest_chunks(self, cls: str) -> list[str]:
        """Chunk names of a class: its user files if given, else its generated chunks."""
        return list(self.user_files[cls]) if cls in self.user_files else [str(c) for c in self.chunks(cls)]

    def delphes_file(self, cls: str, chunk: str) -> str:
        if cls in self.user_files:
            return self.user_files[cls][chunk]
        return f"{self.out}/jets/events/{cls}/{chunk}.root"

    def truth_options(self, cls: str) -> str:
        """--resonance-pid where jets.resonance_pid names the class; --require-match for user files
        (a user file without a truth-matched jet is an error, a small generated chunk may have none)."""
        options = []
        if cls in self.jets["resonance_pid"]:
            options.append(f"--resonance-pid {self.jets['resonance_pid'][cls]}")
        if cls in self.user_files:
            options.append("--require-match")
        return " ".join(options)

    def towers_files(self) -> list[str]:
        return [f"{self.out}/jets/towers/{cls}/{chunk}.parquet"
                for cls in self.jets["classes"] for chunk in self.ingest_chunks(cls)]

    # ---- dataset sizes -----------------------------------------------------------------
    def dataset_size(self) -> int:
        """Jets of the flat sample (train + val + test), or of the paper's file (jets.source)."""
        if self.jets["source"] == "paper":
            return self.paper_jets
        return self.jets["jets_per_class"] * len(self.jets["classes"])

    def split_size(self, split: str) -> int:
        return math.ceil(self.dataset_size() * self.jets["split"][SPLITS.index(split)])

    def curve_fit_size(self, fraction: float) -> int:
        """Jets a learning-curve training passes per epoch: its training fraction plus validation."""
        split = self.jets["split"]
        return math.ceil(self.dataset_size() * (float(fraction) * split[0] + split[1]))

    # ---- training ------------------------------------------------------------------------
    def runs(self) -> dict[str, list]:
        """The (model, seed) grid of jets.models x jets.seeds, as expand() keywords."""
        return {"model": self.jets["models"], "seed": self.jets["seeds"]}

    def train_json(self, with_compile: bool) -> str:
        """``--train-json`` of jets.train (``compile`` only for the main trainings)."""
        train = self.jets["train"]
        settings = {key: train[key] for key in TRAIN_SETTINGS} | ({"compile": train["compile"]} if with_compile else {})
        return json.dumps(settings, sort_keys=True)

    def params_json(self, model: str) -> str:
        """``--params`` of one tagger: jets.model_params.<model>."""
        return json.dumps(self.jets["model_params"][model], sort_keys=True)

    def main_frame(self) -> str:
        """The tower frame of jets.train (preprocess[+augment])."""
        return frame_name(self.jets["train"]["preprocess"], self.jets["train"]["augment"])

    def onnx_models(self) -> list[str]:
        """The taggers of jets.models that jets_export writes (attnphys.jets.export refuses the others)."""
        from attnphys.jets.export import NOT_EXPORTABLE

        return [m for m in self.jets["models"] if m not in NOT_EXPORTABLE]

    def report_config(self) -> str:
        """The config shown in the jets report: the global keys and the jets block, nothing else."""
        return json.dumps({key: self.cfg[key] for key in ("seed", "outdir", "device", "jets")}, sort_keys=True)

    # ---- learning curve ---------------------------------------------------------------
    def curve_frames(self, model: str) -> list[str]:
        """Tower frames a model runs in on the learning curve (main frame first)."""
        if model in NO_TOWERS:
            return ["none"]
        return list(dict.fromkeys([self.main_frame(), *self.curve["frames"]]))

    def curve_runs(self) -> list[CurveRun]:
        """Every learning-curve run: the networks in their frames, then the trees."""
        models = [*self.curve["models"], "trees"]
        return [CurveRun(model, frame, fraction, seed) for model in models for frame in self.curve_frames(model)
                for fraction in self.curve["fractions"] for seed in self.jets["seeds"]]

    def curve_metrics(self) -> list[str]:
        return [f"{run.folder(self.curve_dir)}/metrics.json" for run in self.curve_runs()]

    # ---- physics study -------------------------------------------------------------
    def study_events(self, cls: str) -> int:
        """Generated events of one study job: QCD's own count, the signal classes' otherwise."""
        study = self.jets["study"]
        return study["qcd_events"] if cls == "1" else study["events"]

    def study_samples(self) -> list[str]:
        """Every (variant, class) sample the diagnosis table reads."""
        return [f"{self.out}/jets/study/{variant}/{cls}.parquet"
                for variant, classes in self.jets["study"]["variants"].items() for cls in classes]


def diagnosis_rows() -> int:
    """Rows of the diagnosis table (``attnphys.jets.study.diagnosis.DIAGNOSIS``; imported on demand,
    pandas and scikit-learn take seconds)."""
    from attnphys.jets.study.diagnosis import DIAGNOSIS

    return len(DIAGNOSIS)


def frame_flags(model: str, frame: str) -> str:
    """`jets train` flags of a tower frame; the HL networks and the trees see no towers."""
    if model in NO_TOWERS:
        return ""
    preprocess, augment = frame_settings(frame)
    return f"--preprocess {preprocess}{' --augment' if augment else ''}"

