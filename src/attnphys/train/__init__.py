"""The one training engine of attnphys, shared by every area (jets, SPA-NET, neutron stars).

A stage builds its model and its data as tensors, then hands both to :func:`fit`; the
engine owns everything else: device, batching, optimiser and schedule, checkpoints,
resume, early stopping, progress bars, the per-epoch CSV log and multi-GPU.

Public API
----------
``TrainConfig(epochs=10, batch_size=128, lr=1e-3, weight_decay=0.01, warmup_frac=0.05,
schedule='cosine', patience=5, seed=0, device='auto', threads=0, amp=True, compile=False,
bucket_pool=1, min_lr_frac=0.0, restart_stale=False, lr_scaling='none', lr_reference_batch=64)``
    ``schedule`` is ``'cosine'`` (linear warm-up over ``warmup_frac`` of all steps, then
    cosine decay to ``min_lr_frac`` times the peak) or ``'plateau'`` (warm-up, then the rate
    halves after ``max(1, patience // 2)`` epochs without a better validation loss).
    The peak rate (``config.peak_lr``) is ``lr * (batch_size / lr_reference_batch)^p``
    with p = 0, 1/2, 1 for ``lr_scaling`` none, sqrt, linear: ``lr`` is the rate at the
    reference batch, and a larger batch (a GPU's) raises it by the square-root rule of
    adaptive optimisers (Malladi et al., arXiv:2205.10287) or the linear rule of SGD
    (Goyal et al., arXiv:1706.02677).
    ``device``: ``'auto'`` picks CUDA when available. ``threads`` > 0 calls
    ``torch.set_num_threads``. ``amp``: bf16 autocast, applied on CUDA only.
    ``compile``: ``torch.compile(model, dynamic=True)``. ``bucket_pool``: how many batches
    are drawn at random and then sorted by length together (see :class:`TensorSet`). The
    default 1 keeps every batch a random sample, trimmed to its longest row. Larger pools
    pad less but make each batch nearly uniform in length, and where the length follows
    the label (towers per jet follow the prong count) the batches follow the label too:
    with a pool of 16 the jet Transformer collapsed to a constant output (loss ln 7).
    ``batch_size`` is the *global* batch: under torchrun each rank takes its share.

    One code path on every device; what differs is only where data sits. On CUDA the
    train and val sets move to the GPU once when they take under a quarter of its free
    memory, and every batch is then gathered there (each epoch's row order is copied
    once); the loop never reads a value back from the device within an epoch (losses
    and ``stats`` tensors accumulate there, read once per pass). AdamW runs its fused
    kernel (one call for all parameters, on CUDA and on the CPU). Validation runs under
    ``torch.inference_mode``.

``TensorSet(tensors: dict[str, Tensor], length_key: str | None = None,
padded_keys: tuple[str, ...] = ())``
    Columns of equal length (dim 0), on the CPU (batches reach the GPU through pinned
    memory, unless ``fit`` made them resident) or already on the device; ``ts.to(device)``. With ``length_key`` (an integer column: the
    number of real entries of each row, which must come first along dim 1), batches are
    bucketed by length and every ``padded_keys`` tensor (padded along dim 1) is trimmed to
    the longest row of its batch, so compute scales with the real towers or jets and not
    with the padding. ``len(ts)``, ``ts[key]``, ``ts.keys()``, ``ts.lengths``,
    ``ts.subset(index)``.

``fit(model, train, val, loss_fn, config, model_path, fingerprint, *, history_path=None,
extra=None) -> TrainResult``
    ``loss_fn(model, batch: dict[str, Tensor]) -> (loss, stats)``: ``loss`` is the mean
    over the batch's rows; ``stats`` maps names to floats (host numbers, summed on the
    host) or 0-d tensors (summed on the device: no sync per step), summed over batches. ``{'correct': ..., 'count': ...}``
    gives the accuracy columns. ``loss_fn`` must call ``model(...)`` (its forward) so that
    DistributedDataParallel synchronises gradients.
    Writes the files the caller names (the workflow's rules own the paths):

    - ``checkpoint_last.pt`` beside ``model_path`` after every epoch, atomically: model, optimiser, schedule
      state, best weights so far, history, and the fingerprint. A later call with the same
      fingerprint resumes from it and reaches the same final weights as an uninterrupted
      run (on CPU; each epoch reseeds torch and the data order from ``(seed, epoch)``).
      A different fingerprint raises ``ValueError`` naming the differing keys, unless
      ``config.restart_stale`` (``--restart-stale``, passed by every pipeline rule, whose
      params changed on purpose), which logs a warning and starts afresh.
    - ``model_path`` (``model.pt``): the weights with the best validation loss, written at the end:
      ``{'state_dict', 'epoch', 'val_loss', 'fingerprint', 'extra'}``.
    - ``history_path`` (default ``history.csv`` beside ``model_path``): ``epoch, train_loss, train_acc, val_loss, val_acc, lr, seconds,
      val_seconds`` (``seconds``: the training pass; accuracies empty without stats).

    ``fingerprint`` is the JSON-able dict of settings the run depends on (model
    hyper-parameters, data identity); the engine adds the TrainConfig fields that change
    the result. ``extra`` (plain types and tensors) is stored with the weights, e.g. the
    input standardisation or class names. Every file loads with
    ``torch.load(path, weights_only=True)``. Early stopping after ``patience`` epochs
    without a better validation loss.
    Multi-GPU / multi-process: run the same entry point under ``torchrun``; ``fit`` sees
    ``WORLD_SIZE > 1``, joins the process group (NCCL on CUDA, gloo on CPU), wraps the
    model in DistributedDataParallel and gives each rank a slice of every global batch;
    the loss is reweighted so the averaged gradient equals the single-process one. Rank 0
    writes the files.

``TrainResult``: ``best_epoch, best_val_loss, epochs_run, stopped_early, history
(list of dicts), model_path, seconds``.

``predict(model, data: TensorSet, forward_fn, batch_size=512, device='auto',
amp=True) -> Tensor``
    ``forward_fn(model, batch) -> Tensor`` (rows first). Batches are bucketed by length
    and trimmed like training; outputs come back on the CPU, as float32, in the original
    row order. The model is put in eval mode under ``torch.inference_mode``.

``resolve_device(name) -> torch.device`` and ``load_weights(path) -> dict`` (the
``model.pt`` dict, loaded with ``weights_only=True``) are exported too.

Shared by every area's model, one way each: ``attnphys.train.params`` (``--params`` JSON
checked against the constructor, sizes from the data), ``attnphys.train.standardise``
(``Standardise`` buffers fitted on the training split), ``attnphys.train.record``
(``model_record`` in ``extra``, ``load_model(path, registry)``) and
``attnphys.train.options`` (training flags, ``--device`` default ``auto``,
``--restart-stale``).

Multi-process example (2 GPUs, or 2 CPU processes with gloo)::

    torchrun --standalone --nproc_per_node 2 -m attnphys.cli jets train --model pfn ...
"""

import importlib

from attnphys.train.config import TrainConfig, TrainResult

# The torch-backed parts load on first use, so a CLI that only declares training flags
# (attnphys.train.options) does not import torch in stages that never train.
_TORCH_PARTS = {
    "TensorSet": "attnphys.train.data",
    "resolve_device": "attnphys.train.device",
    "fit": "attnphys.train.engine",
    "load_weights": "attnphys.train.engine",
    "predict": "attnphys.train.engine",
}


def __getattr__(name: str):
    if name in _TORCH_PARTS:
        return getattr(importlib.import_module(_TORCH_PARTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "TensorSet",
    "TrainConfig",
    "TrainResult",
    "fit",
    "load_weights",
    "predict",
    "resolve_device",
]
