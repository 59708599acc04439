"""Predict stage: a trained tagger applied to unlabelled Delphes-layout ROOT files.

Only the ``Tower`` collection is read (no ``Particle`` truth needed). Each event's towers
are clustered into anti-kT R = 1.2 jets and every jet of rank below ``leading`` (every jet
for ``None``) in the pT and mass windows is kept, by the code of the ingest stage without
its truth match; the jet then becomes a dataset row (padded towers, mask, 16
N-subjettiness values) by the code of the dataset stage and the model's inputs by the
code of training and evaluation. The windows, the tower padding, the jet radius and the
N-subjettiness axes come from the model's record (``extra.preprocessing``, copied from the
training split's metadata), and the towers are put in the frame the model was trained in
(``extra.preprocess``, ``attnphys.jets.preprocess``) as ``attnphys jets evaluate`` does, so a
model is never applied with other settings than those it was trained with; a record the
package cannot reproduce is an error.

Output: one Parquet row per jet, ``source_file`` (as given), ``source_entry`` (event number
in the file), ``source_jet`` (the jet's pT rank in the event, 0 = leading), ``jet_pt``,
``jet_eta``, ``jet_phi``, ``jet_mass``, ``n_towers``, the 16 N-subjettiness values,
``prob_0`` .. ``prob_{K-1}`` (label order, as ``attnphys jets evaluate`` writes them),
``pred`` and ``pred_class``; the schema metadata ``attnphys.predict`` holds the class names,
the model name, the preprocessing record and the tower frame (``preprocess``). Written atomically, file by file in bounded
steps. Follows weaver-core's predict mode: the input file's identifiers, the observables and
one score column per class side by side.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from attnphys.detector.delphes_tree import STEP_SIZE, open_delphes
from attnphys.files import atomic_path
from attnphys.jets.dataset import jet_features
from attnphys.jets.ingest import JET_RADIUS, TOWER_LEAVES, TOWER_SCHEMA, select_jets
from attnphys.jets.nsubjettiness import DEFAULT_AXES, FEATURES
from attnphys.validate.arguments import non_negative_int, positive_int

log = logging.getLogger(__name__)

UNLABELLED = ""  # class of a predicted jet before the model names it
JET_COLUMNS = ("source_file", "source_entry", "source_jet", "jet_pt", "jet_eta", "jet_phi", "jet_mass",
               "n_towers", *FEATURES)
METADATA_KEY = b"attnphys.predict"


def checked_preprocessing(model_path: Path, info: dict) -> dict:
    """The model's preprocessing record, refused when absent or not what this package computes."""
    record = info.get("preprocessing")
    if not isinstance(record, dict):
        raise ValueError(f"{model_path}: field 'extra.preprocessing' is missing (trained on a dataset "
                         "written without it); retrain on a dataset of `attnphys jets dataset`")
    fixed = {"jet_radius": JET_RADIUS, "nsubjettiness_axes": DEFAULT_AXES}
    for key, value in fixed.items():
        if record.get(key) != value:
            raise ValueError(f"{model_path}: field 'extra.preprocessing.{key}' is {record.get(key)!r}; "
                             f"this package computes {value!r}")
    return record


def predict_schema(n_classes: int) -> pa.Schema:
    base = TOWER_SCHEMA
    fields = [base.field(name) for name in JET_COLUMNS[:8]]
    fields += [pa.field(name, pa.float32()) for name in FEATURES]
    fields += [pa.field(f"prob_{i}", pa.float32()) for i in range(n_classes)]
    return pa.schema([*fields, pa.field("pred", pa.int64()), pa.field("pred_class", pa.string())])


