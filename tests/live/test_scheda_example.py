"""The fictitious scheda of data/example_scheda.md, entered field by field in
the editor by the Ufficio di Piano and the cabina di regia ristretta, taken
through the review, then read back from the public page and from every
export format (Markdown, ODT, DOCX, PDF), field by field."""

from __future__ import annotations

import html
import io
import re
import zipfile
from importlib import resources

import pytest

from tests.helpers import PROCESS_SLUG, body_decides
from tests.injection import docx_text, odt_text, pdf_text, squeeze
from tests.live.test_plan_pages import create, move, save, sign_in, text, version_of
from workshop.services import schede

EXAMPLE = resources.files("workshop").joinpath("data/example_scheda.md").read_text()

TITLE = "PUNTO — Punto unico distrettuale per le dimissioni protette e la continuità ospedale-territorio"
CAPOFILA = (
    "AUSL di Reggio Emilia, Distretto di Reggio Emilia, in co-titolarità con il Comune di Reggio "
    "Emilia (Servizio sociale) per conto dei Comuni e delle Unioni del distretto"
)
RAZIONALE = (
    "Nel laboratorio sono emersi tre nodi ricorrenti: dimissioni comunicate all'ultimo momento o a "
    "ridosso del fine settimana, famiglie che non sanno a chi rivolgersi e ricevono informazioni "
    "frammentate su contributi e assistenza, assenza di un indicatore condiviso per capire se il "
    "rientro a casa ha funzionato."
)
DESCRIZIONE = (
    "Si attiva un punto unico distrettuale (telefono, e-mail e presenza fisica nella Casa della "
    "Salute di riferimento) che riceve le segnalazioni precoci dai reparti, coordina la "
    "valutazione congiunta sanitaria e sociale, individua un operatore di riferimento per "
    "ciascuna persona e informa la famiglia sulle opportunità disponibili prima della dimissione."
)
DESTINATARI = (
    "Persone ricoverate con fragilità sociale o sanitaria residenti nel distretto (in particolare "
    "anziani soli, persone non autosufficienti, persone senza dimora) e i loro "
    "familiari/caregiver; "
    "operatori ospedalieri, sociali e delle cure primarie."
)
AZIONI = [
    (
        "Protocollo di segnalazione entro 48 ore dal ricovero per i pazienti con criteri di fragilità",
        "mesi 1–4",
    ),
    (
        "Scheda di valutazione unica condivisa tra reparto, assistente sociale e medico di medicina generale",
        "mesi 2–6",
    ),
    (
        "Apertura del punto unico con orario esteso, compreso il sabato mattina, e operatore di riferimento "
        "per ogni caso",
        "mese 6",
    ),
    (
        "Materiale informativo in linguaggio semplice (anche in altre lingue) su assegno di cura, contributi "
        "per assistenti familiari, sportelli e ausili",
        "mesi 4–8",
    ),
    (
        "Invio della lettera di dimissione al medico di famiglia nello stesso giorno tramite il fascicolo "
        "sanitario",
        "mesi 3–9",
    ),
    (
        "Monitoraggio trimestrale congiunto delle riammissioni entro 30 giorni, "
        "discusso con il Terzo settore",
        "dal mese 9",
    ),
]
COLLEGATE = (
    "Soluzioni ponte (cluster A3: assistenza domiciliare entro 24 ore, posti di sollievo, "
    "convalescenza per persone senza dimora) da valutare in una scheda collegata; formazione dei "
    "caregiver (cluster A4)."
)
ATTORI = (
    "AUSL (reparti ospedalieri, Distretto, Case della Salute, cure primarie), Comune di Reggio "
    "Emilia e "
    "Unioni del distretto (servizio sociale territoriale), ASP Reggio Emilia – Città delle Persone, "
    "cooperative sociali accreditate per l'assistenza domiciliare, associazioni di volontariato e di "
    "familiari, organizzazioni sindacali dei pensionati."
)
REFERENTI = (
    "Responsabile del punto unico (AUSL); referente sociale distrettuale (Comune); referente Ufficio di Piano"
)
RISORSE = (
    "Volontari formati per accompagnamento e spesa nei primi giorni (disponibilità dichiarata da "
    "un'associazione); locali nella Casa della Salute; elenco condiviso delle risorse territoriali."
)
# Totale 2019: € 95.000
BUDGET = {"fondo_sociale_locale": "20.000", "quota_comuni": "15.000", "frna": "35.000", "ausl": "25.000"}
INDICATORI = [
    (
        "% pazienti fragili segnalati entro 48 h dal ricovero",
        "da rilevare",
        "≥ 70%",
        "sistema di segnalazione",
        "trimestrale",
    ),
    (
        "Riammissioni non programmate entro 30 gg (pazienti seguiti dal punto unico)",
        "da rilevare",
        "−10%",
        "AUSL",
        "trimestrale",
    ),
    (
        "Giorni tra dimissione e attivazione del domiciliare",
        "da rilevare",
        "≤ 1",
        "servizio sociale / cooperative",
        "semestrale",
    ),
    (
        "Famiglie che dichiarano di aver ricevuto informazioni chiare prima della dimissione",
        "—",
        "≥ 80%",
        "questionario breve",
        "annuale",
    ),
]
REGIONAL = ("1", "Case della salute e Medicina d'iniziativa")  # not in the example: added here


