"""The cabine di regia as bodies: their members, their meetings, the decisions
taken there and the minutes (verbale).

One function per command, each in one transaction; the rules are in
`domain/cabine.py`. A decision moves the scheda exactly as a review step
does (`plan_action_transition`), with the meeting that took it: the scheda
and the meeting are locked, the quorum is counted on the attendance, and a
refusal changes nothing. Approving the minutes stores the document as made
(PDF) with its SHA-256 and its content; from then on the meeting is frozen.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from workshop.domain import cabine as rules
from workshop.domain import review
from workshop.domain.errors import Rejected
from workshop.services import documents, exports
from workshop.services.blocks import Block, markdown_blocks
from workshop.services.schede import PlanActor, _locked, record_step
from workshop.storage.database import Database
from workshop.storage.models import (
    Body,
    BodyMeeting,
    BodyMeetingItem,
    BodyMeetingPresence,
    BodyMember,
    Lab,
    PlanAction,
    PlanActionTransition,
    Process,
    StaffUser,
    utcnow,
)

ROME = ZoneInfo("Europe/Rome")


def today() -> date:
    return datetime.now(ROME).date()


# -- bodies and members ------------------------------------------------------------------


def ensure_bodies(s: Session) -> None:
    """The two cabine exist on every installation (the migration makes them too)."""
    for key in rules.BODIES:
        if s.get(Body, key) is None:
            s.add(Body(key=key, title=rules.BODY_LABELS[key]))


def _body(s: Session, key: str) -> Body:
    body = s.get(Body, key) if key in rules.BODIES else None
    if body is None:
        raise Rejected("body_not_found")
    return body


def _active_members(s: Session, key: str) -> list[BodyMember]:
    return list(
        s.exec(
            select(BodyMember)
            .where(BodyMember.body_key == key, col(BodyMember.active))
            .order_by(col(BodyMember.position), col(BodyMember.id))
        )
    )


def bodies(db: Database, *, public: bool = False) -> list[dict]:
    """Each body with its quorum rule and its members (`public`: those in office,
    with name, role, organisation and lab; never the staff account)."""
    with db.reader() as s:
        labs = {lab.id: lab.title for lab in s.exec(select(Lab))}
        users = {u.id: u.display_name for u in s.exec(select(StaffUser))} if not public else {}
        out = []
        for key in rules.BODIES:
            body = s.get(Body, key)
            if body is None:
                continue
            query = select(BodyMember).where(BodyMember.body_key == key)
            if public:
                query = query.where(col(BodyMember.active))
            members = s.exec(
                query.order_by(col(BodyMember.active).desc(), col(BodyMember.position), col(BodyMember.id))
            ).all()
            in_office = sum(1 for m in members if m.active)
            out.append(
                {
                    "key": key,
                    "title": body.title,
                    "quorum_rule": body.quorum_rule,
                    "quorum_number": body.quorum_number,
                    "in_office": in_office,
                    "required": rules.required_present(body.quorum_rule, in_office, body.quorum_number),
                    "members": [
                        {
                            "id": m.id,
                            "name": m.name,
                            "role": m.role,
                            "organisation": m.organisation,
                            "lab_id": m.lab_id,
                            "lab": labs.get(m.lab_id) if m.lab_id else None,
                            "active": m.active,
                            **(
                                {}
                                if public
                                else {
                                    "staff_user_id": m.staff_user_id,
                                    "account": users.get(m.staff_user_id) if m.staff_user_id else None,
                                }
                            ),
                        }
                        for m in members
                    ],
                }
            )
        return out


def _member_invalid() -> Rejected:
    return Rejected(
        "member_invalid", name=rules.NAME_MAX, role=rules.ROLE_MAX, organisation=rules.ORGANISATION_MAX
    )


def save_member(
    db: Database,
    editor: PlanActor,
    body_key: str,
    name: str,
    role: str,
    organisation: str = "",
    *,
    member_id: int | None = None,
    lab_id: int | None = None,
    staff_user_id: int | None = None,
    active: bool = True,
) -> int:
    """Add a member to a body, or change one (`member_id`); one who leaves is kept, not in office."""
    rules.check_member_editor(editor.role)
    member = rules.clean_member(name, role, organisation)
    with db.transaction() as s:
        _body(s, body_key)
        if lab_id is not None and s.get(Lab, lab_id) is None:
            raise _member_invalid()
        if staff_user_id is not None:
            user = s.get(StaffUser, staff_user_id)
            taken = s.exec(
                select(BodyMember.id).where(
                    BodyMember.body_key == body_key,
                    BodyMember.staff_user_id == staff_user_id,
                    BodyMember.id != member_id,
                )
            ).first()
            if user is None or not user.active or taken is not None:
                raise Rejected("member_account_invalid")
        if member_id is None:
            count = len(_active_members(s, body_key))
            if active and count >= rules.MEMBERS_MAX:
                raise _member_invalid()
            last = s.exec(
                select(BodyMember.position)
                .where(BodyMember.body_key == body_key)
                .order_by(col(BodyMember.position).desc())
            ).first()
            row = BodyMember(body_key=body_key, name="", role="", position=(last or 0) + 1)
        else:
            found = s.get(BodyMember, member_id)
            if found is None or found.body_key != body_key:
                raise Rejected("member_not_found")
            row = found
        row.name, row.role, row.organisation = member.name, member.role, member.organisation
        row.lab_id, row.staff_user_id, row.active = lab_id, staff_user_id, active
        s.add(row)
        s.flush()
        return row.id


def set_quorum(db: Database, editor: PlanActor, body_key: str, rule: str, number: int | None) -> None:
    """The body's rule for its quorum (the majority of members unless its rules say otherwise)."""
    rules.check_member_editor(editor.role)
    with db.transaction() as s:
        body = _body(s, body_key)
        rule, number = rules.check_quorum_rule(rule, number, len(_active_members(s, body_key)))
        body.quorum_rule, body.quorum_number = rule, number
        s.add(body)


