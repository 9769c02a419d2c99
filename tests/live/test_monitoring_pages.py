"""Monitoring over HTTP (issue 15): every role × every new action, the form and the
CSV import on the staff pages, and what the public scheda, the lab's page, the
overview by area and the annual report show."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from tests.helpers import PLAN_PASSWORD, PROCESS_SLUG
from tests.live.test_plan_pages import admin, plain, text  # noqa: F401  (fixture)
from tests.live.test_staff_pages import sign_in, token
from tests.monitoring_helpers import approved_scheda, csv_bytes
from workshop.services import accounts, monitoring
from workshop.services.consolidation import consolidate


@pytest.fixture
def scheda(app, closed_labs, team):
    db = app.extensions["workshop"].db
    return approved_scheda(db, team, consolidate(db, PROCESS_SLUG).rows[0].cluster_id)


@pytest.fixture
def people(app, scheda, team, admin):  # noqa: F811
    """A signed-in client per role; «referente» is a facilitator's account named on the scheda."""
    db = app.extensions["workshop"].db
    ref = accounts.create_user(db, "referente", "Rita Referente", "facilitator", PLAN_PASSWORD)
    monitoring.set_reporters(db, team["up"], scheda, [ref.id])
    clients = {"stranger": app.test_client()}
    for role, username in (
        ("ufficio_piano", "ufficio"),
        ("admin", "capo"),
        ("referente", "referente"),
        ("ristretta", "ristretta"),
        ("allargata", "allargata"),
        ("facilitator", "fac"),
    ):
        clients[role] = sign_in(app, username, PLAN_PASSWORD)[0]
    return clients


def form(http, scheda, **fields):
    return http.post(
        f"/piano/schede/{scheda}/monitoraggio",
        data={
            "csrf_token": token(http, "/piano/monitoraggio"),
            "anno": "2019",
            "stato": "avviata",
            "avanzamento": "10",
            **fields,
        },
    )


def upload(http, data: bytes):
    return http.post(
        "/piano/monitoraggio/importa",
        data={"csrf_token": token(http, "/piano/monitoraggio"), "file": (io.BytesIO(data), "m.csv")},
        content_type="multipart/form-data",
    )


def name_reporters(http, scheda, ids):
    return http.post(
        f"/piano/schede/{scheda}/monitoraggio/referenti",
        data={"csrf_token": token(http, "/piano/monitoraggio"), "account": [str(i) for i in ids]},
    )


STAFF = ("ufficio_piano", "admin", "referente", "ristretta", "allargata", "facilitator")
REPORTERS = {"ufficio_piano", "admin", "referente"}


def test_every_role_times_every_monitoring_action(app, scheda, people):
    """Reading: the plan's roles and the scheda's referente; writing: the Ufficio di
    Piano, the admin and the referente; naming referenti: the office and the admin."""
    denied = (302, 401)
    for role, http in people.items():
        staff = role in STAFF
        got = {
            "list": http.get("/piano/monitoraggio").status_code,
            "template": http.get("/piano/monitoraggio/modello.csv").status_code,
            "scheda": http.get(f"/piano/schede/{scheda}/monitoraggio").status_code,
            "overview": http.get("/monitoraggio").status_code,
            "public": http.get(f"/schede/{scheda}").status_code,
            "report": http.get("/monitoraggio.md?anno=2019").status_code,
        }
        assert got["overview"] == got["public"] == got["report"] == 200, role
        if not staff:
            assert got["list"] in denied and got["template"] in denied and got["scheda"] in denied
            continue
        assert got["list"] == got["template"] == 200, role
        assert got["scheda"] == (403 if role == "facilitator" else 200), role
        # The writes (CSRF tokens are read from a page staff may open).
        wrote = form(http, scheda, avanzamento="1" + str(STAFF.index(role))).status_code
        assert wrote == (303 if role in REPORTERS else 403), role
        imported = upload(http, csv_bytes(f"{scheda},2020,stato,,avviata,5,,,,,")).status_code
        assert imported == (303 if role in REPORTERS else 422), role
        named = name_reporters(http, scheda, [])
        assert named.status_code == (303 if role in ("ufficio_piano", "admin") else 403), role
        if named.status_code == 303:  # put the referente back for the next roles
            monitoring.set_reporters(
                app.extensions["workshop"].db,
                monitoring.PlanActor(1, "admin"),
                scheda,
                [
                    u.id
                    for u in accounts.all_users(app.extensions["workshop"].db)
                    if u.username == "referente"
                ],
            )
    # Signed out, nothing is written.
    assert people["stranger"].post(f"/piano/schede/{scheda}/monitoraggio").status_code in (302, 400, 401)


