"""Attention as gating: capacity counts, XOR in one gated layer, report."""

from __future__ import annotations

import argparse

# Stage modules are imported inside the handlers: every `attnphys` call builds this parser,
# and only the XOR stage needs torch and matplotlib.


def _capacity(args: argparse.Namespace) -> None:
    from attnphys.gating.report import write_capacity

    write_capacity(args.max_n, args.out)


def _xor(args: argparse.Namespace) -> None:
    from attnphys.gating.demo import write_xor_demo

    write_xor_demo(args.seed, args.seeds, args.epochs, args.out_json, args.out_figure, lr=args.lr)


def _report(args: argparse.Namespace) -> None:
    from attnphys.gating.report import write_report

    write_report(args.capacity, args.xor, args.figure, args.out)


def register(subparsers) -> None:
    capacity = subparsers.add_parser(
        "capacity", help="exact counts of threshold and output-gated Boolean functions"
    )
    capacity.add_argument("--max-n", type=int, required=True, help="largest number of inputs (1..4)")
    capacity.add_argument("--out", required=True, help="capacity CSV to write")
    capacity.set_defaults(func=_capacity)

    xor = subparsers.add_parser("xor", help="XOR = OR gated by NAND, and the training demo")
    xor.add_argument("--seed", type=int, required=True, help="master seed")
    xor.add_argument("--seeds", type=int, required=True, help="number of training seeds")
    xor.add_argument("--epochs", type=int, required=True, help="full-batch Adam steps per fit")
    xor.add_argument("--lr", type=float, required=True, help="Adam learning rate")
    xor.add_argument("--out-json", required=True, help="summary JSON to write")
    xor.add_argument("--out-figure", required=True, help="decision-region PNG to write")
    xor.set_defaults(func=_xor)

    report = subparsers.add_parser("report", help="markdown report of the gating area")
    report.add_argument("--capacity", required=True, help="capacity CSV")
    report.add_argument("--xor", required=True, help="XOR summary JSON")
    report.add_argument("--figure", required=True, help="XOR decision-region PNG")
    report.add_argument("--out", required=True, help="report markdown to write")
    report.set_defaults(func=_report)