# -- meetings ----------------------------------------------------------------------------


def _locked_meeting(s: Session, meeting_id: int) -> BodyMeeting:
    """The meeting's row, locked for the rest of the transaction (its
    attendance, agenda and decisions change one at a time)."""
    result = s.exec(
        update(BodyMeeting).where(col(BodyMeeting.id) == meeting_id).values(place=BodyMeeting.place)
    )
    if result.rowcount == 0:
        raise Rejected("body_meeting_not_found")
    return s.exec(select(BodyMeeting).where(BodyMeeting.id == meeting_id)).one()


def _kept(s: Session, editor: PlanActor, meeting_id: int) -> BodyMeeting:
    meeting = _locked_meeting(s, meeting_id)
    rules.check_meeting_keeper(editor.role, meeting.body_key)
    rules.check_open(meeting.frozen_at is not None)
    return meeting


def create_meeting(
    db: Database, editor: PlanActor, body_key: str, process_slug: str, held_on: date | None, place: str
) -> int:
    rules.check_meeting_keeper(editor.role, body_key)
    held_on, place = rules.clean_meeting(held_on, place)
    with db.transaction() as s:
        _body(s, body_key)
        process = s.exec(select(Process).where(Process.slug == process_slug)).first()
        if process is None:
            raise Rejected("process_not_found")
        meeting = BodyMeeting(
            body_key=body_key, process_id=process.id, held_on=held_on, place=place, created_by=editor.user_id
        )
        s.add(meeting)
        s.flush()
        return meeting.id


def update_meeting(
    db: Database, editor: PlanActor, meeting_id: int, held_on: date | None, place: str, remarks: str
) -> None:
    """The day, the place and the free part of the minutes, until they are approved."""
    held_on, place = rules.clean_meeting(held_on, place)
    remarks = rules.clean_remarks(remarks)
    with db.transaction() as s:
        meeting = _kept(s, editor, meeting_id)
        # A meeting that has decided was held: its day can be corrected, not moved ahead.
        if held_on > today() and _decisions(s, meeting.id):
            raise Rejected("meeting_not_held")
        meeting.held_on, meeting.place, meeting.remarks = held_on, place, remarks
        s.add(meeting)


