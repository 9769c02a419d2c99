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
AT_RISTRETTA = "ristretta"
AT_ALLARGATA = "allargata"
APPROVATA = "approvata"
RINVIATA = "rinviata"
NON_ACCOLTA = "non_accolta"

STATES = (BOZZA, REVISIONE_UP, AT_RISTRETTA, AT_ALLARGATA, APPROVATA, RINVIATA, NON_ACCOLTA)
FINAL = frozenset({APPROVATA, NON_ACCOLTA})

LABELS = {
    BOZZA: _("Bozza"),
    REVISIONE_UP: _("Revisione dell'Ufficio di Piano"),
    AT_RISTRETTA: _("Cabina di regia ristretta"),
    AT_ALLARGATA: _("Cabina di regia allargata"),
    APPROVATA: _("Approvata"),
    RINVIATA: _("Rinviata"),
    NON_ACCOLTA: _("Non accolta"),
}

# (from, to) → roles that may take the step (admins may take any).
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (BOZZA, REVISIONE_UP): frozenset({UFFICIO_PIANO}),
    (REVISIONE_UP, BOZZA): frozenset({UFFICIO_PIANO}),
    (REVISIONE_UP, AT_RISTRETTA): frozenset({UFFICIO_PIANO}),
    (AT_RISTRETTA, REVISIONE_UP): frozenset({RISTRETTA}),
    (AT_RISTRETTA, AT_ALLARGATA): frozenset({RISTRETTA}),
    (AT_ALLARGATA, APPROVATA): frozenset({ALLARGATA}),
    (AT_ALLARGATA, RINVIATA): frozenset({ALLARGATA}),
    (AT_ALLARGATA, NON_ACCOLTA): frozenset({ALLARGATA}),
    (RINVIATA, REVISIONE_UP): frozenset({UFFICIO_PIANO}),
}

FIELD_LABELS = {
    "titolo": _("Titolo"),
    "rif_regionale": _("Riferimento scheda regionale"),
    "rif_distrettuale": _("Riferimento scheda distrettuale"),
    "ambito": _("Ambito territoriale"),
    "capofila": _("Soggetto capofila"),
    "continuita": _("In continuità con la programmazione precedente"),
    "community_lab": _("Inserito nel percorso Community Lab"),
    "area_prevalente": _("Area prevalente"),
    "altre_aree": _("Altre aree"),
    "razionale": _("Razionale"),
    "descrizione": _("Descrizione"),
    "destinatari": _("Destinatari"),
    "azioni": _("Azioni previste"),
    "collegate": _("Eventuali interventi/politiche integrate collegate"),
    "attori": _("Istituzioni/attori sociali coinvolti"),
    "referenti": _("Referenti dell'intervento"),
    "risorse": _("Risorse non finanziarie"),
    "preventivo": _("Preventivo di spesa"),
    "indicatori": _("Indicatori"),
}

# The Ufficio di Piano writes the scheda; the cabina di regia ristretta fills who
# leads it and who answers for it, the budget and the indicators (DESIGN.md).
RISTRETTA_FIELDS = ("capofila", "referenti", "preventivo", "indicatori")
TEXT_FIELDS = tuple(f for f in FIELD_LABELS if f not in RISTRETTA_FIELDS)

# state → role → fields that role may change there
EDITABLE: dict[str, dict[str, frozenset[str]]] = {
    BOZZA: {UFFICIO_PIANO: frozenset(TEXT_FIELDS + RISTRETTA_FIELDS)},
    REVISIONE_UP: {UFFICIO_PIANO: frozenset(TEXT_FIELDS + RISTRETTA_FIELDS)},
    AT_RISTRETTA: {RISTRETTA: frozenset(RISTRETTA_FIELDS)},
    RINVIATA: {},
    AT_ALLARGATA: {},
}

# Steps that are a body's decision (the cabina di regia ristretta's or
# allargata's): taken only at a meeting of that body (domain/cabine.py), never
# by one account's click. The Ufficio di Piano's steps stay the office's own.
BODY_STEPS = frozenset(step for step, roles in TRANSITIONS.items() if roles & {RISTRETTA, ALLARGATA})

