"""Programming periods over HTTP (issue 14): the admin creates a process and a
programma attuativo from /admin/piano; the public lab pages, the dashboard,
the plan's document and the open data are per process (the previous one still
readable) and per programme; the rollover's proposals are confirmed one by one
on the programme's page."""

from __future__ import annotations

import re

from tests.helpers import PLAN_PASSWORD, PROCESS_SLUG, draft_approved_refused
from tests.live.test_plan_pages import admin, plain, text  # noqa: F401  (fixture)
from tests.live.test_staff_pages import sign_in, token
from workshop.services import periods, schede
from workshop.services.consolidation import consolidate

NEW = "pdz-2021-2023"
NEW_TITLE = "Piano di Zona per la salute e il benessere sociale 2021-2023"


def new_process(capo, **extra):
    return capo.post(
        "/admin/piano",
        data={
            "csrf_token": token(capo, "/admin/piano"),
            "azione": "nuovo_percorso",
            "slug": NEW,
            "titolo_percorso": NEW_TITLE,
            "anno_inizio": "2021",
            "anno_fine": "2023",
            "laboratori": ["dimissioni-difficili", "dopo-di-noi"],
            **extra,
        },
    )


def test_the_admin_makes_a_new_current_process_and_the_previous_stays_readable(
    app,
    closed_labs,
    admin,  # noqa: F811  (the fixture)
    facilitator,
):
    capo, _ = sign_in(app, "capo", "una password lunga")
    refused = new_process(capo, anno_fine="2035")
    assert refused.status_code == 422 and "«anni»" in text(refused)
    assert NEW not in text(capo.get("/admin/piano"))  # nothing made
    made = new_process(capo, corrente="1")
    assert made.status_code == 303 and made.headers["Location"].endswith(f"percorso={NEW}")
    settings = plain(text(capo.get("/admin/piano")))
    assert f"{NEW_TITLE} corrente" in settings

    http = app.test_client()
    labs = plain(text(http.get("/laboratori")))
    assert NEW_TITLE in labs and "Dimissioni difficili Nessuna sessione conclusa finora." in labs
    assert "Lavoro e svantaggio sociale" not in labs  # not taking part in the new process
    old = plain(text(http.get(f"/laboratori?percorso={PROCESS_SLUG}")))
    assert "Dimissioni difficili 1 sessione conclusa" in old
    # The lab page opens on the current process and links to the previous one.
    page = text(http.get("/laboratori/dimissioni-difficili"))
    assert "data-session-id" not in page
    assert f'href="/laboratori/dimissioni-difficili?percorso={PROCESS_SLUG}"' in page
    previous = text(http.get(f"/laboratori/dimissioni-difficili?percorso={PROCESS_SLUG}"))
    assert f'data-session-id="{closed_labs[0].id}"' in previous
    assert http.get("/laboratori/dimissioni-difficili?percorso=nessuno").status_code == 404
    # One programma attuativo of the previous process: its meetings (none were held for it).
    periods.add_programme(
        app.extensions["workshop"].db,
        schede.PlanActor(admin.id, "admin"),
        periods.resolve(app.extensions["workshop"].db, PROCESS_SLUG).process.id,
        2019,
    )
    narrowed = text(http.get(f"/laboratori/dimissioni-difficili?percorso={PROCESS_SLUG}&programma=2019"))
    assert "Programma attuativo 2019" in narrowed and "data-session-id" not in narrowed
    assert (
        http.get(f"/laboratori/dimissioni-difficili?percorso={PROCESS_SLUG}&programma=2021").status_code
        == 404
    )
    # A lab only in the previous process: its page is that process's.
    only_old = text(http.get("/laboratori/lavoro-e-svantaggio-sociale"))
    assert f'data-session-id="{closed_labs[1].id}"' in only_old

    # The facilitator's form offers the labs of the current process only.
    fabia, _ = sign_in(app, "fabia", "una password lunga")
    form = text(fabia.get("/facilitatore"))
    assert NEW_TITLE in form and 'value="dopo-di-noi"' in form
    assert 'value="lavoro-e-svantaggio-sociale"' not in form
    # Their meetings of the previous process say which process they were in.
    assert re.search(
        r'class="session-process">'
        + re.escape("Piano di Zona per la salute e il benessere sociale 2018-2020"),
        form,
    )


