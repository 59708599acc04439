"""Metrics and figures of the neutrino area: summary.csv, report.md, confusion matrices,
event displays.

Per model and seed on the test split: event accuracy, per-class efficiency (recall) and
purity (precision), the nu_e CC selection efficiency and purity of the arg-max
selection and the nu_e CC efficiency at the purity of the CVN baseline (threshold scan
on p(nu_e CC)), prong accuracy on reconstructed and on truth prongs. report.md gives
mean and sample standard deviation over seeds and the parameter counts.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from attnphys.files import atomic_path
from attnphys.markdown import markdown_table
from attnphys.neutrino.beam import EVENT_CLASSES
from attnphys.neutrino.pixelmap import read_dataset
from attnphys.neutrino.prongs import PRONG_CLASSES
from attnphys.parquet import read_columns
from attnphys.stage_options import add_checkpoint_option, add_output

NUE = EVENT_CLASSES.index("nue_cc")


def efficiency_at_purity(p_nue: np.ndarray, is_nue: np.ndarray, purity: float) -> float:
    """Largest nu_e CC efficiency of a cut on p(nu_e CC) whose purity is at least ``purity``."""
    order = np.argsort(-p_nue)
    tp = np.cumsum(is_nue[order])
    pur = tp / np.arange(1, len(order) + 1)
    ok = pur >= purity
    return float(tp[ok].max() / max(is_nue.sum(), 1)) if ok.any() else 0.0


def prong_accuracy(frame: pd.DataFrame, prongs: str, max_prongs: int) -> float:
    labels = np.stack([frame[f"{prongs}_prong{j}_label"] for j in range(max_prongs)], 1)
    preds = np.stack([frame[f"{prongs}_prong{j}_pred"] for j in range(max_prongs)], 1)
    real = (labels >= 0) & (preds >= 0)
    return float((labels[real] == preds[real]).mean()) if real.any() else float("nan")


def score(frame: pd.DataFrame, max_prongs: int) -> dict:
    probs = frame[[f"p{k}" for k in range(len(EVENT_CLASSES))]].to_numpy()
    label = frame["label"].to_numpy()
    pred = probs.argmax(1)
    pur, eff, _, _ = precision_recall_fscore_support(label, pred, labels=range(len(EVENT_CLASSES)), zero_division=0)
    row = {"accuracy": float((pred == label).mean()), "nue_efficiency": float(eff[NUE]), "nue_purity": float(pur[NUE]),
           "prong_accuracy_reco": prong_accuracy(frame, "reco", max_prongs),
           "prong_accuracy_truth": prong_accuracy(frame, "truth", max_prongs)}
    for k, name in enumerate(EVENT_CLASSES):
        row[f"eff_{name}"], row[f"pur_{name}"] = float(eff[k]), float(pur[k])
    return row


def _confusion_figure(frames: dict[str, pd.DataFrame], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(frames), figsize=(4.2 * len(frames), 4))
    for ax, (name, frame) in zip(np.atleast_1d(axes), frames.items()):
        pred = frame[[f"p{k}" for k in range(len(EVENT_CLASSES))]].to_numpy().argmax(1)
        cm = confusion_matrix(frame["label"], pred, labels=range(len(EVENT_CLASSES)), normalize="true")
        ax.imshow(cm, vmin=0, vmax=1, cmap="Blues")
        for i in range(len(EVENT_CLASSES)):
            for j in range(len(EVENT_CLASSES)):
                ax.text(j, i, f"{cm[i, j]:.2f}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(EVENT_CLASSES)), EVENT_CLASSES, rotation=45)
        ax.set_yticks(range(len(EVENT_CLASSES)), EVENT_CLASSES)
        ax.set_title(name)
        ax.set_xlabel("predicted")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def _display_figure(dataset: Path, frame: pd.DataFrame, max_prongs: int, path: Path) -> None:
    """One test event per class: both views coloured by true prong class and by the
    transformer's predicted class of the reconstructed prongs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    data, _ = read_dataset(dataset, ("pixel_maps", "truth_prong_index", "reco_prong_index", "truth_prong_label",
                                     "event", "event_label"))
    row_of = pd.Series(np.arange(len(data["event"])), index=data["event"])
    cmap = ListedColormap(["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#7f7f7f"])
    fig, axes = plt.subplots(len(EVENT_CLASSES), 4, figsize=(12, 2.6 * len(EVENT_CLASSES)))
    for c, name in enumerate(EVENT_CLASSES):
        sel = frame[frame["label"] == c]
        if sel.empty:
            continue
        ev = sel.iloc[0]
        r = int(row_of[ev["event"]])
        pred = np.array([ev[f"reco_prong{j}_pred"] for j in range(max_prongs)])
        for v in (0, 1):
            truth_idx = data["truth_prong_index"][r, v].astype(np.int64)
            reco_idx = data["reco_prong_index"][r, v].astype(np.int64)
            hit = data["pixel_maps"][r, v] > 0
            true_cls = np.where(truth_idx >= 0, data["truth_prong_label"][r][np.clip(truth_idx, 0, None)], 5)
            pred_cls = np.where(reco_idx >= 0, pred[np.clip(reco_idx, 0, None)], 5)
            for k, (cls, title) in enumerate(((true_cls, "true"), (pred_cls, "predicted"))):
                ax = axes[c, 2 * v + k]
                ax.imshow(np.ma.masked_where(~hit, cls).T, cmap=cmap, vmin=-0.5, vmax=5.5, aspect="auto",
                          origin="lower", interpolation="nearest")
                ax.set_title(f"{name} {'XZ' if v == 0 else 'YZ'} {title}", fontsize=8)
                ax.set_xticks([])
                ax.set_yticks([])
    handles = [plt.Line2D([], [], marker="s", ls="", color=cmap(i)) for i in range(len(PRONG_CLASSES))]
    fig.legend(handles, PRONG_CLASSES, loc="lower center", ncol=len(PRONG_CLASSES))
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90)
    plt.close(fig)


