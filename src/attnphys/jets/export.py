"""Export stage: a trained tagger -> ONNX, for use outside Python and torch.

The graph maps the model's inputs to class probabilities (softmax of the logits):

- ``hl`` float32 [batch, 17]: jet mass (GeV) and log of the 16 N-subjettiness values
  (``attnphys.jets.split``), for ``hl_dnn``;
- ``towers`` float32 [batch, towers, 3]: per tower (log pT/GeV, delta eta, delta phi) to the
  jet axis, zero on padding, and ``mask`` bool [batch, towers], True on real towers (a
  prefix of each row), for the tower models;
- output ``probabilities`` float32 [batch, classes], in label order.

Batch and tower axes are dynamic; the input standardisation is inside the graph (the
model's buffers). ``part`` (``NOT_EXPORTABLE``) is refused with a one-line error. The opset is the installed exporter's default. The file's metadata
(``metadata_props``) records ``attnphys.model``, ``attnphys.classes`` (class name per output,
JSON), ``attnphys.inputs`` (the definition above, JSON), ``attnphys.preprocessing`` (the
model record's selection and padding, JSON) and ``attnphys.preprocess`` (the tower frame the
model was trained in, ``attnphys.jets.preprocess``: the caller puts ``towers`` in that frame
before the graph), as SPANet's ONNX export records its inputs and outputs. ``check_export``
compares onnxruntime with PyTorch on real jets: a NaN or infinite probability on either side is
an error (never a difference of 0), and with ``--check`` the comparison runs on the temporary
file, so a failed check leaves no ONNX file behind.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from attnphys.files import atomic_path
from attnphys.validate.records import check_outputs

log = logging.getLogger(__name__)

OUTPUT = "probabilities"
TOLERANCE = 1e-5  # max |p_onnx - p_torch| accepted by check_export
# Taggers the exporter cannot translate, and why (measured with the installed torch 2.13).
NOT_EXPORTABLE = {
    "part": "torch's ONNX exporter cannot decompose the per-head 3-D attention bias with dynamic batch and "
            "tower axes",
}
INPUT_DEFINITIONS = {
    "hl": {"dtype": "float32", "shape": ["batch", "features"],
           "meaning": "jet mass [GeV], then log(max(tau_N^beta, 1e-6)) for beta = 1, 2 and N = 1..8"},
    "towers": {"dtype": "float32", "shape": ["batch", "towers", "features"],
               "meaning": "per tower: log(pT/GeV), eta - eta_jet, phi - phi_jet wrapped to [-pi, pi); zero on padding"},
    "mask": {"dtype": "bool", "shape": ["batch", "towers"],
             "meaning": "True on real towers, which come first in each row"},
}


def _probabilities(model):
    import inspect

    import torch

    class Probabilities(torch.nn.Module):
        """The tagger with a softmax on its logits; the Transformers in their padded layout, whose
        graph has no data-dependent shapes (attnphys.jets.models.transformer)."""

        def __init__(self, net):
            super().__init__()
            self.net = net
            self.layout = {"packed": False} if "packed" in inspect.signature(net.forward).parameters else {}

        def forward(self, *inputs):
            return torch.softmax(self.net(*inputs, **self.layout), dim=1)

    return Probabilities(model).eval()


def example_inputs(inputs: tuple[str, ...], n_features: int, batch: int = 2, towers: int = 5) -> tuple:
    """Tracing inputs of the model's input names (sizes differ from any test, axes are dynamic)."""
    import torch

    out = []
    for name in inputs:
        if name == "hl":
            out.append(torch.zeros(batch, n_features))
        elif name == "towers":
            out.append(torch.rand(batch, towers, n_features))
        elif name == "mask":
            out.append(torch.arange(towers).expand(batch, towers) < torch.tensor([[towers], [2]][:batch]))
        else:
            raise ValueError(f"ONNX export: no input definition for model input {name!r}")
    return tuple(out)


