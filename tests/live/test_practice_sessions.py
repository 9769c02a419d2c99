"""Practice sessions («prova / formazione», issue 14): chosen when a session is
created, labelled on every view of it, and counted nowhere: not in the
consolidation, the labs' public pages, the open data, the plan.

The issue's report: two closed test sessions became public results on
/laboratori. Here a rehearsal is taken through every phase with the sample's
notes and dots, beside the same lab's real session."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from tests.helpers import PROCESS_SLUG, plan_team
from tests.live.test_plan_pages import plain, text
from tests.live.test_staff_pages import sign_in, token
from workshop.cli import cli
from workshop.domain.errors import Rejected
from workshop.seed import _closed_session, sample_data
from workshop.services import accounts, exports, schede
from workshop.services.consolidation import consolidate
from workshop.storage.models import LiveSession

REHEARSAL = "Prova del facilitatore"


@pytest.fixture
def both(app, facilitator, closed_labs):
    """The sample's first lab closed twice: a real meeting and a rehearsal."""
    svc = app.extensions["workshop"]
    real = closed_labs[0]
    data = sample_data()
    codes = {c["key"]: c["code"] for c in data["categories"]}
    rehearsal = _closed_session(
        svc.bus, svc.db, data["sessions"][0], facilitator.id, codes, title=REHEARSAL, practice=True
    )
    return real, rehearsal


def test_a_closed_practice_session_reaches_no_public_result(app, both):
    real, rehearsal = both
    db = app.extensions["workshop"].db
    with db.reader() as s:
        assert s.get(LiveSession, rehearsal.id).phase == "chiusa"  # closed like the real one
    lab = sample_data()["sessions"][0]["lab"]

    rows = consolidate(db, PROCESS_SLUG).rows
    assert rows and rehearsal.id not in {r.session_id for r in rows}
    assert real.id in {r.session_id for r in rows}

    http = app.test_client()
    listing = plain(text(http.get("/laboratori")))
    # The lab has one closed meeting that counts, not two.
    assert re.search(r"Dimissioni difficili 1 sessione conclusa", listing), listing
    page = text(http.get(f"/laboratori/{lab}"))
    assert REHEARSAL not in page
    assert f'data-session-id="{rehearsal.id}"' not in page
    assert f'data-session-id="{real.id}"' in page

    z = zipfile.ZipFile(io.BytesIO(http.get(f"/dati-aperti/{PROCESS_SLUG}.zip").data))
    sessions = list(csv.DictReader(io.StringIO(z.read("sessioni.csv").decode())))
    ids = {int(r["id"]) for r in sessions}
    assert real.id in ids and rehearsal.id not in ids
    assert not [n for n in z.namelist() if f"sessione-{rehearsal.id}." in n]
    notes = list(csv.DictReader(io.StringIO(z.read("contributi.csv").decode())))
    assert rehearsal.id not in {int(r["sessione"]) for r in notes}


def test_a_practice_group_cannot_become_a_scheda(app, both):
    _, rehearsal = both
    db = app.extensions["workshop"].db
    team = plan_team(db)
    with db.reader() as s:
        from sqlmodel import select

        from workshop.storage.models import Cluster

        cluster_id = s.exec(select(Cluster.id).where(Cluster.session_id == rehearsal.id)).first()
    with pytest.raises(Rejected) as refused:
        schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [cluster_id])
    assert refused.value.code == "clusters_invalid"
    plan = exports.render(exports.plan_blocks(db, PROCESS_SLUG), "md", "Piano", ("", ""))[0].decode()
    assert REHEARSAL not in plan


