"""The phases of a session and what each one allows.

    accoglienza → raccolta → raggruppamento → votazione → valutazione → chiusa

The facilitator moves the session forward one phase at a time, or back where
that loses nothing (see BACKWARD). `check` is asked before every command: a
command outside its phases is refused with `wrong_phase`.
"""

from __future__ import annotations

from workshop.domain.errors import Rejected, _

ACCOGLIENZA = "accoglienza"
RACCOLTA = "raccolta"
RAGGRUPPAMENTO = "raggruppamento"
VOTAZIONE = "votazione"
VALUTAZIONE = "valutazione"
CHIUSA = "chiusa"

ORDER = (ACCOGLIENZA, RACCOLTA, RAGGRUPPAMENTO, VOTAZIONE, VALUTAZIONE, CHIUSA)

LABELS = {
    ACCOGLIENZA: _("Accoglienza"),
    RACCOLTA: _("Raccolta dei contributi"),
    RAGGRUPPAMENTO: _("Raggruppamento"),
    VOTAZIONE: _("Votazione"),
    VALUTAZIONE: _("Valutazione"),
    CHIUSA: _("Chiusa"),
}

# Steps back the facilitator may take, and why each loses nothing:
# - raccolta → accoglienza: writing pauses; every note stays.
# - raggruppamento → raccolta: more notes are needed; clusters stay.
# - votazione → raggruppamento: only while no dot has been placed, because
#   regrouping would change what the dots were given to.
# - valutazione → votazione: reopen voting; scores already recorded stay.
# Nothing leaves chiusa: its results are frozen under a published hash.
BACKWARD = {
    RACCOLTA: ACCOGLIENZA,
    RAGGRUPPAMENTO: RACCOLTA,
    VOTAZIONE: RAGGRUPPAMENTO,
    VALUTAZIONE: VOTAZIONE,
}

OPEN = frozenset(ORDER) - {CHIUSA}


def transition(current: str, target: str, dots_placed: int) -> str:
    """The phase after a facilitator's request, or why it cannot happen."""
    if current == CHIUSA:
        raise Rejected("session_closed")
    if target not in ORDER:
        raise Rejected("phase_unknown")
    here = ORDER.index(current)
    if ORDER.index(target) == here + 1:
        return target
    if BACKWARD.get(current) == target:
        if current == VOTAZIONE and dots_placed:
            raise Rejected("phase_back_after_votes")
        return target
    raise Rejected("phase_transition_invalid", current=current, target=target)


def check(phase: str, allowed: frozenset[str]) -> None:
    if phase == CHIUSA and CHIUSA not in allowed:
        raise Rejected("session_closed")
    if phase not in allowed:
        raise Rejected("wrong_phase", phase=phase)


# -- which phase allows what -----------------------------------------------------
# Imported late to keep this module's top readable; commands depend on nothing here.
from workshop.domain import commands as c  # noqa: E402

GROUPING = frozenset({RACCOLTA, RAGGRUPPAMENTO})

# What participants (or a facilitator typing for an offline one) may do, and when.
PARTICIPANT_PHASES: dict[type[c.Command], frozenset[str]] = {
    c.CreateNote: frozenset({RACCOLTA}),
    c.EditNote: frozenset({RACCOLTA}),
    c.DeleteNote: frozenset({RACCOLTA}),
    c.PlaceVote: frozenset({VOTAZIONE}),
    c.WithdrawVote: frozenset({VOTAZIONE}),
}

# What the facilitator may do, and when.
STAFF_PHASES: dict[type[c.Command], frozenset[str]] = {
    c.SetPhase: OPEN,
    c.ControlTimer: OPEN,
    c.AddOfflineParticipant: OPEN,
    c.HideNote: OPEN,
    c.RestoreNote: OPEN,
    c.EditNote: OPEN,  # correcting a typo, with history
    c.MergeNotes: GROUPING | {VOTAZIONE},  # duplicates spotted while voting (see merging.py)
    c.CreateCluster: GROUPING,
    c.RenameCluster: OPEN,
    c.DissolveCluster: GROUPING,
    c.MoveNote: GROUPING,
    c.TagCluster: OPEN,
    c.RevealNotes: OPEN - {ACCOGLIENZA},
    c.RevealResults: frozenset({VOTAZIONE, VALUTAZIONE}),
    c.RecordScore: frozenset({VALUTAZIONE}),
    # Before anyone votes: what is carried forward is grouped with the new notes.
    c.CarryClusters: frozenset({ACCOGLIENZA}) | GROUPING,
}


def check_command(phase: str, command: c.Command, by_staff_for_themselves: bool) -> None:
    table = STAFF_PHASES if by_staff_for_themselves else PARTICIPANT_PHASES
    check(phase, table[type(command)])


def _phases_by_event(table: dict[type[c.Command], frozenset[str]]) -> dict[str, list[str]]:
    return {
        name: [p for p in ORDER if p in table[command]]
        for name, command in c.EVENTS.items()
        if command in table
    }


# What each phase allows, for clients (the session object's `commands`,
# docs/protocol.md §7): per socket event, the phases in which a participant
# (or staff typing for an offline one) and the facilitator may send it. The
# same tables `check_command` enforces, so no client writes the rules again.
CLIENT_RULES: dict[str, dict[str, list[str]]] = {
    "participant": _phases_by_event(PARTICIPANT_PHASES),
    "staff": _phases_by_event(STAFF_PHASES),
}
