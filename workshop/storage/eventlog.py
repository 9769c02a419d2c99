"""The append-only event log: the only code that assigns sequence numbers.

A command first takes the session's lock (`lock_session`); from then until
commit no other command of that session, in this process or another, can run.
So `append` can number events `last_seq + 1, …` without gaps or duplicates,
and the unique (session_id, seq) constraint is only a backstop.

Every command runs the statements here, so they are built once, with bound
parameters: building a statement costs about as much as running it on
SQLite (docs/architecture.md, "The command path's cost").

**What people wrote is not stored in the log.** A note in an event is stored
without its text: it points at the `note_revision` that holds it
(`text_rev`), and authors are stored without their pseudonym (their public
id points at the participant). Reading the log (`since`) puts both back. So
when a participant erases their data (services/privacy.py), their texts and
pseudonym go from the revisions and the participant row, and the log, never
rewritten, has nothing left of them: replaying it shows the note as erased
(`"erased": true`, no text) and the author without a pseudonym.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from workshop.domain.errors import Rejected
from workshop.domain.events import Event as DomainEvent
from workshop.storage.database import SESSION_LOCK_WAIT_S
from workshop.storage.models import Event, LiveSession, NoteRevision, Participant, iso, table_of, utcnow

# Waiting for a session's lock on PostgreSQL: sleeps of 1, 2, 4 … up to 20 ms.
LOCK_RETRY_FIRST_S = 0.001
LOCK_RETRY_MAX_S = 0.02

_live = table_of(LiveSession).c
_READ_SESSION = select(LiveSession).where(col(LiveSession.id) == bindparam("session_id"))
# NO KEY UPDATE, like an UPDATE's lock, leaves foreign-key checks of inserts in
# the session free; populate_existing, because the row must be the locked one.
_LOCK_SESSION = _READ_SESSION.with_for_update(key_share=True, skip_locked=True).execution_options(
    populate_existing=True
)
_SESSION_EXISTS = select(LiveSession.id).where(col(LiveSession.id) == bindparam("session_id"))
_APPEND = insert(table_of(Event))
_SET_HEAD = (
    update(table_of(LiveSession))
    .where(_live.id == bindparam("session_id"))
    .values(last_seq=bindparam("head"))
)


def lock_session(s: Session, session_id: int) -> LiveSession:
    """Take the session's write lock and return its current row.

    It must be the first statement of the transaction, so that what is read
    afterwards is the newest committed state.

    SQLite: the transaction began IMMEDIATE (Database.transaction), so it
    already holds the database's write lock; reading the row is enough.
    PostgreSQL: a row lock, taken without waiting in the database (SKIP
    LOCKED) and retried after a short cooperative sleep. So a transaction
    never holds the lock while its greenlet sleeps in the event loop's queue,
    and the command path can talk to PostgreSQL without yielding
    (database.without_yielding) while no greenlet ever waits for a lock
    without yielding.
    """
    key = {"session_id": session_id}
    if s.get_bind().dialect.name != "postgresql":
        live = s.exec(_READ_SESSION, params=key).first()
        if live is None:
            raise Rejected("not_joined")
        return live
    pause, deadline = LOCK_RETRY_FIRST_S, time.monotonic() + SESSION_LOCK_WAIT_S
    while (live := s.exec(_LOCK_SESSION, params=key).first()) is None:
        if pause == LOCK_RETRY_FIRST_S and not s.exec(_SESSION_EXISTS, params=key).first():
            raise Rejected("not_joined")
        if time.monotonic() > deadline:  # a holder that never lets go: refuse, retryable
            raise Rejected("session_busy")
        time.sleep(pause)  # cooperative once monkey-patched
        pause = min(pause * 2, LOCK_RETRY_MAX_S)
    return live


def to_wire(session_id: int, seq: int, type: str, created_at: datetime, data: dict) -> dict:
    """An event as clients receive it (docs/protocol.md §6.1), from its stored columns."""
    return {"session_id": session_id, "seq": seq, "type": type, "at": iso(created_at), "data": data}


# Where notes and authors sit in an event's data (docs/protocol.md §6.1).
REVISION_KEY = "_rev"  # set by the note's builder (services/outcome.py), never sent


def _notes_in(data: dict) -> list[dict]:
    notes = [data["note"]] if isinstance(data.get("note"), dict) else []
    return notes + [n for n in data.get("notes", ()) if isinstance(n, dict)]


def _result_notes(data: dict) -> list[dict]:
    """Loose notes among a Results' items: their title is the note's text."""
    found = data.get("results")
    items = found.get("items", ()) if isinstance(found, dict) else ()
    return [i for i in items if isinstance(i, dict) and i.get("type") == "note"]


def _holds_people(data: dict) -> bool:
    return bool(_notes_in(data) or _result_notes(data) or isinstance(data.get("participant"), dict))


def _storable(data: dict) -> tuple[dict, dict]:
    """(what clients receive, what the log stores) for an event's data."""
    if not _holds_people(data):
        return data, data
    wire, stored = dict(data), dict(data)

    def split_note(note: dict) -> tuple[dict, dict]:
        sent = {k: v for k, v in note.items() if k != REVISION_KEY}
        kept = {k: v for k, v in sent.items() if k not in ("text", "html")}
        if "text" in note:
            kept["text_rev"] = note[REVISION_KEY]
        if isinstance(note.get("author"), dict):
            kept["author"] = _without_pseudonym(note["author"])
        return sent, kept

    def split_item(item: dict) -> tuple[dict, dict]:
        if item.get("type") != "note":
            return item, item
        sent = {k: v for k, v in item.items() if k != REVISION_KEY}
        kept = {k: v for k, v in sent.items() if k != "title"}
        kept["text_rev"] = item.get(REVISION_KEY)
        return sent, kept

    if isinstance(data.get("note"), dict):
        wire["note"], stored["note"] = split_note(data["note"])
    if "notes" in data:
        pairs = [split_note(n) for n in data["notes"]]
        wire["notes"], stored["notes"] = [p[0] for p in pairs], [p[1] for p in pairs]
    if _result_notes(data):
        pairs = [split_item(i) for i in data["results"]["items"]]
        wire["results"] = {**data["results"], "items": [p[0] for p in pairs]}
        stored["results"] = {**data["results"], "items": [p[1] for p in pairs]}
    if isinstance(data.get("participant"), dict):
        stored["participant"] = _without_pseudonym(data["participant"])
    return wire, stored


