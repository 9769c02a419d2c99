"""Programming periods: processes, the labs taking part, the programmi attuativi
and their schede (the rules are in domain/periods.py).

`counted` is the one condition for "a meeting whose results count": closed,
of the process (and programme) asked for, and not a practice session. Every
reader of results (consolidation, the labs' public pages, the open data and
the plan through consolidation) selects sessions with it, so a practice
session reaches none of them.

Each change is one transaction; the admin keeps processes and programmes,
the Ufficio di Piano (or the admin) confirms the schede of a programme.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import false, func
from sqlmodel import Session, col, select

from workshop.domain import periods as rules
from workshop.domain import phases
from workshop.domain.errors import Rejected
from workshop.domain.permissions import ADMIN, UFFICIO_PIANO
from workshop.domain.scheda import APPROVAL_ACT_MAX, normalize, period
from workshop.storage.database import Database
from workshop.storage.models import (
    AnnualProgramme,
    Lab,
    LabProcess,
    LiveSession,
    PlanAction,
    Process,
    ProgrammeEntry,
    utcnow,
)

if TYPE_CHECKING:  # schede imports consolidation, which imports this module
    from workshop.services.schede import PlanActor

log = logging.getLogger(__name__)


def counted(process_id: int, programme_id: int | None = None):
    """The sessions whose results count for a process (or one of its programmes)."""
    condition = (
        (LiveSession.process_id == process_id)
        & (LiveSession.phase == phases.CHIUSA)
        & (LiveSession.practice == false())
    )
    if programme_id is not None:
        condition = condition & (LiveSession.programme_id == programme_id)
    return condition


@dataclass(frozen=True)
class Period:
    """What a page or an export is about: a process, and maybe one programme of it."""

    process: Process
    programme: AnnualProgramme | None = None

    @property
    def programme_id(self) -> int | None:
        return self.programme.id if self.programme else None


def current(s: Session) -> Process | None:
    """The current process (the newest, should none be marked)."""
    newest_first = select(Process).order_by(col(Process.id).desc())
    return s.exec(newest_first.where(col(Process.current))).first() or s.exec(newest_first).first()


def resolve(db: Database, process_slug: str | None = None, year: str | int | None = None) -> Period:
    """The process named (the current one when none is), and its programme of
    `year` when one is asked for; `process_not_found` / `programme_not_found`."""
    with db.reader() as s:
        process = (
            s.exec(select(Process).where(Process.slug == process_slug)).first()
            if process_slug
            else current(s)
        )
        if process is None:
            raise Rejected("process_not_found")
        programme = None
        if year not in (None, ""):
            programme = s.exec(
                select(AnnualProgramme).where(
                    AnnualProgramme.process_id == process.id,
                    AnnualProgramme.year == (int(year) if re.fullmatch(r"[0-9]{1,9}", str(year)) else -1),
                )
            ).first()
            if programme is None:
                raise Rejected("programme_not_found")
        return Period(process, programme)


def processes(db: Database) -> list[dict]:
    """Every process, newest first, with its years, labs and programmes."""
    with db.reader() as s:
        rows = s.exec(
            select(Process).order_by(col(Process.year_start).desc().nulls_last(), col(Process.id).desc())
        ).all()
        labs: dict[int, list[str]] = {}
        for process_id, slug in s.exec(
            select(LabProcess.process_id, Lab.slug)
            .join(Lab, col(Lab.id) == LabProcess.lab_id)
            .order_by(col(Lab.id))
        ):
            labs.setdefault(process_id, []).append(slug)
        programmes: dict[int, list[AnnualProgramme]] = {}
        for p in s.exec(select(AnnualProgramme).order_by(col(AnnualProgramme.year))):
            programmes.setdefault(p.process_id, []).append(p)
        sessions = dict(
            s.exec(
                select(LiveSession.process_id, func.count(col(LiveSession.id))).group_by(
                    col(LiveSession.process_id)
                )
            ).all()
        )
    return [
        {
            "id": p.id,
            "slug": p.slug,
            "title": p.title,
            "current": p.current,
            "years": period(p.year_start, p.year_end, p.title),
            "year_start": p.year_start,
            "year_end": p.year_end,
            "labs": labs.get(p.id, []),
            "programmes": programmes.get(p.id, []),
            "sessions": sessions.get(p.id, 0),
        }
        for p in rows
    ]


def labs_of(s: Session, process_id: int) -> list[Lab]:
    return list(
        s.exec(
            select(Lab)
            .join(LabProcess, col(LabProcess.lab_id) == Lab.id)
            .where(LabProcess.process_id == process_id)
            .order_by(col(Lab.id))
        ).all()
    )


def process_of(db: Database, slug: str) -> Process | None:
    with db.reader() as s:
        return s.exec(select(Process).where(Process.slug == slug)).first()


def lab_slugs(db: Database, process_id: int) -> set[str]:
    """The labs taking part in a process, by slug."""
    with db.reader() as s:
        return {lab.slug for lab in labs_of(s, process_id)}


def labs_with_meetings(db: Database, period: Period) -> list[tuple[Lab, int]]:
    """The labs taking part in a process, each with how many of its meetings count
    for it (or for its programme), in the labs' order."""
    process_id = period.process.id
    assert process_id is not None
    with db.reader() as s:
        taking_part = [lab.id for lab in labs_of(s, process_id)]
        rows = s.exec(
            select(Lab, func.count(col(LiveSession.id)))
            .outerjoin(
                LiveSession,
                (col(LiveSession.lab_id) == Lab.id) & counted(process_id, period.programme_id),
            )
            .where(col(Lab.id).in_(taking_part))
            .group_by(col(Lab.id))
            .order_by(col(Lab.id))
        ).all()
    return [(lab, n) for lab, n in rows]