def test_two_years_in_the_ui_and_by_csv_shown_on_staff_public_lab_pages_and_exports(
    app, scheda, people, closed_labs
):
    up = people["ufficio_piano"]
    saved = form(
        up,
        scheda,
        stato="in_corso",
        avanzamento="35",
        **{
            "valore-1": "15,5",
            "speso-frna": "4.000,50",
            "voce_data": "2019-03-15",
            "voce_testo": "Avviato il gruppo",
        },
    )
    assert saved.status_code == 303 and saved.headers["Location"].endswith("anno=2019")
    staff_page = text(up.get(f"/piano/schede/{scheda}/monitoraggio?anno=2019"))
    assert (
        "Avviato il gruppo" in staff_page and "Ufficio Piano" not in staff_page
    )  # names: display_name «Ufficio»
    # A value typed «15,5» reads back as typed (the form showed «15.5», its hint «12,5»).
    assert 'value="15,5"' in staff_page and 'value="4.000,50"' in staff_page

    refused = form(up, scheda, stato="conclusa", avanzamento="80")
    assert refused.status_code == 422 and "al 100%" in text(refused)

    # 2020 by CSV: one file with a bad row changes nothing and lists the row.
    bad = upload(
        up,
        csv_bytes(
            f"{scheda},2020,stato,,conclusa,100,,,,,",
            f"{scheda},2020,indicatore,,,,1,trenta,,,",
        ),
    )
    page = text(bad)
    assert bad.status_code == 422 and "nessun dato è stato modificato" in page
    assert re.search(r'data-line="3">Riga 3: Valore «trenta» non valido', page)
    assert monitoring.of_action(app.extensions["workshop"].db, scheda)["latest"]["year"] == 2019
    good = upload(
        up,
        csv_bytes(
            f"{scheda},2020,stato,,conclusa,100,,,,,",
            f"{scheda},2020,indicatore,,,,1,31,,,",
            f"{scheda},2020,cronologia,2020-11-30,,,,,,,Intervento concluso",
        ),
    )
    assert good.status_code == 303
    listing = plain(text(up.get("/piano/monitoraggio")))
    assert "2020 Conclusa 100%" in listing

    # The public scheda: status, progress, timeline, indicator table and chart data; bodies, not names.
    public = text(app.test_client().get(f"/schede/{scheda}"))
    assert 'id="monitoraggio"' in public and "Conclusa" in public and "avanzamento 100%" in public
    assert "Avviato il gruppo" in public and "Intervento concluso" in public
    assert "Rita" not in public and "(Ufficio di Piano)" in public
    chart = re.search(r'id="monitoring-chart">(.*?)</script>', public, re.S)[1]
    assert '"progress": [null, 35, 100]' in chart and '"values": [null, 15.5, 31.0]' in chart
    assert 'id="monitoring-years-table"' in public and "js/monitoring.js" in public
    assert re.search(r"<th scope=\"row\">2019</th><td>[^<]*</td><td class=\"num\">15,5</td>", public)

    # The lab's page: what became of its priorities, and how the action is doing now.
    lab = text(app.test_client().get("/laboratori/dimissioni-difficili"))
    assert "Cosa è successo alle nostre proposte" in lab
    assert re.search(rf'data-scheda-id="{scheda}".*?Conclusa, avanzamento 100% \(2020\)', lab, re.S)

    # The overview by area, the annual report, the open data.
    overview = plain(text(app.test_client().get("/monitoraggio")))
    assert "Conclusa: 1" in overview
    report = app.test_client().get("/monitoraggio.md?anno=2019").get_data(as_text=True)
    assert "Monitoraggio 2019" in report and "Avviato il gruppo" in report
    assert "| 15,5 |" in report and "15,50" not in report  # a measure, not an amount
    assert app.test_client().get("/monitoraggio.md?anno=2031").status_code == 404
    latest = app.test_client().get("/monitoraggio.md").get_data(as_text=True)  # the latest year reported
    assert "Monitoraggio 2020" in latest and "Intervento concluso" in latest
    assert app.test_client().get("/monitoraggio.pdf?anno=2020").data.startswith(b"%PDF")
    zipped = app.test_client().get(f"/dati-aperti/{PROCESS_SLUG}.zip").data
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        rows = z.read("monitoraggio.csv").decode().splitlines()
    assert rows[1].startswith(f'{scheda},2019,"in_corso",35,')
    assert rows[2].startswith(f'{scheda},2020,"conclusa",100,')


