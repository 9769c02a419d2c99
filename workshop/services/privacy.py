"""People's rights over their data, and how long the platform keeps it.

- **See and download** (`personal_data`): everything held about a participant
  in a session, from the room with their token or by staff on a request.
- **Erase** (`erase`): their notes are removed from every view and export and
  their texts from everywhere they are stored — the note, its revisions, the
  publication reviews, the frozen results' openings and the schede drafted
  from them. The event log is not rewritten: it never held the texts or the
  pseudonym (storage/eventlog.py). The room is told (`note.deleted`). Their
  dots stay as anonymous counts: in an open session, taking them away would
  show the room, total by total, what they had voted. The participant row
  stays without pseudonym, and their token stops working.
- **Retention** (`purge`): once a closed session is older than the retention
  period, what belongs to its participants goes (pseudonyms, tokens, dots,
  connections, processed commands, the texts of notes never published, every
  revision); the frozen results and the published notes remain.

Each access or erasure is logged in `privacy_request` (by staff: with the
reference of the request received by other channels).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from workshop import markup
from workshop.domain import events as ev
from workshop.domain import publication as pub
from workshop.domain.errors import Rejected
from workshop.domain.rules import one_line
from workshop.services import views
from workshop.services.publication import drafted_notes, replaced
from workshop.storage.database import Database
from workshop.storage.models import (
    Category,
    Cluster,
    Lab,
    LiveSession,
    Note,
    NoteReview,
    NoteRevision,
    Participant,
    PlanAction,
    PlanActionVersion,
    Presence,
    PrivacyRequest,
    ProcessedCommand,
    SessionSnapshot,
    StaffUser,
    Territory,
    Vote,
    iso,
    utcnow,
)

ACCESS = "accesso"
ERASURE = "cancellazione"
REFERENCE_MAX = 500
REMOVED = "[contributo rimosso su richiesta di chi l'aveva scritto]"


def _(message: str) -> str:
    return message


FROZEN_NOTE = _(
    "I tuoi punti restano, senza alcun legame con te, nei totali di ogni gruppo: "
    "toglierli farebbe vedere alla sala, totale per totale, che cosa avevi votato."
)


def reference(text: str | None, required: bool) -> str:
    value = one_line(text or "")
    if (required and not value) or len(value) > REFERENCE_MAX:
        raise Rejected("reference_invalid", max=REFERENCE_MAX)
    return value


def find_participant(db: Database, session_id: int, pseudonym: str) -> int:
    """A participant of a session by pseudonym, as people remember it (case and
    spacing as the join rule compares them)."""
    from workshop.domain.rules import pseudonym_key

    try:
        key = pseudonym_key(pseudonym.strip())
    except Rejected:
        raise Rejected("participant_not_found") from None
    with db.reader() as s:
        found = s.exec(
            select(Participant.id).where(
                Participant.session_id == session_id,
                Participant.pseudonym_key == key,
                col(Participant.erased_at).is_(None),
            )
        ).first()
    if found is None:
        raise Rejected("participant_not_found")
    return found


def participant_in(
    db: Database, public_id: str, join_code: str | None = None
) -> tuple[Participant, LiveSession] | None:
    """The participant behind a token's public id (unless erased) and their session;
    with `join_code`, only if that is their session."""
    with db.reader() as s:
        query = (
            select(Participant, LiveSession)
            .join(LiveSession)
            .where(Participant.public_id == public_id, col(Participant.erased_at).is_(None))
        )
        if join_code is not None:
            query = query.where(LiveSession.join_code == join_code)
        found = s.exec(query).first()
        return (found[0], found[1]) if found else None


def session_id_of(db: Database, join_code: str) -> int | None:
    with db.reader() as s:
        return s.exec(select(LiveSession.id).where(LiveSession.join_code == join_code)).first()


def sessions(db: Database) -> list[tuple[LiveSession, Lab]]:
    """Every session with its lab, newest first: where staff look for a person."""
    with db.reader() as s:
        return list(s.exec(select(LiveSession, Lab).join(Lab).order_by(col(LiveSession.id).desc())))


def request_log(db: Database, limit: int = 50) -> list[dict]:
    """The latest requests received by other channels, who handled them, their reference."""
    with db.reader() as s:
        rows = s.exec(select(PrivacyRequest).order_by(col(PrivacyRequest.id).desc()).limit(limit)).all()
        names = {u.id: u.display_name for u in s.exec(select(StaffUser))}
    return [
        {
            "kind": r.kind,
            "session_id": r.session_id,
            "at": r.created_at,
            "reference": r.reference,
            "by": names.get(r.user_id) if r.user_id else None,
        }
        for r in rows
    ]


def log_request(
    db: Database, kind: str, participant_id: int, user_id: int | None = None, ref: str = ""
) -> None:
    with db.transaction() as s:
        p = s.get_one(Participant, participant_id)  # found by personal_data first
        s.add(
            PrivacyRequest(
                kind=kind, session_id=p.session_id, participant_id=p.id, user_id=user_id, reference=ref
            )
        )


def personal_data(db: Database, participant_id: int) -> dict:
    """Everything the platform holds about one participant in one session."""
    with db.reader() as s:
        p = s.get(Participant, participant_id)
        if p is None or p.erased_at is not None:
            raise Rejected("participant_not_found")
        live = s.get_one(LiveSession, p.session_id)
        lab = s.get_one(Lab, live.lab_id)
        category = s.get(Category, p.category_key)
        territory = s.get(Territory, p.territory_key) if p.territory_key else None
        notes = s.exec(select(Note).where(Note.author_id == p.id).order_by(col(Note.id))).all()
        revisions: dict[int, list] = {}
        for r in s.exec(
            select(NoteRevision)
            .where(col(NoteRevision.note_id).in_([n.id for n in notes]))
            .order_by(col(NoteRevision.id))
        ):
            revisions.setdefault(r.note_id, []).append(r)
        # Keys int | None: a note's or a dot's cluster_id or note_id may be None.
        clusters: dict[int | None, str] = {
            c.id: c.title for c in s.exec(select(Cluster).where(Cluster.session_id == live.id))
        }
        votes = s.exec(select(Vote).where(Vote.participant_id == p.id).order_by(col(Vote.id))).all()
        texts: dict[int | None, str] = {
            n.id: n.text
            for n in s.exec(select(Note).where(col(Note.id).in_([v.note_id for v in votes if v.note_id])))
        }
        connected = len(s.exec(select(Presence.sid).where(Presence.participant_id == p.id)).all())
    return {
        "generated_at": iso(utcnow()),
        "session": {
            "id": live.id,
            "title": live.title,
            "lab": lab.title,
            "closed": live.closed_at is not None,
        },
        "participant": {
            "id": p.public_id,
            "pseudonym": p.pseudonym,
            "category": p.category_key,
            "category_label": category.label if category else p.category_key,
            "territory": p.territory_key,
            "territory_label": territory.name if territory else None,
            "joined_at": iso(p.created_at),
            "typed_in_by_facilitator": p.offline,
        },
        "notes": [
            {
                "id": n.id,
                "kind": n.kind,
                "text": n.text,
                "created_at": iso(n.created_at),
                "updated_at": iso(n.updated_at),
                "state": (
                    "deleted"
                    if n.deleted_at
                    else "merged"
                    if n.merged_into_id
                    else "hidden"
                    if n.hidden_at
                    else "on the board"
                ),
                "hidden_reason": n.hidden_reason,
                "cluster": clusters.get(n.cluster_id),
                "publication": n.publication,
                "published_text": pub.published_text(n.publication, n.text, n.public_text),
                "revisions": [
                    {
                        "text": r.text,
                        "at": iso(r.created_at),
                        "by": "staff" if r.edited_by_staff_id else "you",
                    }
                    for r in revisions.get(n.id, [])
                ],
            }
            for n in notes
        ],
        "dots": [
            {
                "on": "cluster" if v.cluster_id else "note",
                "id": v.cluster_id or v.note_id,
                "title": clusters.get(v.cluster_id) if v.cluster_id else texts.get(v.note_id),
                "category": v.category_key,
                "at": iso(v.created_at),
            }
            for v in votes
        ],
        "connections_now": connected,
        "in_frozen_results": live.closed_at is not None,
    }


# -- erasure ----------------------------------------------------------------------


@dataclass
class Erased:
    """What an erasure changed, for the bus to publish after the commit."""

    session_id: int
    events: list[ev.Event] = field(default_factory=list)
    refunded: set[int] = field(default_factory=set)
    notes: int = 0
    note_ids: set[int] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)  # to take out of the schede, after
    # Copies of their notes carried to later meetings (services/continuity.py),
    # by session: erased here too; the bus tells those rooms after the commit.
    elsewhere: dict[int, list[int]] = field(default_factory=dict)


def _scrub_snapshot(s: Session, session_id: int, note_ids: set[int]) -> None:
    snapshot = s.get(SessionSnapshot, session_id)
    if snapshot is None:
        return
    if snapshot.record:
        record = dict(snapshot.record)
        record["openings"] = {k: v for k, v in record.get("openings", {}).items() if int(k) not in note_ids}
        snapshot.record = record
    if snapshot.content.get("notes"):  # first format: texts were in the hashed content
        content = dict(snapshot.content)
        content["notes"] = [{**n, "text": ""} if n.get("id") in note_ids else n for n in content["notes"]]
        results = dict(content.get("results", {}))
        results["items"] = [
            {**i, "title": ""} if i.get("type") == "note" and i.get("id") in note_ids else i
            for i in results.get("items", [])
        ]
        content["results"] = results
        snapshot.content = content
    s.add(snapshot)


def _forget_commands(s: Session, session_id: int, participant: Participant) -> None:
    s.execute(delete(ProcessedCommand).where(col(ProcessedCommand.scope) == f"p:{participant.id}"))
    for row in s.exec(select(ProcessedCommand).where(ProcessedCommand.session_id == session_id)):
        result = row.result or {}
        if (
            result.get("participant_id") == participant.id
            or (result.get("participant") or {}).get("id") == participant.public_id
        ):
            s.delete(row)


def erase_in(
    s: Session, live: LiveSession, participant: Participant, user_id: int | None, ref: str
) -> Erased:
    """Erase a participant's data, inside the caller's transaction with the session locked.

    Their own dots stay, as anonymous counts: in a closed session the results
    are frozen anyway, and in an open one taking them away would show the room,
    total by total, what this person had voted."""
    if participant.erased_at is not None:
        raise Rejected("already_erased")
    now = utcnow()
    out = Erased(live.id)
    notes = s.exec(select(Note).where(Note.author_id == participant.id)).all()
    ids = {n.id for n in notes}
    out.texts = [t for n in notes for t in (n.text, n.public_text) if t]
    if ids:
        out.texts += [
            t
            for t in s.exec(
                select(NoteReview.public_text).where(
                    col(NoteReview.note_id).in_(ids), col(NoteReview.public_text).is_not(None)
                )
            )
            if t
        ]
        # Dots others gave their notes go back to them, as when a note is deleted.
        if live.closed_at is None:
            out.refunded |= set(s.exec(select(Vote.participant_id).where(col(Vote.note_id).in_(ids))).all())
        # (Dots on a copy in another open meeting go back too; those voters see it
        # with their next command.)
        s.execute(
            delete(Vote).where(
                col(Vote.note_id).in_(ids),
                col(Vote.session_id).in_(select(LiveSession.id).where(col(LiveSession.closed_at).is_(None))),
            )
        )
        for note in notes:
            if views.on_board(note, hidden_ok=True):
                if note.session_id == live.id:
                    out.events.append(ev.Event(ev.NOTE_DELETED, {"note_id": note.id}))
                else:
                    out.elsewhere.setdefault(note.session_id, []).append(note.id)
            note.text, note.html, note.public_text, note.hidden_reason = "", "", None, None
            note.publication = pub.INTERNO
            note.deleted_at = note.deleted_at or now
            note.erased_at = now
            s.add(note)
        s.execute(update(NoteRevision).where(col(NoteRevision.note_id).in_(ids)).values(text="", html=""))
        s.execute(update(NoteReview).where(col(NoteReview.note_id).in_(ids)).values(public_text=None))
        for session_id in {live.id} | {n.session_id for n in notes}:
            _scrub_snapshot(s, session_id, ids)
    s.execute(delete(Presence).where(col(Presence.participant_id) == participant.id))
    _forget_commands(s, live.id, participant)
    participant.pseudonym = ""
    participant.pseudonym_key = f"~cancellato~{participant.id}"
    participant.territory_key = None  # optional, and theirs: it goes (the frozen counts stay)
    participant.erased_at = now
    s.add(participant)
    s.add(
        PrivacyRequest(
            kind=ERASURE, session_id=live.id, participant_id=participant.id, user_id=user_id, reference=ref
        )
    )
    out.notes = len(ids)
    out.note_ids = ids
    out.refunded.discard(participant.id)
    return out


def scrub_schede(db: Database, note_ids: set[int], texts: list[str]) -> int:
    """Take erased texts out of the schede drafted from those notes, and of every
    version of them. After the erasure's commit, each scheda locked like a save
    (never under the session's lock: schede are many, and not the room's)."""
    from workshop.services.schede import _locked

    texts = [t for t in texts if t.strip()]
    if not texts or not note_ids:
        return 0
    with db.reader() as s:
        candidates = [a.id for a in s.exec(select(PlanAction)) if note_ids & drafted_notes(a.content)]
    for action_id in candidates:
        with db.transaction() as s:
            action = _locked(s, action_id)
            for row in (
                action,
                *s.exec(select(PlanActionVersion).where(PlanActionVersion.action_id == action_id)),
            ):
                new = replaced(row.content, dict.fromkeys(texts, REMOVED))
                if new is not None:
                    row.content = new
                    s.add(row)
    return len(candidates)


# -- retention ----------------------------------------------------------------------


@dataclass
class Purged:
    sessions: list[int] = field(default_factory=list)
    participants: int = 0
    dots: int = 0
    notes_withheld: int = 0


def due_for_purge(db: Database, days: int, now: datetime | None = None) -> list[int]:
    cutoff = (now or utcnow()) - timedelta(days=days)
    with db.reader() as s:
        return list(
            s.exec(
                select(LiveSession.id)
                .where(
                    col(LiveSession.closed_at).is_not(None),
                    col(LiveSession.closed_at) < cutoff,
                    col(LiveSession.purged_at).is_(None),
                )
                .order_by(col(LiveSession.id))
            )
        )


def purge(db: Database, days: int, now: datetime | None = None, dry_run: bool = False) -> Purged:
    """Remove what belongs to the participants of sessions closed more than `days` ago."""
    done = Purged()
    for session_id in due_for_purge(db, days, now):
        with db.transaction() as s:
            from workshop.storage import eventlog

            live = eventlog.lock_session(s, session_id)
            if live.purged_at is not None:
                continue
            people = s.exec(
                select(Participant).where(
                    Participant.session_id == live.id, col(Participant.erased_at).is_(None)
                )
            ).all()
            dots = Counter(s.exec(select(Vote.session_id).where(Vote.session_id == live.id)).all())
            notes = s.exec(select(Note).where(Note.session_id == live.id)).all()
            withheld = [n for n in notes if not pub.published_text(n.publication, n.text, n.public_text)]
            done.sessions.append(live.id)
            done.participants += len(people)
            done.dots += dots[live.id]
            done.notes_withheld += sum(1 for n in withheld if n.text)
            if dry_run:
                s.rollback()
                continue
            now_ = utcnow()
            for p in people:
                p.pseudonym, p.pseudonym_key, p.erased_at = "", f"~cancellato~{p.id}", now_
                p.territory_key = None
                s.add(p)
            s.execute(delete(Vote).where(col(Vote.session_id) == live.id))
            s.execute(delete(Presence).where(col(Presence.session_id) == live.id))
            s.execute(delete(ProcessedCommand).where(col(ProcessedCommand.session_id) == live.id))
            for n in withheld:
                n.text, n.html, n.public_text, n.hidden_reason = "", "", None, None
                n.erased_at = n.erased_at or now_
                n.deleted_at = n.deleted_at or now_  # off every board, as the published data
                s.add(n)
            # Published edited: what stays is the published text; the original, often
            # the one with the name or the number in it, goes.
            edited = []
            for n in notes:
                if n not in withheld and n.public_text:
                    n.text, n.html = n.public_text, markup.render(n.public_text)
                    s.add(n)
                    edited.append(n)
            s.execute(
                update(NoteRevision)
                .where(col(NoteRevision.note_id).in_([n.id for n in notes]))
                .values(text="", html="")
            )
            s.execute(
                update(NoteReview)
                .where(col(NoteReview.note_id).in_([n.id for n in notes]))
                .values(public_text=None)
            )
            _scrub_snapshot(s, live.id, {n.id for n in [*withheld, *edited]})
            live.purged_at = now_
            s.add(live)
    return done