def test_the_example_is_transcribed_as_written():
    """Every value entered below is the example's own text."""
    flat = " ".join(EXAMPLE.split())
    pieces = [
        TITLE,
        "RE-PDZ-A-07",
        CAPOFILA,
        RAZIONALE,
        DESCRIZIONE,
        DESTINATARI,
        COLLEGATE,
        ATTORI,
        REFERENTI,
        RISORSE,
        *(a for a, _ in AZIONI),
        *(p for _, p in AZIONI),
        *(cell for row in INDICATORI for cell in row),
    ]
    assert [p for p in pieces if " ".join(p.split()) not in flat] == []
    assert all(f"€ {amount}" in flat for amount in BUDGET.values()) and "Totale 2019: € 95.000" in flat


def ufficio_form() -> dict:
    form = {
        "titolo": TITLE,
        "rif_regionale_inviato": "1",
        "rif_regionale": [REGIONAL[0]],
        "rif_distrettuale": "RE-PDZ-A-07",
        "ambito_inviato": "1",
        "ambito_tipo": "distrettuale",
        "continuita_inviato": "1",
        "continuita": "in_parte",
        "community_lab_inviato": "1",
        "community_lab": "si",
        "area_prevalente": "A",
        "altre_aree_inviate": "1",
        "altre_aree": ["E"],
        "razionale": RAZIONALE,
        "descrizione": DESCRIZIONE,
        "destinatari": DESTINATARI,
        "azioni_inviate": "1",
        "attori": ATTORI,
        "risorse": RISORSE,
    }
    for n, (action, period) in enumerate(AZIONI):
        form[f"azioni-{n}-testo"], form[f"azioni-{n}-periodo"] = action, period
    form["azioni-9-testo"] = ""  # a blank row of the form
    return form


def ristretta_form() -> dict:
    form = {
        "capofila_inviato": "1",
        "capofila_tipo": "ausl",
        "capofila_specifica": CAPOFILA,
        "referenti": REFERENTI,
        "preventivo_inviato": "1",
        "preventivo_note": "",
        "indicatori_inviati": "1",
    }
    for source, amount in BUDGET.items():
        form[f"preventivo-{source}-2019"] = amount
    for n, (what, base, target, source, every) in enumerate(INDICATORI):
        form.update(
            {
                f"indicatori-{n}-descrizione": what,
                f"indicatori-{n}-partenza": base,
                f"indicatori-{n}-obiettivo_2019": target,
                f"indicatori-{n}-fonte": source,
                f"indicatori-{n}-periodicita": every,
            }
        )
    return form


