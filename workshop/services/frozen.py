"""A closed session's frozen results: the published document and the internal record.

At closing (services/facilitation.py) the session's tally is frozen in two
parts (storage/models.py SessionSnapshot):

- the **document** (domain/results.py): what anyone may read, for ever; its
  SHA-256 is the fingerprint shown to the room and published;
- the **record**: what stays inside, the split by category of every item,
  voters and participants by category, the dots typed in for people without a
  phone, and the salt and text that open each note's commitment.

Everything that reads a closed session's results reads them here, never
from the votes again.
"""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from workshop.domain import results
from workshop.services import tally as t
from workshop.services.views import VISIBLE
from workshop.storage.models import Lab, LiveSession, Note, SessionSnapshot, iso, utcnow


def freeze(s: Session, live: LiveSession) -> SessionSnapshot:
    """Freeze the session's results now (the caller holds the session lock)."""
    counted = t.count(s, live)
    lab = s.get_one(Lab, live.lab_id)
    notes = s.exec(select(Note).where(Note.session_id == live.id, VISIBLE).order_by(col(Note.id))).all()
    openings = {str(n.id): {"salt": results.new_salt(), "text": n.text} for n in notes}
    document = {
        "format": results.FORMAT,
        "session": {
            "id": live.id,
            "lab": lab.slug,
            "title": live.title,
            "guiding_question": live.guiding_question,
            "dots_per_participant": live.dots_per_participant,
            "cap_per_item": live.cap_per_item,
            "closed_at": iso(live.closed_at or utcnow()),
        },
        "items": [_document_item(i) for i in counted.items],
        "notes": [
            {
                "id": n.id,
                "kind": n.kind,
                "cluster_id": n.cluster_id,
                "commitment": results.commitment(openings[str(n.id)]["salt"], n.text),
            }
            for n in notes
        ],
        "dots_placed": counted.dots_placed,
        "voters": counted.voters,
    }
    data = results.canonical(document)
    record = {
        "split": counted.split,
        "offline": counted.offline,
        "voters_by_category": counted.voters_by_category,
        "participants_by_category": counted.participants_by_category,
        "openings": openings,
        "published": published(s, counted),
        "by_territory": {
            "split": counted.split_by_territory,
            "voters": counted.voters_by_territory,
            "participants": counted.participants_by_territory,
            "voter_pairs": counted.voter_pairs,
        },
        "published_territory": published_territory(s, counted),
    }
    snapshot = SessionSnapshot(
        session_id=live.id, hash=results.fingerprint(data), content={}, document=data.decode(), record=record
    )
    s.add(snapshot)
    return snapshot


def published(s: Session, counted: t.Tally) -> dict:
    """The split as it is published from now on (with the categories' groups of today)."""
    rows, columns = t.published_split(s, counted)
    return {"rows": rows, "columns": columns}


def published_territory(s: Session, counted: t.Tally) -> dict:
    """The territory cut as it is published from now on (domain/disclosure.py)."""
    rows, columns = t.published_territory_split(s, counted)
    return {"rows": rows, "columns": columns}


def freeze_missing_published(db) -> int:
    """Closed sessions whose record has no published split yet (closed before it was
    frozen at closing): freeze it now, once, with the groups as they are."""
    done = 0
    with db.transaction() as s:
        for snapshot in s.exec(select(SessionSnapshot)):
            if snapshot.record is not None and "published" not in snapshot.record:
                snapshot.record = {**snapshot.record, "published": published(s, tally_of(s, snapshot))}
                s.add(snapshot)
                done += 1
    return done


def _document_item(item: dict) -> dict:
    if item["type"] == "cluster":
        return {k: item[k] for k in ("type", "id", "title", "areas", "scores", "votes")}
    return {"type": "note", "id": item["id"], "kind": item["kind"], "votes": item["votes"]}


def document(snapshot: SessionSnapshot) -> dict | None:
    return json.loads(snapshot.document) if snapshot.document else None


def _items(s: Session, snapshot: SessionSnapshot) -> list[dict]:
    """The room's result items of a closed session, from its frozen results."""
    doc = document(snapshot)
    if doc is None:  # first format: the content's results, without what is not the room's
        return [
            {k: v for k, v in i.items() if k not in ("by_category", "offline_votes")}
            for i in snapshot.content.get("results", {}).get("items", [])
        ]
    texts = dict(
        s.exec(
            select(Note.id, Note.text).where(
                col(Note.id).in_([i["id"] for i in doc["items"] if i["type"] == "note"]),
                col(Note.erased_at).is_(None),
            )
        ).all()
    )
    items = []
    for item in doc["items"]:
        if item["type"] == "note":
            item = {
                "type": "note",
                "id": item["id"],
                "title": texts.get(item["id"], ""),
                "kind": item["kind"],
                "votes": item["votes"],
            }
        items.append(item)
    return items


def tally(s: Session, live: LiveSession) -> t.Tally | None:
    """The frozen tally of a closed session (None if it has no snapshot)."""
    snapshot = s.get(SessionSnapshot, live.id)
    return None if snapshot is None else tally_of(s, snapshot)


def tally_of(s: Session, snapshot: SessionSnapshot) -> t.Tally:
    record = snapshot.record or {}
    doc = document(snapshot)
    totals = doc or snapshot.content.get("results", {})
    return t.Tally(
        items=_items(s, snapshot),
        split=record.get("split", {}),
        offline=record.get("offline", {}),
        voters_by_category=record.get("voters_by_category", {}),
        participants_by_category=record.get("participants_by_category", {}),
        dots_placed=totals.get("dots_placed", 0),
        voters=totals.get("voters", 0),
        published=record.get("published"),
        split_by_territory=record.get("by_territory", {}).get("split", {}),
        voters_by_territory=record.get("by_territory", {}).get("voters", {}),
        participants_by_territory=record.get("by_territory", {}).get("participants", {}),
        voter_pairs=record.get("by_territory", {}).get("voter_pairs", {}),
        published_territory=record.get("published_territory"),
    )


def opening(snapshot: SessionSnapshot, note_id: int) -> dict | None:
    """The salt and text that open a note's commitment, while they are kept."""
    return (snapshot.record or {}).get("openings", {}).get(str(note_id))