def _decisions(s: Session, meeting_id: int) -> list[PlanActionTransition]:
    return list(
        s.exec(
            select(PlanActionTransition)
            .where(PlanActionTransition.meeting_id == meeting_id)
            .order_by(col(PlanActionTransition.id))
        )
    )


def add_to_agenda(db: Database, editor: PlanActor, meeting_id: int, action_id: int) -> None:
    """A scheda before the body (and of the meeting's process) goes on the agenda."""
    with db.transaction() as s:
        meeting = _kept(s, editor, meeting_id)
        action = s.get(PlanAction, action_id)
        items = s.exec(select(BodyMeetingItem).where(BodyMeetingItem.meeting_id == meeting.id)).all()
        if (
            action is None
            or action.process_id != meeting.process_id
            or action.state != rules.agenda_state(meeting.body_key)
            or len(items) >= rules.AGENDA_MAX
        ):
            raise Rejected("agenda_invalid", max=rules.AGENDA_MAX)
        if any(i.action_id == action_id for i in items):
            return
        s.add(
            BodyMeetingItem(
                meeting_id=meeting.id,
                action_id=action_id,
                position=max((i.position for i in items), default=0) + 1,
            )
        )


def remove_from_agenda(db: Database, editor: PlanActor, meeting_id: int, action_id: int) -> None:
    with db.transaction() as s:
        meeting = _kept(s, editor, meeting_id)
        if any(t.action_id == action_id for t in _decisions(s, meeting.id)):
            raise Rejected("agenda_item_decided")
        item = s.get(BodyMeetingItem, (meeting.id, action_id))
        if item is not None:
            s.delete(item)


def set_attendance(db: Database, editor: PlanActor, meeting_id: int, member_ids: list[int]) -> None:
    """Who is present: members in office of the meeting's body. Fixed once the
    meeting has decided (its decisions were taken with that quorum)."""
    chosen = set(member_ids)
    with db.transaction() as s:
        meeting = _kept(s, editor, meeting_id)
        if _decisions(s, meeting.id):
            raise Rejected("attendance_after_decisions")
        in_office = {m.id for m in _active_members(s, meeting.body_key)}
        if not chosen <= in_office:
            raise Rejected("member_not_found")
        # The quorum is the body's as it is now, when the attendance is taken.
        body = s.get_one(Body, meeting.body_key)
        meeting.members_in_office = len(in_office)
        meeting.quorum_rule, meeting.quorum_number = body.quorum_rule, body.quorum_number
        s.add(meeting)
        for row in s.exec(select(BodyMeetingPresence).where(BodyMeetingPresence.meeting_id == meeting.id)):
            if row.member_id not in chosen:
                s.delete(row)
            chosen.discard(row.member_id)
        for member_id in sorted(chosen):
            s.add(BodyMeetingPresence(meeting_id=meeting.id, member_id=member_id))


@dataclass(frozen=True)
class _Quorum:
    rule: str
    number: int | None
    members: int  # in office when the attendance was taken
    present: int


def _quorum(s: Session, meeting: BodyMeeting) -> _Quorum:
    """The meeting's quorum, from the body as it was when the attendance was taken
    (a member present who later leaves office still counted; members set
    inactive afterwards do not lower the bar). Before any attendance: today's body."""
    attendance = select(BodyMeetingPresence.member_id).where(BodyMeetingPresence.meeting_id == meeting.id)
    present = len(s.exec(attendance).all())
    if meeting.members_in_office is not None and meeting.quorum_rule is not None:
        return _Quorum(meeting.quorum_rule, meeting.quorum_number, meeting.members_in_office, present)
    body = s.get_one(Body, meeting.body_key)
    return _Quorum(body.quorum_rule, body.quorum_number, len(_active_members(s, meeting.body_key)), present)


