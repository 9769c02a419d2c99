"""The cabine as bodies over HTTP (issue 15): who may do what (role × action),
the whole scenario of the issue through the pages — two cabine with their
members, a meeting of the ristretta failing its quorum and refused, one that
decides, one of the allargata, minutes exported and frozen, the plan adopted by
an act — and drafts of the office kept out of every public output."""

# ruff: noqa: B023  (the requests of the matrix are made in the loop that builds them)
from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile

from tests.helpers import PROCESS_SLUG
from tests.live.test_plan_pages import admin, db_of, move, plain, text  # noqa: F401  (fixture)
from tests.live.test_staff_pages import sign_in
from workshop.services import cabine, schede

WHY = "Motivazione pubblica della decisione"


def csrf(http) -> str:
    """A form token for any client: staff pages carry the sign-out form, the sign-in page one too."""
    for path in ("/", "/accedi"):
        found = re.search(
            r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', http.get(path).get_data(as_text=True)
        )
        if found:
            return found[1]
    raise AssertionError("no form token")


def post(http, path, **data):
    return http.post(path, data={"csrf_token": csrf(http), **data})


def sent_to_ristretta(db, team, title: str) -> int:
    action_id = schede.create_blank(db, team["up"], PROCESS_SLUG, title, "regionale", "A")
    schede.transition(db, team["up"], action_id, "revisione_up", WHY)
    schede.transition(db, team["up"], action_id, "ristretta", WHY)
    return action_id


def members(db, team, body: str, n: int) -> list[int]:
    return [cabine.save_member(db, team["up"], body, f"Persona {i}", "Componente", "Ente") for i in range(n)]


# -- role × action ---------------------------------------------------------------------------------

ROLES = {
    "anonymous": None,
    "facilitator": "fac",
    "ufficio_piano": "ufficio",
    "ristretta": "ristretta",
    "allargata": "allargata",
    "admin": "capo",
}
EDITORS = {"ufficio_piano", "admin"}
RISTRETTA_KEEPERS = EDITORS | {"ristretta"}
PLAN = EDITORS | {"ristretta", "allargata"}
# action → roles that may run it (every other role must be refused for who it is)
EXPECTED = {
    "see the bodies": PLAN,
    "save a member": EDITORS,
    "set the quorum rule": EDITORS,
    "create a ristretta meeting": RISTRETTA_KEEPERS,
    "create an allargata meeting": EDITORS | {"allargata"},
    "see a meeting": PLAN,
    "edit a meeting": RISTRETTA_KEEPERS,
    "put a scheda on the agenda": RISTRETTA_KEEPERS,
    "take a scheda off the agenda": RISTRETTA_KEEPERS,
    "record the attendance": RISTRETTA_KEEPERS,
    "record a decision": RISTRETTA_KEEPERS,
    "approve the minutes": RISTRETTA_KEEPERS,
    "download the minutes": PLAN,
    "record the adoption": EDITORS,
    "see the public bodies": set(ROLES),
}


def outcome(response) -> str:
    """allowed, or refused for who asked (403, sent to sign in, or the service's «forbidden»)."""
    if response.status_code in (200, 303):
        return "allowed"
    if response.status_code == 403 or (
        response.status_code == 302 and "/accedi" in response.headers.get("Location", "")
    ):
        return "refused"
    if response.status_code == 422 and "Non hai i permessi" in text(response):
        return "refused"
    return f"unexpected {response.status_code}: {plain(text(response))[:300]}"