# A scheda is public from the moment the Ufficio di Piano sends it to the
# cabina: while it is a draft of the office (bozza, revisione_up) no public
# page, document, open data or API shows it.
PUBLIC_STATES = (AT_RISTRETTA, AT_ALLARGATA, APPROVATA, RINVIATA, NON_ACCOLTA)


def is_public(state: str) -> bool:
    return state in PUBLIC_STATES


MOTIVATION_MIN, MOTIVATION_MAX = 10, 4000
OBSERVATION_MAX = 4000

# Who decides each step, as a body (the role it belongs to), and what they did:
# a motivation is the words of the body that took the step, never of the state
# the scheda moved to.
BODIES = {
    UFFICIO_PIANO: _("Ufficio di Piano"),
    RISTRETTA: _("Cabina di regia ristretta"),
    ALLARGATA: _("Cabina di regia allargata"),
    ADMIN: _("Amministrazione della piattaforma"),
}
# The same bodies as the subject of what they did: Italian needs the article
# («La Cabina di regia allargata ha approvato…», not «Cabina di regia allargata ha…»).
SUBJECTS = {
    UFFICIO_PIANO: _("L’Ufficio di Piano"),
    RISTRETTA: _("La Cabina di regia ristretta"),
    ALLARGATA: _("La Cabina di regia allargata"),
    ADMIN: _("L’Amministrazione della piattaforma"),
}
DONE = {
    (BOZZA, REVISIONE_UP): _("ha avviato la revisione della scheda"),
    (REVISIONE_UP, BOZZA): _("ha riportato la scheda in bozza"),
    (REVISIONE_UP, AT_RISTRETTA): _("ha inviato la scheda alla cabina di regia ristretta"),
    (AT_RISTRETTA, REVISIONE_UP): _("ha rimandato la scheda all'Ufficio di Piano"),
    (AT_RISTRETTA, AT_ALLARGATA): _("ha inviato la scheda alla cabina di regia allargata"),
    (AT_ALLARGATA, APPROVATA): _("ha approvato la scheda"),
    (AT_ALLARGATA, RINVIATA): _("ha rinviato la scheda"),
    (AT_ALLARGATA, NON_ACCOLTA): _("non ha accolto la scheda"),
    (RINVIATA, REVISIONE_UP): _("ha ripreso la scheda in revisione"),
}


def decided_by(current: str, target: str) -> str:
    """The body whose step this is (the role the workflow gives it to)."""
    roles = TRANSITIONS.get((current, target))
    return next(iter(roles)) if roles and len(roles) == 1 else ADMIN


def _can(role: str, allowed) -> bool:
    return role == ADMIN or role in allowed


def check_transition(role: str, current: str, target: str, motivation: str) -> str:
    """The motivation to record, or why the step cannot be taken."""
    if (current, target) not in TRANSITIONS:
        raise Rejected(
            "review_transition_invalid",
            current=LABELS.get(current, current),
            target=LABELS.get(target, target),
        )
    if (current, target) in BODY_STEPS:
        raise Rejected("decided_at_meeting")
    if not _can(role, TRANSITIONS[(current, target)]):
        raise Rejected("forbidden")
    text = plain_text(motivation)
    if not MOTIVATION_MIN <= len(text) <= MOTIVATION_MAX:
        raise Rejected("motivation_invalid", min=MOTIVATION_MIN, max=MOTIVATION_MAX)
    return text


def next_steps(role: str, current: str) -> list[str]:
    """The steps this role takes by itself from here (a body's steps are taken at its meetings)."""
    return [
        to
        for (frm, to), roles in TRANSITIONS.items()
        if frm == current and _can(role, roles) and (frm, to) not in BODY_STEPS
    ]


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
        raise Rejected(
            "field_not_editable", fields=", ".join(FIELD_LABELS.get(f, f) for f in sorted(refused))
        )


def check_observation(role: str, state: str, text: str) -> str:
    """Members of the allargata add observations while the scheda is before them."""
    if state != AT_ALLARGATA:
        raise Rejected("wrong_review_state")
    if not _can(role, {ALLARGATA}):
        raise Rejected("forbidden")
    text = plain_text(text)
    if not 1 <= len(text) <= OBSERVATION_MAX:
        raise Rejected("observation_invalid", max=OBSERVATION_MAX)
    return text
