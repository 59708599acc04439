"""Neutrino classification (NOvA-like): simulate, dataset, train, evaluate, report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from attnphys.files import atomic_path
from attnphys.train.options import add_device_option, add_train_options, train_config
from attnphys.train.params import add_params_option


def _simulate(args: argparse.Namespace) -> None:
    from attnphys.neutrino.beam import Beam
    from attnphys.neutrino.detector import Detector

    if args.events_per_class < 1:
        raise ValueError(f"--events-per-class must be >= 1 (got {args.events_per_class})")
    if args.axial_mass <= 0:
        raise ValueError(f"--axial-mass must be positive (got {args.axial_mass})")
    beam = Beam(**json.loads(args.beam))
    det = Detector(**json.loads(args.detector))
    from attnphys.neutrino.simulate import simulate_chunk

    events, hits = simulate_chunk(args.events_per_class, beam, args.axial_mass, det, args.seed, args.chunk)
    with atomic_path(args.events_out) as tmp:
        events.to_parquet(tmp, index=False)
    with atomic_path(args.hits_out) as tmp:
        hits.to_parquet(tmp, index=False)


def _dataset(args: argparse.Namespace) -> None:
    from attnphys.neutrino.dataset import build_dataset

    stats = build_dataset(args.events, args.hits, args.out, args.max_prongs, args.min_hits, tuple(args.split),
                          args.seed)
    with atomic_path(args.stats) as tmp:
        tmp.write_text(json.dumps(stats, indent=1))


def _train(args: argparse.Namespace) -> None:
    from attnphys.neutrino.train import train_model, train_seed

    config = train_config(args, seed=train_seed(args.base_seed, args.model, args.seed))
    train_model(args.dataset, args.model, args.out_model, args.out_history, config, args.params, args.seed)


def _evaluate(args: argparse.Namespace) -> None:
    from attnphys.neutrino.train import evaluate_model

    frame, extra = evaluate_model(args.dataset, args.model_file, args.device)
    with atomic_path(args.out) as tmp:
        frame.to_parquet(tmp, index=False)
    meta = {"model": extra["model"], "seed": int(extra["seed"]), "parameters": extra["parameters"],
            "max_prongs": int(extra["max_prongs"])}
    with atomic_path(args.out_meta) as tmp:
        tmp.write_text(json.dumps(meta))


def _report(args: argparse.Namespace) -> None:
    from attnphys.neutrino.report import write_report

    write_report(args.dataset, args.predictions, args.meta, args.attention_model, args.out_summary, args.out_report,
                 args.out_confusion, args.out_displays, args.out_attention)


def register(subparsers, stage: str | None = None) -> None:
    p = subparsers.add_parser("simulate", help="interactions (Pythia for DIS and tau) -> detector -> hits Parquet")
    p.add_argument("--events-per-class", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--chunk", type=int, required=True, help="chunk number (seeds it; event ids unique)")
    p.add_argument("--axial-mass", type=float, default=1.0, help="dipole axial mass M_A [GeV]")
    p.add_argument("--beam", default="{}", help="JSON of Beam fields")
    p.add_argument("--detector", default="{}", help="JSON of Detector fields")
    p.add_argument("--events-out", type=Path, required=True)
    p.add_argument("--hits-out", type=Path, required=True)
    p.set_defaults(func=_simulate)

    p = subparsers.add_parser("dataset", help="prongs (truth, reconstructed) and pixel maps -> dataset.h5")
    p.add_argument("--events", type=Path, nargs="+", required=True)
    p.add_argument("--hits", type=Path, nargs="+", required=True)
    p.add_argument("--max-prongs", type=int, default=5)
    p.add_argument("--min-hits", type=int, default=3)
    p.add_argument("--split", type=float, nargs=3, default=[0.6, 0.15, 0.25])
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--stats", type=Path, required=True, help="prong statistics JSON")
    p.set_defaults(func=_dataset)

    p = subparsers.add_parser("train", help="train cvn | transformer | ablation with attnphys.train")
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--model", choices=("cvn", "transformer", "ablation"), required=True)
    add_params_option(p, "the model's constructor (neutrino/models.py)")
    p.add_argument("--seed", type=int, default=0, help="replica seed of this (model, seed) run")
    p.add_argument("--base-seed", type=int, default=0, help="the config's master seed")
    add_train_options(p)
    p.add_argument("--out-model", type=Path, required=True)
    p.add_argument("--out-history", type=Path, required=True)
    p.set_defaults(func=_train)

    p = subparsers.add_parser("evaluate", help="test-split predictions (Parquet + JSON)")
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--model-file", type=Path, required=True)
    add_device_option(p)
    p.add_argument("--out", type=Path, required=True, help="predictions Parquet")
    p.add_argument("--out-meta", type=Path, required=True, help="model, seed and parameter count JSON")
    p.set_defaults(func=_evaluate)

    p = subparsers.add_parser("report", help="summary.csv, report.md, confusion matrices, event displays")
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--predictions", type=Path, nargs="+", required=True)
    p.add_argument("--meta", type=Path, nargs="+", required=True, help="the predictions' JSON, in the same order")
    p.add_argument("--attention-model", type=Path, required=True, help="transformer model.pt for the attention maps")
    p.add_argument("--out-summary", type=Path, required=True)
    p.add_argument("--out-report", type=Path, required=True)
    p.add_argument("--out-confusion", type=Path, required=True)
    p.add_argument("--out-displays", type=Path, required=True)
    p.add_argument("--out-attention", type=Path, required=True)
    p.set_defaults(func=_report)