def lab_processes(db: Database, lab_id: int) -> list[Process]:
    """The processes a lab takes part in, the newest first."""
    with db.reader() as s:
        return processes_of_lab(s, lab_id)


def lab_meetings(db: Database, lab_id: int, period: Period) -> list[LiveSession]:
    """A lab's meetings that count for a process (or one of its programmes), in
    the order they closed."""
    process_id = period.process.id
    assert process_id is not None
    with db.reader() as s:
        return list(
            s.exec(
                select(LiveSession)
                .where(LiveSession.lab_id == lab_id, counted(process_id, period.programme_id))
                .order_by(col(LiveSession.closed_at), col(LiveSession.id))
            ).all()
        )


def processes_of_lab(s: Session, lab_id: int) -> list[Process]:
    return list(
        s.exec(
            select(Process)
            .join(LabProcess, col(LabProcess.process_id) == Process.id)
            .where(LabProcess.lab_id == lab_id)
            .order_by(col(Process.year_start).desc().nulls_last(), col(Process.id).desc())
        ).all()
    )


def _admin(editor: PlanActor) -> None:
    if editor.role != ADMIN:
        raise Rejected("forbidden")


def _set_labs(s: Session, process_id: int, lab_slugs) -> None:
    wanted = set(s.exec(select(Lab.id).where(col(Lab.slug).in_(list(lab_slugs or ())))))
    have = set(s.exec(select(LabProcess.lab_id).where(LabProcess.process_id == process_id)))
    # A lab that has met in the process stays in it: its meetings stay readable.
    met = set(s.exec(select(LiveSession.lab_id).where(LiveSession.process_id == process_id)))
    for lab_id in wanted - have:
        s.add(LabProcess(lab_id=lab_id, process_id=process_id))
    for lab_id in have - wanted - met:
        s.delete(s.get(LabProcess, (lab_id, process_id)))


def _make_current(s: Session, process: Process) -> None:
    for other in s.exec(select(Process).where(col(Process.current), Process.id != process.id)):
        other.current = False
        s.add(other)
    process.current = True


def save_process(
    db: Database,
    editor: PlanActor,
    slug: str,
    title: str,
    year_start,
    year_end,
    lab_slugs=(),
    make_current: bool = False,
    process_id: int | None = None,
) -> int:
    """Create a process (`process_id` None) or change one: title, years, the
    labs taking part, whether it is the current one. The slug is kept once made
    (it is in the open data's addresses)."""
    _admin(editor)
    checked = rules.check_process(slug, title, year_start, year_end)
    with db.transaction() as s:
        # Every process row locked: two admins making different processes
        # current at once would otherwise leave two current ones.
        s.exec(select(Process.id).with_for_update()).all()
        if process_id is None:
            if s.exec(select(Process).where(Process.slug == checked.slug)).first():
                raise Rejected("process_exists", slug=checked.slug)
            process = Process(slug=checked.slug, title=checked.title)
        else:
            found = s.get(Process, process_id)
            if found is None:
                raise Rejected("process_not_found")
            process = found
        years = tuple(range(checked.year_start, checked.year_end + 1))
        outside = (
            s.exec(
                select(AnnualProgramme.year).where(
                    AnnualProgramme.process_id == process.id, col(AnnualProgramme.year).not_in(years)
                )
            ).first()
            if process.id
            else None
        )
        if outside is not None:
            raise Rejected("programme_year_invalid", first=years[0], last=years[-1])
        process.title, process.year_start, process.year_end = (
            checked.title,
            checked.year_start,
            checked.year_end,
        )
        if make_current or s.exec(select(Process.id).where(col(Process.current))).first() is None:
            _make_current(s, process)
        s.add(process)
        s.flush()
        _set_labs(s, process.id, lab_slugs)
        saved = process.id
    log.info("process saved", extra={"process_id": saved, "current": make_current, "user_id": editor.user_id})
    return saved


