"""The review of a draft plan action (scheda intervento), as pure rules.

    bozza → revisione_up → ristretta → allargata → approvata
                                                 → rinviata → revisione_up …
                                                 → non_accolta

Each step is taken by someone with the right role and carries a written,
public motivation. Who may edit what also depends on the state: the Ufficio
di Piano writes the text while it is theirs; the cabina di regia ristretta
fills capofila, budget and indicators; the allargata adds observations and
decides. Approved and not-accepted schede are frozen.
"""

from __future__ import annotations

from workshop.domain.errors import Rejected, _
from workshop.domain.permissions import ADMIN, ALLARGATA, RISTRETTA, UFFICIO_PIANO
from workshop.domain.rules import plain_text

BOZZA = "bozza"
REVISIONE_UP = "revisione_up"
RISTRETTA_STATE = "ristretta"
ALLARGATA_STATE = "allargata"
APPROVATA = "approvata"
RINVIATA = "rinviata"
NON_ACCOLTA = "non_accolta"

STATES = (BOZZA, REVISIONE_UP, RISTRETTA_STATE, ALLARGATA_STATE, APPROVATA, RINVIATA, NON_ACCOLTA)
FINAL = frozenset({APPROVATA, NON_ACCOLTA})

LABELS = {
    BOZZA: _("Bozza"),
    REVISIONE_UP: _("Revisione dell'Ufficio di Piano"),
    RISTRETTA_STATE: _("Cabina di regia ristretta"),
    ALLARGATA_STATE: _("Cabina di regia allargata"),
    APPROVATA: _("Approvata"),
    RINVIATA: _("Rinviata"),
    NON_ACCOLTA: _("Non accolta"),
}

# (from, to) → roles that may take the step (admins may take any).
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (BOZZA, REVISIONE_UP): frozenset({UFFICIO_PIANO}),
    (REVISIONE_UP, BOZZA): frozenset({UFFICIO_PIANO}),
    (REVISIONE_UP, RISTRETTA_STATE): frozenset({UFFICIO_PIANO}),
    (RISTRETTA_STATE, REVISIONE_UP): frozenset({RISTRETTA}),
    (RISTRETTA_STATE, ALLARGATA_STATE): frozenset({RISTRETTA}),
    (ALLARGATA_STATE, APPROVATA): frozenset({ALLARGATA}),
    (ALLARGATA_STATE, RINVIATA): frozenset({ALLARGATA}),
    (ALLARGATA_STATE, NON_ACCOLTA): frozenset({ALLARGATA}),
    (RINVIATA, REVISIONE_UP): frozenset({UFFICIO_PIANO}),
}

FIELD_LABELS = {
    "titolo": _("Titolo"), "area_prevalente": _("Area prevalente"), "altre_aree": _("Altre aree"),
    "razionale": _("Razionale"), "descrizione": _("Descrizione"), "destinatari": _("Destinatari"),
    "azioni": _("Azioni previste"), "attori": _("Istituzioni e attori coinvolti"),
    "risorse": _("Risorse non finanziarie"), "capofila": _("Soggetto capofila"),
    "preventivo": _("Preventivo di spesa"), "indicatori": _("Indicatori"),
}

TEXT_FIELDS = ("titolo", "area_prevalente", "altre_aree", "razionale", "descrizione",
               "destinatari", "azioni", "attori", "risorse")
RISTRETTA_FIELDS = ("capofila", "preventivo", "indicatori")

# state → role → fields that role may change there
EDITABLE: dict[str, dict[str, frozenset[str]]] = {
    BOZZA: {UFFICIO_PIANO: frozenset(TEXT_FIELDS + RISTRETTA_FIELDS)},
    REVISIONE_UP: {UFFICIO_PIANO: frozenset(TEXT_FIELDS + RISTRETTA_FIELDS)},
    RISTRETTA_STATE: {RISTRETTA: frozenset(RISTRETTA_FIELDS)},
    RINVIATA: {},
    ALLARGATA_STATE: {},
}

MOTIVATION_MIN, MOTIVATION_MAX = 10, 4000
OBSERVATION_MAX = 4000


def _can(role: str, allowed) -> bool:
    return role == ADMIN or role in allowed


def check_transition(role: str, current: str, target: str, motivation: str) -> str:
    """The motivation to record, or why the step cannot be taken."""
    if (current, target) not in TRANSITIONS:
        raise Rejected("review_transition_invalid", current=LABELS.get(current, current),
                       target=LABELS.get(target, target))
    if not _can(role, TRANSITIONS[(current, target)]):
        raise Rejected("forbidden")
    text = plain_text(motivation)
    if not MOTIVATION_MIN <= len(text) <= MOTIVATION_MAX:
        raise Rejected("motivation_invalid", min=MOTIVATION_MIN, max=MOTIVATION_MAX)
    return text


def next_steps(role: str, current: str) -> list[str]:
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == current and _can(role, roles)]


def editable_fields(role: str, state: str) -> frozenset[str]:
    if state in FINAL:
        return frozenset()
    if role == ADMIN:
        return frozenset(TEXT_FIELDS + RISTRETTA_FIELDS)
    return EDITABLE.get(state, {}).get(role, frozenset())


def check_edit(role: str, state: str, changed: set[str]) -> None:
    if state in FINAL:
        raise Rejected("scheda_frozen")
    refused = changed - editable_fields(role, state)
    if refused:
        raise Rejected("field_not_editable",
                       fields=", ".join(FIELD_LABELS.get(f, f) for f in sorted(refused)))


def check_observation(role: str, state: str, text: str) -> str:
    """Members of the allargata add observations while the scheda is before them."""
    if state != ALLARGATA_STATE:
        raise Rejected("wrong_review_state")
    if not _can(role, {ALLARGATA}):
        raise Rejected("forbidden")
    text = plain_text(text)
    if not 1 <= len(text) <= OBSERVATION_MAX:
        raise Rejected("observation_invalid", max=OBSERVATION_MAX)
    return text
