"""Tower frames: the preprocessing of a tagger's towers (``attnphys.jets.preprocess``), with or
without augmentation, named ``preprocess`` or ``preprocess+augment`` (``"centre+augment"``).

One list for the training stage, the learning curve's run folders and the workflow's plan;
it imports neither torch nor numpy, so ``snakemake -n`` reads it in milliseconds.
"""

from __future__ import annotations

PREPROCESS_MODES = ("none", "centre", "standard")
AUGMENT = "+augment"


def check_settings(preprocess: str, augment: bool) -> None:
    """One-line errors for values the taggers refuse."""
    if preprocess not in PREPROCESS_MODES:
        raise ValueError(f"preprocess: unknown mode {preprocess!r}; expected one of {list(PREPROCESS_MODES)}")
    if augment and preprocess == "standard":
        raise ValueError("augment: random rotations would undo preprocess 'standard'; use 'none' or 'centre'")


def frame_name(preprocess: str, augment: bool) -> str:
    return preprocess + (AUGMENT if augment else "")


def frame_settings(frame: str) -> tuple[str, bool]:
    """``(preprocess, augment)`` of a frame name, checked."""
    preprocess, plus, rest = frame.partition("+")
    if plus and rest != AUGMENT[1:]:
        raise ValueError(f"frame: unknown {frame!r}; expected one of {list(FRAMES)}")
    check_settings(preprocess, bool(plus))
    return preprocess, bool(plus)


# Every valid frame: each preprocessing, and augmentation where it keeps its meaning.
FRAMES = tuple(frame_name(mode, augment) for augment in (False, True) for mode in PREPROCESS_MODES
               if not (augment and mode == "standard"))