def _attention_figure(dataset: Path, frame: pd.DataFrame, model_path: Path, path: Path) -> None:
    """Last-layer attention of the transformer for the events of the event displays."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    from attnphys.neutrino.models import MODELS, TransformerCVN, attention_maps
    from attnphys.train.record import load_model

    model, _ = load_model(model_path, MODELS)
    if type(model) is not TransformerCVN:
        raise ValueError(f"{model_path}: field 'extra.model' must be 'transformer' for the attention maps")
    data, _ = read_dataset(dataset, ("pixel_maps", "reco_prong_index", "reco_prong_label", "event"))
    row_of = pd.Series(np.arange(len(data["event"])), index=data["event"])
    fig, axes = plt.subplots(1, len(EVENT_CLASSES), figsize=(3.6 * len(EVENT_CLASSES), 3.4))
    for c, name in enumerate(EVENT_CLASSES):
        sel = frame[frame["label"] == c]
        ax = axes[c]
        if sel.empty:
            continue
        r = int(row_of[sel.iloc[0]["event"]])
        att = attention_maps(model, torch.from_numpy(data["pixel_maps"][r : r + 1]),
                             torch.from_numpy(data["reco_prong_index"][r : r + 1]))[-1, 0].numpy()
        labels = ["event"] + [PRONG_CLASSES[k] if k >= 0 else "-" for k in data["reco_prong_label"][r]]
        ax.imshow(att, vmin=0, vmax=1, cmap="viridis")
        ax.set_xticks(range(len(labels)), labels, rotation=60, fontsize=7)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_title(f"{name}: attention (query rows)", fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)


def _prong_line(attrs: dict) -> str:
    """The reconstruction's purity and completeness, when the dataset records them."""
    keys = ("reco_purity", "reco_completeness", "mean_truth_prongs", "mean_reco_prongs")
    if not all(k in attrs for k in keys):
        return "Prong reconstruction statistics: not recorded in the dataset."
    return (f"Reconstructed prongs: charge-weighted purity {attrs['reco_purity']:.3f}, completeness "
            f"{attrs['reco_completeness']:.3f}; mean prongs per event: truth {attrs['mean_truth_prongs']:.2f}, "
            f"reconstructed {attrs['mean_reco_prongs']:.2f}.")


