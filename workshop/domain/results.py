"""Results of a session: who may see the totals, and the frozen snapshot's hash."""

from __future__ import annotations

import hashlib
import json

from workshop.domain.phases import CHIUSA, VALUTAZIONE, VOTAZIONE


def totals_public(phase: str, revealed: bool) -> bool:
    """Participants see vote totals only once the facilitator has revealed them.

    Before votazione there are no dots to see. From votazione on, totals stay
    hidden from the room until the reveal; once revealed they stay visible
    (in valutazione and in the closed session's results too).
    """
    if phase in (VOTAZIONE, VALUTAZIONE, CHIUSA):
        return revealed
    return True


def content_hash(content: dict) -> str:
    """SHA-256 of the canonical JSON: sorted keys, no spaces, UTF-8."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