@pytest.fixture
def entered(app, rows, team):
    """The example, entered through the editor and approved."""
    db = app.extensions["workshop"].db
    up, _ = sign_in(app, "ufficio")
    top = rows[0]
    assert top.title.startswith("Punto unico distrettuale")  # cluster A2 of the example
    bridge = create(up, next(r for r in rows if r.title.startswith("Soluzioni")).cluster_id)
    bridge_id = int(bridge.headers["Location"].rsplit("/", 1)[1])
    # Sent to the cabina, so that it is public too (a draft is named nowhere public).
    assert move(up, bridge_id, "revisione_up").status_code == 303
    assert move(up, bridge_id, "ristretta").status_code == 303
    made = create(up, top.cluster_id)
    action_id = int(made.headers["Location"].rsplit("/", 1)[1])
    form = ufficio_form() | {
        "collegate_inviate": "1",
        "collegate_schede": [str(bridge_id)],
        "collegate_testo": COLLEGATE,
    }
    saved = save(up, action_id, 1, **form)
    assert saved.status_code == 303, text(saved)[:2000]
    assert move(up, action_id, "revisione_up").status_code == 303
    assert move(up, action_id, "ristretta").status_code == 303
    ristretta, _ = sign_in(app, "ristretta")
    # The ristretta may not change the Ufficio di Piano's text…
    refused = save(ristretta, action_id, 2, **{**ristretta_form(), "titolo": "Altro"})
    assert refused.status_code == 422
    # …and fills capofila, referenti, budget and indicators.
    filled = save(ristretta, action_id, 2, **ristretta_form())
    assert filled.status_code == 303, text(filled)[:2000]
    editor = text(ristretta.get(f"/piano/schede/{action_id}"))
    assert version_of(editor) == 3 and 'id="preventivo-totale">€ 95.000,00<' in editor
    # The bodies decide at their meetings.
    body_decides(db, team, action_id, "allargata", "Capofila, budget e indicatori definiti.")
    body_decides(db, team, action_id, "approvata", "Approvata: risponde alla priorità più votata.")
    return db, action_id, bridge_id


def test_every_field_is_stored_as_entered(entered):
    db, action_id, bridge_id = entered
    c = schede.view(db, action_id)["content"]
    assert c["titolo"] == TITLE and c["rif_distrettuale"] == "RE-PDZ-A-07"
    assert c["rif_regionale"] == [{"numero": REGIONAL[0], "titolo": REGIONAL[1]}]
    assert c["ambito"] == {"tipo": "distrettuale", "comuni": []}
    assert c["capofila"] == {"tipo": "ausl", "specifica": CAPOFILA}
    assert (c["continuita"], c["community_lab"], c["area_prevalente"], c["altre_aree"]) == (
        "in_parte",
        "si",
        "A",
        ["E"],
    )
    assert (c["razionale"], c["descrizione"], c["destinatari"], c["attori"], c["risorse"]) == (
        RAZIONALE,
        DESCRIZIONE,
        DESTINATARI,
        ATTORI,
        RISORSE,
    )
    assert c["azioni"] == [{"testo": a, "periodo": p} for a, p in AZIONI]
    assert c["collegate"] == {"schede": [bridge_id], "testo": COLLEGATE}
    assert c["referenti"] == REFERENTI
    assert c["preventivo"] == {
        "importi": {
            "fondo_sociale_locale": {"2019": 2_000_000},
            "quota_comuni": {"2019": 1_500_000},
            "frna": {"2019": 3_500_000},
            "ausl": {"2019": 2_500_000},
        },
        "note": "",
    }
    assert c["indicatori"] == [
        {"descrizione": d, "partenza": b, "obiettivi": {"2019": t}, "fonte": f, "periodicita": p}
        for d, b, t, f, p in INDICATORI
    ]


# -- read back, field by field -------------------------------------------------------------

FIELD_ORDER = [
    "Razionale",
    "Descrizione",
    "Destinatari",
    "Azioni previste",
    "Eventuali interventi/politiche integrate collegate",
    "Istituzioni/attori sociali coinvolti",
    "Risorse non finanziarie",
    "Preventivo di spesa",
    "Indicatori",
    "Tracciabilità partecipativa",
    "Decisioni",
]


