"""The plan's pages over HTTP: the cabina di regia's dashboard, the scheda editor
and its review, the public restituzione, and the exports; on the two sample
labs closed as the demo closes them."""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest

from tests.helpers import PROCESS_SLUG, body_decides, enrol_totp
from tests.live.test_staff_pages import sign_in, token
from workshop.services import accounts, schede

WHY = "Motivazione pubblica del passaggio di stato"
DECISION = "Approvata: risponde al bisogno più votato nei due laboratori."


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def plain(page: str) -> str:
    """The page's text without tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


def ranked_titles(page: str) -> list[str]:
    return [t.strip() for t in re.findall(r'<th scope="row" class="priority-title">([^<]+)', page)]


def ranks(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-cluster-id="\d+" data-rank="(\d+)">', page)]


def version_of(page: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page)[1])


def db_of(app):
    return app.extensions["workshop"].db


@pytest.fixture
def admin(app):
    made = accounts.create_user(db_of(app), "capo", "Amministratrice", "admin", "una password lunga")
    enrol_totp(db_of(app), made.id)
    return made


def create(http, *cluster_ids):
    return http.post(
        "/piano/schede", data={"csrf_token": token(http, "/piano"), "gruppo": [str(c) for c in cluster_ids]}
    )


def save(http, action_id, version, **fields):
    return http.post(
        f"/piano/schede/{action_id}",
        data={"csrf_token": token(http, f"/piano/schede/{action_id}"), "version": str(version), **fields},
    )


def move(http, action_id, target, motivation=WHY):
    return http.post(
        f"/piano/schede/{action_id}/stato",
        data={
            "csrf_token": token(http, f"/piano/schede/{action_id}"),
            "stato": target,
            "motivazione": motivation,
        },
    )


def test_every_plan_role_sees_the_ranked_priorities_and_a_facilitator_gets_403(app, rows, team, admin):
    for username in ("ufficio", "ristretta", "allargata", "capo"):
        http, signed_in = sign_in(app, username)
        if username != "capo":  # plan roles land on the plan, admins on the sessions
            assert signed_in.headers["Location"].endswith("/piano")
        page = http.get("/piano")
        assert page.status_code == 200, username
        body = text(page)
        titles = ranked_titles(body)
        assert titles[0].startswith("Punto unico distrettuale") and titles[1].startswith("Dal tirocinio")
        assert len(titles) == 8 and ranks(body) == list(range(1, 9))
        assert "Come si calcola l’indice" in body and "100 × (0,5 × Sn + 0,5 × Q)" in body
        assert 'id="chart-categories"' in body and 'id="table-categories"' in body
        # The chart's table repeats the index exactly as the ranking shows it.
        shown = re.findall(r'index-cell"><strong>([\d,]+)<', body)
        table = re.search(r'id="table-index">(.*?)</table>', body, re.S)[1]
        assert shown[:2] == ["69,6", "63,7"] and re.findall(r"<strong>([\d,]+)</strong>", table) == shown
        assert 'href="/piano"' in body  # the header link
        may_create = username in ("ufficio", "capo")
        assert ('id="create-form"' in body) is may_create
        assert ('name="gruppo"' in body) is may_create

    fac, _ = sign_in(app, "fac")
    assert fac.get("/piano").status_code == 403
    assert fac.get("/piano/schede/1").status_code == 403
    assert 'href="/piano"' not in text(fac.get("/facilitatore"))
    assert (
        fac.post(
            "/piano/schede",
            data={"csrf_token": token(fac, "/facilitatore"), "gruppo": [str(rows[0].cluster_id)]},
        ).status_code
        == 403
    )
    anonymous = app.test_client().get("/piano")
    assert anonymous.status_code == 302 and "/accedi" in anonymous.headers["Location"]


def test_filters_by_lab_and_area_and_the_areas_without_priorities(app, rows, team):
    http, _ = sign_in(app, "ristretta")
    lavoro = text(http.get("/piano?laboratorio=lavoro-e-svantaggio-sociale"))
    assert ranks(lavoro) == [2, 3, 6, 8]  # global ranks kept
    uncovered = re.search(r'id="uncovered-areas">(.*?)</div>', lavoro, re.S)[1]
    assert re.findall(r'data-area="(\w)"', uncovered) == ["A", "D"]
    assert '<option value="lavoro-e-svantaggio-sociale" selected>' in lavoro

    area_d = text(http.get("/piano?area=D"))
    assert [t.split(" ")[0] for t in ranked_titles(area_d)] == ["Caregiver"]
    assert "Ogni area del piano ha almeno una priorità" in area_d

    both = text(http.get("/piano?laboratorio=lavoro-e-svantaggio-sociale&area=A"))
    assert ranked_titles(both) == [] and "Nessuna priorità con questi filtri" in both

    unknown = http.get("/piano?laboratorio=nessuno&area=Z")
    assert unknown.status_code == 200 and len(ranked_titles(text(unknown))) == 8
    assert "Filtro non riconosciuto, ignorato: nessuno, Z" in text(unknown)


def test_a_scheda_from_two_priorities_through_the_whole_review(app, rows, team):
    up, _ = sign_in(app, "ufficio")
    first = rows[0]
    fifth = next(r for r in rows if r.title.startswith("Segnalazione"))
    refused = create(up)
    assert refused.status_code == 422 and "Scegli uno o più gruppi" in text(refused)
    made = create(up, first.cluster_id, fifth.cluster_id)
    assert made.status_code == 303
    action_id = int(made.headers["Location"].rsplit("/", 1)[1])
    editor = text(up.get(f"/piano/schede/{action_id}"))
    assert "Punto unico distrettuale e informazione alle famiglie / Segnalazione precoce" in editor
    assert version_of(editor) == 1 and "ha raccolto 19 punti su 60" in editor
    # Traceability: both clusters, their notes, dots and the results' hash.
    assert f"Gruppo {first.cluster_id}" in editor and f"Gruppo {fifth.cluster_id}" in editor
    assert "In totale: 33 punti su 60 (1 sessione)" in plain(editor) and first.snapshot_hash in editor
    dashboard = up.get("/piano").get_data(as_text=True)
    assert dashboard.count(f'href="/piano/schede/{action_id}" class="linked-scheda"') == 2

    # Edit as the Ufficio di Piano; a preview renders without saving.
    preview = save(up, action_id, 1, azione="anteprima", descrizione="Un *punto* unico")
    assert preview.status_code == 200 and "<em>punto</em>" in preview.get_data(as_text=True)
    assert version_of(text(up.get(f"/piano/schede/{action_id}"))) == 1
    saved = save(
        up,
        action_id,
        1,
        titolo="PUNTO — Punto unico",
        descrizione="Un *punto* unico",
        altre_aree_inviate="1",
        altre_aree=["E", "B"],
        area_prevalente="A",
    )
    assert saved.status_code == 303
    editor = text(up.get(f"/piano/schede/{action_id}"))
    assert version_of(editor) == 2 and "<em>punto</em>" in editor and "Scheda salvata: versione 2" in editor
    assert schede.view(db_of(app), action_id)["content"]["altre_aree"] == ["B", "E"]

    # Someone saved version 2 meanwhile: 409, and what was typed is kept.
    conflict = save(up, action_id, 1, destinatari="Famiglie e caregiver")
    assert conflict.status_code == 409
    assert "Qualcun altro ha modificato la scheda" in text(conflict)
    assert "Famiglie e caregiver</textarea>" in text(conflict)
    assert "confronto?da=1&amp;a=2" in conflict.get_data(as_text=True)
    assert version_of(text(conflict)) == 2  # saving again is a deliberate overwrite
    # A refused value is a 422 with the service's message, never a 500.
    assert save(up, action_id, 2, titolo="").status_code == 422

    # Each step needs a public motivation.
    without = move(up, action_id, "revisione_up", motivation="  ")
    assert without.status_code == 422 and "motivazione pubblica" in text(without)
    assert schede.view(db_of(app), action_id)["state"] == "bozza"
    assert move(up, action_id, "allargata").status_code == 422  # not a next step from bozza
    assert move(up, action_id, "revisione_up").status_code == 303
    assert move(up, action_id, "ristretta").status_code == 303

    # The ristretta fills capofila and indicators; the text is not theirs.
    ristretta, _ = sign_in(app, "ristretta")
    page = text(ristretta.get(f"/piano/schede/{action_id}"))
    assert re.search(r'<input type="text" id="titolo"[^>]*disabled', page)
    assert not re.search(r'<select id="capofila_tipo"[^>]*disabled', page)
    # Sending it on or back is the body's decision, at a meeting: no button for one account.
    assert 'data-target="allargata"' not in page and 'data-target="revisione_up"' not in page
    assert 'id="decided-at-meeting"' in page
    not_theirs = save(ristretta, action_id, 2, titolo="Un altro titolo")
    assert not_theirs.status_code == 422 and "non puoi modificare: Titolo" in text(not_theirs)
    filled = save(
        ristretta,
        action_id,
        2,
        capofila_inviato="1",
        capofila_tipo="ausl",
        capofila_specifica="AUSL di Reggio Emilia",
        indicatori_inviati="1",
        **{
            "indicatori-0-descrizione": "Riammissioni a 30 giorni",
            "indicatori-0-partenza": "14%",
            "indicatori-0-obiettivo_2020": "10%",
            "indicatori-0-fonte": "AUSL",
            "indicatori-1-descrizione": "",
            "indicatori-7-descrizione": "Famiglie informate",
            "indicatori-7-obiettivo_2019": "80%",
        },
    )
    assert filled.status_code == 303
    content = schede.view(db_of(app), action_id)["content"]
    assert content["capofila"] == {"tipo": "ausl", "specifica": "AUSL di Reggio Emilia"}
    assert [i["descrizione"] for i in content["indicatori"]] == [
        "Riammissioni a 30 giorni",
        "Famiglie informate",
    ]
    assert content["indicatori"][1]["obiettivi"] == {"2019": "80%"}
    early = ristretta.post(
        f"/piano/schede/{action_id}/osservazioni",
        data={"csrf_token": token(ristretta, f"/piano/schede/{action_id}"), "osservazione": "Troppo presto"},
    )
    assert early.status_code == 422
    clicked = move(ristretta, action_id, "allargata")
    assert clicked.status_code == 422 and "decisione della cabina di regia" in text(clicked)
    body_decides(db_of(app), team, action_id, "allargata", WHY)

    # The allargata observes and decides; then the scheda is frozen.
    allargata, _ = sign_in(app, "allargata")
    page = text(allargata.get(f"/piano/schede/{action_id}"))
    assert 'id="observation-form"' in page and "Puoi modificare" not in page
    observed = allargata.post(
        f"/piano/schede/{action_id}/osservazioni",
        data={
            "csrf_token": token(allargata, f"/piano/schede/{action_id}"),
            "osservazione": "Coinvolgere i medici di famiglia",
        },
    )
    assert observed.status_code == 303
    assert move(allargata, action_id, "approvata", DECISION).status_code == 422
    body_decides(db_of(app), team, action_id, "approvata", DECISION)
    final = text(allargata.get(f"/piano/schede/{action_id}"))
    assert "Coinvolgere i medici di famiglia" in final and DECISION in final
    assert "La scheda è chiusa" in final
    frozen = save(up, action_id, 3, titolo="Dopo")
    assert frozen.status_code == 422 and "La scheda è chiusa" in text(frozen)

    # Versions compared field by field, + and − marked in words and colour.
    diff = up.get(f"/piano/schede/{action_id}/confronto?da=2&a=3")
    assert diff.status_code == 200
    body = text(diff)
    assert 'data-field="capofila"' in body and 'data-field="titolo"' not in body
    assert re.search(
        r'class="diff-line diff-added">.*?<ins><span class="visually-hidden">Aggiunta: </span>'
        r"AUSL · AUSL di Reggio Emilia</ins>",
        body,
    )
    first_diff = text(up.get(f"/piano/schede/{action_id}/confronto?da=1&a=2"))
    assert re.search(r'class="diff-line diff-removed">.*?<del>.*?Punto unico distrettuale', first_diff)
    assert up.get(f"/piano/schede/{action_id}/confronto?da=1&a=9").status_code == 404
    assert up.get("/piano/schede/9999").status_code == 404


@pytest.fixture
def decided(app, rows, team):
    """A scheda from the first priority, approved by a named member of the allargata."""
    db = db_of(app)
    mario = schede.PlanActor(
        accounts.create_user(db, "mrossi", "Mario Rossi", "allargata", "una password lunga").id, "allargata"
    )
    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [rows[0].cluster_id])
    schede.transition(db, team["up"], action_id, "revisione_up", WHY)
    schede.transition(db, team["up"], action_id, "ristretta", WHY)
    schede.update_fields(
        db, team["ristretta"], action_id, {"capofila": {"tipo": "ausl", "specifica": "AUSL"}}, 1
    )
    body_decides(db, team, action_id, "allargata", WHY)
    schede.observe(db, mario, action_id, "Serve anche il sabato")
    body_decides(db, team, action_id, "approvata", DECISION)
    return action_id


def test_the_public_lab_page_gives_back_decisions_with_suppressed_counts(app, rows, decided):
    anyone = app.test_client()
    labs = text(anyone.get("/laboratori"))
    assert 'href="/laboratori/dimissioni-difficili"' in labs and "Dopo di noi" in labs
    assert "Nessuna sessione conclusa finora" in labs

    page = anyone.get("/laboratori/dimissioni-difficili")
    assert page.status_code == 200
    body = text(page)
    card = rf'data-cluster-id="{rows[0].cluster_id}"[^>]*>(.*?)</li>\s*<li class="priority-card"'
    first = re.search(card, body, re.S)[1]
    assert "Punto unico distrettuale" in first and "<strong>19</strong> punti su 60" in first
    assert 'data-state="approvata"' in first and "Approvata" in first and DECISION in first
    assert "Cabina di regia allargata" in first  # who decided, by role
    # Dots by groups of categories (3 groups of at least 5 voters in the samples'
    # rooms): larger counts published, the others «riservato», none under 5 shown.
    counts = re.findall(r'class="split-count">([^<]+)<', page.get_data(as_text=True))
    assert len(counts) == 4 * 3
    assert all(c == "riservato" or c == "0" or int(c) >= 5 for c in counts)
    assert any(c.isdigit() and int(c) >= 5 for c in counts)
    assert "Mario Rossi" not in body and "Non è ancora stata ripresa" in body
    assert rows[0].snapshot_hash in body

    public = anyone.get(f"/schede/{decided}")
    scheda = text(public)
    assert "Serve anche il sabato" in scheda and DECISION in scheda and "Mario Rossi" not in scheda
    assert 'data-field="capofila">AUSL – Specifica: AUSL<' in scheda and 'data-state="approvata"' in scheda
    assert re.search(
        r'data-column="cittadini">Cittadini e famiglie <strong class="split-count">'
        r"(riservato|\d+)</strong>",
        public.get_data(as_text=True),
    )
    staff, _ = sign_in(app, "ufficio")
    assert "Mario Rossi" in text(staff.get(f"/piano/schede/{decided}"))  # names only for staff

    assert "Questo laboratorio non ha ancora sessioni concluse" in text(anyone.get("/laboratori/dopo-di-noi"))
    assert anyone.get("/laboratori/nessuno").status_code == 404
    assert anyone.get("/schede/9999").status_code == 404


def test_every_export_downloads_with_its_type_and_name(app, rows, decided):
    anyone = app.test_client()
    zipped = anyone.get(f"/dati-aperti/{PROCESS_SLUG}.zip")
    assert zipped.status_code == 200 and zipped.mimetype == "application/zip"
    assert zipped.headers["Content-Disposition"] == f'attachment; filename="dati-aperti-{PROCESS_SLUG}.zip"'
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as z:
        names = set(z.namelist())
        assert {
            "laboratori.csv",
            "sessioni.csv",
            "contributi.csv",
            "gruppi.csv",
            "voti_per_categoria.csv",
            "schede.csv",
            "datapackage.json",
            "LICENSE.txt",
        } <= names
        assert z.read("gruppi.csv").decode("utf-8").startswith("id,sessione,laboratorio,titolo")
        split = z.read("voti_per_categoria.csv").decode("utf-8")
        assert split.split("\r\n")[0].endswith(",punti,riservato") and '"sì"' in split
    assert anyone.get("/dati-aperti/nessuno.zip").status_code == 404

    expected = {
        "md": "text/markdown",
        "odt": "application/vnd.oasis.opendocument.text",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf",
    }
    magic = {"md": b"# ", "odt": b"PK", "docx": b"PK", "pdf": b"%PDF"}
    for fmt, mime in expected.items():
        one = anyone.get(f"/schede/{decided}.{fmt}")
        assert one.status_code == 200 and one.mimetype == mime, fmt
        assert one.headers["Content-Disposition"] == f'attachment; filename="scheda-{decided}.{fmt}"'
        assert one.data.startswith(magic[fmt])
        plan = anyone.get(f"/piano/bozza.{fmt}")
        assert plan.status_code == 200 and plan.mimetype == mime, fmt
        assert plan.headers["Content-Disposition"] == (
            f'attachment; filename="bozza-piano-{PROCESS_SLUG}.{fmt}"'
        )
        # (the plan opens with its cover: the district, then the title)
        assert plan.data.startswith(magic[fmt] if fmt != "md" else b"Distretto di Reggio Emilia")
    markdown = anyone.get(f"/schede/{decided}.md").get_data(as_text=True)
    assert DECISION in markdown and "Mario Rossi" not in markdown
    assert anyone.get(f"/schede/{decided}.doc").status_code == 404
    assert anyone.get("/schede/9999.pdf").status_code == 404

    # Linked from the dashboard, the editor and the public pages.
    staff, _ = sign_in(app, "ufficio")
    dashboard = text(staff.get("/piano"))
    assert 'href="/piano/bozza.odt"' in dashboard and f'href="/dati-aperti/{PROCESS_SLUG}.zip"' in dashboard
    assert f'href="/schede/{decided}.pdf"' in text(staff.get(f"/piano/schede/{decided}"))
    assert f'href="/schede/{decided}.odt"' in text(anyone.get(f"/schede/{decided}"))
    assert f'href="/dati-aperti/{PROCESS_SLUG}.zip"' in text(anyone.get("/laboratori/dimissioni-difficili"))


def test_forms_without_a_csrf_token_are_refused(app, rows, team):
    up, _ = sign_in(app, "ufficio")
    assert up.post("/piano/schede", data={"gruppo": [str(rows[0].cluster_id)]}).status_code == 400


def test_the_support_line_counts_each_session_s_dots_once(app, rows, team):
    """Two priorities of one 60-dot session: 33 of 60, not «33 punti su 120»."""
    up, _ = sign_in(app, "ufficio")
    first = rows[0]
    fifth = next(r for r in rows if r.title.startswith("Segnalazione"))
    assert first.session_id == fifth.session_id and first.dots_available == 60
    made = create(up, first.cluster_id, fifth.cluster_id)
    editor = plain(text(up.get(made.headers["Location"])))
    assert "In totale: 33 punti su 60" in editor, re.findall(r"In totale[^.]*", editor)