def decide(
    db: Database,
    editor: PlanActor,
    meeting_id: int,
    action_id: int,
    target: str,
    motivation: str,
    votes: rules.Votes | None = None,
    *,
    on: date | None = None,
) -> None:
    """The body's decision on a scheda of its agenda: the review step, taken at
    this meeting. Refused, with nothing changed, without the quorum."""
    votes = votes or rules.Votes()
    with db.transaction() as s:
        meeting = _locked_meeting(s, meeting_id)
        rules.check_meeting_keeper(editor.role, meeting.body_key)
        action = _locked(s, action_id)
        quorum = _quorum(s, meeting)
        facts = rules.MeetingFacts(
            body=meeting.body_key,
            rule=quorum.rule,
            number=quorum.number,
            members=quorum.members,
            present=quorum.present,
            held_on=meeting.held_on,
            frozen=meeting.frozen_at is not None,
            on_agenda=s.get(BodyMeetingItem, (meeting.id, action_id)) is not None,
        )
        if any(t.action_id == action_id for t in _decisions(s, meeting.id)):
            raise Rejected("already_decided")
        text = rules.check_decision(facts, action.state, target, motivation, votes, on or today())
        record_step(
            s,
            action,
            target,
            text,
            editor.user_id,
            meeting_id=meeting.id,
            votes_for=votes.favorevoli,
            votes_against=votes.contrari,
            votes_abstained=votes.astenuti,
        )


# -- reading a meeting ---------------------------------------------------------------------


def meeting_label(body_key: str, held_on: date) -> str:
    """«Cabina di regia ristretta, riunione del 3 dicembre 2026» (Italian, as in the documents)."""
    return f"{rules.BODY_LABELS.get(body_key, body_key)}, riunione del {documents.when(held_on)}"


def meetings(db: Database, process_slug: str | None = None) -> list[dict]:
    """Meetings, the latest first, with how many schede they had and decided."""
    with db.reader() as s:
        query = select(BodyMeeting)
        if process_slug is not None:
            process = s.exec(select(Process).where(Process.slug == process_slug)).first()
            query = query.where(BodyMeeting.process_id == (process.id if process else 0))
        rows = s.exec(query.order_by(col(BodyMeeting.held_on).desc(), col(BodyMeeting.id).desc())).all()
        out = []
        for m in rows:
            items = s.exec(select(BodyMeetingItem.action_id).where(BodyMeetingItem.meeting_id == m.id)).all()
            out.append(
                {
                    "id": m.id,
                    "body": m.body_key,
                    "held_on": m.held_on,
                    "place": m.place,
                    "agenda": len(items),
                    "decided": len(_decisions(s, m.id)),
                    "frozen": m.frozen_at is not None,
                    "hash": m.minutes_hash,
                }
            )
        return out


def meeting_view(db: Database, meeting_id: int) -> dict:
    """A meeting with its attendance, agenda, decisions and quorum, for its page and its minutes."""
    with db.reader() as s:
        return _meeting_view(s, meeting_id)