def test_every_new_action_by_every_role(app, team, admin):  # noqa: F811
    db = db_of(app)
    rist = members(db, team, "ristretta", 3)
    clients = {role: (sign_in(app, user)[0] if user else app.test_client()) for role, user in ROLES.items()}
    found = {}
    for role, http in clients.items():
        scheda = sent_to_ristretta(db, team, f"Scheda per {role}")
        meeting = cabine.create_meeting(db, team["up"], "ristretta", PROCESS_SLUG, cabine.today(), "Sala")
        other = sent_to_ristretta(db, team, f"Altra scheda per {role}")
        cabine.add_to_agenda(db, team["up"], meeting, other)
        fresh = cabine.create_meeting(db, team["up"], "ristretta", PROCESS_SLUG, cabine.today(), "Sala")
        cabine.add_to_agenda(db, team["up"], fresh, scheda)
        cabine.set_attendance(db, team["up"], fresh, rist)
        base = f"/cabine/riunioni/{meeting}"
        requests = {
            "see the bodies": lambda: http.get("/cabine"),
            "save a member": lambda: post(
                http, "/cabine/ristretta/componenti", nome="Nuova", ruolo="Componente"
            ),
            "set the quorum rule": lambda: post(
                http, "/cabine/allargata/numero-legale", regola="maggioranza"
            ),
            "create a ristretta meeting": lambda: post(
                http, "/cabine/ristretta/riunioni", giorno=cabine.today().isoformat(), luogo="Sala"
            ),
            "create an allargata meeting": lambda: post(
                http, "/cabine/allargata/riunioni", giorno=cabine.today().isoformat(), luogo="Sala"
            ),
            "see a meeting": lambda: http.get(base),
            "edit a meeting": lambda: post(
                http,
                base,
                azione="dati",
                giorno=cabine.today().isoformat(),
                luogo="Sala 2",
                verbale="Premessa",
            ),
            "put a scheda on the agenda": lambda: post(http, base, azione="odg_aggiungi", scheda=str(scheda)),
            "take a scheda off the agenda": lambda: post(http, base, azione="odg_togli", scheda=str(other)),
            "record the attendance": lambda: post(
                http, base, azione="presenze", presenti=[str(m) for m in rist]
            ),
            "record a decision": lambda: post(
                http,
                f"/cabine/riunioni/{fresh}",
                azione="decisione",
                scheda=str(scheda),
                esito="allargata",
                motivazione=WHY,
            ),
            "approve the minutes": lambda: post(http, f"/cabine/riunioni/{fresh}", azione="approva_verbale"),
            "download the minutes": lambda: http.get(f"{base}/verbale.md"),
            "record the adoption": lambda: post(
                http,
                "/cabine/adozione",
                atto="Accordo di Programma",
                organo="Comitato di Distretto",
                data="2019-04-10",
                numero="12",
            ),
            "see the public bodies": lambda: http.get("/cabine-di-regia"),
        }
        assert set(requests) == set(EXPECTED)
        for action, request in requests.items():
            found[(role, action)] = outcome(request())
    wanted = {
        (role, action): "allowed" if role in allowed else "refused"
        for action, allowed in EXPECTED.items()
        for role in ROLES
    }
    assert found == wanted


# -- the scenario of the issue, through the pages ---------------------------------------------------------