def predict_jets(model_path: str | Path, inputs: list[str | Path], out: str | Path, leading: int | None = None,
                 batch_size: int = 512, device: str = "auto", step_size: str | int = STEP_SIZE) -> int:
    """Tag every selected jet of the ROOT files ``inputs``; write ``out``; return the jet count."""
    import torch

    from attnphys.jets.models import MODELS, PAPER_ONLY
    from attnphys.jets.split import jet_columns, jets_of_table
    from attnphys.jets.train import in_frame, jet_tensors, logits
    from attnphys.train import predict, resolve_device
    from attnphys.train.record import load_model

    if leading is not None and leading < 1:
        raise ValueError(f"--leading must be at least 1 or 'all', got {leading}")
    model_path = Path(model_path)
    model, info = load_model(model_path, MODELS)
    if info["model"] in PAPER_ONLY:
        raise ValueError(f"{model_path}: model {info['model']!r}: needs the 135 N-subjettiness values of the "
                         "paper's file; a Delphes file gives the talk's 16 (tag it with hl_dnn, pfn or transformer)")
    record = checked_preprocessing(model_path, info)
    classes = list(info["classes"])
    model_inputs = tuple(info["inputs"])
    dev = resolve_device(device)
    schema = predict_schema(len(classes)).with_metadata({METADATA_KEY: json.dumps(
        {"model": info["model"], "classes": classes, "preprocessing": record, "preprocess": info["preprocess"],
         "checkpoint": str(model_path)})})

    def forward(net, batch):
        return logits(net, batch, model_inputs)

    n_jets = 0
    with atomic_path(out) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        for path in inputs:
            with open_delphes(path, {"Tower": TOWER_LEAVES}) as events:
                progress = tqdm(total=events.num_entries, desc=f"predict {Path(path).name}", unit="event")
                with progress:
                    for start, records in events.steps(step_size):
                        towers = records["Tower"]
                        progress.update(len(towers))
                        selected = select_jets(towers, None, UNLABELLED, -1, record["pt_window"], record["mass_window"],
                                               source_file=str(path), first_entry=start, leading=leading)
                        if selected.num_rows == 0:
                            continue
                        rows = jet_features(selected, [UNLABELLED], record["max_towers"], path)
                        # The tower frame the model was trained in, from its record (as evaluate).
                        jets = in_frame(jets_of_table(rows.select(jet_columns("towers" in model_inputs)), path,
                                                      need_towers="towers" in model_inputs), info["preprocess"])
                        prob = torch.softmax(predict(model, jet_tensors(jets, model_inputs), forward, batch_size,
                                                     dev), dim=1).numpy()
                        pred = prob.argmax(axis=1)
                        columns = {name: rows[name] for name in JET_COLUMNS}
                        columns |= {f"prob_{i}": pa.array(prob[:, i], pa.float32()) for i in range(len(classes))}
                        columns |= {"pred": pa.array(pred.astype(np.int64)),
                                    "pred_class": pa.array([classes[k] for k in pred], pa.string())}
                        writer.write_table(pa.table(columns, schema=schema))
                        n_jets += len(pred)
    log.info("%s: %d jets from %d file(s) -> %s", info["model"], n_jets, len(inputs), out)
    if n_jets == 0:
        log.warning("no jet of %s lies in the model's windows (pT %s, mass %s GeV); wrote an empty %s",
                    ", ".join(map(str, inputs)), record["pt_window"], record["mass_window"], out)
    return n_jets


def leading_jets(value: str) -> int | None:
    """``--leading``: a jet count per event, or ``all``."""
    if value == "all":
        return None
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a jet count or 'all', got {value!r}") from None


def _run(args: argparse.Namespace) -> int:
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    predict_jets(args.checkpoint, args.input, args.out, args.leading, args.batch_size, args.device)
    return 0


def add_cli(subparsers) -> None:
    from attnphys.train.options import add_device_option

    p = subparsers.add_parser("predict", help="tag the jets of unlabelled Delphes ROOT files with a trained model")
    p.add_argument("--checkpoint", type=Path, required=True, help="model.pt of `attnphys jets train`")
    p.add_argument("--input", nargs="+", required=True, help="Delphes-layout ROOT files (tree Delphes, Tower)")
    p.add_argument("--out", type=Path, required=True, help="Parquet file to write (one row per jet)")
    p.add_argument("--leading", type=leading_jets, default=None, metavar="N|all",
                   help="jets considered per event, by decreasing pT: a count or 'all' (default: all)")
    p.add_argument("--batch-size", type=positive_int, default=512, help="jets per forward pass (default: 512)")
    add_device_option(p)
    p.add_argument("--threads", type=non_negative_int, default=0,
                   help="torch CPU threads, 0: torch's default (default: 0)")
    p.set_defaults(func=_run)
