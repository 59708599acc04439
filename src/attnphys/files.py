"""Files in and out, one way each.

Output is atomic (``atomic_path``): write to a temporary name beside the target, then
rename, so a killed job never leaves a half-written file under the final name and Snakemake
(and a resumed run) can trust that an existing output is complete. The temporary name is
``.{stem}.{pid}.tmp{suffix}``; a killed process leaves its file behind, so ``atomic_path``
first removes the temporary files of the same target whose process is gone (no litter),
and an error inside removes its own and the folders it created for the target.

Every writer (Parquet, HDF5, ROOT, torch, ONNX, CSV, PNG, text) goes through ``atomic_path``,
so a full disk is handled here once: an error whose cause is ENOSPC, EDQUOT or EFBIG (also
when a library wrapped it, as h5py and torch do), or any other OSError/RuntimeError while the
target's file system has less than ``LOW_SPACE`` bytes left, becomes :class:`DiskFull`, one
line naming the target. HDF5 is built in memory (``atomic_hdf5``) and written as bytes by
Python, because h5py's own failure path on a full disk can crash the process. An input is
checked with ``existing``, whose FileNotFoundError names the file and what it should have been.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
FULL_TEXTS = ("No space left on device", "Disk quota exceeded", "File too large")
LOW_SPACE = 1 << 20  # bytes free below which a failed write is put down to a full disk


class DiskFull(OSError):
    """A write that failed for lack of space: ``"{target}: cannot write: the disk is full (...)"``."""

    def __init__(self, target, cause: BaseException):
        free = free_bytes(Path(target).parent)
        why = " ".join(str(cause).split()) or type(cause).__name__
        super().__init__(errno.ENOSPC, f"{target}: cannot write: the disk is full "
                         f"({free} bytes free on its file system; {type(cause).__name__}: {why[:200]})")
        self.target = str(target)

    def __str__(self) -> str:
        return self.strerror


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` on success.

    The temporary name keeps the target's suffix (or ``suffix``) so writers that infer
    the format from the extension still work. On an exception the temporary file is
    removed and the target is left untouched.
    """
    target = Path(target)
    if target.is_dir():
        raise ValueError(f"{target}: output path is a folder, expected a file name")
    created = [folder for folder in (target.parent, *target.parent.parents) if not folder.exists()]
    ext = target.suffix if suffix is None else suffix
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp{ext}")
    done = False
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target, ext)
        yield tmp
        os.replace(tmp, target)
        done = True
    except Exception as err:
        if disk_full(err, target.parent):
            raise DiskFull(target, err) from err
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        for folder in created if not done else ():  # deepest first; only if still empty
            with contextlib.suppress(OSError):
                folder.rmdir()


@contextlib.contextmanager
def atomic_hdf5(target: str | os.PathLike) -> Iterator:
    """An in-memory ``h5py.File`` written to ``target`` (through ``atomic_path``) on success.

    The file is built with the ``core`` driver and no backing store, then its image is
    written by Python: a full disk is an ordinary OSError, never h5py's failing flush."""
    import h5py

    with atomic_path(target) as tmp:
        with h5py.File(tmp.name, "w", driver="core", backing_store=False) as handle:
            yield handle
            handle.flush()
            image = handle.id.get_file_image()
        with open(tmp, "wb") as out:
            out.write(image)


def disk_full(err: BaseException, folder: Path) -> bool:
    """Is ``err`` (or an error it wraps) a full disk, or an OS-level failure on a full one?"""
    seen, cause = set(), err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and cause.errno in FULL_ERRNOS or any(
                text in str(cause) for text in FULL_TEXTS):
            return True
        cause = cause.__cause__ or cause.__context__
    return isinstance(err, OSError | RuntimeError) and not isinstance(err, ValueError) \
        and free_bytes(folder) < LOW_SPACE


def free_bytes(folder: Path) -> int:
    """Bytes available to this user on the file system of ``folder`` (of its nearest existing parent)."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        stat = os.statvfs(folder)
    except OSError:
        return LOW_SPACE
    return stat.f_bavail * stat.f_frsize


def remove_stale_temporaries(target: Path, ext: str) -> list[Path]:
    """Remove ``.{stem}.{pid}.tmp{ext}`` files beside ``target`` whose process no longer runs."""
    pattern = re.compile(rf"\.{re.escape(target.stem)}\.(\d+)\.tmp{re.escape(ext)}")
    removed = []
    for path in target.parent.glob(f".{target.stem}.*.tmp*"):
        match = pattern.fullmatch(path.name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
                log.info("%s: removed the temporary file of dead process %s", path, match.group(1))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def existing(path: str | os.PathLike, what: str) -> Path:
    """``path`` as a Path; FileNotFoundError ``"{path}: {what} not found"`` when it is no file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {what} not found")
    return path