def meeting_id(response) -> int:
    assert response.status_code == 303, plain(text(response))[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def state(db, action_id) -> str:
    return schede.view(db, action_id)["state"]


def test_two_cabine_decide_at_their_meetings_the_minutes_are_frozen_and_the_plan_adopted(
    app,
    rows,
    team,
    admin,  # noqa: F811
):
    db = db_of(app)
    up, _ = sign_in(app, "ufficio")
    capo, _ = sign_in(app, "capo")
    today = cabine.today().isoformat()

    # Two cabine with their members: the ristretta of 5, the allargata of 19 (a representative per lab).
    for n in range(5):
        added = post(
            capo, "/cabine/ristretta/componenti", nome=f"Ristretta {n}", ruolo="Componente", ente="Comune"
        )
        assert added.status_code == 303
    labs = re.findall(r'name="laboratorio">.*?</select>', text(up.get("/cabine")), re.S)[0]
    lab_ids = re.findall(r'<option value="(\d+)"', labs)
    for n in range(19):
        lab = lab_ids[n - 12] if n >= 12 and n - 12 < len(lab_ids) else ""
        role = "Rappresentante del laboratorio" if lab else "Componente"
        added = post(
            up,
            "/cabine/allargata/componenti",
            nome=f"Allargata {n}",
            ruolo=role,
            ente="Ente",
            laboratorio=lab,
        )
        assert added.status_code == 303
    refused = post(up, "/cabine/allargata/componenti", nome="", ruolo="Componente")
    assert refused.status_code == 422 and "Un componente ha un nome" in text(refused)
    staff_page = plain(text(up.get("/cabine")))
    assert "oggi servono 3 presenti su 5 componenti in carica" in staff_page
    assert "oggi servono 10 presenti su 19 componenti in carica" in staff_page

    # Three schede sent by the Ufficio di Piano to the ristretta.
    ids = []
    for title in ("Punto unico per le dimissioni", "Casa della comunità", "Orientamento al lavoro"):
        ids.append(schede.create_blank(db, team["up"], PROCESS_SLUG, title, "ufficio", "A"))
        assert move(up, ids[-1], "revisione_up").status_code == 303
        assert move(up, ids[-1], "ristretta").status_code == 303
    first, second, third = ids
    # One account's click no longer decides for the body.
    ristretta, _ = sign_in(app, "ristretta")
    clicked = move(ristretta, first, "allargata")
    assert clicked.status_code == 422 and state(db, first) == "ristretta"

    # A meeting of the ristretta without its quorum: refused, nothing changes.
    failed = meeting_id(
        post(ristretta, "/cabine/ristretta/riunioni", giorno=today, luogo="Sala del Consiglio")
    )
    page = text(ristretta.get(f"/cabine/riunioni/{failed}"))
    present = re.findall(r'name="presenti" value="(\d+)"', page)
    assert len(present) == 5
    for action_id in ids:
        assert (
            post(
                ristretta, f"/cabine/riunioni/{failed}", azione="odg_aggiungi", scheda=str(action_id)
            ).status_code
            == 303
        )
    assert (
        post(ristretta, f"/cabine/riunioni/{failed}", azione="presenze", presenti=present[:2]).status_code
        == 303
    )
    no = post(
        ristretta,
        f"/cabine/riunioni/{failed}",
        azione="decisione",
        scheda=str(first),
        esito="allargata",
        motivazione=WHY,
    )
    assert no.status_code == 422 and "Manca il numero legale: presenti 2 su 5, ne servono almeno 3" in text(
        no
    )
    assert [state(db, i) for i in ids] == ["ristretta"] * 3
    assert 'data-quorum="no"' in text(ristretta.get(f"/cabine/riunioni/{failed}"))
    assert post(up, f"/cabine/riunioni/{failed}", azione="approva_verbale").status_code == 303
    assert "manca il numero legale" in up.get(f"/cabine/riunioni/{failed}/verbale.md").get_data(as_text=True)

    # The next meeting has its quorum and decides on the three.
    held = meeting_id(post(ristretta, "/cabine/ristretta/riunioni", giorno=today, luogo="Sala del Consiglio"))
    for action_id in ids:
        post(ristretta, f"/cabine/riunioni/{held}", azione="odg_aggiungi", scheda=str(action_id))
    assert (
        post(ristretta, f"/cabine/riunioni/{held}", azione="presenze", presenti=present[:4]).status_code
        == 303
    )
    too_many = post(
        ristretta,
        f"/cabine/riunioni/{held}",
        azione="decisione",
        scheda=str(first),
        esito="allargata",
        motivazione=WHY,
        favorevoli="4",
        contrari="1",
    )
    assert too_many.status_code == 422 and "non superano i presenti (4)" in text(too_many)
    decisions = [
        (first, "allargata", "Capofila, budget e indicatori definiti.", {"favorevoli": "4"}),
        (second, "allargata", "Pronta per la cabina di regia allargata.", {}),
        (third, "revisione_up", "Mancano gli indicatori di esito: torna all'Ufficio di Piano.", {}),
    ]
    for action_id, outcome_, why, votes in decisions:
        done = post(
            ristretta,
            f"/cabine/riunioni/{held}",
            azione="decisione",
            scheda=str(action_id),
            esito=outcome_,
            motivazione=why,
            **votes,
        )
        assert done.status_code == 303, plain(text(done))[:500]
    assert [state(db, i) for i in ids] == ["allargata", "allargata", "revisione_up"]

    # The allargata meets: 12 of 19 present; approves one, does not accept the other.
    allargata, _ = sign_in(app, "allargata")
    wide = meeting_id(post(allargata, "/cabine/allargata/riunioni", giorno=today, luogo="Sala del Tricolore"))
    page = text(allargata.get(f"/cabine/riunioni/{wide}"))
    assert f'<option value="{third}"' not in page  # not before the allargata
    for action_id in (first, second):
        post(allargata, f"/cabine/riunioni/{wide}", azione="odg_aggiungi", scheda=str(action_id))
    everyone = re.findall(r'name="presenti" value="(\d+)"', page)
    assert (
        post(allargata, f"/cabine/riunioni/{wide}", azione="presenze", presenti=everyone[:12]).status_code
        == 303
    )
    post(
        allargata,
        f"/cabine/riunioni/{wide}",
        azione="dati",
        giorno=today,
        luogo="Sala del Tricolore",
        verbale="Apre la seduta il **presidente**; comunicazioni sul bilancio.",
    )
    approved = post(
        allargata,
        f"/cabine/riunioni/{wide}",
        azione="decisione",
        scheda=str(first),
        esito="approvata",
        motivazione="Approvata: risponde alla priorità più votata.",
        favorevoli="10",
        contrari="1",
        astenuti="1",
    )
    assert approved.status_code == 303
    assert (
        post(
            allargata,
            f"/cabine/riunioni/{wide}",
            azione="decisione",
            scheda=str(second),
            esito="non_accolta",
            motivazione="Non accolta: sovrapposta a un intervento già finanziato.",
        ).status_code
        == 303
    )
    assert (state(db, first), state(db, second)) == ("approvata", "non_accolta")

    # Minutes: exported in every format, then frozen with their hash.
    for fmt, mime in (
        ("pdf", "application/pdf"),
        ("odt", "opendocument"),
        ("docx", "wordprocessingml"),
        ("md", "markdown"),
    ):
        got = allargata.get(f"/cabine/riunioni/{wide}/verbale.{fmt}")
        assert got.status_code == 200 and mime in got.headers["Content-Type"], fmt
    minutes = allargata.get(f"/cabine/riunioni/{wide}/verbale.md").get_data(as_text=True)
    assert (
        "Presenti 12 componenti su 19" in minutes
        and "Approvata: risponde alla priorità più votata." in minutes
    )
    assert "favorevoli 10, contrari 1, astenuti 1" in minutes and "presidente" in minutes
    assert post(allargata, f"/cabine/riunioni/{wide}", azione="approva_verbale").status_code == 303
    frozen = text(allargata.get(f"/cabine/riunioni/{wide}"))
    digest = re.search(r'<code id="minutes-hash">([0-9a-f]{64})</code>', frozen)[1]
    pdf = allargata.get(f"/cabine/riunioni/{wide}/verbale.pdf").data
    assert hashlib.sha256(pdf).hexdigest() == digest
    assert allargata.get(f"/cabine/riunioni/{wide}/verbale.pdf").data == pdf
    late = post(
        allargata, f"/cabine/riunioni/{wide}", azione="dati", giorno=today, luogo="Altrove", verbale=""
    )
    assert late.status_code == 422 and "verbale di questa riunione è approvato" in text(late)
    assert 'id="meeting-form"' not in frozen and 'class="decision-form"' not in frozen

    # The plan adopted by an act.
    adopted = post(
        up,
        "/cabine/adozione",
        atto="Accordo di Programma per il Piano di Zona",
        organo="Comitato di Distretto",
        data="2019-04-10",
        numero="12",
        collegamento="https://example.org/atti/12",
    )
    assert adopted.status_code == 303

    # What the public reads: the decision with its meeting, the adoption, the bodies.
    anyone = app.test_client()
    public = text(anyone.get(f"/schede/{first}"))
    assert (
        "Decisione presa nella riunione del" in public and "favorevoli 10, contrari 1, astenuti 1" in public
    )
    assert "Cabina di regia allargata" in public and "Cabina di regia ristretta" in public
    assert "Comitato di Distretto, atto n. 12 del 10 aprile 2019" in plain(public)
    assert 'href="https://example.org/atti/12"' in public
    assert "Comitato di Distretto" not in text(
        anyone.get(f"/schede/{second}")
    )  # not approved: no adoption line
    assert anyone.get(f"/schede/{third}").status_code == 404  # back with the office: a draft again
    plan = anyone.get("/piano/bozza.md").get_data(as_text=True)
    assert "Stato del documento: adottato — Accordo di Programma per il Piano di Zona" in plan
    assert "La Cabina di regia allargata ha approvato la scheda, in riunione (Sala del Tricolore)" in plan
    page = text(anyone.get("/cabine-di-regia"))
    assert re.search(r"<th scope=\"row\">Ristretta 0</th><td>Componente</td><td>Comune</td>", page)
    assert "<td>Rappresentante del laboratorio</td>" in page and "Componenti in carica: 19" in page
    # The public page says what a meeting needs today, as the staff page does.
    assert "(metà più uno); oggi servono 10 presenti." in page


# -- drafts are not public ------------------------------------------------------------------------------


def test_a_draft_of_the_office_is_reachable_through_no_public_path(app, rows, team):
    db = db_of(app)
    draft = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [rows[0].cluster_id])
    revising = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [rows[1].cluster_id])
    sent = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [rows[2].cluster_id])
    for n, action_id in enumerate((draft, revising, sent)):  # titles found nowhere else
        schede.update_fields(db, team["up"], action_id, {"titolo": f"Titolo riservato numero {n}"}, 1)
    titles = {i: schede.view(db, i)["title"] for i in (draft, revising, sent)}
    schede.transition(db, team["up"], revising, "revisione_up", WHY)
    schede.transition(db, team["up"], sent, "revisione_up", WHY)
    schede.transition(db, team["up"], sent, "ristretta", WHY)
    anyone = app.test_client()
    for hidden in (draft, revising):
        assert anyone.get(f"/schede/{hidden}").status_code == 404
        for fmt in ("md", "pdf", "odt", "docx"):
            assert anyone.get(f"/schede/{hidden}.{fmt}").status_code == 404
    assert anyone.get(f"/schede/{sent}").status_code == 200
    plan = anyone.get("/piano/bozza.md?stato=bozza&stato=revisione_up&stato=ristretta").get_data(as_text=True)
    assert titles[sent] in plan and titles[draft] not in plan and titles[revising] not in plan
    with zipfile.ZipFile(io.BytesIO(anyone.get(f"/dati-aperti/{PROCESS_SLUG}.zip").data)) as z:
        listed = [r["id"] for r in csv.DictReader(io.StringIO(z.read("schede.csv").decode(), newline=""))]
        everything = b"".join(z.read(name) for name in z.namelist()).decode("utf-8", "replace")
    assert listed == [str(sent)]
    assert titles[draft] not in everything and titles[revising] not in everything
    for slug in ("dimissioni-difficili", "lavoro-e-svantaggio-sociale"):
        lab = text(anyone.get(f"/laboratori/{slug}"))
        assert f"/schede/{draft}" not in lab and f"/schede/{revising}" not in lab
    assert f"/schede/{sent}" in "".join(
        text(anyone.get(f"/laboratori/{slug}"))
        for slug in ("dimissioni-difficili", "lavoro-e-svantaggio-sociale")
    )
    # The transparency and privacy pages say so.
    for path in ("/privacy", "/cabine-di-regia"):
        assert "cabina di regia ristretta" in plain(text(anyone.get(path))).lower(), path