def add_programme(db: Database, editor: PlanActor, process_id: int, year) -> int:
    _admin(editor)
    with db.transaction() as s:
        process = s.get(Process, process_id)
        if process is None:
            raise Rejected("process_not_found")
        year = rules.check_programme_year(year, period(process.year_start, process.year_end, process.title))
        if s.exec(
            select(AnnualProgramme).where(
                AnnualProgramme.process_id == process_id, AnnualProgramme.year == year
            )
        ).first():
            raise Rejected("programme_exists", year=year)
        programme = AnnualProgramme(
            process_id=process_id, year=year, title=rules.programme_title(process.title, year)
        )
        s.add(programme)
        s.flush()
        made = programme.id
    log.info("programme added", extra={"programme_id": made, "year": year, "user_id": editor.user_id})
    return made


def approve_programme(db: Database, editor: PlanActor, programme_id: int, act: str) -> None:
    """The programme adopted (by the act cited): its schede no longer change."""
    _admin(editor)
    act = " ".join((act or "").split())
    if not 1 <= len(act) <= APPROVAL_ACT_MAX:
        raise Rejected(
            "field_invalid", field="Atto di approvazione", problem=f"da 1 a {APPROVAL_ACT_MAX} caratteri"
        )
    with db.transaction() as s:
        programme = _open_programme(s, programme_id)
        programme.state, programme.approval_act = rules.APPROVATO, act
        programme.approved_at, programme.approved_by = utcnow(), editor.user_id
        s.add(programme)
    log.info("programme approved", extra={"programme_id": programme_id, "user_id": editor.user_id})


def _open_programme(s: Session, programme_id: int) -> AnnualProgramme:
    programme = s.get(AnnualProgramme, programme_id, with_for_update=True)
    if programme is None:
        raise Rejected("programme_not_found")
    if programme.state == rules.APPROVATO:
        raise Rejected("programme_approved")
    return programme


def _previous(s: Session, programme: AnnualProgramme) -> AnnualProgramme | None:
    return s.exec(
        select(AnnualProgramme)
        .where(AnnualProgramme.process_id == programme.process_id, AnnualProgramme.year < programme.year)
        .order_by(col(AnnualProgramme.year).desc())
    ).first()


def _candidates(s: Session, programme: AnnualProgramme) -> list[rules.Candidate]:
    previous = _previous(s, programme)
    found = []
    if previous is not None:
        for entry, action in s.exec(
            select(ProgrammeEntry, PlanAction)
            .join(PlanAction, col(PlanAction.id) == ProgrammeEntry.action_id)
            .where(ProgrammeEntry.programme_id == previous.id, col(ProgrammeEntry.confirmed_at).is_not(None))
        ):
            found.append(rules.Candidate(action.id, action.state, entry.id))
    for action in s.exec(select(PlanAction).where(PlanAction.process_id == programme.process_id)):
        found.append(rules.Candidate(action.id, action.state))
    return found


def programme_view(db: Database, programme_id: int) -> dict:
    """A programme: its confirmed schede (with the year's budget and targets)
    and what the rollover proposes, each to be confirmed by a person."""
    with db.reader() as s:
        programme = s.get(AnnualProgramme, programme_id)
        if programme is None:
            raise Rejected("programme_not_found")
        process = s.get(Process, programme.process_id)
        entries = s.exec(
            select(ProgrammeEntry, PlanAction)
            .join(PlanAction, col(PlanAction.id) == ProgrammeEntry.action_id)
            .where(ProgrammeEntry.programme_id == programme.id)
            .order_by(col(PlanAction.id))
        ).all()
        proposed = rules.proposals(_candidates(s, programme), [e.action_id for e, _ in entries])
        actions = {
            a.id: a
            for a in s.exec(select(PlanAction).where(col(PlanAction.id).in_([p.action_id for p in proposed])))
        }
        previous = {
            e.id: e
            for e in s.exec(
                select(ProgrammeEntry).where(
                    col(ProgrammeEntry.id).in_([p.previous_entry for p in proposed if p.previous_entry])
                )
            )
        }
    return {
        "programme": programme,
        "process": process,
        "entries": [{"entry": e, "action": a, "indicators": _indicators(a)} for e, a in entries],
        "proposals": [
            {
                "action": actions[p.action_id],
                "indicators": _indicators(actions[p.action_id]),
                "continuity": rules.CONTINUITA if p.previous_entry else rules.NUOVA,
                "previous": previous.get(p.previous_entry) if p.previous_entry else None,
            }
            for p in proposed
        ],
    }


