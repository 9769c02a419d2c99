"""A participant's own territory: said (or not) when joining, kept private, counted in a
second published cut beside the categories, read by the filters, erased with the rest."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.disclosure_checker import Published, recover, recover_crossed
from tests.helpers import advance, cid
from workshop.domain import commands as c
from workshop.domain.errors import Rejected
from workshop.seed import create_session
from workshop.services import privacy, territories
from workshop.services.consolidation import consolidate
from workshop.storage.models import LiveSession, Participant, Process, SessionSnapshot


def joined(bus, made, name, category="cittadino", territory=None, command_id=None):
    return bus.join(
        c.JoinSession(code=made.code, pseudonym=name, category=category, territory=territory, cid=command_id),
        "1.2.3.4",
    ).actor


def territorial_session(bus, db, facilitator):
    """«Dopo di noi», one meeting: 6 citizens of Albinea give «Casa» 2 dots each; 6
    people of the AUSL from the Polo Nord give «Trasporti» 2 and «Casa» 1; one more
    joins without saying where they live and does not vote. Closed.

    «Casa»: 18 dots, 12 from citizens and 12 from Albinea: the crossing (citizens of
    Albinea) is at least 6, and 6 of them voted: published. «Trasporti»: 12 dots, all
    from the AUSL of the Polo Nord (6 people): published."""
    albinea = territories.add(db, "comune", "Albinea")
    nord = territories.add(db, "polo", "Polo Nord")
    made = create_session(db, "dopo-di-noi", "Incontro di Albinea", dots=3, cap=2, owner_id=facilitator.id)
    staff = bus.staff_bind(facilitator.id, "facilitator", made.id)
    advance(bus, staff, "raggruppamento")
    ids = {
        title: bus.execute(staff, c.CreateCluster(cid=cid(), session_id=made.id, title=title))["events"][0][
            "data"
        ]["cluster"]["id"]
        for title in ("Casa", "Trasporti")
    }
    advance(bus, staff, "votazione")
    ballots = [("cittadino", albinea, ["Casa", "Casa"])] * 6 + [
        ("ausl", nord, ["Trasporti"] * 2 + ["Casa"])
    ] * 6
    for n, (category, territory, ballot) in enumerate(ballots):
        person = joined(bus, made, f"Persona {n}", category, territory)
        for title in ballot:
            bus.execute(person, c.PlaceVote(cid=cid(), session_id=made.id, cluster_id=ids[title]))
    joined(bus, made, "Senza territorio")
    advance(bus, staff, "chiusa")
    return made, ids, albinea, nord


def slug(db):
    with db.reader() as s:
        return s.exec(select(Process.slug)).first()


def test_joining_with_a_territory_keeps_it_and_a_bad_one_changes_nothing(bus, db, facilitator):
    albinea = territories.add(db, "comune", "Albinea")
    gone = territories.add(db, "polo", "Polo Sud")
    territories.update(db, gone, "Polo Sud", active=False)
    made = create_session(db, "dopo-di-noi", "Incontro", owner_id=facilitator.id)
    anna = joined(bus, made, "Anna", territory=albinea)
    bruno = joined(bus, made, "Bruno")  # optional: most will not say
    for bad in ("polo-inesistente", gone):
        with pytest.raises(Rejected) as caught:
            joined(bus, made, "Carla", territory=bad)
        assert caught.value.code == "territory_unknown"
    with db.reader() as s:
        people = {p.pseudonym: p.territory_key for p in s.exec(select(Participant))}
        assert s.get(LiveSession, made.id).last_seq == 2  # two joins, nothing of the refused ones
    assert people == {"Anna": albinea, "Bruno": None}
    # The room is never told where anyone lives: the join event carries the author only.
    with db.reader() as s:
        assert anna.participant_id and bruno.participant_id
    assert "territory" not in str(bus.catch_up(anna, 0)["events"])
    # A join retried with its cid is the same join only with the same territory.
    command_id = "j" + cid()
    joined(bus, made, "Dario", territory=albinea, command_id=command_id)
    with pytest.raises(Rejected) as caught:
        joined(bus, made, "Dario", territory=None, command_id=command_id)
    assert caught.value.code == "command_id_reused"


def test_the_participant_sees_it_among_their_data_and_erasure_takes_it_away(bus, db, facilitator):
    albinea = territories.add(db, "comune", "Albinea")
    made = create_session(db, "dopo-di-noi", "Incontro", owner_id=facilitator.id)
    anna = joined(bus, made, "Anna", territory=albinea)
    data = privacy.personal_data(db, anna.participant_id)["participant"]
    assert (data["territory"], data["territory_label"]) == (albinea, "Albinea")
    bus.erase(anna.participant_id)
    with db.reader() as s:
        assert s.get(Participant, anna.participant_id).territory_key is None


def test_closing_freezes_the_territory_cut_and_consolidation_reads_it(bus, db, facilitator):
    made, ids, albinea, nord = territorial_session(bus, db, facilitator)
    with db.reader() as s:
        record = s.get(SessionSnapshot, made.id).record
    assert record["by_territory"]["participants"] == {albinea: 6, "nd": 1, nord: 6}
    assert record["published_territory"]["rows"][f"cluster:{ids['Casa']}"] == {albinea: 12, nord: 6}
    assert [col["label"] for col in record["published_territory"]["columns"]] == ["Albinea", "Polo Nord"]

    rows = {r.title: r for r in consolidate(db, slug(db), lab="dopo-di-noi").rows}
    casa = rows["Casa"]
    assert casa.by_territory == {albinea: 12, nord: 6}
    assert casa.territory_split == {albinea: 12, nord: 6}
    assert "by_territory" not in casa.public() and "by_territory" not in casa.public()["meetings"][0]

    # The whole published table, both cuts together, gives nothing back.
    pub = Published()
    for r in rows.values():
        pub.total(r.cluster_id, r.dots)
        for col, value in r.split.items():
            pub.cell(r.cluster_id, col, value)
        for col, value in r.territory_split.items():
            pub.cell(r.cluster_id, ("territorio", col), value)
    small = {(col, t) for col in casa.split for t in (albinea, nord)} - {
        ("cittadini", albinea),
        ("enti_pubblici", nord),
    }
    assert recover(pub) == [] and recover_crossed(pub, small) == []


def test_a_territory_filter_reads_the_meetings_held_there_and_the_people_from_there(bus, db, facilitator):
    made, ids, albinea, nord = territorial_session(bus, db, facilitator)
    # No meeting is held in Albinea: its priorities are those its people voted.
    assert [r.title for r in consolidate(db, slug(db), territory=albinea).rows] == ["Casa"]
    assert [r.title for r in consolidate(db, slug(db), territory=albinea, public=True).rows] == ["Casa"]
    assert {r.title for r in consolidate(db, slug(db), territory=nord).rows} == {"Casa", "Trasporti"}
    # Ranks stay those of the whole process.
    every = {r.title: r.rank for r in consolidate(db, slug(db)).rows}
    assert {r.title: r.rank for r in consolidate(db, slug(db), territory=nord).rows} == {
        t: every[t] for t in ("Casa", "Trasporti")
    }


def test_a_draft_proposes_its_ambito_from_the_meeting_place_and_the_published_supporters(
    bus, db, facilitator, team
):
    from datetime import date, time

    from workshop.services import meetings, schede

    made, ids, albinea, nord = territorial_session(bus, db, facilitator)

    def drafted(*titles):
        action_id = schede.create_from_clusters(db, team["up"], slug(db), [ids[t] for t in titles])
        content = schede.view(db, action_id)["content"]
        return content["ambito"], content["tracciabilita"]["ambito_da"]

    # «Trasporti»: voted only by people of the Polo Nord (12 dots, published).
    assert drafted("Trasporti") == (
        {"tipo": "sub_distrettuale", "comuni": ["Reggio nell'Emilia"]},
        ["Polo Nord"],
    )
    # «Casa»: people of Albinea and of the Polo Nord, two Comuni: the district's.
    assert drafted("Casa") == ({"tipo": "distrettuale", "comuni": []}, ["Albinea", "Polo Nord"])
    # Held in Albinea, the meeting's place comes first, and makes two Comuni.
    meetings.set_meeting(
        db, made.id, meetings.Place(date(2027, 1, 12), time(17, 30), None, "Via Roma 1", "", albinea)
    )
    assert drafted("Trasporti") == ({"tipo": "distrettuale", "comuni": []}, ["Albinea", "Polo Nord"])


def test_someone_without_a_phone_may_have_a_territory_too(bus, db, facilitator):
    albinea = territories.add(db, "comune", "Albinea")
    made = create_session(db, "dopo-di-noi", "Incontro", owner_id=facilitator.id)
    staff = bus.staff_bind(facilitator.id, "facilitator", made.id)

    def add(name, territory):
        return bus.execute(
            staff,
            c.AddOfflineParticipant(
                cid=cid(), session_id=made.id, pseudonym=name, category="cittadino", territory=territory
            ),
        )

    add("Signora Rina", albinea)
    add("Signor Bruno", None)
    with pytest.raises(Rejected) as caught:
        add("Signor Carlo", "altrove")
    assert caught.value.code == "territory_unknown"
    with db.reader() as s:
        people = {p.pseudonym: (p.territory_key, p.offline) for p in s.exec(select(Participant))}
    assert people == {"Signora Rina": (albinea, True), "Signor Bruno": (None, True)}
