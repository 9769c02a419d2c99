"""Similar notes and suggested groups, read from the board (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.helpers import advance, cid
from tests.services.test_bus import join, note
from workshop.domain import commands as c
from workshop.domain import rules
from workshop.domain.errors import Rejected
from workshop.seed import create_session, sample_data
from workshop.services import similarity

DRAFT = "Dopo le dimissioni ospedaliere le famiglie non sanno a chi rivolgersi"


def similar(db, actor, text=DRAFT, **extra):
    ack = similarity.similar_notes(db, actor, c.FindSimilar(session_id=actor.session_id, text=text, **extra))
    return ack["notes"]


def suggest(db, actor):
    return similarity.suggest_groups(db, actor, c.SuggestGroups(session_id=actor.session_id))


def test_a_participant_sees_a_note_that_says_nearly_the_same_as_the_room_sees_it(
    bus, db, session_code, staff
):
    anna, bruno = join(bus, session_code), join(bus, session_code, "Bruno")
    same = note(bus, anna, "Le famiglie non sanno a chi rivolgersi dopo la dimissione dall'ospedale.")
    note(bus, anna, "Corsi di italiano serali per chi lavora.")
    found = similar(db, bruno)
    assert [f["note"]["id"] for f in found] == [same]
    assert found[0]["note"]["author"]["pseudonym"] == "Anna"
    assert found[0]["note"]["votes"] == 0 and found[0]["similarity"] >= 0.3
    # The note being edited is not similar to itself; an empty draft finds nothing.
    assert similar(db, anna, note_id=same) == []
    assert similar(db, bruno, text="  ") == []


def test_hidden_deleted_and_merged_notes_are_never_shown(bus, db, session_code, staff):
    anna, bruno = join(bus, session_code), join(bus, session_code, "Bruno")
    text = "Mancano posti di sollievo in struttura per chi non rientra a casa."
    hidden, deleted, kept, merged = (note(bus, anna, text) for _ in range(4))
    bus.execute(staff, c.HideNote(cid=cid(), session_id=staff.session_id, note_id=hidden, reason="doppio"))
    bus.execute(anna, c.DeleteNote(cid=cid(), session_id=anna.session_id, note_id=deleted))
    bus.execute(
        staff, c.MergeNotes(cid=cid(), session_id=staff.session_id, into_note_id=kept, note_ids=[merged])
    )
    assert [f["note"]["id"] for f in similar(db, bruno, text)] == [kept]
    # Staff compare the same notes as the room: never a hidden one.
    assert [f["note"]["id"] for f in similar(db, staff, text)] == [kept]


def test_notes_written_privately_are_not_shown_until_revealed(bus, db, facilitator):
    made = create_session(db, "dopo-di-noi", "Privata", private_writing=True, owner_id=facilitator.id)
    staff = bus.staff_bind(facilitator.id, "facilitator", made.id)
    advance(bus, staff, "raccolta")
    anna, bruno = join(bus, made), join(bus, made, "Bruno")
    secret = note(bus, anna, "Un appartamento condiviso per il dopo di noi vicino al centro")
    draft = "appartamento condiviso dopo di noi in centro"
    assert similar(db, bruno, draft) == [] and similar(db, staff, draft) == []
    assert similar(db, anna, draft) == []  # not even its author: the room's rule, one for all
    bus.execute(staff, c.RevealNotes(cid=cid(), session_id=made.id))
    assert [f["note"]["id"] for f in similar(db, bruno, draft)] == [secret]


def test_only_session_members_ask_and_drafts_over_the_limit_are_refused(bus, db, session_code, staff):
    anna = join(bus, session_code)
    other = create_session(db, "dopo-di-noi", "Altra", owner_id=None)
    with pytest.raises(Rejected) as e:
        similarity.similar_notes(db, anna, c.FindSimilar(session_id=other.id, text="x"))
    assert e.value.code == "not_joined"
    with pytest.raises(Rejected) as e:
        similar(db, anna, "x" * 501)
    assert e.value.code == "note_too_long"
    with pytest.raises(Rejected) as e:
        suggest(db, anna)
    assert e.value.code == "forbidden"


def test_a_draft_is_cleaned_as_the_note_it_would_become(bus, db, session_code, staff):
    # Zero-width spaces (pasted from a chat) are removed before counting, as note.create does:
    # a draft that would publish is never refused as too long, and its words still match.
    anna, bruno = join(bus, session_code), join(bus, session_code, "Bruno")
    same = note(bus, anna, "Le famiglie non sanno a chi rivolgersi dopo la dimissione dall'ospedale.")
    padded = "\u200b".join(DRAFT) + " " + "\u200b" * 400
    assert len(padded) > 500 >= len(rules.note_text(padded))
    assert [f["note"]["id"] for f in similar(db, bruno, padded)] == [same]
    assert rules.note_text(padded) == DRAFT
    assert similar(db, bruno, "\u200b\u200b\u200b") == []


def test_suggested_groups_existing_fits_and_duplicates_then_applied_by_commands(bus, db, session_code, staff):
    anna = join(bus, session_code)
    ausili = [
        note(bus, anna, t)
        for t in (
            "Il rientro a casa senza ausili: il letto arriva dopo una settimana.",
            "Ausili e letto a casa prima del rientro dall'ospedale.",
            "Gli ausili per il rientro a casa vanno ordinati durante il ricovero.",
        )
    ]
    numero = [
        note(bus, anna, t)
        for t in (
            "Un numero unico distrettuale per le famiglie.",
            "Un numero di telefono unico per sapere a chi rivolgersi.",
        )
    ]
    copies = [note(bus, anna, "Mancano posti di sollievo in struttura.") for _ in range(2)]
    lone = note(bus, anna, "Il bando per i contributi alle associazioni sportive esce tardi.")
    created = bus.execute(
        staff,
        c.CreateCluster(
            cid=cid(), session_id=staff.session_id, title="Punto unico per le famiglie", note_ids=numero[:1]
        ),
    )
    cluster_id = created["events"][0]["data"]["cluster"]["id"]
    advance(bus, staff, "raggruppamento")
    ack = suggest(db, staff)
    groups = {tuple(g["note_ids"]): g for g in ack["groups"]}
    assert groups[(numero[1],)]["cluster_id"] == cluster_id
    assert groups[tuple(ausili)]["cluster_id"] is None and "usili" in groups[tuple(ausili)]["title"]
    assert all(lone not in g["note_ids"] for g in ack["groups"])
    assert [(d["into_note_id"], d["note_ids"]) for d in ack["duplicates"]] == [(copies[0], copies[1:])]
    # Nothing changed on the board: applying is the facilitator's ordinary commands.
    head = bus.catch_up(staff, None)["head"]
    assert suggest(db, staff) == ack and bus.catch_up(staff, None)["head"] == head
    new = groups[tuple(ausili)]
    bus.execute(
        staff,
        c.CreateCluster(cid=cid(), session_id=staff.session_id, title=new["title"], note_ids=new["note_ids"]),
    )
    bus.execute(
        staff, c.MoveNote(cid=cid(), session_id=staff.session_id, note_id=numero[1], cluster_id=cluster_id)
    )
    bus.execute(
        staff,
        c.MergeNotes(cid=cid(), session_id=staff.session_id, into_note_id=copies[0], note_ids=copies[1:]),
    )
    after = suggest(db, staff)
    assert after["duplicates"] == [] and all(set(g["note_ids"]) <= {copies[0], lone} for g in after["groups"])


def test_suggestions_only_while_grouping_is_allowed(bus, db, session_code, staff):
    advance(bus, staff, "votazione")
    with pytest.raises(Rejected) as e:
        suggest(db, staff)
    assert e.value.code == "wrong_phase"


def test_a_participant_checking_too_often_is_slowed_down_staff_are_not(bus, db, session_code, staff):
    from workshop.services.ratelimit import RateLimits

    anna = join(bus, session_code)
    limiter = RateLimits("memory://", reads_per_minute=2)
    ask = c.FindSimilar(session_id=session_code.id, text=DRAFT)
    for _ in range(2):
        assert similarity.similar_notes(db, anna, ask, limiter)["ok"]
    with pytest.raises(Rejected) as e:
        similarity.similar_notes(db, anna, ask, limiter)
    assert e.value.code == "rate_limited" and e.value.params["retry_after"] >= 1
    for _ in range(3):
        assert similarity.similar_notes(db, staff, ask, limiter)["ok"]


def test_the_demo_sessions_loose_notes_get_at_least_one_group_to_apply(bus, db, session_code, staff):
    # The demo's open session is the first sample lab's notes, none grouped yet
    # (workshop/seed.seed_demo): «Suggerisci gruppi» must offer something there,
    # not an empty panel (at the former fixed level it proposed no group at all).
    anna = join(bus, session_code)
    ids = [note(bus, anna, n["text"]) for n in sample_data()["sessions"][0]["notes"]]
    advance(bus, staff, "raggruppamento")
    ack = suggest(db, staff)
    new = [g for g in ack["groups"] if g["cluster_id"] is None]
    assert new, "no group proposed on the demo's notes"
    for g in new:
        assert len(g["note_ids"]) >= 2 and set(g["note_ids"]) <= set(ids) and g["title"].strip()
    # No note is proposed twice; and the first suggestion applies as it is.
    proposed = [i for g in new for i in g["note_ids"]]
    assert len(proposed) == len(set(proposed))
    first = new[0]
    bus.execute(
        staff,
        c.CreateCluster(
            cid=cid(), session_id=staff.session_id, title=first["title"], note_ids=first["note_ids"]
        ),
    )
    after = suggest(db, staff)["groups"]
    assert not any(set(g["note_ids"]) & set(first["note_ids"]) for g in after)
