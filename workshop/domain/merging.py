"""Merging duplicate notes, and what happens to the dots on them.

When a facilitator merges duplicates, the notes are one idea: a person who put
a dot on two of the copies supported that idea, not two ideas. So each
person's dots on the merged note are the most they gave any single copy (never
the sum), and the rest go back to them. Nobody is counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from workshop.domain.errors import Rejected


def check_merge(into_id: int, note_ids: list[int]) -> list[int]:
    sources = sorted(set(note_ids) - {into_id})
    if not sources:
        raise Rejected("merge_invalid")
    return sources


def carry_votes(
    dots: Mapping[int, Mapping[int, int]], into_id: int, note_ids: list[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """dots: participant → {note → dots}. Returns (kept on the merged note, refunded)."""
    group = {into_id, *note_ids}
    kept, refunded = {}, {}
    for participant, by_note in dots.items():
        on_group = [by_note.get(n, 0) for n in group]
        total = sum(on_group)
        if total == 0:
            continue
        kept[participant] = max(on_group)
        if total > kept[participant]:
            refunded[participant] = total - kept[participant]
    return kept, refunded
