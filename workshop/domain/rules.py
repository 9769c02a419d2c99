"""The rules of notes and dot votes, as pure functions.

Callers load the facts (how many dots a participant has used, who wrote a
note) inside the transaction that holds the session lock, ask these functions,
and only then write. The functions raise `Rejected` and never change anything.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from workshop.domain.commands import NOTE_KINDS
from workshop.domain.errors import Rejected

NOTE_MAX_CHARS = 500
PSEUDONYM_MIN, PSEUDONYM_MAX = 2, 40
PSEUDONYM_KEY_MAX = 80  # the column's size
DEFAULT_DOTS_PER_PARTICIPANT = 3
DEFAULT_CAP_PER_ITEM = 2

_SPACES = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class VotingRules:
    """Dots each participant may place, and at most how many on one item."""

    budget: int = DEFAULT_DOTS_PER_PARTICIPANT
    cap: int = DEFAULT_CAP_PER_ITEM

    def __post_init__(self):
        if not 1 <= self.budget <= 50:
            raise ValueError("budget must be between 1 and 50")
        if not 1 <= self.cap <= self.budget:
            raise ValueError("cap must be between 1 and the budget")

    def check_place(self, used_total: int, used_on_item: int) -> None:
        if used_total >= self.budget:
            raise Rejected("vote_budget_exhausted", budget=self.budget)
        if used_on_item >= self.cap:
            raise Rejected("vote_cap_reached", cap=self.cap)

    def dots_left(self, used_total: int) -> int:
        return max(self.budget - used_total, 0)


def check_withdraw(used_on_item: int) -> None:
    if used_on_item <= 0:
        raise Rejected("no_vote_to_withdraw")


def _without_controls(text: str) -> str:
    # Keep newlines (markdown needs them); drop other control characters, which
    # no keyboard produces and which only serve to confuse rendering.
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def clean_note_text(text: str) -> str:
    """A note's text as it would be stored, before its checks: line ends as
    `\n`, control and invisible characters (zero-width space) removed, ends
    trimmed. A draft checked for similar notes is cleaned the same way."""
    return _without_controls(text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def check_note_length(text: str) -> None:
    if len(text) > NOTE_MAX_CHARS:
        raise Rejected("note_too_long", limit=NOTE_MAX_CHARS)


def note_text(text: str) -> str:
    """The text to store for a note, or the reason it cannot be stored."""
    text = clean_note_text(text)
    if not text:
        raise Rejected("note_empty")
    check_note_length(text)
    return text


def note_kind(kind: str, allowed: tuple[str, ...] = NOTE_KINDS) -> str:
    if kind not in allowed:
        raise Rejected("note_kind_invalid")
    return kind


def pseudonym(raw: str) -> str:
    """A display name: trimmed, inner whitespace collapsed, within bounds."""
    name = _SPACES.sub(" ", _without_controls(raw).replace("\n", " ")).strip()
    # The comparison key must fit too: NFKC expands some characters (ﷺ → 18).
    if not PSEUDONYM_MIN <= len(name) <= PSEUDONYM_MAX or len(pseudonym_key(name)) > PSEUDONYM_KEY_MAX:
        raise Rejected("pseudonym_invalid", min=PSEUDONYM_MIN, max=PSEUDONYM_MAX)
    return name


def pseudonym_key(name: str) -> str:
    """Two pseudonyms that read the same to people count as the same."""
    return unicodedata.normalize("NFKC", name).casefold()


def check_author(author_id: int, actor_id: int | None) -> None:
    """`actor_id` is the acting participant's id; staff (None) are nobody's author."""
    if author_id != actor_id:
        raise Rejected("not_note_author")


TITLE_MAX = 200  # a session's title and a group's
REASON_MAX = 300
AREA_CODES = ("A", "B", "C", "D", "E")


def _one_line(raw: str) -> str:
    return _SPACES.sub(" ", _without_controls(raw).replace("\n", " ")).strip()


def one_line(raw: str) -> str:
    """Any one-line text a person types (titles, references): no control
    characters (PostgreSQL refuses a NUL), inner spaces collapsed, trimmed."""
    return _one_line(raw)


def plain_text(raw: str) -> str:
    """Any longer text a person types (questions, scheda fields, motivations):
    line ends as newlines, no other control characters, trimmed."""
    return _without_controls(raw.replace("\r\n", "\n").replace("\r", "\n")).strip()


def title(raw: str) -> str:
    """A cluster title: one line, 1 to TITLE_MAX characters."""
    text = _one_line(raw)
    if not 1 <= len(text) <= TITLE_MAX:
        raise Rejected("title_invalid", max=TITLE_MAX)
    return text


def reason(raw: str) -> str:
    """Why a note was hidden: shown to its author."""
    text = _one_line(raw)
    if not 1 <= len(text) <= REASON_MAX:
        raise Rejected("reason_invalid", max=REASON_MAX)
    return text


def areas(codes: list[str]) -> list[str]:
    """Plan areas, deduplicated and in their canonical order."""
    for code in codes:
        if code not in AREA_CODES:
            raise Rejected("area_unknown", area=code[:4])
    return [a for a in AREA_CODES if a in codes]
