"""Territories: where a lab meets, from the list the admin keeps.

The district plans by proximity: seven Comuni, the Poli di servizio sociale,
the quartieri of the city (with their Tavoli di Quartiere). A meeting's place
belongs to one of them, and consolidation, the dashboard and the lab's page
can be read for one territory.
"""

from __future__ import annotations

import re
import unicodedata

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