def _indicators(action: PlanAction) -> list[str]:
    return [i["descrizione"] for i in normalize(action.content or {}, ())["indicatori"]]


def confirm(
    db: Database, editor: PlanActor, programme_id: int, action_id: int, budget: dict, targets: dict
) -> int:
    """One proposed scheda into the programme, with the year's budget and targets."""
    if editor.role not in (UFFICIO_PIANO, ADMIN):
        raise Rejected("forbidden")
    with db.transaction() as s:
        programme = _open_programme(s, programme_id)
        existing = [
            e.action_id
            for e in s.exec(select(ProgrammeEntry).where(ProgrammeEntry.programme_id == programme.id))
        ]
        proposal = next(
            (p for p in rules.proposals(_candidates(s, programme), existing) if p.action_id == action_id),
            None,
        )
        if proposal is None:
            raise Rejected("entry_not_found")
        action = s.get_one(PlanAction, action_id)  # proposed: it exists
        cents, kept = rules.check_confirmation(budget, targets, len(_indicators(action)))
        entry = ProgrammeEntry(
            programme_id=programme.id,
            action_id=action_id,
            continuity=rules.CONTINUITA if proposal.previous_entry else rules.NUOVA,
            previous_id=proposal.previous_entry,
            budget=cents,
            targets=kept,
            confirmed_at=utcnow(),
            confirmed_by=editor.user_id,
        )
        s.add(entry)
        s.flush()
        entry_id, continuity = entry.id, entry.continuity
    log.info(
        "programme entry confirmed",
        extra={
            "programme_id": programme_id,
            "action_id": action_id,
            "continuity": continuity,
            "user_id": editor.user_id,
        },
    )
    return entry_id


def withdraw(db: Database, actor: PlanActor, programme_id: int, action_id: int) -> None:
    """A scheda taken out of a programme still in preparation (confirmed by
    mistake): it is proposed again, and a later year's entry that continued it
    no longer points at it."""
    if actor.role not in (UFFICIO_PIANO, ADMIN):
        raise Rejected("forbidden")
    with db.transaction() as s:
        programme = _open_programme(s, programme_id)
        entry = s.exec(
            select(ProgrammeEntry).where(
                ProgrammeEntry.programme_id == programme.id, ProgrammeEntry.action_id == action_id
            )
        ).first()
        if entry is None:
            raise Rejected("entry_not_found")
        for later in s.exec(select(ProgrammeEntry).where(ProgrammeEntry.previous_id == entry.id)):
            later.previous_id = None
            s.add(later)
        s.flush()
        s.delete(entry)
    log.info(
        "programme entry withdrawn",
        extra={"programme_id": programme_id, "action_id": action_id, "user_id": actor.user_id},
    )


def programmes_of_action(db: Database, action_id: int) -> list[dict]:
    """The programmi attuativi a scheda is confirmed in, by year: what its
    pages say of it (public: the year, new or continuing, the programme's state)."""
    with db.reader() as s:
        rows = s.exec(
            select(AnnualProgramme, ProgrammeEntry)
            .join(ProgrammeEntry, col(ProgrammeEntry.programme_id) == AnnualProgramme.id)
            .where(ProgrammeEntry.action_id == action_id, col(ProgrammeEntry.confirmed_at).is_not(None))
            .order_by(col(AnnualProgramme.year))
        ).all()
    return [{"id": p.id, "year": p.year, "state": p.state, "continuity": e.continuity} for p, e in rows]


CONTINUITY_LABELS = rules.CONTINUITY_LABELS


def confirmed_actions(s: Session, programme_id: int) -> dict[int, ProgrammeEntry]:
    """The schede of a programme (confirmed), by scheda id."""
    return {
        e.action_id: e
        for e in s.exec(
            select(ProgrammeEntry).where(
                ProgrammeEntry.programme_id == programme_id, col(ProgrammeEntry.confirmed_at).is_not(None)
            )
        )
    }


def programmes_of(s: Session, process_id: int) -> list[AnnualProgramme]:
    return list(
        s.exec(
            select(AnnualProgramme)
            .where(AnnualProgramme.process_id == process_id)
            .order_by(col(AnnualProgramme.year))
        ).all()
    )


def programmes(db: Database, process_id: int) -> list[AnnualProgramme]:
    """A process's programmi attuativi, by year."""
    with db.reader() as s:
        return programmes_of(s, process_id)


def confirmed_action_ids(db: Database, programme_id: int) -> set[int]:
    """The schede confirmed in a programme."""
    with db.reader() as s:
        return set(confirmed_actions(s, programme_id))
