"""Creating live sessions (from the facilitator's form, the CLI and the seed)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, or_, select

from workshop.domain import joincode, rules
from workshop.domain.commands import NOTE_KINDS
from workshop.domain.errors import Rejected
from workshop.domain.permissions import may_run_session
from workshop.domain.rules import DEFAULT_CAP_PER_ITEM, DEFAULT_DOTS_PER_PARTICIPANT, VotingRules
from workshop.services import periods
from workshop.storage.database import Database
from workshop.storage.models import AnnualProgramme, Lab, LabProcess, LiveSession, SessionFacilitator


@dataclass
class CreatedSession:
    id: int
    code: str
    lab_title: str
    title: str
    practice: bool = False


@dataclass(frozen=True)
class SessionSettings:
    title: str
    guiding_question: str = ""
    dots: int = DEFAULT_DOTS_PER_PARTICIPANT
    cap: int = DEFAULT_CAP_PER_ITEM
    note_kinds: tuple[str, ...] = NOTE_KINDS
    show_pseudonyms: bool = True
    private_writing: bool = False
    # «Prova / formazione»: chosen here and only here (services/periods.counted).
    practice: bool = False
    # The programma attuativo the meeting prepares, of the current process.
    programme_id: int | None = None

    def check(self) -> None:
        """Refuse impossible settings before anything is written."""
        try:
            VotingRules(budget=self.dots, cap=self.cap)
        except ValueError:
            raise Rejected(
                "invalid_payload",
                details=[
                    {"field": "dots", "type": "value_error", "problem": "dots 1-50, cap between 1 and dots"}
                ],
            ) from None
        if not self.note_kinds or set(self.note_kinds) - set(NOTE_KINDS):
            raise Rejected("note_kind_invalid")
        if not 1 <= len(rules.one_line(self.title)) <= rules.TITLE_MAX:
            raise Rejected("title_invalid", max=rules.TITLE_MAX)


def create_session(
    db: Database, lab_slug: str, settings: SessionSettings, owner_id: int | None = None
) -> CreatedSession:
    settings.check()
    with db.transaction() as s:
        lab = s.exec(select(Lab).where(Lab.slug == lab_slug)).first()
        if lab is None:
            raise LookupError(lab_slug)
        # A meeting works for the current process, in which its lab takes part.
        process = periods.current(s)
        if process is None or s.get(LabProcess, (lab.id, process.id)) is None:
            raise Rejected("lab_not_in_process")
        if settings.programme_id is not None:
            programme = s.get(AnnualProgramme, settings.programme_id)
            if programme is None or programme.process_id != process.id:
                raise Rejected("programme_not_found")
        taken = set(s.exec(select(LiveSession.join_code)))
        code = joincode.generate()
        while code in taken:
            code = joincode.generate()
        live = LiveSession(
            lab_id=lab.id,
            process_id=process.id,
            programme_id=settings.programme_id,
            practice=bool(settings.practice),
            title=rules.one_line(settings.title),
            guiding_question=rules.plain_text(settings.guiding_question),
            join_code=code,
            dots_per_participant=settings.dots,
            cap_per_item=settings.cap,
            note_kinds=",".join(k for k in NOTE_KINDS if k in settings.note_kinds),
            show_pseudonyms=settings.show_pseudonyms,
            private_writing=settings.private_writing,
            owner_id=owner_id,
        )
        s.add(live)
        s.flush()
        return CreatedSession(live.id, code, lab.title, live.title, live.practice)


def sessions_of(db: Database, user_id: int | None = None) -> list[tuple[LiveSession, Lab]]:
    """Sessions with their labs, newest first: those a facilitator owns or is
    assigned to; every session when `user_id` is None (admins, the Ufficio di Piano)."""
    with db.reader() as s:
        query = select(LiveSession, Lab).join(Lab).order_by(col(LiveSession.id).desc())
        if user_id is not None:
            assigned = select(SessionFacilitator.session_id).where(SessionFacilitator.user_id == user_id)
            query = query.where(or_(LiveSession.owner_id == user_id, col(LiveSession.id).in_(assigned)))
        return [(live, lab) for live, lab in s.exec(query)]


def runnable(db: Database, user_id: int, role: str, session_id: int) -> tuple[LiveSession, Lab] | None:
    """The session and its lab, if this staff member may run it (else Rejected
    `session_not_assigned`); None when there is no such session."""
    with db.reader() as s:
        row = s.exec(select(LiveSession, Lab).join(Lab).where(LiveSession.id == session_id)).first()
        if row is None:
            return None
        assigned = set(
            s.exec(select(SessionFacilitator.user_id).where(SessionFacilitator.session_id == session_id))
        )
    may_run_session(role, user_id, row[0].owner_id, assigned)
    return row[0], row[1]
