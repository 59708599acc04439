"""Markdown tables, shared by every area's report."""

from __future__ import annotations


def markdown_table(header: list, rows: list[list], align: str | None = None) -> str:
    """A GitHub markdown table; ``align`` holds one of 'l'/'r' per column (default: all left)."""
    align = align or "l" * len(header)
    if len(align) != len(header):
        raise ValueError(f"markdown_table: {len(align)} alignments for {len(header)} columns")
    rule = ["---" if a == "l" else "---:" for a in align]
    lines = [[str(cell) for cell in header], rule, *[[str(cell) for cell in row] for row in rows]]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)