def test_dashboard_documents_and_open_data_per_process_and_programme(app, closed_labs, admin, team):  # noqa: F811
    db = app.extensions["workshop"].db
    rows = consolidate(db, PROCESS_SLUG).rows
    action_id = draft_approved_refused(db, team, rows[:3])[1]
    capo, _ = sign_in(app, "capo", "una password lunga")
    assert (
        capo.post(
            "/admin/piano",
            data={"csrf_token": token(capo, "/admin/piano"), "azione": "programma", "anno": "2019"},
        ).status_code
        == 303
    )
    programme = periods.resolve(db, PROCESS_SLUG, 2019).programme

    # Who may see and change a programme: the plan's roles read, a facilitator or
    # anyone signed out may not; the ristretta reads without the forms.
    assert app.test_client().get(f"/piano/programmi/{programme.id}").status_code in (302, 401)
    fac, _ = sign_in(app, "fac", PLAN_PASSWORD)
    assert fac.get(f"/piano/programmi/{programme.id}").status_code == 403
    ristretta, _ = sign_in(app, "ristretta", PLAN_PASSWORD)
    seen = ristretta.get(f"/piano/programmi/{programme.id}")
    assert seen.status_code == 200 and seen.headers["Cache-Control"] == "no-store"
    assert "Conferma nel programma" not in text(seen)
    assert (
        ristretta.post(
            f"/piano/programmi/{programme.id}/conferma",
            data={
                "csrf_token": token(ristretta, f"/piano/programmi/{programme.id}"),
                "scheda": str(action_id),
                "preventivo-ausl": "10",
            },
        ).status_code
        == 403
    )

    up, _ = sign_in(app, "ufficio", PLAN_PASSWORD)
    page = text(up.get(f"/piano/programmi/{programme.id}"))
    assert "Nessuna scheda ancora confermata." in page and f'data-scheda-id="{action_id}"' in page
    form = {"csrf_token": token(up, f"/piano/programmi/{programme.id}"), "scheda": str(action_id)}
    bad = up.post(f"/piano/programmi/{programme.id}/conferma", data={**form, "preventivo-ausl": ""})
    assert bad.status_code == 422 and "almeno un importo" in text(bad)
    good = up.post(
        f"/piano/programmi/{programme.id}/conferma",
        data={**form, "preventivo-fondo_sociale_locale": "20.000"},
    )
    assert good.status_code == 303
    page = plain(text(up.get(f"/piano/programmi/{programme.id}")))
    assert "nuova Fondo sociale locale: 20.000,00" in page and "Da confermare" not in page
    # The scheda's pages say which programmes it is in.
    public = plain(text(app.test_client().get(f"/schede/{action_id}")))
    assert "Nei programmi attuativi: 2019 (nuova)" in public
    assert f'href="/piano/programmi/{programme.id}">2019</a>' in text(up.get(f"/piano/schede/{action_id}"))
    # Confirmed by mistake: taken out, it is proposed again; confirmed again.
    assert up.post(f"/piano/programmi/{programme.id}/togli", data=form).status_code == 303
    assert "Da confermare" in text(up.get(f"/piano/programmi/{programme.id}"))
    assert (
        up.post(
            f"/piano/programmi/{programme.id}/conferma",
            data={**form, "preventivo-fondo_sociale_locale": "20.000"},
        ).status_code
        == 303
    )

    # The dashboard: the whole process, one programme (its meetings: none yet), another process.
    assert len(re.findall(r"<tr data-cluster-id=", text(up.get("/piano")))) == len(rows)
    assert re.findall(r"<tr data-cluster-id=", text(up.get("/piano?programma=2019"))) == []
    assert up.get("/piano?programma=2018").status_code == 404
    assert up.get("/piano?percorso=nessuno").status_code == 404

    document = up.get("/piano/bozza.md?programma=2019")
    assert document.headers["Content-Disposition"].endswith(f'bozza-piano-{PROCESS_SLUG}-2019.md"')
    body = document.get_data(as_text=True).replace("\\", "")
    assert "Programma attuativo 2019" in body and "20.000,00" in body
    data = app.test_client().get(f"/dati-aperti/{PROCESS_SLUG}.zip?programma=2019")
    assert data.headers["Content-Disposition"].endswith(f'dati-aperti-{PROCESS_SLUG}-2019.zip"')
    assert app.test_client().get(f"/dati-aperti/{PROCESS_SLUG}.zip?programma=2030").status_code == 404

    # Only the admin approves; after that the programme no longer changes.
    assert (
        up.post(
            f"/piano/programmi/{programme.id}/approva",
            data={"csrf_token": form["csrf_token"], "atto": "Delibera 1"},
        ).status_code
        == 403
    )
    approved = capo.post(
        f"/piano/programmi/{programme.id}/approva",
        data={
            "csrf_token": token(capo, f"/piano/programmi/{programme.id}"),
            "atto": "Delibera n. 3 del 12 febbraio 2019",
        },
    )
    assert approved.status_code == 303
    assert "approvato — Delibera n. 3" in plain(text(capo.get(f"/piano/programmi/{programme.id}")))
