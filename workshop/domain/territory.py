"""Territories: where a lab meets, from the list the admin keeps.

The district plans by proximity: seven Comuni, the Poli di servizio sociale,
the quartieri of the city (with their Tavoli di Quartiere). A meeting's place
belongs to one of them, and consolidation, the dashboard and the lab's page
can be read for one territory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from workshop.domain import scheda
from workshop.domain.errors import Rejected, _

KINDS = {
    "comune": _("Comune"),
    "polo": _("Polo di servizio sociale"),
    "quartiere": _("Quartiere"),
}
NAME_MAX = 200


def name(raw: str) -> str:
    cleaned = " ".join((raw or "").split())
    if not 1 <= len(cleaned) <= NAME_MAX:
        raise Rejected("territory_invalid", max=NAME_MAX)
    return cleaned


def kind(raw: str) -> str:
    if raw not in KINDS:
        raise Rejected("territory_invalid", max=NAME_MAX)
    return raw


def key_for(kind_: str, name_: str) -> str:
    """A stable key from the kind and the name: «polo-nord», «comune-albinea»."""
    ascii_ = unicodedata.normalize("NFKD", name_).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:60] or "territorio"
    return f"{kind_}-{slug}"


# -- the ambito territoriale a scheda's draft proposes ------------------------------


@dataclass(frozen=True)
class Place:
    """A territory a priority came from: where one of its meetings was held, or
    where people who supported it (published, at least 5 of them) live or work."""

    kind: str
    name: str


# The Poli di servizio sociale and the quartieri are those of the city: they lie
# in the Comune capoluogo.
CITY = "Reggio nell'Emilia"


def _plain(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    # «Reggio Emilia», «Reggio nell'Emilia», «Comune di Albinea» name the same Comune.
    ascii_ = re.sub(r"\bnell\W?", "", ascii_)
    ascii_ = re.sub(r"^comune di\s+", "", ascii_)
    return re.sub(r"[^a-z0-9]+", "", ascii_)


def comune_of(place: Place, comuni: tuple[str, ...]) -> str | None:
    """The district's Comune a territory lies in: a Comune by its name (as the
    district's list spells it), a polo or a quartiere in the city; None for a
    name that is no Comune of the list."""
    if place.kind in ("polo", "quartiere"):
        return CITY if CITY in comuni else None
    wanted = _plain(place.name)
    return next((c for c in comuni if _plain(c) == wanted), None)


def proposed_ambito(places: Iterable[Place]) -> dict | None:
    """The *ambito territoriale* a draft proposes, from where its priorities came
    from, for the Ufficio di Piano to confirm or change (domain/scheda.py's
    field): priorities from two Comuni or more are the district's
    («distrettuale», the Distretto di Reggio Emilia: no Comune listed); from
    one Comune, that Comune («sub-distrettuale»). None when no territory is
    known or none lies in a Comune of the district (the field stays empty).

    `territori` says which territories it was drawn from, each once, in the
    order given: the editor shows them beside the proposal."""
    seen = list(dict.fromkeys(places))
    found = {comune_of(p, scheda.COMUNI) for p in seen} - {None}
    if not found:
        return None
    ordered = [c for c in scheda.COMUNI if c in found]
    several = len(ordered) > 1
    return {
        "tipo": scheda.DISTRETTUALE if several else scheda.SUB_DISTRETTUALE,
        "comuni": [] if several else ordered,
        "territori": [p.name for p in seen],
    }
