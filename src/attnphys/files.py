"""Files in and out, one way each.

Output is atomic (``atomic_path``): write to a temporary name beside the target, then
rename, so a killed job never leaves a half-written file under the final name and Snakemake
(and a resumed run) can trust that an existing output is complete. The temporary name is
``.{stem}.{pid}.tmp{suffix}``; a killed process leaves its file behind, so ``atomic_path``
first removes the temporary files of the same target whose process is gone (no litter),
and an error inside removes its own. An input is checked with ``existing``, whose
FileNotFoundError names the file and what it should have been.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)


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
    target.parent.mkdir(parents=True, exist_ok=True)
    ext = target.suffix if suffix is None else suffix
    remove_stale_temporaries(target, ext)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp{ext}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


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