def write_report(dataset: Path, predictions: list[Path], metas: list[Path], checkpoint: Path, out_summary: Path,
                 out_report: Path, out_confusion: Path, out_displays: Path, out_attention: Path) -> pd.DataFrame:
    """summary.csv (one row per model and seed), report.md and the figures; figures are
    linked from report.md by their paths relative to it."""
    if len(metas) != len(predictions):
        raise ValueError(f"--meta: {len(metas)} files for {len(predictions)} predictions")
    _, attrs = read_dataset(dataset, ("event",))
    rows, frames, params, all_frames = [], {}, {}, []
    for path, meta_path in zip(predictions, metas):
        meta = json.loads(Path(meta_path).read_text())
        read_columns(path, ["event", "label", "p0"], "neutrino predictions")
        frame = pd.read_parquet(path)
        rows.append({"model": meta["model"], "seed": meta["seed"], "parameters": meta["parameters"]}
                    | score(frame, meta["max_prongs"]))
        all_frames.append(frame)
        frames.setdefault(meta["model"], frame)
        params[meta["model"]] = meta["parameters"]
    cvn_rows = [row["nue_purity"] for row in rows if row["model"] == "cvn"]
    cvn_purity = float(np.mean(cvn_rows)) if cvn_rows else 0.8
    for row, frame in zip(rows, all_frames):
        row["nue_eff_at_cvn_purity"] = efficiency_at_purity(frame[f"p{NUE}"].to_numpy(),
                                                            (frame["label"] == NUE).to_numpy(), cvn_purity)
    summary = pd.DataFrame(rows).sort_values(["model", "seed"]).reset_index(drop=True)
    with atomic_path(out_summary) as tmp:
        summary.to_csv(tmp, index=False)
    _confusion_figure(frames, Path(out_confusion))
    max_prongs = json.loads(Path(metas[0]).read_text())["max_prongs"]
    display_model = "transformer" if "transformer" in frames else next(iter(frames))
    _display_figure(dataset, frames[display_model], max_prongs, Path(out_displays))
    _attention_figure(dataset, frames.get("transformer", frames[display_model]), checkpoint, Path(out_attention))
    metrics = ["accuracy", "nue_efficiency", "nue_purity", "nue_eff_at_cvn_purity", "prong_accuracy_reco",
               "prong_accuracy_truth"]
    agg = summary.groupby("model")[metrics].agg(["mean", "std"])
    table = [[model, params[model]] + [f"{agg.loc[model, (m, 'mean')]:.3f} ± {np.nan_to_num(agg.loc[model, (m, 'std')]):.3f}"
                                       for m in metrics] for model in agg.index]
    here = Path(out_report).parent.resolve()

    def link(path: Path) -> str:
        return os.path.relpath(Path(path).resolve(), here)

    lines = ["# Neutrino classification (NOvA-like fast simulation)", "",
             f"Test events per model: {len(next(iter(frames.values())))}; seeds: {sorted(int(s) for s in summary['seed'].unique())}.",
             _prong_line(attrs), "", markdown_table(["model", "parameters", *metrics], table, "lr" + "r" * len(metrics)),
             "", ("Mean ± sample standard deviation over seeds. Prong accuracy: reconstructed prongs labelled by "
                  "their dominant true particle; the CVN has no prong output."), "",
             f"![confusion]({link(out_confusion)})", "", f"![event displays]({link(out_displays)})", "",
             ("Last-layer attention of the transformer (first seed) for the same events; true labels of the "
              "reconstructed prongs on the axes:"), "", f"![attention]({link(out_attention)})", ""]
    with atomic_path(out_report) as tmp:
        tmp.write_text("\n".join(lines))
    return summary


def _run(args: argparse.Namespace) -> None:
    write_report(args.dataset, args.predictions, args.meta, args.checkpoint, args.out_summary, args.out_report,
                 args.out_confusion, args.out_displays, args.out_attention)


def add_cli(subparsers) -> None:
    p = subparsers.add_parser("report", help="summary.csv, report.md, confusion matrices, event displays")
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--predictions", type=Path, nargs="+", required=True)
    p.add_argument("--meta", type=Path, nargs="+", required=True, help="the predictions' JSON, in the same order")
    add_checkpoint_option(p, "neutrino")
    add_output(p, "summary", "summary.csv to write (one row per model and replica)")
    add_output(p, "report", "report.md to write (links the figures by relative path)")
    add_output(p, "confusion", "confusion-matrix figure to write")
    add_output(p, "displays", "event-display figure to write")
    add_output(p, "attention", "attention-map figure (of the --checkpoint transformer) to write")
    p.set_defaults(func=_run)
