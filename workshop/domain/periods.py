"""Programming periods: a process (Piano di Zona triennale) with its years, the
programma attuativo of each year, and how next year's programme starts from
this year's (the rollover). Plain rules; services/periods.py runs them.

The rollover never copies: it *proposes* each scheda approved in the
programme of the year before (or, for a process's first programme, approved
in the process) as «in continuità», and a person confirms each one with that
year's budget and targets. An unconfirmed proposal is not in the programme:
documents and open data show only confirmed entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workshop.domain.errors import Rejected
from workshop.domain.rules import one_line
from workshop.domain.scheda import FONTI, parse_euro

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 80
TITLE_MAX = 200
YEAR_MIN, YEAR_MAX = 2000, 2100
SPAN_MAX = 10  # years of one process, as domain/scheda.period reads them

# The programma attuativo's states.
IN_PREPARAZIONE = "in_preparazione"
APPROVATO = "approvato"
PROGRAMME_STATES = {IN_PREPARAZIONE: "in preparazione", APPROVATO: "approvato"}
# How a scheda is in a programme.
NUOVA = "nuova"
CONTINUITA = "continuita"
CONTINUITY_LABELS = {NUOVA: "nuova", CONTINUITA: "in continuità"}
APPROVED_SCHEDA = "approvata"  # domain/review.APPROVATA, the only state that carries over
TARGET_MAX = 200


@dataclass(frozen=True)
class ProcessFields:
    slug: str
    title: str
    year_start: int
    year_end: int


def check_process(slug: str, title: str, year_start, year_end) -> ProcessFields:
    """A process as the admin typed it, or `process_invalid` naming the field."""
    slug = (slug or "").strip().lower()
    title = one_line(title or "")
    if not (SLUG.fullmatch(slug) and len(slug) <= SLUG_MAX):
        raise Rejected("process_invalid", field="slug")
    if not 1 <= len(title) <= TITLE_MAX:
        raise Rejected("process_invalid", field="titolo")
    try:
        start, end = int(year_start), int(year_end)
    except (TypeError, ValueError):
        raise Rejected("process_invalid", field="anni") from None
    if not (YEAR_MIN <= start <= end <= YEAR_MAX and end - start < SPAN_MAX):
        raise Rejected("process_invalid", field="anni")
    return ProcessFields(slug, title, start, end)


def check_programme_year(year, years: tuple[int, ...]) -> int:
    """A programma attuativo is for one year of its process."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise Rejected(
            "programme_year_invalid", first=years[0] if years else "", last=years[-1] if years else ""
        ) from None
    if year not in years:
        raise Rejected(
            "programme_year_invalid", first=years[0] if years else "", last=years[-1] if years else ""
        )
    return year


def programme_title(process_title: str, year: int) -> str:
    return one_line(f"Programma attuativo {year} — {process_title}")[:TITLE_MAX]


@dataclass(frozen=True)
class Candidate:
    """An approved scheda the rollover may propose: in last year's programme
    (`previous_entry` its entry there) or approved in the process."""

    action_id: int
    state: str
    previous_entry: int | None = None


def proposals(candidates: Iterable[Candidate], already: Iterable[int]) -> list[Candidate]:
    """What the rollover proposes «in continuità»: approved schede not already
    in next year's programme (confirmed or proposed), each once, in id order."""
    taken = set(already)
    chosen: dict[int, Candidate] = {}
    for c in candidates:
        if c.state == APPROVED_SCHEDA and c.action_id not in taken:
            prior = chosen.get(c.action_id)
            if prior is None or (prior.previous_entry is None and c.previous_entry is not None):
                chosen[c.action_id] = c
    return [chosen[k] for k in sorted(chosen)]


def check_confirmation(
    budget: Mapping[str, str], targets: Mapping[str, str], indicators: int
) -> tuple[dict[str, int], dict[str, str]]:
    """The year's budget (cents by source; at least one amount) and targets
    (text by indicator position, for the scheda's `indicators` indicators)."""
    cents = {}
    for source, typed in budget.items():
        if source not in FONTI:
            raise Rejected("invalid_payload")
        value = parse_euro(typed, str(FONTI[source]))
        if value:
            cents[source] = value
    if not cents:
        raise Rejected("continuity_budget_missing")
    kept = {}
    for key, typed in targets.items():
        if not (key.isascii() and key.isdigit() and int(key) < indicators):  # «²».isdigit() too
            raise Rejected("invalid_payload")
        text = one_line(typed or "")
        if len(text) > TARGET_MAX:
            raise Rejected("field_invalid", field="obiettivo", problem=f"massimo {TARGET_MAX} caratteri")
        if text:
            kept[key] = text
    return cents, kept
