"""People's data: what the event log keeps, erasure, the retention purge, the review of notes.
On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.board import Board
from tests.helpers import PROCESS_SLUG, advance, cid
from tests.services.test_bus import join, note, vote
from workshop.domain import commands as c
from workshop.domain import publication as pub
from workshop.domain.errors import Rejected
from workshop.services import exports, privacy, publication, schede, tally
from workshop.services.consolidation import consolidate
from workshop.services.schede import PlanActor
from workshop.storage.models import (
    LiveSession,
    Note,
    NoteRevision,
    Participant,
    PlanAction,
    PrivacyRequest,
    SessionSnapshot,
    Vote,
    utcnow,
)

STORY = "Mia madre Rita è stata dimessa il venerdì: chiamatemi al 333 1234567"


def raw_log(db, session_id: int) -> str:
    """Everything the event log stores for a session, as it is in the database."""
    with db.reader() as s:
        rows = s.execute(
            text("SELECT data FROM event WHERE session_id = :s ORDER BY seq"), {"s": session_id}
        ).all()
    return " ".join(json.dumps(r[0], ensure_ascii=False) if not isinstance(r[0], str) else r[0] for r in rows)


def test_the_event_log_keeps_no_text_or_pseudonym_and_replays_them(bus, db, session_code, staff):
    anna = join(bus, session_code, name="Annabella")
    sent = bus.execute(anna, c.CreateNote(cid=cid(), session_id=anna.session_id, kind="caso", text=STORY))[
        "events"
    ][0]
    edited = bus.execute(
        anna,
        c.EditNote(
            cid=cid(), session_id=anna.session_id, note_id=sent["data"]["note"]["id"], text=STORY + "!"
        ),
    )
    stored = raw_log(db, session_code.id)
    assert "Rita" not in stored and "Annabella" not in stored  # failed before: texts were in the log
    replayed = bus.catch_up(anna, 0)["events"]
    assert replayed[-2:] == [sent, edited["events"][0]]  # exactly what the room received


def test_erasing_a_participant_removes_their_texts_everywhere_and_resync_still_works(
    bus, db, publisher, session_code, staff
):
    anna, bruno = join(bus, session_code, name="Annabella"), join(bus, session_code, name="Bruno")
    mine = note(bus, anna, text=STORY, kind="caso")
    other = note(bus, bruno, text="Un numero unico distrettuale")
    advance(bus, staff, "votazione")
    vote(bus, bruno, mine)  # Bruno's dot on Anna's note goes back to him
    vote(bus, anna, other)  # Anna's dot on Bruno's note stays, anonymous: taking it away
    before = len(publisher.sent)  # would show the room, total by total, what she had voted

    assert bus.erase(anna.participant_id) == 1

    with db.reader() as s:
        row = s.get(Note, mine)
        assert (row.text, row.html, row.erased_at is not None, row.deleted_at is not None) == (
            "",
            "",
            True,
            True,
        )
        assert all(r.text == "" for r in s.exec(select(NoteRevision).where(NoteRevision.note_id == mine)))
        person = s.get(Participant, anna.participant_id)
        assert person.pseudonym == "" and person.erased_at is not None
        assert [
            v.note_id for v in s.exec(select(Vote).where(Vote.participant_id == anna.participant_id))
        ] == [other]
        assert s.exec(select(PrivacyRequest)).one().kind == privacy.ERASURE
    assert "Rita" not in raw_log(db, session_code.id) and "Annabella" not in raw_log(db, session_code.id)
    # The room is told, and Bruno gets his dot back.
    sent = [x for x in publisher.sent[before:]]
    events = [e for kind, _, evs in sent if kind == "events" for e in evs]
    assert [{"type": e["type"], **e["data"]} for e in events] == [{"type": "note.deleted", "note_id": mine}]
    assert any(
        kind == "personal" and pid == bruno.participant_id and state["dots_left"] == 3
        for kind, pid, state in sent
    )
    # Replaying the whole log rebuilds the board without her note or her dot.
    board = Board()
    for e in bus.catch_up(bruno, 0)["events"]:
        board.apply(e)
    assert set(board.notes) == {other}
    assert bus.catch_up(bruno, None)["dots_placed"] == 1  # hers, on Bruno's note
    snapshot = bus.catch_up(bruno, None)
    assert [n["id"] for n in snapshot["notes"]] == [other]
    # Her token no longer brings her back; her socket can no longer act.
    with pytest.raises(Rejected) as e:
        bus.resume(c.ResumeSession(token=bus.tokens.issue(anna.public_id)), "1.2.3.4")
    assert e.value.code == "invalid_token"
    with pytest.raises(Rejected) as e:
        note(bus, anna)
    assert e.value.code in ("invalid_token", "wrong_phase")
    with pytest.raises(Rejected) as e:
        bus.erase(anna.participant_id)
    assert e.value.code == "already_erased"


def test_in_a_closed_session_erasure_keeps_the_frozen_counts(bus, db, session_code, staff):
    anna, bruno = join(bus, session_code, name="Annabella"), join(bus, session_code, name="Bruno")
    n_anna, n_bruno = note(bus, anna, text=STORY), note(bus, bruno, text="Sportello unico")
    advance(bus, staff, "votazione")
    vote(bus, anna, n_bruno)
    vote(bus, bruno, n_bruno)
    advance(bus, staff, "chiusa")
    with db.reader() as s:
        live = s.get(LiveSession, session_code.id)
        frozen_before = tally.of_session(s, live)
        opening = s.get(SessionSnapshot, live.id).record["openings"]
    assert str(n_anna) in opening
    bus.erase(anna.participant_id)
    with db.reader() as s:
        live = s.get(LiveSession, session_code.id)
        after = tally.of_session(s, live)
        snapshot = s.get(SessionSnapshot, live.id)
    assert str(n_anna) not in snapshot.record["openings"] and "Rita" not in json.dumps(snapshot.record)
    # Her dot stays as an anonymous count: the results were frozen at closing.
    assert [i["votes"] for i in after.items if i["type"] == "note" and i["id"] == n_bruno] == [2]
    assert after.split == frozen_before.split
    state = bus.catch_up(bruno, None)
    assert [n["id"] for n in state["notes"]] == [n_bruno] and state["notes"][0]["votes"] == 2


def test_erasure_takes_the_text_out_of_the_schede_drafted_from_it(db, closed_labs, team):
    with db.reader() as s:
        quoted = s.exec(select(Note).where(Note.text.like("Segnalare al servizio sociale%"))).one()
    rows = consolidate(db, PROCESS_SLUG).rows
    row = next(r for r in rows if r.cluster_id == quoted.cluster_id)
    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [row.cluster_id])
    assert quoted.text in [a["testo"] for a in schede.view(db, action_id)["content"]["azioni"]]
    from workshop.services.bus import CommandBus
    from workshop.services.publisher import RecordingPublisher
    from workshop.services.ratelimit import RateLimits
    from workshop.services.tokens import ParticipantTokens

    bus = CommandBus(db, RecordingPublisher(), ParticipantTokens("s"), RateLimits("memory://"))
    bus.erase(quoted.author_id, user_id=team["up"].user_id, reference="e-mail del 3/12, prot. 12")
    with db.reader() as s:
        contents = [a.content for a in s.exec(select(PlanAction))]
    assert quoted.text not in json.dumps(contents, ensure_ascii=False)
    assert privacy.REMOVED in [a["testo"] for a in schede.view(db, action_id)["content"]["azioni"]]
    with db.reader() as s:
        request = s.exec(select(PrivacyRequest)).one()
    assert (request.user_id, request.reference) == (team["up"].user_id, "e-mail del 3/12, prot. 12")


def test_a_participant_sees_everything_held_about_them(bus, db, session_code, staff):
    anna = join(bus, session_code, name="Annabella", category="sindacato")
    n = note(bus, anna, text="Prima versione")
    bus.execute(anna, c.EditNote(cid=cid(), session_id=anna.session_id, note_id=n, text="Seconda"))
    advance(bus, staff, "votazione")
    vote(bus, anna, n)
    data = privacy.personal_data(db, anna.participant_id)
    assert data["participant"]["pseudonym"] == "Annabella" and data["participant"]["category"] == "sindacato"
    assert [r["text"] for r in data["notes"][0]["revisions"]] == ["Prima versione", "Seconda"]
    assert data["notes"][0]["publication"] == pub.DA_RIVEDERE and data["dots"][0]["id"] == n
    json.dumps(data)  # downloadable as JSON


def test_only_reviewed_notes_leave_the_room(db, closed_labs, team, facilitator):
    with db.reader() as s:
        story = s.exec(select(Note).where(Note.text.like("Mia madre%"))).one()
        plain = s.exec(select(Note).where(Note.text.like("Segnalare al servizio%"))).one()
    assert story.publication == pub.DA_RIVEDERE  # flagged: the demo reviewer left it to a person

    def published_texts():
        z = zipfile.ZipFile(io.BytesIO(exports.opendata_zip(db, PROCESS_SLUG)))
        return z.read("contributi.csv").decode() + z.read("dati.json").decode()

    assert "Mia madre" not in published_texts() and plain.text in published_texts()
    # A facilitator of another session may not decide; the Ufficio di Piano may.
    other = PlanActor(team["fac"].user_id, "facilitator")
    with pytest.raises(Rejected) as e:
        publication.decide(db, other, story.session_id, [story.id], pub.PUBBLICABILE)
    assert e.value.code == "review_not_allowed"
    up = team["up"]
    with pytest.raises(Rejected) as e:
        publication.decide(db, up, story.session_id, [story.id], pub.PUBBLICABILE, "")
    assert e.value.code == "public_text_invalid"
    edited = "Una persona anziana è stata dimessa il venerdì pomeriggio senza indicazioni."
    publication.decide(db, up, story.session_id, [story.id], pub.PUBBLICABILE, edited)
    texts = published_texts()
    assert edited in texts and "Mia madre" not in texts
    queue = publication.queue(db, PlanActor(facilitator.id, "facilitator"), story.session_id)
    reviewed = next(n for n in queue["notes"] if n["id"] == story.id)
    assert reviewed["flags"] == ["famiglia", "salute"]
    assert [h["publication"] for h in reviewed["history"]] == [pub.PUBBLICABILE]
    # Kept internal: out again, and drafting leaves it out.
    publication.decide(db, up, plain.session_id, [plain.id], pub.INTERNO)
    assert plain.text not in published_texts()
    row = next(r for r in consolidate(db, PROCESS_SLUG).rows if r.cluster_id == plain.cluster_id)
    action_id = schede.create_from_clusters(db, up, PROCESS_SLUG, [row.cluster_id])
    trace = schede.view(db, action_id)["content"]["tracciabilita"]["clusters"][0]
    assert plain.text not in json.dumps(schede.view(db, action_id)["content"], ensure_ascii=False)
    assert trace["notes_withheld"] == [plain.id]


def test_the_author_category_only_where_five_people_shared_it(db, closed_labs):
    z = zipfile.ZipFile(io.BytesIO(exports.opendata_zip(db, PROCESS_SLUG)))
    import csv

    notes = list(csv.DictReader(io.StringIO(z.read("contributi.csv").decode())))
    with db.reader() as s:
        joined = {}
        for p in s.exec(select(Participant)):
            joined.setdefault(p.session_id, {}).setdefault(p.category_key, 0)
            joined[p.session_id][p.category_key] += 1
        authors = {
            n.id: (n.session_id, cat)
            for n, cat in s.exec(
                select(Note, Participant.category_key).join(Participant, Participant.id == Note.author_id)
            )
        }
    for row in notes:
        session_id, category = authors[int(row["id"])]
        if row["categoria_autore"]:
            assert joined[session_id][category] >= 5  # failed before: every author's category was there
    sindacato = [r for r in notes if authors[int(r["id"])][1] == "sindacato"]
    assert sindacato and all(r["categoria_autore"] == "" for r in sindacato)


def test_the_purge_leaves_only_what_was_published(db, closed_labs):
    before = consolidate(db, PROCESS_SLUG)
    zip_before = exports.opendata_zip(db, PROCESS_SLUG)
    assert privacy.purge(db, days=30).sessions == []  # closed just now
    later = utcnow() + timedelta(days=31)
    dry = privacy.purge(db, days=30, now=later, dry_run=True)
    assert len(dry.sessions) == 2 and dry.participants > 0 and dry.dots == 120
    with db.reader() as s:
        assert s.exec(select(Vote)).first() is not None  # a dry run changes nothing
    done = privacy.purge(db, days=30, now=later)
    assert done.sessions == dry.sessions and done.notes_withheld == 1
    with db.reader() as s:
        assert s.exec(select(Vote)).first() is None
        assert all(p.pseudonym == "" and p.erased_at for p in s.exec(select(Participant)))
        story = s.exec(select(Note).where(Note.publication == pub.DA_RIVEDERE)).one()
        assert story.text == "" and story.erased_at is not None
        assert all(r.text == "" for r in s.exec(select(NoteRevision)))
        closed = s.exec(select(LiveSession).where(LiveSession.closed_at.is_not(None))).all()
        assert closed and all(lv.purged_at for lv in closed)
    after = consolidate(db, PROCESS_SLUG)
    assert [(r.cluster_id, r.dots, r.index, r.by_category) for r in after.rows] == [
        (r.cluster_id, r.dots, r.index, r.by_category) for r in before.rows
    ]
    # The published data do not change (but for the date the package was made).
    z0, z1 = (zipfile.ZipFile(io.BytesIO(x)) for x in (zip_before, exports.opendata_zip(db, PROCESS_SLUG)))
    for name in z0.namelist():
        if name != "datapackage.json":
            assert z0.read(name) == z1.read(name), name
    assert privacy.purge(db, days=30, now=later).sessions == []  # once


def test_a_note_kept_internal_after_drafting_leaves_the_public_scheda(db, closed_labs, team):
    """A scheda drafted before a note's review quotes it as written: the public
    scheda (page and documents) shows it only as reviewed, staff see the draft."""
    with db.reader() as s:
        plain = s.exec(select(Note).where(Note.text.like("Segnalare al servizio%"))).one()
    row = next(r for r in consolidate(db, PROCESS_SLUG).rows if r.cluster_id == plain.cluster_id)
    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [row.cluster_id])
    publication.decide(db, team["up"], plain.session_id, [plain.id], pub.INTERNO)
    staff_view = json.dumps(schede.view(db, action_id)["content"], ensure_ascii=False)
    public_view = schede.view(db, action_id, public=True)
    assert plain.text in staff_view
    assert plain.text not in json.dumps(public_view["content"], ensure_ascii=False)
    assert plain.text not in json.dumps(public_view["html"], ensure_ascii=False)
    assert publication.NOT_REVIEWED in json.dumps(public_view["content"], ensure_ascii=False)