def _meeting_view(s: Session, meeting_id: int) -> dict:
    meeting = s.get(BodyMeeting, meeting_id)
    if meeting is None:
        raise Rejected("body_meeting_not_found")
    body = s.get_one(Body, meeting.body_key)
    process = s.get_one(Process, meeting.process_id)
    members = s.exec(
        select(BodyMember)
        .where(BodyMember.body_key == meeting.body_key)
        .order_by(col(BodyMember.position), col(BodyMember.id))
    ).all()
    present = set(
        s.exec(select(BodyMeetingPresence.member_id).where(BodyMeetingPresence.meeting_id == meeting.id))
    )
    labs = {lab.id: lab.title for lab in s.exec(select(Lab))}
    # Those in office, and those no longer in office who were present.
    shown = [m for m in members if m.active or m.id in present]
    items = s.exec(
        select(BodyMeetingItem, PlanAction)
        .join(PlanAction, col(PlanAction.id) == BodyMeetingItem.action_id)
        .where(BodyMeetingItem.meeting_id == meeting.id)
        .order_by(col(BodyMeetingItem.position))
    ).all()
    decisions = {t.action_id: t for t in _decisions(s, meeting.id)}
    candidates = (
        s.exec(
            select(PlanAction)
            .where(
                PlanAction.process_id == meeting.process_id,
                PlanAction.state == rules.agenda_state(meeting.body_key),
                col(PlanAction.id).not_in([a.id for _, a in items] or [0]),
            )
            .order_by(col(PlanAction.id))
        ).all()
        if meeting.frozen_at is None
        else []
    )
    quorum = _quorum(s, meeting)
    in_office, n_present = quorum.members, quorum.present
    required = rules.required_present(quorum.rule, in_office, quorum.number)
    return {
        "id": meeting.id,
        "body": meeting.body_key,
        "body_title": body.title,
        "title": meeting_label(meeting.body_key, meeting.held_on),
        "process": {"slug": process.slug, "title": process.title},
        "held_on": meeting.held_on,
        "place": meeting.place,
        "remarks": meeting.remarks,
        "quorum_rule": quorum.rule,
        "quorum_number": quorum.number,
        "in_office": in_office,
        "present_count": n_present,
        "required": required,
        "quorum": rules.has_quorum(quorum.rule, in_office, n_present, quorum.number),
        "members": [
            {
                "id": m.id,
                "name": m.name,
                "role": m.role,
                "organisation": m.organisation,
                "lab": labs.get(m.lab_id) if m.lab_id else None,
                "present": m.id in present,
                "active": m.active,
            }
            for m in shown
        ],
        "agenda": [
            {
                "id": a.id,
                "title": a.title,
                "state": a.state,
                # Still before this body: a scheda decided at another meeting has moved on.
                "before_body": a.state == rules.agenda_state(meeting.body_key),
                "decision": _decision(decisions.get(a.id)),
            }
            for _, a in items
        ],
        "candidates": [{"id": a.id, "title": a.title} for a in candidates],
        "outcomes": rules.outcomes(meeting.body_key),
        "decided": bool(decisions),
        "frozen": meeting.frozen_at is not None,
        "frozen_at": meeting.frozen_at,
        "hash": meeting.minutes_hash,
    }


def _decision(t: PlanActionTransition | None) -> dict | None:
    if t is None:
        return None
    return {
        "from": t.from_state,
        "to": t.to_state,
        "motivation": t.motivation,
        "votes": rules.Votes(t.votes_for, t.votes_against, t.votes_abstained),
        "done": review.DONE.get((t.from_state, t.to_state), ""),
    }


# -- the minutes -----------------------------------------------------------------------------


def votes_text(votes: rules.Votes) -> str:
    parts = [
        f"{label} {n}"
        for label, n in (
            ("favorevoli", votes.favorevoli),
            ("contrari", votes.contrari),
            ("astenuti", votes.astenuti),
        )
        if n is not None
    ]
    return ", ".join(parts)


