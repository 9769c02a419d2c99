"""Consolidation and schede intervento on the sample labs, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.helpers import PROCESS_SLUG, body_decides
from workshop.domain.errors import Rejected
from workshop.services import schede
from workshop.services.consolidation import consolidate

WHY = "Motivazione pubblica per il passaggio"


def titles(rows):
    return [r.title.split(" ")[0] for r in rows]


def test_all_labs_ranked_together_as_worked_out_by_hand(db, closed_labs):
    result = consolidate(db, PROCESS_SLUG)
    assert [round(r.index, 2) for r in result.rows][:6] == [69.58, 63.75, 61.67, 58.75, 50.83, 49.58]
    assert titles(result.rows)[:6] == ["Punto", "Dal", "Barriere", "Soluzioni", "Segnalazione", "Presa"]
    first = result.rows[0]
    assert (first.dots, first.dots_available, first.scores["urgenza"]) == (19, 60, 5)
    assert sum(first.by_category.values()) == 19 and 0 < first.breadth <= 1
    assert [r.rank for r in result.rows] == list(range(1, 9))
    # Every plan area has at least one priority in the samples (D only through A4).
    assert result.areas_without_priority == []


def test_filters_by_lab_and_area_keep_global_ranks(db, closed_labs):
    lavoro = consolidate(db, PROCESS_SLUG, lab="lavoro-e-svantaggio-sociale")
    assert [r.rank for r in lavoro.rows] == [2, 3, 6, 8]
    assert lavoro.areas_without_priority == ["A", "D"]  # the lab's clusters are C, E, B only
    area_d = consolidate(db, PROCESS_SLUG, area="D")
    assert titles(area_d.rows) == ["Caregiver"]


def test_public_rows_carry_the_publishable_split_only(db, closed_labs):
    row = consolidate(db, PROCESS_SLUG).rows[0]
    public = row.public()
    assert "by_category" not in public and "breadth" not in public
    assert [c["key"] for c in public["split_columns"]] == ["cittadini", "terzo_settore", "enti_pubblici"]
    assert all(v is None or v == 0 or v >= 5 for v in public["split"].values())
    published = sum(v for v in public["split"].values() if v)
    assert published <= row.dots and (published == row.dots) == (None not in public["split"].values())


def test_a_scheda_from_draft_to_decision(db, closed_labs, team):
    rows = consolidate(db, PROCESS_SLUG).rows
    a2, a1 = rows[0], next(r for r in rows if r.title.startswith("Segnalazione"))
    with pytest.raises(Rejected) as e:
        schede.create_from_clusters(db, team["fac"], PROCESS_SLUG, [a2.cluster_id])
    assert e.value.code == "field_not_editable"
    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [a2.cluster_id, a1.cluster_id])
    draft = schede.view(db, action_id)
    assert draft["state"] == "bozza" and draft["version"] == 1
    assert "ha raccolto 19 punti su 60 (il più votato della sessione)" in draft["content"]["razionale"]
    assert draft["content"]["azioni"][0]["testo"] and draft["content"]["azioni"][0]["periodo"] == ""
    assert [c["cluster_id"] for c in draft["content"]["tracciabilita"]["clusters"]] == [
        a2.cluster_id,
        a1.cluster_id,
    ]
    assert consolidate(db, PROCESS_SLUG).rows[0].actions == [
        {"id": action_id, "title": draft["title"], "state": "bozza"}
    ]

    v2 = schede.update_fields(
        db, team["up"], action_id, {"titolo": "PUNTO — Punto unico", "descrizione": "Un *punto* unico"}, 1
    )
    with pytest.raises(Rejected) as e:  # someone else saved version 2 meanwhile
        schede.update_fields(db, team["up"], action_id, {"destinatari": "x"}, 1)
    assert e.value.code == "version_conflict"
    assert schede.view(db, action_id)["html"]["descrizione"] == "<p>Un <em>punto</em> unico</p>"

    schede.transition(db, team["up"], action_id, "revisione_up", WHY)
    schede.transition(db, team["up"], action_id, "ristretta", WHY)
    with pytest.raises(Rejected) as e:
        schede.update_fields(db, team["ristretta"], action_id, {"titolo": "Altro"}, v2)
    assert e.value.code == "field_not_editable"
    v3 = schede.update_fields(
        db,
        team["ristretta"],
        action_id,
        {
            "capofila": {"tipo": "ausl", "specifica": "AUSL di Reggio Emilia"},
            "preventivo": {"importi": {"frna": {"2019": "35.000"}}, "note": "Totale € 95.000"},
            "indicatori": [
                {
                    "descrizione": "Riammissioni a 30 giorni",
                    "partenza": "14%",
                    "obiettivi": {"2020": "10%"},
                    "fonte": "AUSL",
                    "periodicita": "annuale",
                }
            ],
        },
        v2,
    )
    for who in ("up", "ristretta"):  # the body's step: only at a meeting of the body
        with pytest.raises(Rejected) as e:
            schede.transition(db, team[who], action_id, "allargata", WHY)
        assert e.value.code == "decided_at_meeting"
    body_decides(db, team, action_id, "allargata", WHY)
    schede.observe(db, team["allargata"], action_id, "Coinvolgere i medici di famiglia")
    body_decides(db, team, action_id, "approvata", "Approvata all'unanimità")
    with pytest.raises(Rejected) as e:
        schede.update_fields(db, team["up"], action_id, {"titolo": "Dopo"}, v3)
    assert e.value.code == "scheda_frozen"

    final = schede.view(db, action_id, public=True)
    assert final["state"] == "approvata" and final["version"] == 3
    last = final["transitions"][-1]  # the body's, at its meeting: not a person's click
    assert (last["to"], last["by"], last["body"]) == ("approvata", None, "allargata")
    assert last["meeting"]["body"] == "allargata"
    assert final["observations"][0]["text"] == "Coinvolgere i medici di famiglia"
    assert final["content"]["indicatori"][0]["obiettivi"] == {"2020": "10%"}
    assert final["content"]["preventivo"]["importi"] == {"frna": {"2019": 3_500_000}}
    changes = {c["field"]: c["lines"] for c in schede.diff(db, action_id, 2, 3)}
    assert set(changes) == {"capofila", "preventivo", "indicatori"}
    assert "+AUSL · AUSL di Reggio Emilia" in changes["capofila"]
    assert "+FRNA (Fondo regionale per la non autosufficienza) 2019: € 35.000,00" in changes["preventivo"]


def test_only_clusters_of_closed_sessions_become_schede(db, closed_labs, team, facilitator):
    from workshop.seed import create_session

    open_session = create_session(db, "dopo-di-noi", "Aperta", owner_id=facilitator.id)
    with pytest.raises(Rejected) as e:
        schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [999_999, open_session.id])
    assert e.value.code == "clusters_invalid"


def test_control_characters_typed_anywhere_never_reach_the_database(db, closed_labs, team, facilitator):
    """PostgreSQL refuses a NUL in text (the form answered 500): every text a person
    types loses its control characters, as notes always did."""
    from workshop.seed import create_session
    from workshop.storage.models import LiveSession

    made = create_session(
        db,
        "dopo-di-noi",
        "Titolo\x00 con\x07 controlli",
        "Domanda\x00\r\nsu due righe",
        owner_id=facilitator.id,
    )
    with db.reader() as s:
        live = s.get(LiveSession, made.id)
    assert (live.title, live.guiding_question) == ("Titolo con controlli", "Domanda\nsu due righe")
    row = consolidate(db, PROCESS_SLUG).rows[0]
    action_id = schede.create_from_clusters(db, team["up"], PROCESS_SLUG, [row.cluster_id])
    schede.update_fields(
        db,
        team["up"],
        action_id,
        {
            "descrizione": "Uno\x00 due\x1b[31m",
            "indicatori": [
                {"descrizione": "Tempo\x00", "partenza": "", "obiettivi": {}, "fonte": "", "periodicita": ""}
            ],
        },
        1,
    )
    schede.transition(db, team["up"], action_id, "revisione_up", "Motivazione\x00 pubblica valida")
    content = schede.view(db, action_id)
    assert content["content"]["descrizione"] == "Uno due[31m"
    assert content["content"]["indicatori"][0]["descrizione"] == "Tempo"
    assert content["transitions"][0]["motivation"] == "Motivazione pubblica valida"


def test_a_scheda_without_a_lab_priority_says_where_it_comes_from(db, closed_labs, team):
    """Regional and continuing interventions are in every plan: no cluster behind them."""
    with pytest.raises(Rejected) as e:
        schede.create_blank(db, team["up"], PROCESS_SLUG, "Fondo povertà", "laboratori")
    assert e.value.code == "origin_invalid"
    with pytest.raises(Rejected) as e:
        schede.create_blank(db, team["ristretta"], PROCESS_SLUG, "Fondo povertà", "regionale")
    assert e.value.code == "field_not_editable"
    action_id = schede.create_blank(
        db, team["up"], PROCESS_SLUG, "Misure di contrasto alla povertà", "continuita", "B"
    )
    view = schede.view(db, action_id)
    assert view["content"]["tracciabilita"] == {"origine": "continuita", "clusters": []}
    assert view["content"]["continuita"] == "si" and view["content"]["area_prevalente"] == "B"
    assert view["version"] == 1 and view["state"] == "bozza"
    listed = {a["id"]: a for a in schede.list_actions(db, PROCESS_SLUG)}
    assert listed[action_id]["cluster_ids"] == [] and listed[action_id]["origin"] == "continuita"


def test_a_scheda_stored_in_the_first_shape_opens_edits_and_compares(db, closed_labs, team):
    from workshop.storage.models import PlanAction, PlanActionVersion

    action_id = schede.create_blank(db, team["up"], PROCESS_SLUG, "Vecchia scheda", "ufficio", "A")
    old = {
        "titolo": "Vecchia scheda",
        "area_prevalente": "A",
        "altre_aree": [],
        "razionale": "R",
        "descrizione": "",
        "destinatari": "",
        "azioni": "1. Primo\n2. Secondo",
        "attori": "",
        "risorse": "",
        "capofila": "Comune di Reggio Emilia",
        "preventivo": "Totale € 10.000",
        "indicatori": [{"indicatore": "Accessi", "baseline": "0", "target": "100", "fonte": "Comune"}],
        "tracciabilita": {"clusters": []},
    }
    with db.transaction() as s:
        s.get(PlanAction, action_id).content = old
        s.exec(select(PlanActionVersion).where(PlanActionVersion.action_id == action_id)).one().content = old
    view = schede.view(db, action_id)
    assert [a["testo"] for a in view["content"]["azioni"]] == ["Primo", "Secondo"]
    assert view["content"]["capofila"]["specifica"] == "Comune di Reggio Emilia"
    assert view["content"]["indicatori"][0]["obiettivi"] == {"2020": "100"}
    # Saving the same values in the new shape is no change; a real change makes version 2.
    assert schede.update_fields(db, team["up"], action_id, {"capofila": view["content"]["capofila"]}, 1) == 1
    assert (
        schede.update_fields(
            db,
            team["up"],
            action_id,
            {"capofila": {"tipo": "comune", "specifica": "Comune di Reggio Emilia"}},
            1,
        )
        == 2
    )
    changes = {c["field"]: c["lines"] for c in schede.diff(db, action_id, 1, 2)}
    assert set(changes) == {"capofila"}