def expected_sections(bridge_id: int) -> dict[str, list[str]]:
    return {
        "": [
            TITLE,
            "Riferimento scheda regionale",
            f"{REGIONAL[0]} — {REGIONAL[1]}",
            "Riferimento scheda distrettuale",
            "RE-PDZ-A-07",
            "Ambito territoriale",
            "Distrettuale (7 Comuni del Distretto di Reggio Emilia)",
            "Soggetto capofila",
            f"AUSL – Specifica: {CAPOFILA}",
            "In continuità con la programmazione precedente",
            "In parte",
            "Inserito nel percorso Community Lab",
            "Sì",
            "A Prossimità e domiciliarità (prevalente)",
            "E Qualificazione ed efficientamento dei servizi",
        ],
        "Razionale": [RAZIONALE],
        "Descrizione": [DESCRIZIONE],
        "Destinatari": [DESTINATARI],
        "Azioni previste": [f"{a} ({p})" for a, p in AZIONI],
        "Eventuali interventi/politiche integrate collegate": [
            f"Scheda {bridge_id} — Soluzioni ponte",
            COLLEGATE,
        ],
        "Istituzioni/attori sociali coinvolti": [ATTORI],
        "Risorse non finanziarie": [RISORSE],
        "Preventivo di spesa": [
            "Fonte di finanziamento",
            "2018",
            "2019",
            "2020",
            "Totale",
            "Fondo sociale locale",
            "20.000,00",
            "Quota dei Comuni",
            "15.000,00",
            "FRNA (Fondo regionale per la non autosufficienza)",
            "35.000,00",
            "AUSL",
            "25.000,00",
            "95.000,00",
        ],
        "Indicatori": [
            "Situazione di partenza",
            "Obiettivo 2019",
            "Periodicità",
            *(cell for row in INDICATORI for cell in row),
        ],
        "Tracciabilità partecipativa": [
            "Laboratorio «Dimissioni difficili»",
            "19 punti su 60",
            "impatto 5/5, fattibilità 4/5, urgenza 5/5",
        ],
        "Decisioni": [
            "L’Ufficio di Piano ha avviato la revisione della scheda",
            "La Cabina di regia ristretta ha inviato la scheda alla cabina di regia allargata",
            "Motivazione: «Capofila, budget e indicatori definiti.»",
            "La Cabina di regia allargata ha approvato la scheda",
        ],
    }


def sections(document: str) -> dict[str, str]:
    """The document's text split at the fields' headings (whitespace left out)."""
    flat = squeeze(document)
    out, start, current = {}, 0, ""
    for label in FIELD_ORDER:
        at = flat.find(squeeze(label), start)
        assert at >= 0, f"heading «{label}» missing"
        out[current] = flat[start:at]
        start, current = at + len(squeeze(label)), label
    out[current] = flat[start:]
    return out


def check_fields(document: str, bridge_id: int, fmt: str) -> None:
    found = sections(document)
    for label, pieces in expected_sections(bridge_id).items():
        lost = [p for p in pieces if squeeze(p) not in found[label]]
        assert lost == [], (fmt, label or "riferimenti", lost)
    assert squeeze(REFERENTI) not in squeeze(document), fmt  # never in a public document


def markdown_text(md: str) -> str:
    import lxml.html
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("gfm-like", {"html": True}).render(md)
    return lxml.html.fragment_fromstring(rendered, create_parent="div").text_content()


def test_the_public_page_shows_every_field(app, entered):
    _, action_id, bridge_id = entered
    page = app.test_client().get(f"/schede/{action_id}").get_data(as_text=True)

    def cell(name):
        found = re.search(rf'data-field="{name}"[^>]*>(.*?)</(td|div|ol|p)>', page, re.S)
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found[1])).split())

    assert cell("rif_regionale") == f"{REGIONAL[0]} {REGIONAL[1]}"
    assert cell("rif_distrettuale") == "RE-PDZ-A-07"
    assert cell("ambito") == "Distrettuale (7 Comuni del distretto)"
    assert cell("capofila") == f"AUSL – Specifica: {CAPOFILA}"
    assert (cell("continuita"), cell("community_lab")) == ("In parte", "Sì")
    for name, value in (
        ("razionale", RAZIONALE),
        ("descrizione", DESCRIZIONE),
        ("destinatari", DESTINATARI),
        ("attori", ATTORI),
        ("risorse", RISORSE),
    ):
        assert cell(name) == value, name
    assert cell("azioni") == " ".join(f"{a} ({p})" for a, p in AZIONI)
    assert f'href="/schede/{bridge_id}"' in page and COLLEGATE in html.unescape(page)
    budget = " ".join(
        html.unescape(
            re.sub(r"<[^>]+>", " ", page.split('data-field="preventivo"')[1].split("</table>")[0])
        ).split()
    )
    assert "Fondo sociale locale 20.000,00 20.000,00" in budget and "Totale 95.000,00 95.000,00" in budget
    for row in INDICATORI:
        assert all(html.escape(c, quote=False) in page for c in row), row
    assert REFERENTI not in html.unescape(page)