def minutes_blocks(view: dict) -> list[Block]:
    """The verbale: the meeting, who was present, the quorum, the free part,
    the agenda and each decision with its motivation (Italian, as filed)."""
    present = [m for m in view["members"] if m["present"]]
    absent = [m for m in view["members"] if not m["present"] and m["active"]]

    def person(m: dict) -> str:
        org = f", {m['organisation']}" if m["organisation"] else ""
        lab = f" (per il laboratorio «{m['lab']}»)" if m["lab"] else ""
        return f"{m['name']} — {m['role']}{org}{lab}"

    quorum = (
        f"Presenti {view['present_count']} componenti su {view['in_office']}; il numero legale è "
        f"{view['required']}: "
        + (
            "la riunione è valida e può deliberare."
            if view["quorum"]
            else "manca il numero legale, la riunione non può deliberare."
        )
    )
    blocks = [
        Block("h1", f"Verbale della riunione — {view['body_title']}"),
        Block(
            "p",
            f"{view['process']['title']} · riunione del {documents.when(view['held_on'])} · {view['place']}",
            {"role": "meta"},
        ),
        Block("h2", "Presenze"),
        Block("p", quorum),
        Block("h3", "Presenti", {"toc": False}),
        Block("ul", [person(m) for m in present])
        if present
        else Block("p", documents.EMPTY, {"role": "empty"}),
        Block("h3", "Assenti", {"toc": False}),
        Block("ul", [person(m) for m in absent])
        if absent
        else Block("p", documents.EMPTY, {"role": "empty"}),
    ]
    if view["remarks"]:
        blocks += [Block("h2", "Comunicazioni e premessa"), *markdown_blocks(view["remarks"])]
    blocks.append(Block("h2", "Ordine del giorno"))
    if view["agenda"]:
        blocks.append(Block("ol", [f"Scheda intervento n. {a['id']} — {a['title']}" for a in view["agenda"]]))
    else:
        blocks.append(Block("p", documents.EMPTY, {"role": "empty"}))
    blocks.append(Block("h2", "Decisioni"))
    decided = [a for a in view["agenda"] if a["decision"]]
    for a in view["agenda"]:
        d = a["decision"]
        blocks.append(Block("h3", f"Scheda n. {a['id']} — {a['title']}", {"toc": False}))
        if d is None:
            blocks.append(
                Block(
                    "p",
                    "Nessuna decisione: la scheda resta all'esame dell'organo."
                    if a["before_body"]
                    else "Nessuna decisione in questa riunione.",
                )
            )
            continue
        vote = votes_text(d["votes"])
        blocks += [
            Block("p", f"L'organo {d['done']} (esito: {review.LABELS[d['to']].lower()})."),
            Block("p", f"Votazione: {vote}." if vote else "Votazione: non registrata."),
            Block("p", f"Motivazione: «{d['motivation']}»"),
        ]
    if not decided and not view["agenda"]:
        blocks.append(Block("p", "La riunione non ha preso decisioni."))
    return blocks


def minutes_header(view: dict) -> tuple[str, str]:
    return documents.running_header(view["process"]["title"], f"Verbale · {view['title']}")


def freeze_minutes(db: Database, editor: PlanActor, meeting_id: int) -> str:
    """Approve the minutes: the PDF is made once and stored with its SHA-256;
    the meeting no longer changes. Returns the hash."""
    with db.transaction() as s:
        meeting = _kept(s, editor, meeting_id)
        # Made under the meeting's lock: no decision or attendance can slip in
        # between the document and its freezing.
        view = _meeting_view(s, meeting_id)
        blocks = minutes_blocks(view)
        # The document says when it was approved: a copy read alone carries it.
        approved = Block("p", f"Verbale approvato il {documents.when(today())}.", {"role": "note"})
        blocks.insert(1, approved)
        pdf, _ = exports.render(blocks, "pdf", f"Verbale — {view['title']}", minutes_header(view))
        digest = hashlib.sha256(pdf).hexdigest()
        meeting.minutes_pdf, meeting.minutes_hash = pdf, digest
        meeting.minutes_blocks = [
            {"kind": b.kind, "content": b.content, "options": b.options} for b in blocks
        ]
        meeting.frozen_at, meeting.frozen_by = utcnow(), editor.user_id
        s.add(meeting)
    return digest


def minutes_document(db: Database, meeting_id: int, fmt: str) -> tuple[bytes, str, str]:
    """The minutes in a format: once approved, the PDF exactly as stored and the
    other formats from its stored content; before, made now (a draft)."""
    with db.reader() as s:
        meeting = s.get(BodyMeeting, meeting_id)
        if meeting is None:
            raise Rejected("body_meeting_not_found")
        stored_pdf, stored = meeting.minutes_pdf, meeting.minutes_blocks
    view = meeting_view(db, meeting_id)
    title = f"Verbale — {view['title']}"
    if stored is not None and stored_pdf is not None:
        if fmt == "pdf":
            return stored_pdf, exports.FORMATS["pdf"], title
        blocks = [Block(b["kind"], b["content"], b["options"]) for b in stored]
    else:
        blocks = minutes_blocks(view)
        blocks.insert(1, Block("p", "Bozza del verbale, non ancora approvata.", {"role": "note"}))
    data, mime = exports.render(blocks, fmt, title, minutes_header(view))
    return data, mime, title