def test_a_scheda_decided_at_another_meeting_is_no_longer_decided_on_here(app, team):
    """Two meetings of the ristretta with the same scheda on their agenda: once
    one decides, the other's page offers no decision on it (the body no longer
    has it before it; the step would be refused as a wrong transition), and its
    minutes do not say the scheda «resta all'esame dell'organo»."""
    db = db_of(app)
    present = members(db, team, "ristretta", 3)
    scheda = sent_to_ristretta(db, team, "Scheda su due ordini del giorno")
    first = cabine.create_meeting(db, team["up"], "ristretta", PROCESS_SLUG, cabine.today(), "Sala A")
    second = cabine.create_meeting(db, team["up"], "ristretta", PROCESS_SLUG, cabine.today(), "Sala B")
    for meeting in (first, second):
        cabine.add_to_agenda(db, team["up"], meeting, scheda)
        cabine.set_attendance(db, team["up"], meeting, present)
    cabine.decide(db, team["up"], second, scheda, "allargata", WHY)

    up, _ = sign_in(app, "ufficio")
    page = text(up.get(f"/cabine/riunioni/{first}"))
    assert f'class="decision-form" data-scheda-id="{scheda}"' not in page
    assert "La scheda non è più davanti a questo organo" in plain(page)
    keeps = re.search(r'value="odg_togli">\s*<input type="hidden" name="scheda" value="(\d+)">', page)
    assert keeps and keeps[1] == str(scheda)  # only taking it off the agenda is left
    minutes = up.get(f"/cabine/riunioni/{first}/verbale.md").get_data(as_text=True)
    assert "resta all'esame" not in minutes
    assert "Nessuna decisione in questa riunione" in minutes
    # The meeting that still has it before it keeps the form.
    other = sent_to_ristretta(db, team, "Scheda ancora davanti alla ristretta")
    cabine.add_to_agenda(db, team["up"], first, other)
    assert f'class="decision-form" data-scheda-id="{other}"' in text(up.get(f"/cabine/riunioni/{first}"))
