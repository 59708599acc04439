"""Runtime of jet-parton matching on 8-jet events: chi2 against SPA-NET, on CPU.

Prints ms per event for both methods, one event at a time and batched, measured in this
run, beside the talk's figures (chi2 369 ms, SPA-NET 4.4 ms per event; arXiv:2010.09206).
Targets: chi2 <= 0.5 ms/event batched, SPA-NET <= 0.5 ms/event batched on CPU.

    python benchmarks/bench_spanet.py [--events 2000] [--threads 1] [--checkpoint model.pt]

Events are synthetic 8-jet events (kinematics drawn like selected ttbar jets, 2 or 3 b-tags):
runtime depends on the jet count and b-tag count only, not on the physics. Without a
checkpoint, SPA-NET runs with fresh weights of the default size (same cost as trained ones).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from attnphys.spanet.chi2 import chi2_assign
from attnphys.spanet.h5layout import MatchingData
from attnphys.spanet.models import MODELS, SpaNet, assign, jet_features
from attnphys.train.record import load_model

TALK_MS = {"chi2": 369.0, "spanet": 4.4}
TARGET_MS = 0.5


def eight_jet_events(n: int, rng: np.random.Generator) -> MatchingData:
    j = 8
    pt = (25 + rng.exponential(50, (n, j))).astype(np.float32)
    btag = np.zeros((n, j), np.float32)
    btag[:, :2] = 1
    btag[rng.random(n) < 0.3, 2] = 1
    for row in btag:
        rng.shuffle(row)
    return MatchingData(
        np.ones((n, j), bool), pt,
        rng.uniform(-2.5, 2.5, (n, j)).astype(np.float32),
        rng.uniform(-np.pi, np.pi, (n, j)).astype(np.float32),
        (pt * rng.uniform(0.05, 0.2, (n, j))).astype(np.float32), btag,
        np.full((n, 2, 3), -1, np.int64),
    )


def per_event_ms(fn, n: int, repeat: int = 3) -> float:
    fn()  # warm-up
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return 1e3 * best / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--single", type=int, default=200, help="events timed one at a time")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--checkpoint", help="model.pt of `attnphys spanet train`")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    data = eight_jet_events(args.events, rng)
    if args.checkpoint:
        model = load_model(args.checkpoint, MODELS)[0]
    else:
        torch.manual_seed(0)
        model = SpaNet().eval()
    x, mask = torch.from_numpy(jet_features(data)), torch.from_numpy(data.mask)

    def spanet(sl):
        with torch.inference_mode():
            return assign(model(x[sl], mask[sl]))

    singles = [data.subset(slice(i, i + 1)) for i in range(args.single)]
    results = {
        ("chi2", "single"): per_event_ms(lambda: [chi2_assign(d) for d in singles], args.single),
        ("chi2", "batched"): per_event_ms(lambda: chi2_assign(data), args.events),
        ("spanet", "single"): per_event_ms(
            lambda: [spanet(slice(i, i + 1)) for i in range(args.single)], args.single),
        ("spanet", "batched"): per_event_ms(lambda: spanet(slice(None)), args.events),
    }
    print(f"8-jet events, CPU, {args.threads} thread(s), {args.events} batched / {args.single} single")
    print(f"{'method':8s} {'single ms/ev':>13s} {'batched ms/ev':>14s} {'talk ms/ev':>11s} "
          f"{'talk/ours (batched)':>20s} {'target':>8s}")
    for method in ("chi2", "spanet"):
        single, batched = results[(method, "single")], results[(method, "batched")]
        ok = "met" if batched <= TARGET_MS else "MISSED"
        print(f"{method:8s} {single:13.3f} {batched:14.4f} {TALK_MS[method]:11.1f} "
              f"{TALK_MS[method] / batched:20.0f} {ok:>8s}")
    print(f"SPA-NET / chi2 batched: {results[('spanet', 'batched')] / results[('chi2', 'batched')]:.2f}")


if __name__ == "__main__":
    main()