def test_practice_is_chosen_when_created_and_labelled_on_every_view(app, facilitator):
    http, _ = sign_in(app, "fabia", "una password lunga")
    made = http.post(
        "/facilitatore",
        data={
            "csrf_token": token(http, "/facilitatore"),
            "lab": "dopo-di-noi",
            "title": "Esercitazione",
            "dots": 3,
            "cap": 2,
            "note_kinds": ["problema", "proposta"],
            "practice": "y",
        },
    )
    assert made.status_code == 302
    session_id = int(made.headers["Location"].rsplit("/", 1)[1])
    db = app.extensions["workshop"].db
    with db.reader() as s:
        live = s.get(LiveSession, session_id)
    assert live.practice is True
    label = "Prova / formazione"
    assert label in text(http.get(f"/facilitatore/sessioni/{session_id}"))  # control room
    assert label in text(http.get(f"/facilitatore/sessioni/{session_id}/proiezione"))  # projector
    listing = text(http.get("/facilitatore"))
    assert re.search(r"Esercitazione</a> <span[^>]*practice-badge[^>]*>" + label, listing)
    joining = app.test_client()
    page = text(joining.get(f"/s/{live.join_code}"))  # the join form
    assert label in page and "sessione di prova" in page
    joined = joining.post(
        f"/s/{live.join_code}",
        data={
            "pseudonym": "Prova",
            "category": "cittadino",
            "csrf_token": token(joining, f"/s/{live.join_code}"),
        },
    )
    assert joined.status_code == 303
    room = text(joining.get(f"/s/{live.join_code}"))
    assert 'id="practice-notice"' in room and label in room
    # An ordinary session is not labelled.
    made = http.post(
        "/facilitatore",
        data={
            "csrf_token": token(http, "/facilitatore"),
            "lab": "dopo-di-noi",
            "title": "Incontro vero",
            "dots": 3,
            "cap": 2,
            "note_kinds": ["problema"],
        },
    )
    other = int(made.headers["Location"].rsplit("/", 1)[1])
    assert label not in text(http.get(f"/facilitatore/sessioni/{other}"))


def test_the_session_object_tells_clients_it_is_practice(app, facilitator):
    from workshop.seed import create_session
    from workshop.services import views
    from workshop.storage.models import Lab

    db = app.extensions["workshop"].db
    made = create_session(db, "dopo-di-noi", "Prova", owner_id=facilitator.id, practice=True)
    with db.reader() as s:
        live = s.get(LiveSession, made.id)
        assert views.session_view(live, s.get(Lab, live.lab_id))["practice"] is True


def test_the_command_line_creates_a_practice_session_and_exports_per_programme(app, both, tmp_path):
    from tests.live.test_export_cli import run
    from workshop.services import periods

    db = app.extensions["workshop"].db
    out = run(
        app, "create-session", "--lab", "dopo-di-noi", "--title", "Prova serale", "--prova", "--no-qr"
    ).output
    assert "Sessione di prova / formazione creata" in out
    assert "Prova serale [prova / formazione]" in run(app, "sessions").output
    with db.reader() as s:
        from sqlmodel import select

        assert s.exec(select(LiveSession.practice).where(LiveSession.title == "Prova serale")).one()
    zip_path = tmp_path / "d.zip"
    run(app, "export", "opendata", "--out", str(zip_path))  # the current process
    ids = {
        int(r["id"])
        for r in csv.DictReader(io.StringIO(zipfile.ZipFile(zip_path).read("sessioni.csv").decode()))
    }
    assert both[0].id in ids and both[1].id not in ids
    refused = app.test_cli_runner().invoke(
        cli, ["export", "opendata", "--programma", "2019", "--out", str(zip_path)]
    )
    assert refused.exit_code != 0 and "Programma attuativo sconosciuto" in refused.output
    admin = accounts.create_user(db, "capo", "Capo", "admin", "una password lunga")
    periods.add_programme(db, schede.PlanActor(admin.id, "admin"), periods.resolve(db).process.id, 2019)
    run(app, "export", "opendata", "--programma", "2019", "--out", str(zip_path))
    assert zipfile.ZipFile(zip_path).read("sessioni.csv").decode().count("\n") == 1  # the header only