def export_model(model_path: str | Path, out: str | Path, check: str | Path | None = None) -> dict:
    """Write the ONNX graph of ``model_path`` to ``out``; return its metadata.

    ``check``: a dataset split to compare onnxruntime with PyTorch on before ``out`` is
    written (``check_export``); the returned dict then holds ``max_abs_diff``."""
    import onnx
    import torch

    from attnphys.jets.models import MODELS
    from attnphys.train.record import load_model

    model, info = load_model(Path(model_path), MODELS)
    if info["model"] in NOT_EXPORTABLE:
        raise ValueError(f"{model_path}: model {info['model']!r}: no ONNX export "
                         f"({NOT_EXPORTABLE[info['model']]})")
    inputs = tuple(info["inputs"])
    unknown = [name for name in inputs if name not in INPUT_DEFINITIONS]
    if unknown:
        raise ValueError(f"{model_path}: field 'extra.inputs' holds {unknown}, which ONNX export cannot define")
    wrapper = _probabilities(model)
    n_features = int(info["sizes"]["n_features"])
    definitions = {name: {**INPUT_DEFINITIONS[name], "features": n_features} if name != "mask"
                   else INPUT_DEFINITIONS[name] for name in inputs}
    metadata = {
        "attnphys.model": info["model"],
        "attnphys.classes": json.dumps(list(info["classes"])),
        "attnphys.inputs": json.dumps(definitions),
        "attnphys.preprocessing": json.dumps(info.get("preprocessing")),
        "attnphys.preprocess": info["preprocess"],
    }
    with atomic_path(out) as tmp:
        batch, towers = torch.export.Dim("batch", min=1), torch.export.Dim("towers", min=1)
        dims = {"hl": {0: batch}, "towers": {0: batch, 1: towers}, "mask": {0: batch, 1: towers}}
        program = torch.onnx.export(wrapper, example_inputs(inputs, n_features), input_names=list(inputs),
                                    output_names=[OUTPUT], dynamic_shapes=(tuple(dims[n] for n in inputs),),
                                    dynamo=True, optimize=True, verbose=False)
        program.save(str(tmp))
        graph = onnx.load(str(tmp))
        for key, value in metadata.items():
            graph.metadata_props.add(key=key, value=value)
        onnx.checker.check_model(graph)
        onnx.save(graph, str(tmp))
        if check is not None:
            worst = check_export(model_path, tmp, check, name=out)
            log.info("onnxruntime vs PyTorch on %s: max |dp| = %.3g", check, worst)
            print(f"max_abs_diff {worst:.3g}")
            if worst > TOLERANCE:
                raise ValueError(f"{out}: onnxruntime probabilities differ from PyTorch by {worst:.3g} "
                                 f"(> {TOLERANCE:g}) on {check}")
    log.info("%s -> %s (opset %d)", model_path, out, graph.opset_import[0].version)
    return metadata if check is None else {**metadata, "max_abs_diff": worst}


def onnx_probabilities(onnx_path: str | Path, feeds: dict[str, np.ndarray]) -> np.ndarray:
    """Class probabilities of an exported tagger, run by onnxruntime on the CPU."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    return session.run([OUTPUT], feeds)[0]


def check_export(model_path: str | Path, onnx_path: str | Path, test_path: str | Path, batch_size: int = 256,
                 name: str | Path | None = None) -> float:
    """Max |p_onnx - p_torch| over the jets of ``test_path``, each batch trimmed to its longest jet;
    a probability that is not finite on either side is an error (``name``: the ONNX file's name
    in messages, for a temporary ``onnx_path``)."""
    import torch

    from attnphys.jets.models import MODELS, hl_columns
    from attnphys.jets.split import read_jets
    from attnphys.jets.train import in_frame
    from attnphys.train.record import load_model

    model, info = load_model(Path(model_path), MODELS)
    inputs = tuple(info["inputs"])
    jets = in_frame(read_jets(test_path, need_towers="towers" in inputs, hl_columns=hl_columns(info["model"])),
                    info["preprocess"])
    if len(jets) == 0:
        raise ValueError(f"{test_path}: no jets to check the export on")
    wrapper = _probabilities(model)
    worst = 0.0
    for start in range(0, len(jets), batch_size):
        rows = slice(start, start + batch_size)
        width = max(int(jets.length[rows].max()), 1)
        arrays = {"hl": jets.hl[rows], "towers": jets.towers[rows, :width], "mask": jets.mask[rows, :width]}
        feeds = {name: np.ascontiguousarray(arrays[name]) for name in inputs}
        with torch.inference_mode():
            expected = wrapper(*(torch.from_numpy(feeds[name]) for name in inputs)).numpy()
        check_outputs(model_path, expected, f"PyTorch probabilities on {test_path}")
        got = onnx_probabilities(onnx_path, feeds)
        check_outputs(name or onnx_path, got, f"onnxruntime probabilities on {test_path}")
        worst = max(worst, float(np.abs(got - expected).max()))
    return worst


def _run(args: argparse.Namespace) -> int:
    export_model(args.checkpoint, args.out, args.check)
    return 0


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("export", help="a trained tagger -> ONNX (probabilities; class names in the metadata)")
    p.add_argument("--checkpoint", type=Path, required=True, help="model.pt of `attnphys jets train`")
    p.add_argument("--out", type=Path, required=True, help="model.onnx to write")
    p.add_argument("--check", type=Path, default=None, metavar="TEST",
                   help=f"dataset split to compare onnxruntime with PyTorch on; above {TOLERANCE:g} is an error "
                        "(default: no check)")
    p.set_defaults(func=_run)
