"""Issue 14's «Done when», end to end through the pages and the socket, as people do it:
the admin makes a process of two years (with a programma attuativo for each) and a
territory; the facilitator creates three dated meetings of one lab and a practice
session from «Le mie sessioni», runs them from the control room's socket, carries a
group of the first meeting into the third with the control room's form; then the lab's
public page, the calendar files, the cabina's dashboard (one priority, combined
support) and the open data are read as their readers read them."""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile

import pytest
from icalendar import Calendar
from sqlmodel import select

from tests.disclosure_checker import recover, recover_crossed
from tests.helpers import PLAN_PASSWORD
from tests.live.test_plan_pages import admin, text  # noqa: F401  (fixture)
from tests.live.test_published_disclosure import Reader
from tests.live.test_staff_pages import sign_in, token
from workshop.extensions import socketio
from workshop.storage.models import Cluster, LiveSession

SLUG, TITLE = "pdz-2026-2027", "Piano di Zona 2026-2027"
LAB = "dimissioni-difficili"


def call(raw, event, payload):
    ack = raw.emit(event, payload, callback=True)
    assert ack["ok"], (event, payload, ack)
    return ack


class Room:
    """One meeting run from the control room's socket, with phones joining it."""

    def __init__(self, app, fabia, live: LiveSession):
        self.app, self.live = app, live
        self.staff = socketio.test_client(app, flask_test_client=fabia)
        call(self.staff, "staff.join", {"session_id": live.id, "view": "control"})
        self.phones: list = []

    def command(self, raw, event, **payload):
        return call(raw, event, {"cid": uuid.uuid4().hex, "session_id": self.live.id, **payload})

    def phase(self, *phases):
        for phase in phases:
            self.command(self.staff, "phase.set", phase=phase)

    def join(self, n, category="cittadino"):
        for i in range(n):
            phone = socketio.test_client(self.app)
            call(phone, "join", {"code": self.live.join_code, "pseudonym": f"P{i}", "category": category})
            self.phones.append(phone)

    def group(self, title):
        ack = self.command(self.staff, "cluster.create", title=title)
        return ack["events"][0]["data"]["cluster"]["id"]

    def votes(self, ballots):
        """ballots: for each phone, the groups it gives a dot to."""
        for phone, ballot in zip(self.phones, ballots, strict=True):
            for cluster_id in ballot:
                self.command(phone, "vote.place", cluster_id=cluster_id)

    def score(self, cluster_id, i, f, u):
        self.command(self.staff, "score.record", cluster_id=cluster_id, impatto=i, fattibilita=f, urgenza=u)

    def close(self):
        for raw in [self.staff, *self.phones]:
            raw.disconnect()


def create_meeting(fabia, title, day, *, practice=False, territory=""):
    data = {
        "csrf_token": token(fabia, "/facilitatore"),
        "lab": LAB,
        "title": title,
        "guiding_question": "Che cosa manca dopo le dimissioni?",
        "dots": "3",
        "cap": "2",
        "note_kinds": ["problema", "proposta"],
        "day": day,
        "start": "17:30",
        "end": "19:00",
        "address": "Via Roma 1, Reggio Emilia",
        "room": "Sala 2",
        "territory": territory,
    }
    if practice:
        data["practice"] = "y"
    made = fabia.post("/facilitatore", data=data)
    assert made.status_code == 302, text(made)
    return int(made.headers["Location"].rsplit("/", 1)[1])


