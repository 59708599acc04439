"""Jet-parton matching in all-hadronic ttbar: generate, dataset, train, evaluate, report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from attnphys.files import atomic_path
from attnphys.seeding import MASTER_SEED, integer
from attnphys.train.config import TrainConfig
from attnphys.train.options import add_device_option, add_train_options, train_config
from attnphys.train.params import add_params_option

# `attnphys spanet train` without flags, and the defaults of config key spanet.train
# (tests/spanet/test_cli.py keeps the schema and config.yaml equal to these): 100 epochs
# (40 lose to chi2 at 6 jets), batch 64, lr 2e-3, patience 15, batches pooled by jet count.
TRAIN_DEFAULTS = TrainConfig(epochs=100, batch_size=64, lr=0.002, weight_decay=0.01, warmup_frac=0.05,
                             schedule="cosine", patience=15, bucket_pool=16)


def _generate(args: argparse.Namespace) -> None:
    from attnphys.spanet.generate import generate_chunk
    from attnphys.spanet.h5layout import write_h5

    if args.events < 1 or args.max_jets < 6:
        raise ValueError(f"--events must be >= 1 and --max-jets >= 6 (got {args.events}, {args.max_jets})")
    data, stats = generate_chunk(args.events, args.seed, args.chunk, args.max_jets)
    write_h5(args.out, data)
    with atomic_path(args.out_stats) as tmp:
        tmp.write_text(json.dumps(vars(stats) | {"chunk": args.chunk}))


def _dataset(args: argparse.Namespace) -> None:
    from attnphys.spanet.dataset import build_dataset

    splits = {"train": args.out_train, "val": args.out_val, "test": args.out_test}
    build_dataset(args.chunks, args.chunk_stats, tuple(args.split), args.seed, splits, args.out_summary)


def _train(args: argparse.Namespace) -> None:
    from attnphys.spanet.train import train_spanet

    train_spanet(args.train, args.val, args.out_model, args.out_history,
                 train_config(args, seed=integer(args.seed, "spanet", "train")), args.params)


def _evaluate(args: argparse.Namespace) -> None:
    from attnphys.spanet.evaluate import evaluate

    if args.method == "chi2" and args.checkpoint is not None:
        raise ValueError("--checkpoint: chi2 uses no model; give it only with --method spanet")

    evaluate(args.method, args.input, args.out, args.checkpoint, args.device)


def _predict(args: argparse.Namespace) -> None:
    from attnphys.spanet.predict import predict_assignments

    predict_assignments(args.checkpoint, args.input, args.out, args.device, args.batch_size)


def _report(args: argparse.Namespace) -> None:
    from attnphys.spanet.report import write_report

    write_report(args.chi2, args.spanet, args.out, args.dataset, args.history, args.out_efficiency, args.out_curves)


def register(subparsers) -> None:
    p = subparsers.add_parser("generate", help="Pythia ttbar -> towers -> jets -> selected events (one chunk)")
    p.add_argument("--events", type=int, required=True, help="events to generate")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--chunk", type=int, required=True, help="chunk number (seeds its generator)")
    p.add_argument("--max-jets", type=int, default=20)
    p.add_argument("--out", type=Path, required=True, help="output .h5")
    p.add_argument("--out-stats", type=Path, required=True, help="output .json (events generated, selected, seconds)")
    p.set_defaults(func=_generate)

    p = subparsers.add_parser("dataset", help="merge chunks into train/val/test .h5")
    p.add_argument("--chunks", type=Path, nargs="+", required=True, help=".h5 files of the generate stage")
    p.add_argument("--chunk-stats", type=Path, nargs="+", default=None,
                   help="their .json statistics, same order; omit for your own SPANet files (default: none)")
    p.add_argument("--split", type=float, nargs=3, default=[0.75, 0.05, 0.20],
                   help="train / val / test fractions (default: %(default)s)")
    p.add_argument("--seed", type=int, required=True, help="the config's master seed (shuffles before the split)")
    for name in ("train", "val", "test"):
        p.add_argument(f"--out-{name}", type=Path, required=True, help=f"{name} split .h5 to write")
    p.add_argument("--out-summary", type=Path, required=True, help="dataset.json to write (event counts)")
    p.set_defaults(func=_dataset)

    p = subparsers.add_parser("train", help="train SPA-NET (defaults: the config's spanet.train)")
    p.add_argument("--train", type=Path, required=True, help="train split .h5 (SPANet layout)")
    p.add_argument("--val", type=Path, required=True, help="validation split .h5 (SPANet layout)")
    p.add_argument("--out-model", type=Path, required=True, help="model.pt to write (checkpoint_last.pt goes beside it)")
    p.add_argument("--out-history", type=Path, required=True, help="history.csv to write")
    add_train_options(p, TRAIN_DEFAULTS)
    add_params_option(p, "SpaNet (spanet/models.py)")
    p.add_argument("--seed", type=int, default=MASTER_SEED,
                   help="the config's master seed; the run's seed derives from it (default: %(default)s)")
    p.set_defaults(func=_train)

    p = subparsers.add_parser("evaluate", help="efficiencies of one method by jet multiplicity")
    p.add_argument("--method", choices=["chi2", "spanet"], required=True)
    p.add_argument("--input", type=Path, required=True, help="SPANet-layout .h5")
    p.add_argument("--checkpoint", type=Path, help="model.pt of `attnphys spanet train` (spanet only; an error "
                   "with chi2) (default: none)")
    p.add_argument("--out", type=Path, required=True, help="summary.csv to write")
    add_device_option(p)
    p.set_defaults(func=_evaluate)

    p = subparsers.add_parser("predict", help="per-event SPA-NET assignments in SPANet's TARGETS layout")
    p.add_argument("--checkpoint", type=Path, required=True, help="model.pt of `attnphys spanet train`")
    p.add_argument("--input", type=Path, required=True, help="SPANet-layout .h5; TARGETS may be absent")
    p.add_argument("--out", type=Path, required=True, help=".h5 to write: INPUTS copied, TARGETS predicted")
    p.add_argument("--batch-size", type=int, default=512, help="events per forward pass (default: %(default)s)")
    add_device_option(p)
    p.set_defaults(func=_predict)

    p = subparsers.add_parser("report", help="chi2 and SPA-NET side by side with the talk's table")
    p.add_argument("--chi2", type=Path, required=True, help="summary.csv of chi2")
    p.add_argument("--spanet", type=Path, required=True, help="summary.csv of SPA-NET")
    p.add_argument("--dataset", type=Path, help="dataset.json of `attnphys spanet dataset` (default: none)")
    p.add_argument("--history", type=Path, help="history.csv of training (default: none)")
    p.add_argument("--out", type=Path, required=True, help="report.md to write")
    p.add_argument("--out-efficiency", type=Path, help="efficiency by jet multiplicity PNG to write (default: none)")
    p.add_argument("--out-curves", type=Path, help="training curves PNG to write, needs --history (default: none)")
    p.set_defaults(func=_report)