def _without_pseudonym(author: dict) -> dict:
    return {k: v for k, v in author.items() if k != "pseudonym"}


def append(s: Session, live: LiveSession, events: list[DomainEvent]) -> list[dict]:
    """Number and store events; the caller holds the session lock and commits.

    Plain inserts, not ORM objects: every command comes through here, and the
    unit of work's bookkeeping cost more than the statements themselves."""
    if not events:
        return []
    session_id = live.id
    now = utcnow()
    rows, sent = [], []
    for offset, ev in enumerate(events, start=1):
        wire, stored = _storable(ev.data)
        seq = live.last_seq + offset
        rows.append(
            {"session_id": session_id, "seq": seq, "type": ev.type, "created_at": now, "data": stored}
        )
        sent.append(to_wire(session_id, seq, ev.type, now, wire))
    s.execute(_APPEND, rows)
    head = live.last_seq + len(rows)
    s.execute(_SET_HEAD, {"session_id": live.id, "head": head})
    set_committed_value(live, "last_seq", head)  # stored above: nothing for the ORM to flush
    return sent


def _hydrate(s: Session, rows: Sequence[Row]) -> list[dict]:
    """Stored events as clients receive them: texts and pseudonyms put back."""
    revisions: set[int] = set()
    authors: set[str] = set()
    for row in rows:
        for kept in _notes_in(row.data):
            if "text_rev" in kept:
                revisions.add(kept["text_rev"])
            if isinstance(kept.get("author"), dict) and kept["author"].get("id"):
                authors.add(kept["author"]["id"])
        revisions |= {i["text_rev"] for i in _result_notes(row.data) if i.get("text_rev")}
        if isinstance(row.data.get("participant"), dict) and row.data["participant"].get("id"):
            authors.add(row.data["participant"]["id"])
    texts = (
        {
            r.id: (r.text, r.html)
            for r in s.execute(
                select(NoteRevision.id, NoteRevision.text, NoteRevision.html).where(
                    col(NoteRevision.id).in_(revisions)
                )
            )
        }
        if revisions
        else {}
    )
    names: dict[str, str] = (
        dict(
            s.execute(
                select(Participant.public_id, Participant.pseudonym).where(
                    col(Participant.public_id).in_(authors), col(Participant.erased_at).is_(None)
                )
            ).all()
        )
        if authors
        else {}
    )

    def author(view: dict) -> dict:
        # Key order as the room received it: id, pseudonym, category, offline.
        return {
            "id": view.get("id"),
            "pseudonym": names.get(view.get("id") or ""),
            **{k: v for k, v in view.items() if k != "id"},
        }

    def note(stored: dict) -> dict:
        out = {}
        for k, v in stored.items():
            if k == "text_rev":
                continue
            if k == "kind" and "text_rev" in stored:
                out[k] = v
                text, html = texts.get(stored["text_rev"]) or ("", "")
                out["text"], out["html"] = (text, html) if text else (None, None)
                if not text:
                    out["erased"] = True
                continue
            out[k] = author(v) if k == "author" and isinstance(v, dict) else v
        return out

    def item(stored: dict) -> dict:
        if stored.get("type") != "note" or "text_rev" not in stored:
            return stored
        # Key order as sent: type, id, title, kind, votes.
        text = (texts.get(stored["text_rev"]) or ("", ""))[0]
        return {
            "type": "note",
            "id": stored["id"],
            "title": text,
            **{k: v for k, v in stored.items() if k not in ("type", "id", "text_rev")},
        }

    events = []
    for row in rows:
        data = row.data
        if _holds_people(data):
            data = dict(data)
            if isinstance(data.get("note"), dict):
                data["note"] = note(data["note"])
            if "notes" in data:
                data["notes"] = [note(n) for n in data["notes"]]
            if _result_notes(data):
                data["results"] = {**data["results"], "items": [item(i) for i in data["results"]["items"]]}
            if isinstance(data.get("participant"), dict):
                data["participant"] = author(data["participant"])
        events.append(to_wire(row.session_id, row.seq, row.type, row.created_at, data))
    return events


def since(s: Session, session_id: int, after_seq: int, upto_seq: int | None = None) -> list[dict]:
    log = table_of(Event).c
    query = core_select(log.session_id, log.seq, log.type, log.created_at, log.data).where(
        log.session_id == session_id, log.seq > after_seq
    )
    if upto_seq is not None:
        query = query.where(log.seq <= upto_seq)
    return _hydrate(s, s.execute(query.order_by(log.seq)).all())