@pytest.mark.usefixtures("team")
def test_two_years_three_meetings_a_carried_group_and_a_practice_session(app, facilitator, admin):  # noqa: F811
    db = app.extensions["workshop"].db

    # The admin: the process, its two programmi attuativi, a territory.
    capo, _ = sign_in(app, "capo", "una password lunga")
    made = capo.post(
        "/admin/piano",
        data={
            "csrf_token": token(capo, "/admin/piano"),
            "azione": "nuovo_percorso",
            "slug": SLUG,
            "titolo_percorso": TITLE,
            "anno_inizio": "2026",
            "anno_fine": "2027",
            "laboratori": [LAB],
            "corrente": "1",
        },
    )
    assert made.status_code == 303
    for year in ("2026", "2027"):
        added = capo.post(
            "/admin/piano",
            data={"csrf_token": token(capo, "/admin/piano"), "azione": "programma", "anno": year},
        )
        assert added.status_code == 303
    capo.post(
        "/admin/territori",
        data={
            "csrf_token": token(capo, "/admin/territori"),
            "azione": "nuovo",
            "tipo": "polo",
            "nome": "Polo Nord",
        },
    )
    settings = text(capo.get(f"/admin/piano?percorso={SLUG}"))
    assert TITLE in settings and "2026" in settings and "2027" in settings

    # The facilitator: three dated meetings and a practice session, from the form.
    fabia, _ = sign_in(app, "fabia")
    first_id = create_meeting(fabia, "Primo incontro", "2026-11-10", territory="polo-polo-nord")
    second_id = create_meeting(fabia, "Secondo incontro", "2026-11-24")
    third_id = create_meeting(fabia, "Terzo incontro", "2026-12-01")
    practice_id = create_meeting(fabia, "Prova dei facilitatori", "2026-11-20", practice=True)
    with db.reader() as s:
        first, second, third, practice = (
            s.get(LiveSession, i) for i in (first_id, second_id, third_id, practice_id)
        )
    assert practice.practice and not first.practice

    # Meeting 1: six people; «Dimissioni del venerdì» 10 of 18 dots, «Trasporti» 8.
    room = Room(app, fabia, first)
    room.phase("raccolta", "raggruppamento")
    friday, transport = room.group("Dimissioni del venerdì"), room.group("Trasporti")
    room.join(6)
    room.phase("votazione")
    room.votes([[friday, friday, transport]] * 4 + [[transport, transport, friday]] * 2)
    room.phase("valutazione")
    room.score(friday, 3, 3, 3)
    room.phase("chiusa")
    room.close()

    # Meeting 2: another theme; «Sollievo» 10 of 15.
    room = Room(app, fabia, second)
    room.phase("raccolta", "raggruppamento")
    relief = room.group("Sollievo")
    room.join(5)
    room.phase("votazione")
    room.votes([[relief, relief]] * 5)
    room.phase("valutazione")
    room.score(relief, 4, 4, 4)
    room.phase("chiusa")
    room.close()

    # Meeting 3: the first meeting's group carried forward from the control room.
    path = f"/facilitatore/sessioni/{third_id}"
    page = text(fabia.get(path))
    assert "Riprendi i gruppi di un incontro precedente" in page
    assert f'id="carry-{friday}"' in page and f'id="carry-{relief}"' in page
    form_cid = re.search(r'name="cid" value="([^"]+)"', page)[1]
    carried = fabia.post(
        path + "/riprendi",
        data={"csrf_token": token(fabia, path), "cid": form_cid, "gruppo": [str(friday)]},
        follow_redirects=True,
    )
    assert "Gruppi ripresi dagli incontri precedenti: 1" in text(carried)
    with db.reader() as s:
        again = s.exec(select(Cluster).where(Cluster.session_id == third_id)).one()
    assert (again.title, again.lineage_id, again.carried_from_id) == (
        "Dimissioni del venerdì",
        friday,
        friday,
    )
    room = Room(app, fabia, third)
    room.phase("raccolta", "raggruppamento")
    room.join(5)
    room.phase("votazione")
    room.votes([[again.id]] * 5)  # 5 of 15
    room.phase("valutazione")
    room.score(again.id, 5, 4, 3)
    room.phase("chiusa")
    room.close()

    # The practice session, run and closed like the others.
    room = Room(app, fabia, practice)
    room.phase("raccolta", "raggruppamento")
    rehearsal = room.group("Gruppo di prova")
    room.join(5)
    room.phase("votazione")
    room.votes([[rehearsal, rehearsal]] * 5)
    room.phase("valutazione", "chiusa")
    room.close()

    # The cabina's dashboard: one priority for the carried group, support combined.
    # Meeting 1: S = 10/18, Sn = S × 3/2 = 0.8333; meeting 3: S = 5/15, Sn = 0.5;
    # Sn = 0.6667; scores of meeting 3, 5-4-3: Q = 0.75; index = 100 × (0.3333 + 0.375) = 70.8.
    # «Sollievo»: Sn = 1, Q = 0.75: 87.5. «Trasporti»: Sn = 0.6667, no scores: 33.3.
    ristretta, _ = sign_in(app, "ristretta", PLAN_PASSWORD)
    board = text(ristretta.get("/piano"))
    assert TITLE in board
    rows = re.findall(r'<tr data-cluster-id="(\d+)" data-rank="(\d+)">(.*?)</tr>', board, re.S)
    assert [(int(c), int(r)) for c, r, _ in rows] == [(relief, 1), (again.id, 2), (transport, 3)]
    line = rows[1][2]
    assert "(votata in 2 incontri)" in line and "15 / 33" in line and "<strong>70,8</strong>" in line
    assert "<strong>87,5</strong>" in rows[0][2] and "<strong>33,3</strong>" in rows[2][2]
    assert "Gruppo di prova" not in board

    # The lab's public page: three meetings, the carried group once with both of its
    # meetings, the practice session nowhere.
    anyone = app.test_client()
    lab = text(anyone.get(f"/laboratori/{LAB}"))
    past = lab.split('id="past-meetings"', 1)[1].split("</ul>", 1)[0]
    assert [m for m in ("Primo incontro", "Secondo incontro", "Terzo incontro") if m in past] == [
        "Primo incontro",
        "Secondo incontro",
        "Terzo incontro",
    ]
    assert "Prova dei facilitatori" not in lab and "Gruppo di prova" not in lab
    lines = lab.split('id="lab-priorities"', 1)[1].split("</section>", 1)[0]
    assert lines.count("Dimissioni del venerdì") == 1
    assert re.findall(
        r'class="meeting-part" data-cluster-id="(\d+)" data-session-id="(\d+)" data-dots="(\d+)"', lines
    ) == [
        (str(friday), str(first_id), "10"),
        (str(again.id), str(third_id), "5"),
    ]
    assert "<strong>15</strong> punti su 33" in lines and "2° nella classifica di tutti i laboratori" in lines
    assert lab.count('class="priority-card"') == 2  # «Trasporti» and «Sollievo», each in its meeting

    # The calendar files: one per meeting, and the lab's feed of three.
    feed = Calendar.from_ical(anyone.get(f"/laboratori/{LAB}/calendario.ics").data)
    assert sorted(str(e["summary"]) for e in feed.events) == sorted(
        str(Calendar.from_ical(anyone.get(f"/laboratori/{LAB}/incontri/{i}.ics").data).events[0]["summary"])
        for i in (first_id, second_id, third_id)
    )
    assert len(feed.events) == 3
    assert anyone.get(f"/laboratori/{LAB}/incontri/{practice_id}.ics").status_code == 404

    # The open data of the process: three sessions, the line's groups sharing their priority.
    z = zipfile.ZipFile(io.BytesIO(anyone.get(f"/dati-aperti/{SLUG}.zip").data))

    def rows_of(name):
        return list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8-sig"))))

    assert sorted(int(r["id"]) for r in rows_of("sessioni.csv")) == [first_id, second_id, third_id]
    groups = {int(g["id"]): g for g in rows_of("gruppi.csv")}
    assert set(groups) == {friday, transport, relief, again.id}
    assert groups[again.id]["riprende"] == str(friday)
    assert groups[again.id]["priorita"] == groups[friday]["priorita"] == str(friday)
    assert groups[again.id]["rango"] == groups[friday]["rango"] == "2"
    assert (groups[friday]["punti"], groups[again.id]["punti"]) == ("10", "5")
    assert f"sessione-{practice_id}.json" not in " ".join(z.namelist())

    # And nothing published about the three meetings can be worked out again,
    # the line's meetings included (each with its own split).
    reader = Reader()
    assert reader.page(lab, "priority-card") == 2 and reader.page(lab, "meeting-part") == 2
    reader.open_data(anyone.get(f"/dati-aperti/{SLUG}.zip").data)
    assert set(reader.sessions) == {first_id, second_id, third_id}
    for published in reader.sessions.values():
        assert recover(published) == [] and recover_crossed(published) == []
