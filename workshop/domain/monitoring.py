"""Monitoring an approved scheda, year by year (accountability), as pure rules.

Once the cabina di regia allargata approves a scheda, the district reports
each year of the programming period how the action is doing:

- a **status** (`STATUSES`: da avviare, avviata, in corso, conclusa, sospesa)
  and a **progress** from 0 to 100 %;
- **timeline entries** (a date in that year, a text, and the body that wrote
  it: the Ufficio di Piano, or the scheda's referente);
- a measured **value** for each indicator of the scheda, read against its
  situazione di partenza and the year's obiettivo;
- the **resources spent** by funding source, against the preventivo.

The rules, decided here once:

- Only an approved scheda is monitored, and only for a year of its process.
- A year's status is a report, not a workflow: it moves freely (a suspended
  action starts again, a wrong status is corrected); the timeline keeps the
  story. What must hold is the match of status and progress: *conclusa* is
  100 % and 100 % is *conclusa* (an action is done when it is done, both
  ways); *da avviare* is 0 %.
- A measured value is a number (Italian decimal comma or point, an optional
  sign; no thousands separators, no units): the unit is the indicator's. The
  scheda's partenza and obiettivi are free text; the charts read the first
  number in them (`number_in`), the tables show them as written.
- Money is integer cents (`scheda.parse_euro`); spending more than planned is
  allowed and shown, never refused (it happens, and hiding it would not help).
- Who may report: the Ufficio di Piano and the admin on every scheda; any
  other staff account only on the schede it was named a *referente* of
  (`may_report`). The names on the scheda (`referenti`) stay text for staff:
  the list of accounts that may report is kept beside it by the Ufficio di
  Piano (`may_name_reporters`).
- In public, an entry says which body wrote it (`BODIES`), never a person.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from workshop.domain.errors import Rejected, _
from workshop.domain.permissions import ADMIN, UFFICIO_PIANO
from workshop.domain.review import APPROVATA
from workshop.domain.rules import plain_text

DA_AVVIARE = "da_avviare"
AVVIATA = "avviata"
IN_CORSO = "in_corso"
CONCLUSA = "conclusa"
SOSPESA = "sospesa"
STATUSES = (DA_AVVIARE, AVVIATA, IN_CORSO, CONCLUSA, SOSPESA)
LABELS = {
    DA_AVVIARE: _("Da avviare"),
    AVVIATA: _("Avviata"),
    IN_CORSO: _("In corso"),
    CONCLUSA: _("Conclusa"),
    SOSPESA: _("Sospesa"),
}
NOT_REPORTED = _("non ancora rilevato")  # a year nobody has reported on yet

# Who wrote a report or an entry, as published: a body, never a person.
REFERENTE = "referente"
BODIES = {
    UFFICIO_PIANO: _("Ufficio di Piano"),
    ADMIN: _("Ufficio di Piano"),  # the platform's admin reports for the office
    REFERENTE: _("Referente dell'intervento"),
}

ENTRY_MAX = 2000
VALUE_MAX = Decimal("1e12")


def may_report(role: str, user_id: int, reporters: set[int] | frozenset[int]) -> str:
    """The body a staff member reports as on this scheda, or `forbidden`."""
    if role in (UFFICIO_PIANO, ADMIN):
        return role
    if user_id in reporters:
        return REFERENTE
    raise Rejected("forbidden")


def may_name_reporters(role: str) -> None:
    """Only the Ufficio di Piano (and the admin) says which accounts report on a scheda."""
    if role not in (UFFICIO_PIANO, ADMIN):
        raise Rejected("forbidden")


def check_monitored(state: str, year: int, years: tuple[int, ...]) -> None:
    """An approved scheda, a year of its process."""
    if state != APPROVATA:
        raise Rejected("monitoring_not_approved")
    if year not in years:
        first, last = (years[0], years[-1]) if years else ("", "")
        raise Rejected("monitoring_year_invalid", first=first, last=last)


def status(value) -> str:
    value = str(value or "").strip().lower().replace(" ", "_")
    if value not in STATUSES:
        raise Rejected("monitoring_status_invalid", value=str(value)[:30])
    return value


def progress(value) -> int:
    """0–100, a whole number («40», «40%»)."""
    raw = str(value if value is not None else "").strip().removesuffix("%").strip()
    if not re.fullmatch(r"\d{1,3}", raw) or int(raw) > 100:
        raise Rejected("monitoring_progress_invalid", value=raw[:10])
    return int(raw)


def check_status_progress(state: str, percent: int) -> None:
    """Conclusa is 100 % and 100 % is conclusa; da avviare is 0 %."""
    if (state == CONCLUSA) != (percent == 100) or (state == DA_AVVIARE and percent != 0):
        raise Rejected("monitoring_status_progress", status=LABELS[state], progress=percent)


_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def value(raw) -> Decimal:
    """A measured value as typed: «12», «12,5», «-3.75». Stored as a plain decimal."""
    text = str(raw or "").strip()
    if not _NUMBER.fullmatch(text):
        raise Rejected("monitoring_value_invalid", value=text[:30])
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        raise Rejected("monitoring_value_invalid", value=text[:30]) from None
    if abs(number) >= VALUE_MAX:
        raise Rejected("monitoring_value_invalid", value=text[:30])
    return number


def value_text(number: Decimal | str) -> str:
    """A stored value as machines write it: «12.5», never «1.25E+1»."""
    text = format(Decimal(number), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def value_decimals(text: str) -> int:
    """How many decimals a stored value was given with («84.5» → 1): shown with as
    many, not padded like an amount («84,50»)."""
    return len(text.split(".", 1)[1]) if "." in text else 0


def value_typed(text: str) -> str:
    """A stored value as an Italian types it back into the form: «84.5» → «84,5»."""
    return text.replace(".", ",")


def number_in(text: str | None) -> Decimal | None:
    """The first number in a baseline or target written as text («120 persone» →
    120, «almeno 30,5%» → 30.5), for charts; None when there is none. Dots
    grouping thousands («1.200») are read as such."""
    found = re.search(r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?|[-+]?\d+(?:[.,]\d+)?", text or "")
    if not found:
        return None
    token = found[0]
    if re.fullmatch(r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?", token):
        token = token.replace(".", "")
    return Decimal(token.replace(",", "."))


def entry(on, text, year: int) -> tuple[date, str]:
    """A timeline entry: a date in the year reported on, and a text."""
    try:
        day = on if isinstance(on, date) else date.fromisoformat(str(on or "").strip())
    except ValueError:
        raise Rejected("monitoring_date_invalid", year=year) from None
    if day.year != year:
        raise Rejected("monitoring_date_invalid", year=year)
    words = plain_text(str(text or ""))
    if not 1 <= len(words) <= ENTRY_MAX:
        raise Rejected("monitoring_entry_invalid", max=ENTRY_MAX)
    return day, words


def indicator(number, count: int) -> int:
    """An indicator by its position in the scheda (1 … count): its index (0 …)."""
    raw = str(number or "").strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= count:  # «²».isdigit() too
        raise Rejected("monitoring_indicator_unknown", value=raw[:10], count=count)
    return int(raw) - 1


# -- reading a year against the scheda (for pages, documents, open data) ---------------


def target_of(indicator_row: dict, year: int, programme_targets: dict | None, index: int) -> str:
    """The year's target of an indicator: the programma attuativo's, when the scheda
    is confirmed in that year's programme with one, else the scheda's own."""
    if programme_targets and programme_targets.get(str(index)):
        return str(programme_targets[str(index)])
    return str((indicator_row.get("obiettivi") or {}).get(str(year), ""))


def planned_of(preventivo: dict, year: int, programme_budget: dict | None) -> dict[str, int]:
    """The year's budget by source: the programme's, when confirmed in one, else the scheda's."""
    if programme_budget:
        return {s: int(c) for s, c in programme_budget.items() if c is not None}
    out = {}
    for source, by_year in (preventivo.get("importi") or {}).items():
        cents = (by_year or {}).get(str(year))
        if cents is not None:
            out[source] = int(cents)
    return out