def test_the_template_downloads_and_a_referente_sees_only_their_schede(app, scheda, people):
    got = people["referente"].get("/piano/monitoraggio/modello.csv")
    assert got.data.decode("utf-8-sig").startswith("scheda;anno;tipo;data;stato;avanzamento")
    # Its examples name the referente's scheda and a year of the plan: imported as
    # downloaded, every row is taken (it used to name scheda 12 of 2025, refused row by row).
    assert got.data.decode("utf-8-sig").splitlines()[1].startswith(f"{scheda};2018;stato;")
    imported = people["referente"].post(
        "/piano/monitoraggio/importa",
        data={
            "file": (io.BytesIO(got.data), "modello.csv"),
            "csrf_token": token(people["referente"], "/piano/monitoraggio"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert imported.status_code == 200, plain(text(imported))
    # Each count with its own plural (it read «1 anni di schede aggiornati»).
    assert "1 anno di una scheda aggiornato" in plain(text(imported))
    report = monitoring.of_action(app.extensions["workshop"].db, scheda)
    assert report["latest"]["status"] == "in_corso" and report["latest"]["year"] == 2018
    assert f'data-scheda-id="{scheda}"' in text(people["referente"].get("/piano/monitoraggio"))
    not_theirs = text(people["facilitator"].get("/piano/monitoraggio"))
    assert f'data-scheda-id="{scheda}"' not in not_theirs
    # Approved schede exist: a facilitator named to none is told why the list is empty.
    assert "Non sei referente di nessuna scheda approvata" in not_theirs


def test_the_annual_report_from_the_command_line_is_the_webs(app, scheda, team, tmp_path):
    from tests.injection import pdf_text
    from workshop.cli import cli

    db = app.extensions["workshop"].db
    monitoring.record(
        db, team["up"], scheda, 2019, status="avviata", progress="25", entry=("2019-09-09", "Avvio")
    )
    out = tmp_path / "m.md"
    runner = app.test_cli_runner()
    result = runner.invoke(
        cli, ["export", "monitoring", "--anno", "2019", "--format", "md", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    web = app.test_client().get("/monitoraggio.md?anno=2019").get_data(as_text=True)
    strip = lambda md: re.sub(r"\d{1,2} \w+ \d{4}", "", md)  # noqa: E731  (the day it was made)
    assert strip(out.read_text()) == strip(web) and "Avviata" in web
    assert runner.invoke(cli, ["export", "monitoring", "--anno", "2031", "--out", str(out)]).exit_code != 0
    pdf = tmp_path / "m.pdf"
    assert (
        runner.invoke(
            cli, ["export", "monitoring", "--anno", "2019", "--format", "pdf", "--out", str(pdf)]
        ).exit_code
        == 0
    )
    assert "Monitoraggio 2019" in pdf_text(pdf.read_bytes())


def test_an_approved_scheda_without_an_area_is_in_the_overview_too(app, scheda, team):
    from tests.helpers import body_decides
    from tests.monitoring_helpers import WHY
    from workshop.services import schede

    db = app.extensions["workshop"].db
    blank = schede.create_blank(db, team["up"], PROCESS_SLUG, "Intervento regionale senza area", "regionale")
    schede.transition(db, team["up"], blank, "revisione_up", WHY)
    schede.transition(db, team["up"], blank, "ristretta", WHY)
    body_decides(db, team, blank, "allargata", WHY)
    body_decides(db, team, blank, "approvata", WHY)
    page = plain(text(app.test_client().get("/monitoraggio")))
    assert "Schede senza area prevalente Nessuna" not in page
    assert re.search(
        r"Schede senza area prevalente .*Intervento regionale senza area ?non ancora rilevato", page
    )
