"""Results of a session: who may see the totals, and the fingerprint of the frozen results.

Closing a session freezes its results in a *results document* and shows the
room its SHA-256. The document is meant to be published (in the open data)
so that anyone can recompute the fingerprint, so it holds only what may be
published to anyone, for ever:

- the session's settings, its clusters (title, areas, the table's scores) and
  every item's total of dots;
- each note as a *commitment* to its text, not the text: SHA-256 of a random
  salt, a colon and the text (`commitment`). A note reviewed as publishable is
  published with its salt, so a reader can check it against the document; a
  note kept internal, or erased at its author's request, stays a string of hex
  digits that says nothing.

No pseudonym, no category, nothing that says who voted what. The bytes hashed
are the document in the JSON Canonicalization Scheme (RFC 8785: keys sorted,
no spaces, UTF-8), so any JCS library, or `sha256sum` on the published file,
recomputes the fingerprint (docs/protocol.md §12.2).

Sessions closed before this format (FORMAT_V1) hashed their full content,
texts and categories included; that content stays internal.
"""

from __future__ import annotations

import hashlib
import json
import secrets

import rfc8785

from workshop.domain.phases import CHIUSA, VALUTAZIONE, VOTAZIONE

FORMAT = "workshop-results/2"
FORMAT_V1 = "workshop-results/1"


def totals_public(phase: str, revealed: bool) -> bool:
    """Participants see vote totals only once the facilitator has revealed them.

    Before votazione there are no dots to see. From votazione on, totals stay
    hidden from the room until the reveal; once revealed they stay visible
    (in valutazione and in the closed session's results too).
    """
    if phase in (VOTAZIONE, VALUTAZIONE, CHIUSA):
        return revealed
    return True


def split_shown(phase: str) -> bool:
    """The split by category is shown only once the session is closed, from the
    table frozen then: a split shown while dots can still move (after every
    dot, or again after a step back from valutazione) could be taken apart by
    comparing one photo of the wall with the next."""
    return phase == CHIUSA


def new_salt() -> str:
    return secrets.token_hex(16)


def commitment(salt: str, text: str) -> str:
    """SHA-256 of «salt:text» in UTF-8, in hex: binds a text without revealing it."""
    return hashlib.sha256(f"{salt}:{text}".encode()).hexdigest()


def canonical(document: dict) -> bytes:
    """The document's bytes as hashed and published (RFC 8785)."""
    return rfc8785.dumps(document)


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(content: dict) -> str:
    """The FORMAT_V1 fingerprint: SHA-256 of the canonical JSON of the whole content."""
    canonical_v1 = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical_v1.encode()).hexdigest()
