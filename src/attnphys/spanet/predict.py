"""Predict stage of SPA-NET: per-event jet assignments of a SPANet-layout file, written in
SPANet's own prediction layout so code that reads SPANet's ``predict`` output reads ours.

Output HDF5 (as SPANet's ``spanet.predict`` writes it):

- ``INPUTS/Source/{MASK,pt,eta,phi,mass,btag}``: copied from the input file;
- ``TARGETS/t1/{b,q1,q2}``, ``TARGETS/t2/{b,q1,q2}``: the predicted jet index of each parton
  in the input file's jet order (-1 where no triplet of unused jets is left);
- ``TARGETS/t{1,2}/assignment_probability``: the network's probability of that top's chosen
  triplet, with q1 and q2 unordered, 2 exp(log p(q1, q2, b)) (the symmetric softmax gives
  both orderings the same probability), 0 where no triplet was chosen.

SPANet also writes ``detection_probability`` and ``marginal_probability`` from its detection
head; this SPA-NET has none, so they are absent rather than invented. The truth targets of
the input (if any) are not copied: ``TARGETS`` holds the predictions, as in SPANet.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from attnphys.files import atomic_hdf5
from attnphys.spanet.h5layout import JET_FIELDS, PARTONS, TOPS, read_h5
from attnphys.stage_options import add_checkpoint_option
from attnphys.train.options import add_device_option

log = logging.getLogger(__name__)


def predict_assignments(checkpoint: str | Path, input_file: str | Path, out: str | Path, device: str = "auto",
                        batch_size: int = 512) -> dict:
    """Assign the jets of every event of ``input_file``; write ``out``; return event counts."""
    import torch

    from attnphys.spanet.models import MODELS, assign
    from attnphys.spanet.train import tensor_set
    from attnphys.train import predict
    from attnphys.train.record import load_model

    model, _ = load_model(Path(checkpoint), MODELS)
    data = read_h5(input_file, require_targets=False)
    order = np.argsort(~data.mask, axis=1, kind="stable")  # packed position -> file position

    def forward(net, batch):
        logp = net(batch["x"], batch["mask"])
        chosen = assign(logp)  # [B, 2, 3] (b, q1, q2)
        rows = torch.arange(len(chosen), device=logp.device)[:, None]
        index = chosen.clamp_min(0)
        picked = logp[rows, torch.arange(2, device=logp.device)[None], index[..., 1], index[..., 2], index[..., 0]]
        probability = torch.where((chosen >= 0).all(-1), 2.0 * picked.exp(), torch.zeros_like(picked))
        return torch.cat([chosen.float(), probability[..., None]], dim=-1)

    out_tensor = predict(model, tensor_set(data), forward, batch_size, device).numpy()
    packed = out_tensor[..., :3].round().astype(np.int64)
    rows = np.arange(len(data))[:, None, None]
    targets = np.where(packed >= 0, order[rows, np.maximum(packed, 0)], -1)
    probability = out_tensor[..., 3].astype(np.float32)
    with atomic_hdf5(out) as f:
        f.create_dataset("INPUTS/Source/MASK", data=data.mask)
        for name in JET_FIELDS:
            f.create_dataset(f"INPUTS/Source/{name}", data=getattr(data, name))
        for t, top in enumerate(TOPS):
            for p, parton in enumerate(PARTONS):
                f.create_dataset(f"TARGETS/{top}/{parton}", data=targets[:, t, p])
            f.create_dataset(f"TARGETS/{top}/assignment_probability", data=probability[:, t])
    counts = {"events": len(data), "assigned_tops": int((targets >= 0).all(-1).sum())}
    log.info("%s: %d events, %d tops assigned -> %s", input_file, counts["events"], counts["assigned_tops"], out)
    return counts


def _run(args: argparse.Namespace) -> None:
    predict_assignments(args.checkpoint, args.input, args.out, args.device, args.batch_size)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("predict", help="per-event SPA-NET assignments in SPANet's TARGETS layout")
    add_checkpoint_option(p, "spanet")
    p.add_argument("--input", type=Path, required=True, help="SPANet-layout .h5; TARGETS may be absent")
    p.add_argument("--out", type=Path, required=True, help=".h5 to write: INPUTS copied, TARGETS predicted")
    p.add_argument("--batch-size", type=int, default=512, help="events per forward pass (default: %(default)s)")
    add_device_option(p)
    p.set_defaults(func=_run)