@pytest.mark.parametrize("fmt", ["md", "odt", "docx", "pdf"])
def test_every_export_carries_every_field(app, entered, fmt):
    _, action_id, bridge_id = entered
    http = app.test_client()
    data = http.get(f"/schede/{action_id}.{fmt}").data
    readers = {"md": lambda d: markdown_text(d.decode()), "odt": odt_text, "docx": docx_text, "pdf": pdf_text}
    check_fields(readers[fmt](data), bridge_id, fmt)
    # The office's own copy adds the referenti, and only signed-in staff get it.
    assert http.get(f"/piano/schede/{action_id}.{fmt}").status_code == 302
    staff, _ = sign_in(app, "ufficio")
    copy = readers[fmt](staff.get(f"/piano/schede/{action_id}.{fmt}").data)
    assert squeeze(REFERENTI) in squeeze(copy)


def test_the_open_data_has_the_budget_and_indicators_but_no_referenti(app, entered):
    import csv

    _, action_id, bridge_id = entered
    data = app.test_client().get(f"/dati-aperti/{PROCESS_SLUG}.zip").data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        everything = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "replace")

        def table(name):
            return list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8"), newline="")))

        scheda = next(r for r in table("schede.csv") if r["id"] == str(action_id))
        actions = [r for r in table("azioni.csv") if r["scheda"] == str(action_id)]
        excel_actions = list(
            csv.DictReader(
                io.StringIO(z.read("excel/azioni.csv").decode("utf-8-sig"), newline=""), delimiter=";"
            )
        )
        budget = [r for r in table("preventivi.csv") if r["scheda"] == str(action_id)]
        indicators = [r for r in table("indicatori.csv") if r["scheda"] == str(action_id)]
    assert REFERENTI not in everything
    assert (
        scheda["capofila"],
        scheda["ambito"],
        scheda["rif_regionale"],
        scheda["rif_distrettuale"],
        scheda["continuita"],
        scheda["community_lab"],
        scheda["preventivo_totale"],
    ) == ("ausl", "distrettuale", "1", "RE-PDZ-A-07", "in_parte", "si", "95000.00")
    # The public texts, as entered (a text starting like a formula would carry an apostrophe).
    assert (
        scheda["razionale"],
        scheda["descrizione"],
        scheda["destinatari"],
        scheda["attori"],
        scheda["risorse_non_finanziarie"],
        scheda["collegate_testo"],
        scheda["preventivo_note"],
    ) == (RAZIONALE, DESCRIZIONE, DESTINATARI, ATTORI, RISORSE, COLLEGATE, "")
    assert scheda["collegate"] == str(bridge_id)
    assert [(r["numero"], r["testo"], r["periodo"]) for r in actions] == [
        (str(n), a, p) for n, (a, p) in enumerate(AZIONI, start=1)
    ]
    assert [r["testo"] for r in excel_actions if r["scheda"] == str(action_id)] == [a for a, _ in AZIONI]
    assert {(r["fonte"], r["anno"], r["importo"]) for r in budget} == {
        ("fondo_sociale_locale", "2019", "20000.00"),
        ("quota_comuni", "2019", "15000.00"),
        ("frna", "2019", "35000.00"),
        ("ausl", "2019", "25000.00"),
    }
    assert [(r["descrizione"], r["anno"], r["obiettivo"]) for r in indicators] == [
        (d, "2019", t) for d, _, t, _, _ in INDICATORI
    ]
