"""In-memory datasets of tensors, and their batches bucketed by length.

Jets carry up to 230 towers but typically about 60. Every batch is trimmed to its own
longest row, so compute follows the real towers, not the padding. Optionally a pool of
batches drawn at random is sorted by length and cut again, which pads even less but makes
each batch nearly uniform in length, hence in whatever the length follows (the prong
class): the default pool of 1 keeps batches random.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import torch


class TensorSet:
    """Equal-length columns of tensors; optionally bucketed by ``length_key``.

    Columns usually live on the CPU (batches then go to the device through pinned
    memory); columns already on the training device are gathered there directly.

    ``padded_keys`` name tensors padded along dim 1 whose first ``length`` entries are the
    real ones; batches trim them to the longest row in the batch.
    """

    def __init__(
        self,
        tensors: Mapping[str, torch.Tensor],
        length_key: str | None = None,
        padded_keys: tuple[str, ...] = (),
    ) -> None:
        if not tensors:
            raise ValueError("TensorSet: no tensors given")
        sizes = {key: int(t.shape[0]) for key, t in tensors.items()}
        if len(set(sizes.values())) != 1:
            raise ValueError(f"TensorSet: columns differ in length: {sizes}")
        self.tensors = dict(tensors)
        self.length_key = length_key
        self.padded_keys = tuple(padded_keys)
        self._lengths = None
        if length_key is not None:
            if length_key not in tensors:
                raise ValueError(f"TensorSet: length_key {length_key!r} is not a column")
            lengths = tensors[length_key]
            if lengths.dim() != 1 or lengths.is_floating_point():
                raise ValueError(f"TensorSet: length_key {length_key!r} must be a 1-D integer tensor")
            self._lengths = lengths.cpu().numpy().astype(np.int64)
        for key in self.padded_keys:
            if key not in tensors or tensors[key].dim() < 2:
                raise ValueError(f"TensorSet: padded key {key!r} must be a column with dim >= 2")
            if self._lengths is not None and len(self) and self._lengths.max() > tensors[key].shape[1]:
                raise ValueError(f"TensorSet: a length exceeds the padded size of {key!r}")
        if self.padded_keys and length_key is None:
            raise ValueError("TensorSet: padded_keys need a length_key")

    def __len__(self) -> int:
        return int(next(iter(self.tensors.values())).shape[0])

    def __getitem__(self, key: str) -> torch.Tensor:
        return self.tensors[key]

    def keys(self):
        return self.tensors.keys()

    @property
    def lengths(self) -> np.ndarray | None:
        return self._lengths

    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.tensors.values())

    def to(self, device: torch.device) -> TensorSet:
        """The same columns on ``device`` (one transfer each); batches are then gathered there."""
        return TensorSet({key: t.to(device) for key, t in self.tensors.items()}, self.length_key, self.padded_keys)

    def subset(self, index) -> TensorSet:
        index = torch.as_tensor(np.asarray(index), dtype=torch.long)
        return TensorSet(
            {key: t.index_select(0, index) for key, t in self.tensors.items()},
            self.length_key,
            self.padded_keys,
        )


def batch_plan(
    data: TensorSet, batch_size: int, rng: np.random.Generator | None = None, pool: int = 1
) -> list[np.ndarray]:
    """Row indices of each batch.

    With ``rng`` (training): a random permutation; with lengths, each pool of
    ``pool * batch_size`` rows is sorted by length and cut into batches, whose order is
    then shuffled. Without ``rng`` (inference): rows sorted by length, then cut.
    """
    n = len(data)
    lengths = data.lengths
    if rng is None:
        order = np.argsort(lengths, kind="stable") if lengths is not None else np.arange(n)
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]
    order = rng.permutation(n)
    if lengths is None:
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]
    span = pool * batch_size
    batches = []
    for start in range(0, n, span):
        chunk = order[start : start + span]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def gather(
    data: TensorSet, index: np.ndarray, device: torch.device, rows: torch.Tensor | None = None
) -> dict[str, torch.Tensor]:
    """One batch on ``device``: rows ``index``, padded columns trimmed to the longest row.

    ``rows``: ``index`` as a tensor already on the columns' device (a slice of an epoch's
    order, copied there once), so that columns resident on the GPU are gathered there
    without a transfer per batch. Columns on the CPU reach CUDA through pinned memory with
    a non-blocking copy, so the next batch is assembled while the GPU still works.
    The trim length comes from the lengths kept on the host: no device synchronisation.
    """
    if rows is None:
        rows = torch.from_numpy(np.ascontiguousarray(index, dtype=np.int64))
    longest = int(data.lengths[index].max()) if data.lengths is not None and len(index) else None
    pin = device.type == "cuda"
    batch = {}
    for key, tensor in data.tensors.items():
        if longest is not None and key in data.padded_keys:
            tensor = tensor[:, :longest]
        part = tensor.index_select(0, rows if rows.device == tensor.device else rows.to(tensor.device))
        if pin and part.device.type == "cpu":
            part = part.pin_memory()
        batch[key] = part.to(device, non_blocking=pin)
    return batch


def batches(data: TensorSet, plan: list[np.ndarray], device: torch.device) -> Iterator[dict[str, torch.Tensor]]:
    """The batches of ``plan``, assembled one at a time."""
    for index in plan:
        yield gather(data, index, device)
