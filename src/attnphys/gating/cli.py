"""Attention as gating: capacity counts, XOR in one gated layer, report."""

from __future__ import annotations

# Subcommand -> stage module defining ``add_cli(subparsers)``. Only the requested stage is
# imported, so the capacity counts never pay for importing torch.
STAGES = {
    "capacity": "attnphys.gating.capacity",
    "xor": "attnphys.gating.xor",
    "report": "attnphys.gating.report",
}
