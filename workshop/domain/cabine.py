"""The cabine di regia as bodies: members, meetings, quorum and decisions, as pure rules.

The review of a scheda (domain/review.py) has steps that belong to a body:
the cabina di regia ristretta sends a scheda on to the allargata or back to
the Ufficio di Piano, the allargata approves, sends back or does not accept
it. Such a step is a decision of the body, taken at one of its meetings with
the quorum present, never one person's click. The Ufficio di Piano's own
steps (starting the revision, sending a scheda to the ristretta) stay steps
of the office.

A body's key is the role of the workflow it decides for (`ristretta`,
`allargata`), so that a review step says which body it belongs to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from workshop.domain import review
from workshop.domain.errors import Rejected, _
from workshop.domain.permissions import ADMIN, ALLARGATA, RISTRETTA, UFFICIO_PIANO
from workshop.domain.rules import one_line, plain_text

BODIES = (RISTRETTA, ALLARGATA)
BODY_LABELS = {RISTRETTA: review.BODIES[RISTRETTA], ALLARGATA: review.BODIES[ALLARGATA]}

# -- quorum ----------------------------------------------------------------------

MAGGIORANZA = "maggioranza"  # more than half of the members in office
DUE_TERZI = "due_terzi"  # at least two thirds
NUMERO = "numero"  # a fixed number set by the body's rules
QUORUM_RULES = {
    MAGGIORANZA: _("Maggioranza dei componenti (metà più uno)"),
    DUE_TERZI: _("Due terzi dei componenti"),
    NUMERO: _("Un numero fisso di componenti"),
}
FIXED_NUMBER = _("%(n)s componenti presenti")  # how NUMERO reads with its number


def required_present(rule: str, members: int, number: int | None = None) -> int:
    """How many members must be present for the body to decide.

    `members`: those in office at the meeting. A body with no members never
    has its quorum (the answer is more than it has)."""
    if members <= 0:
        return 1
    if rule == MAGGIORANZA:
        return members // 2 + 1
    if rule == DUE_TERZI:
        return math.ceil(2 * members / 3)
    if rule == NUMERO:
        return min(max(number or 1, 1), members)
    raise Rejected("quorum_rule_invalid")


def check_quorum_rule(rule: str, number: int | None, in_office: int) -> tuple[str, int | None]:
    """A rule a body may adopt: one of QUORUM_RULES, the number only for NUMERO.

    A fixed number above the members in office is refused: the body could never
    decide, and pages would show a number the meeting does not apply (a body that
    later shrinks below it needs all its members, `required_present`)."""
    if rule not in QUORUM_RULES:
        raise Rejected("quorum_rule_invalid")
    if rule == NUMERO:
        if number is None or not 1 <= number <= MEMBERS_MAX:
            raise Rejected("quorum_rule_invalid")
        if number > in_office:
            raise Rejected("quorum_number_over_members", number=number, members=in_office)
        return rule, number
    return rule, None


def has_quorum(rule: str, members: int, present: int, number: int | None = None) -> bool:
    return members > 0 and present >= required_present(rule, members, number)


# -- members ---------------------------------------------------------------------

NAME_MAX, ROLE_MAX, ORGANISATION_MAX = 120, 160, 200
MEMBERS_MAX = 60


@dataclass(frozen=True)
class Member:
    name: str
    role: str
    organisation: str


def clean_member(name: str, role: str, organisation: str) -> Member:
    """A member as the body's list shows it: a name, the role in the body
    (Assessore, Direttore del Distretto, rappresentante del laboratorio…) and
    the organisation they come from."""
    name, role, organisation = one_line(name or ""), one_line(role or ""), one_line(organisation or "")
    if not (
        1 <= len(name) <= NAME_MAX and 1 <= len(role) <= ROLE_MAX and len(organisation) <= ORGANISATION_MAX
    ):
        raise Rejected("member_invalid", name=NAME_MAX, role=ROLE_MAX, organisation=ORGANISATION_MAX)
    return Member(name, role, organisation)


# -- who keeps what ---------------------------------------------------------------


def check_member_editor(role: str) -> None:
    """The member lists are kept by the Ufficio di Piano and the admin."""
    if role not in (UFFICIO_PIANO, ADMIN):
        raise Rejected("forbidden")


def check_meeting_keeper(role: str, body: str) -> None:
    """A meeting (its agenda, attendance, decisions and minutes) is recorded by
    the Ufficio di Piano, which acts as the bodies' secretariat, by the admin,
    and by accounts of the body itself."""
    if body not in BODIES:
        raise Rejected("body_not_found")
    if role not in (UFFICIO_PIANO, ADMIN, body):
        raise Rejected("forbidden")


# -- meetings --------------------------------------------------------------------

PLACE_MAX = 300
REMARKS_MAX = 20000
AGENDA_MAX = 40


# A meeting's day within years a plan can have (a year 1 or 9999 is a typing slip,
# and a meeting «held» in year 1 could decide at once).
YEAR_MIN, YEAR_MAX = 2000, 2100


def clean_meeting(held_on: date | None, place: str) -> tuple[date, str]:
    place = one_line(place or "")
    if held_on is None or not 1 <= len(place) <= PLACE_MAX:
        raise Rejected("body_meeting_invalid", max=PLACE_MAX)
    if not YEAR_MIN <= held_on.year <= YEAR_MAX:
        raise Rejected("body_meeting_day_invalid", min=YEAR_MIN, max=YEAR_MAX)
    return held_on, place


def clean_remarks(text: str) -> str:
    """The free part of the minutes (opening remarks, communications), markdown."""
    text = plain_text(text or "")
    if len(text) > REMARKS_MAX:
        raise Rejected("remarks_invalid", max=REMARKS_MAX)
    return text


def agenda_state(body: str) -> str:
    """The state a scheda is in while it is before the body."""
    return {RISTRETTA: review.AT_RISTRETTA, ALLARGATA: review.AT_ALLARGATA}[body]


def outcomes(body: str) -> list[str]:
    """The states a body may move a scheda to (review steps that are its own)."""
    return [to for (frm, to), roles in review.TRANSITIONS.items() if roles == {body}]


@dataclass(frozen=True)
class Votes:
    """The count of a vote, when the minutes record one (each part optional)."""

    favorevoli: int | None = None
    contrari: int | None = None
    astenuti: int | None = None

    def given(self) -> bool:
        return any(v is not None for v in (self.favorevoli, self.contrari, self.astenuti))


def check_votes(votes: Votes, present: int) -> Votes:
    parts = [v for v in (votes.favorevoli, votes.contrari, votes.astenuti) if v is not None]
    if any(v < 0 for v in parts) or sum(parts) > present:
        raise Rejected("votes_invalid", present=present)
    return votes


@dataclass(frozen=True)
class MeetingFacts:
    """What a decision depends on, read from the meeting."""

    body: str
    rule: str
    number: int | None
    members: int  # in office
    present: int
    held_on: date
    frozen: bool
    on_agenda: bool


def check_open(frozen: bool) -> None:
    if frozen:
        raise Rejected("meeting_frozen")


def check_decision(
    facts: MeetingFacts, current: str, target: str, motivation: str, votes: Votes, today: date
) -> str:
    """The motivation to record for the body's decision on a scheda at a meeting,
    or why the meeting cannot take it. Nothing is decided without the quorum."""
    check_open(facts.frozen)
    if facts.held_on > today:
        raise Rejected("meeting_not_held")
    if not facts.on_agenda:
        raise Rejected("not_on_agenda")
    if current != agenda_state(facts.body) or target not in outcomes(facts.body):
        raise Rejected(
            "review_transition_invalid",
            current=review.LABELS.get(current, current),
            target=review.LABELS.get(target, target),
        )
    if not has_quorum(facts.rule, facts.members, facts.present, facts.number):
        raise Rejected(
            "no_quorum",
            present=facts.present,
            required=required_present(facts.rule, facts.members, facts.number),
            members=facts.members,
        )
    check_votes(votes, facts.present)
    text = plain_text(motivation or "")
    if not review.MOTIVATION_MIN <= len(text) <= review.MOTIVATION_MAX:
        raise Rejected("motivation_invalid", min=review.MOTIVATION_MIN, max=review.MOTIVATION_MAX)
    return text


# -- adoption of the plan ------------------------------------------------------------

ADOPTION_BODY_MAX, ADOPTION_NUMBER_MAX, ADOPTION_URL_MAX = 200, 80, 500


@dataclass(frozen=True)
class Adoption:
    """The act that adopted the plan: which body, on which day, its number, where to read it."""

    act: str
    body: str
    adopted_on: date
    number: str
    url: str


def clean_adoption(
    act: str,
    body: str,
    adopted_on: date | None,
    number: str,
    url: str,
    act_max: int,
    today: date | None = None,
) -> Adoption:
    """The adoption as typed; an act is recorded once adopted, so never dated after `today`."""
    act, body, number, url = (one_line(x or "") for x in (act, body, number, url))
    if not (
        1 <= len(act) <= act_max
        and 1 <= len(body) <= ADOPTION_BODY_MAX
        and 1 <= len(number) <= ADOPTION_NUMBER_MAX
        and adopted_on is not None
    ):
        raise Rejected("adoption_invalid")
    if today is not None and adopted_on > today:
        raise Rejected("adoption_in_future")
    if url:
        parts = urlsplit(url)
        if len(url) > ADOPTION_URL_MAX or parts.scheme not in ("http", "https") or not parts.netloc:
            raise Rejected("adoption_url_invalid")
    return Adoption(act, body, adopted_on, number, url)
