"""Where the jets come from (``jets.source``) and where each source's files live: the plan the
workflow's jets rules follow (``workflow/rules/jets_paper.smk``), importable without torch.

Sources: ``simulation`` (the default: generation, ingest, flattening; ``attnphys jets dataset``)
and ``paper`` (the authors' published N-prong file, ``jets.paper_file``; ``attnphys jets
paper-dataset``). The configured source fills ``{outdir}/jets/dataset/``, which every later
stage reads (train, evaluate, report, learning curve, predict, export). Where ``jets.paper_file``
is given, the other source can be built beside it for the cross-source table: its dataset in
``{outdir}/jets/cross/{source}/dataset/``, its models in ``{outdir}/jets/cross/{source}/models/``,
and every (trained on, tested on) evaluation in ``{outdir}/jets/cross/eval/{trained}_on_{tested}/``
(the configured source on itself is the main evaluation, ``{outdir}/jets/eval/``).
"""

from __future__ import annotations

import itertools
from pathlib import Path

SOURCES = ("simulation", "paper")
# Models that need the published file's 135 N-subjettiness values (attnphys.jets.models).
PAPER_ONLY = ("hl135",)
# Models on the jet mass and tau_N alone: no towers, so always tower frame "none".
HL_MODELS = ("hl_dnn", *PAPER_ONLY)
PUBLISHED_JETS = 108_359  # jets of dataset_PtNormed.h5 (Zenodo 10404290)


def check_sources(jets: dict) -> None:
    """Cross-field checks of the source keys; each error names its config key."""
    from attnphys.splits import check_fractions

    source = jets["source"]
    if source not in SOURCES:
        raise ValueError(f"config key jets.source: {source!r}, expected one of {list(SOURCES)}")
    if source == "paper" and not jets["paper_file"]:
        raise ValueError("config key jets.paper_file: jets.source is 'paper' but no file is given "
                         "(dataset_PtNormed.h5 of Zenodo record 10404290)")
    check_fractions(jets["paper_split"], "config key jets.paper_split")
    if source == "simulation":
        for key, models in (("jets.models", jets["models"]), ("jets.learning_curve.models", jets["learning_curve"]["models"])):
            wrong = sorted(set(models) & set(PAPER_ONLY))
            if wrong:
                raise ValueError(f"config key {key}: {wrong} need the paper's 135 N-subjettiness values "
                                 "(jets.source: paper)")
    if jets["predict"]["files"] and jets["predict"]["model"] in PAPER_ONLY:
        raise ValueError(f"config key jets.predict.model: {jets['predict']['model']!r} needs the paper's 135 values; "
                         "a Delphes file gives the talk's 16")


def other_source(jets: dict) -> str:
    return next(s for s in SOURCES if s != jets["source"])


def dataset_dir(outdir: str, jets: dict, source: str) -> str:
    """The folder of a source's train/val/test splits."""
    return f"{outdir}/jets/dataset" if source == jets["source"] else cross_dataset_dir(outdir, source)


def dataset_files(outdir: str, jets: dict) -> dict[str, str]:
    """The configured source's ``train``, ``val``, ``test`` splits and ``summary``: what every later stage reads."""
    folder = dataset_dir(outdir, jets, jets["source"])
    return {**{s: f"{folder}/{s}.parquet" for s in ("train", "val", "test")}, "summary": f"{folder}/summary.json"}


def cross_dataset_dir(outdir: str, source: str) -> str:
    """The folder of a source's splits when it is not the configured one."""
    return f"{outdir}/jets/cross/{source}/dataset"


def paper_input(jets: dict) -> list[str]:
    """The paper file as a rule input: none while jets.paper_file is empty."""
    return [str(Path(jets["paper_file"]).expanduser())] if jets["paper_file"] else []


def model_file(outdir: str, jets: dict, trained: str, model: str, seed) -> str:
    """model.pt of ``model`` (replica ``seed``) trained on the source ``trained``."""
    root = f"{outdir}/jets" if trained == jets["source"] else f"{outdir}/jets/cross/{trained}"
    return f"{root}/models/{model}/seed{seed}/model.pt"


def metrics_file(outdir: str, jets: dict, trained: str, tested: str, model: str, seed) -> str:
    """metrics.json of a model trained on ``trained`` and evaluated on the test split of ``tested``."""
    if trained == tested == jets["source"]:
        return f"{outdir}/jets/eval/{model}/seed{seed}/metrics.json"
    return f"{outdir}/jets/cross/eval/{trained}_on_{tested}/{model}/seed{seed}/metrics.json"


def cross_models(jets: dict) -> list[str]:
    """The models of the cross-source table: those both sources can feed."""
    return [m for m in jets["models"] if m not in PAPER_ONLY]


def cross_runs(outdir: str, jets: dict) -> list[dict]:
    """Every (trained, tested, model, seed) of the cross-source table with its metrics.json."""
    if not jets["paper_file"]:
        raise ValueError("config key jets.paper_file: the cross-source table (jets_cross) needs the paper's file")
    return [{"trained": t, "tested": e, "model": m, "seed": s, "metrics": metrics_file(outdir, jets, t, e, m, s)}
            for t, e in itertools.product(SOURCES, SOURCES) for m in cross_models(jets) for s in jets["seeds"]]


def paper_jets(path: str) -> int:
    """Jets in the paper file (the resources of the jobs that read it); the published count
    while the file is absent or unreadable (the dataset job then names the problem)."""
    try:
        import h5py

        with h5py.File(Path(path).expanduser(), "r") as f:
            return int(f["target"].shape[0])
    except (OSError, KeyError, TypeError, ValueError):
        return PUBLISHED_JETS
