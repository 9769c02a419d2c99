"""Exports: open data (ZIP of CSV and JSON), and schede as Markdown, ODT and PDF.

Open data carry no personal data: no pseudonyms, no staff names, only notes a
person reviewed as publishable (domain/publication.py), dots by groups of
stakeholder categories only as domain/disclosure.py allows, and each closed
session's results document for anyone to verify its fingerprint. Its files
and columns are described once, in `publication.OPEN_DATA`. Licence:
CC BY 4.0, its full text included.

Documents are built once as a list of blocks (heading, paragraph, list,
table) from the scheda's fields; each format renders those blocks, so the
three never disagree. Markdown fields go through the one sanitizer first.
ODT with odfdo, PDF with ReportLab (Titillium Web, the PA typeface, when the
front-end assets are installed).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources

from sqlalchemy import select as core_select
from sqlmodel import col, select

from workshop.domain import disclosure, meetings, publication, review
from workshop.domain import scheda as fields
from workshop.services import documents, monitoring, office, periods, schede, tally, views
from workshop.services.blocks import (
    Block,
    items,
    markdown_blocks,  # noqa: F401 (the writers' callers use it from here)
    table_rows,
    toc_entries,
    xml_text,
)
from workshop.services.consolidation import consolidate
from workshop.services.publication import public_content
from workshop.storage.database import Database
from workshop.storage.models import (
    AnnualProgramme,
    Category,
    Cluster,
    Lab,
    LiveSession,
    Note,
    Participant,
    PlanAction,
    Process,
    SessionSnapshot,
    Territory,
    iso,
)

PUBLISHER = "Distretto di Reggio Emilia — Ufficio di Piano"  # the documents' author
LICENCE = "CC-BY-4.0"


# -- open data -------------------------------------------------------------------

# A spreadsheet opening the CSV runs a cell that begins with one of these as a
# formula (=HYPERLINK, DDE…): titles, questions and notes are typed by anyone.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """A CSV cell, neutralised as OWASP advises for CSV injection: text that
    would start a formula gets a leading apostrophe, which spreadsheets read as
    "this is text". Numbers are left alone (a negative number is no formula)."""
    if isinstance(value, list):
        value = "|".join(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _excel_number(value):
    """A number as Italian spreadsheets read it: a decimal comma."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return value
    return value if isinstance(value, int) else str(value).replace(".", ",")


def _csv(rows: list[dict], columns: list[str], *, excel: bool = False) -> bytes:
    """A table as CSV. Canonical (RFC 4180): UTF-8 without a byte-order mark,
    comma-separated, CRLF. `excel`: the copy that Italian Excel opens directly
    (a byte-order mark, so that it reads UTF-8; semicolons, its list separator;
    decimal commas)."""
    out = io.StringIO()
    delimiter = ";" if excel else ","
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerow(columns)  # our own names
    # Every text cell quoted (numbers not): a spreadsheet that splits on `;`,
    # as Italian Excel does, must not find a new cell, a formula, inside one.
    writer = csv.DictWriter(
        out,
        fieldnames=columns,
        extrasaction="ignore",
        lineterminator="\r\n",
        quoting=csv.QUOTE_NONNUMERIC,
        delimiter=delimiter,
    )
    for row in rows:
        writer.writerow({k: _cell(_excel_number(v) if excel else v) for k, v in row.items()})
    return ("\ufeff" if excel else "").encode("utf-8") + out.getvalue().encode("utf-8")


TABLES = {d.name: d.column_names for d in publication.OPEN_DATA}
RESULTS_DIR = "risultati"
EXCEL_DIR = "excel"
DICTIONARY = "dizionario-dati.csv"
METADATA = "metadati.jsonld"


DEMO_EMAIL = "ufficiodipiano@example.org"  # the demo site's (workshop/site.py)


@dataclass(frozen=True)
class Publisher:
    """Who publishes the open data (DCAT-AP_IT: publisher and rights holder,
    identified by their code in the Indice delle Pubbliche Amministrazioni),
    and whom to contact. The web takes them from the operator's site settings."""

    name: str = "Comune di Reggio nell'Emilia"
    office: str = "Ufficio di Piano del Distretto di Reggio Emilia"
    ipa: str = "c_h223"  # the Comune di Reggio nell'Emilia, capofila of the district
    email: str = DEMO_EMAIL  # a demo's, until the operator's site settings give theirs
    website: str = ""


def publisher_of(site) -> Publisher:
    """The publisher and contact point from the operator's site settings
    (workshop/site.py, instance/sito.toml); a demo's settings keep the demo's
    name and give its placeholder e-mail (example.org), plainly not a real one."""
    if site is None:
        return Publisher()
    if getattr(site, "demo", True):
        return Publisher(email=getattr(site, "email", "") or DEMO_EMAIL)
    # An operator's: their e-mail (or PEC); none given, no e-mail rather than the demo's.
    return Publisher(
        name=getattr(site, "organisation", "") or Publisher.name,
        office=getattr(site, "office", "") or Publisher.office,
        email=getattr(site, "email", "") or getattr(site, "pec", "") or "",
        website=getattr(site, "website", "") or "",
    )


def _yes(flag: bool) -> str:
    return "sì" if flag else "no"


def opendata_rows(db: Database, process_slug: str, programme_id: int | None = None) -> dict[str, list[dict]]:
    """Every table of the open data (domain/publication.OPEN_DATA), as rows.

    Only what may be published: notes a person reviewed as publishable (their
    reviewed text), the author's category only where enough people shared it,
    dots by category only as `disclosure.protect` allows, and no breadth; the
    sessions that count (`periods.counted`: never a practice session). For a
    programma attuativo: its meetings, its schede with that year's budget and
    targets."""
    consolidated = consolidate(db, process_slug, programme_id=programme_id)
    # A priority voted in several meetings is one row: each meeting's group reads
    # the priority's index and rank, and its own dots and split.
    ranked = {cluster_id: r for r in consolidated.rows for cluster_id in r.cluster_ids}
    own = {m["cluster_id"]: m for r in consolidated.rows for m in r.meetings}
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        labs = periods.labs_of(s, process.id)
        closed = s.exec(
            select(LiveSession, Lab)
            .join(Lab)
            .where(periods.counted(process.id, programme_id))
            .order_by(col(LiveSession.id))
        ).all()
        ids = [live.id for live, _ in closed]
        lab_of = {live.id: lab.slug for live, lab in closed}
        tallies = {live.id: tally.of_session(s, live) for live, _ in closed}
        snapshots = {
            x.session_id: x
            for x in s.exec(select(SessionSnapshot).where(col(SessionSnapshot.session_id).in_(ids)))
        }
        groups = tally.groups(s)
        territory_names = {x.key: x.name for x in s.exec(select(Territory))}
        programme_years = {
            x.id: x.year
            for x in s.exec(select(AnnualProgramme).where(AnnualProgramme.process_id == process.id))
        }
        categories = s.exec(select(Category).order_by(col(Category.position))).all()
        # Plain rows, not ORM objects: tens of thousands of notes at district scale.
        # SQLAlchemy's select: SQLModel's is typed for up to four columns.
        notes = s.execute(
            core_select(
                *map(
                    col,
                    (
                        Note.id,
                        Note.session_id,
                        Note.kind,
                        Note.text,
                        Note.public_text,
                        Note.publication,
                        Note.cluster_id,
                    ),
                ),
                col(Participant.category_key),
                col(Note.carried_from_id),
            )
            .join(Participant, col(Participant.id) == Note.author_id)
            .where(
                col(Note.session_id).in_(ids),
                views.VISIBLE,
                col(Note.erased_at).is_(None),
                col(Note.publication) == publication.PUBBLICABILE,
            )
            .order_by(col(Note.id))
        ).all()
        clusters = s.exec(
            select(Cluster)
            .where(col(Cluster.session_id).in_(ids), col(Cluster.dissolved_at).is_(None))
            .order_by(col(Cluster.id))
        ).all()
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    tables["laboratori"] = [{"slug": lab.slug, "titolo": lab.title} for lab in labs]
    for live, lab in closed:
        counted = tallies[live.id]
        snapshot = snapshots.get(live.id)
        tables["sessioni"].append(
            {
                "id": live.id,
                "laboratorio": lab.slug,
                "titolo": live.title,
                "domanda_guida": live.guiding_question,
                "punti_per_partecipante": live.dots_per_participant,
                "massimo_per_elemento": live.cap_per_item,
                "partecipanti_votanti": counted.voters,
                "punti_assegnati": counted.dots_placed,
                "chiusa_il": iso(live.closed_at) if live.closed_at else "",
                "hash_risultati": live.snapshot_hash or "",
                "file_risultati": f"{RESULTS_DIR}/sessione-{live.id}.json"
                if snapshot is not None and snapshot.document
                else "",
                # When and where, as the lab's page says it (services/meetings.py).
                "giorno": meetings.local(live.starts_at).date().isoformat() if live.starts_at else "",
                "ora_inizio": meetings.local(live.starts_at).strftime("%H:%M") if live.starts_at else "",
                "indirizzo": live.place_address,
                "sala": live.place_room,
                "territorio": live.territory_key or "",
                "territorio_nome": territory_names.get(live.territory_key or "", ""),
                "programma_attuativo": programme_years.get(live.programme_id, "")
                if live.programme_id
                else "",
            }
        )
    for note_id, session_id, kind, text, public_text, state, cluster_id, category, copied in notes:
        # A note carried from an earlier meeting is by someone of that meeting, not of
        # this one: its author's category is said (or not) where it was written only.
        shown = (
            None
            if copied
            else disclosure.author_label(
                category, tallies[session_id].participants_by_category, groups.group_of
            )
        )
        tables["contributi"].append(
            {
                "id": note_id,
                "sessione": session_id,
                "laboratorio": lab_of[session_id],
                "tipo": kind,
                "testo": publication.published_text(state, text, public_text),
                "modificato": _yes(bool(public_text)),
                "gruppo": cluster_id or "",
                "ripreso_da": copied or "",
                "categoria_autore": shown[1] if shown and shown[0] == "categoria" else "",
                "raggruppamento_autore": (
                    groups.group_of.get(category, "")
                    if shown and shown[0] == "categoria"
                    else shown[1]
                    if shown
                    else ""
                ),
            }
        )
    for cluster in clusters:
        r = ranked.get(cluster.id)
        mine = own.get(cluster.id, {})
        tables["gruppi"].append(
            {
                "id": cluster.id,
                "sessione": cluster.session_id,
                "laboratorio": lab_of[cluster.session_id],
                "titolo": cluster.title,
                "riprende": cluster.carried_from_id or "",
                "priorita": cluster.lineage_id or cluster.id,
                "aree": [a for a in cluster.areas.split(",") if a],
                "punti": mine.get("dots", 0),
                "impatto": cluster.impatto or "",
                "fattibilita": cluster.fattibilita or "",
                "urgenza": cluster.urgenza or "",
                "indice_priorita": round(r.index, 2) if r else "",
                "sostegno": round(r.support, 4) if r else "",
                "componente_valutazioni": round(r.scores_component, 4) if r else "",
                "rango": r.rank if r else "",
            }
        )
        for column in mine.get("split_columns", []):
            value = mine["split"].get(column["key"])
            tables["voti_per_categoria"].append(
                {
                    "gruppo": cluster.id,
                    "sessione": cluster.session_id,
                    "categorie": column["key"],
                    "categorie_etichetta": column["label"],
                    "punti": "" if value is None else value,
                    "riservato": _yes(value is None),
                }
            )
        for column in mine.get("territory_columns", []):
            value = mine["territory_split"].get(column["key"])
            tables["voti_per_territorio"].append(
                {
                    "gruppo": cluster.id,
                    "sessione": cluster.session_id,
                    "territori": column["key"],
                    "territori_etichetta": column["label"],
                    "punti": "" if value is None else value,
                    "riservato": _yes(value is None),
                }
            )
    tables["categorie"] = [
        {
            "chiave": c.key,
            "codice": c.code,
            "etichetta": c.label,
            "raggruppamento": c.group_key or disclosure.OTHER,
            "raggruppamento_etichetta": groups.column_label(c.group_key or disclosure.OTHER),
        }
        for c in categories
    ]
    _plan_tables(db, process, tables, programme_id)
    _monitoring_tables(db, process, tables, programme_id)
    return tables


def _monitoring_tables(
    db: Database, process: Process, tables: dict[str, list[dict]], programme_id: int | None = None
) -> None:
    """The monitoring of the approved schede (services/monitoring.year_rows); for a
    programma attuativo, its year's of its schede."""
    rows = monitoring.year_rows(db, process)
    if programme_id is not None:
        listed = {r["id"] for r in tables["schede"]}
        with db.reader() as s:
            year = s.get_one(AnnualProgramme, programme_id).year
        rows = {
            name: [r for r in table if r["anno"] == year and r["scheda"] in listed]
            for name, table in rows.items()
        }
    for name, table in rows.items():
        tables[name] = [
            {k: iso(v) if isinstance(v, datetime) else v for k, v in row.items()} for row in table
        ]


def _plan_tables(
    db: Database, process: Process, tables: dict[str, list[dict]], programme_id: int | None = None
) -> None:
    """The schede, their budgets and their indicators (never the referenti)."""
    listed = {a["id"]: a for a in schede.list_actions(db, process.slug, public=True)}
    years = schede.years(process)
    with db.reader() as s:
        # Open data cannot be taken back: never a draft of the office.
        query = select(PlanAction).where(
            PlanAction.process_id == process.id, col(PlanAction.state).in_(review.PUBLIC_STATES)
        )
        programme = s.get(AnnualProgramme, programme_id) if programme_id else None
        entries = periods.confirmed_actions(s, programme.id) if programme else None
        if entries is not None:
            query = query.where(col(PlanAction.id).in_(list(entries)))
        actions = s.exec(query.order_by(col(PlanAction.id))).all()
        labels = {c.key: c.label for c in s.exec(select(Category))}
        # As the public page shows them: drafted notes only as reviewed, no referenti.
        contents = {
            a.id: fields.public(public_content(s, fields.normalize(a.content, years), labels))
            for a in actions
        }
    for action in actions:
        content = contents[action.id]
        listing = listed[action.id]
        totals = fields.budget_totals(content["preventivo"], years)
        tables["schede"].append(
            {
                "id": action.id,
                "titolo": action.title,
                "stato": action.state,
                "area_prevalente": action.area_main,
                "altre_aree": content["altre_aree"],
                "gruppi": [str(c) for c in listing["cluster_ids"]],
                "versione": action.version,
                "aggiornata_il": iso(action.updated_at),
                "origine": content["tracciabilita"]["origine"],
                "rif_regionale": [r["numero"] for r in content["rif_regionale"]],
                "rif_distrettuale": content["rif_distrettuale"],
                "ambito": content["ambito"]["tipo"],
                "comuni": content["ambito"]["comuni"],
                "capofila": content["capofila"]["tipo"],
                "capofila_specifica": content["capofila"]["specifica"],
                "continuita": content["continuita"],
                "community_lab": content["community_lab"],
                "razionale": content["razionale"],
                "descrizione": content["descrizione"],
                "destinatari": content["destinatari"],
                "collegate": [str(i) for i in content["collegate"]["schede"] if i in listed],
                "collegate_testo": content["collegate"]["testo"],
                "attori": content["attori"],
                "risorse_non_finanziarie": content["risorse"],
                "preventivo_note": content["preventivo"]["note"],
                "preventivo_totale": Decimal(fields.decimal_text(totals.total)) if totals.rows else "",
                "pagina": f"/schede/{action.id}",
            }
        )
        for n, item in enumerate(content["azioni"], start=1):
            tables["azioni"].append(
                {"scheda": action.id, "numero": n, "testo": item["testo"], "periodo": item["periodo"]}
            )
        entry = entries[action.id] if entries is not None else None
        year_of_programme = programme.year if programme else 0
        # A programme's own budget and targets for its year replace the scheda's.
        budget = (
            [(source, {year_of_programme: cents}) for source, cents in sorted(entry.budget.items())]
            if entry
            else [(source, by_year) for source, by_year, _ in totals.rows]
        )
        for source, by_year in budget:
            for year in sorted(by_year):
                tables["preventivi"].append(
                    {
                        "scheda": action.id,
                        "fonte": source,
                        "fonte_etichetta": fields.FONTI[source],
                        "anno": year,
                        "importo": Decimal(fields.decimal_text(by_year[year])),
                    }
                )
        for n, indicator in enumerate(content["indicatori"], start=1):
            base = {
                "scheda": action.id,
                "numero": n,
                "descrizione": indicator["descrizione"],
                "situazione_partenza": indicator["partenza"],
                "fonte": indicator["fonte"],
                "periodicita": indicator["periodicita"],
            }
            targets = (
                {str(year_of_programme): entry.targets.get(str(n - 1), "")}
                if entry
                else indicator["obiettivi"] or {"": ""}
            )
            for year, target in sorted(targets.items()):
                tables["indicatori"].append({**base, "anno": int(year) if year else "", "obiettivo": target})


def results_files(db: Database, process_slug: str, programme_id: int | None = None) -> dict[str, bytes]:
    """Each closed session's results document, byte for byte as hashed, and the
    openings of the notes published as written (salt and text), so that anyone
    can check them against it (docs/protocol.md §12.2)."""
    files = {}
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        rows = s.exec(
            select(SessionSnapshot, LiveSession)
            .join(LiveSession, col(LiveSession.id) == SessionSnapshot.session_id)
            .where(periods.counted(process.id, programme_id), col(SessionSnapshot.document).is_not(None))
            .order_by(col(SessionSnapshot.session_id))
        ).all()
        published = {
            n.id: n
            for n in s.exec(
                select(Note).where(
                    col(Note.session_id).in_([live.id for _, live in rows]),
                    views.VISIBLE,
                    col(Note.erased_at).is_(None),
                    Note.publication == publication.PUBBLICABILE,
                    col(Note.public_text).is_(None),
                )
            )
        }
    for snapshot, live in rows:
        assert snapshot.document is not None  # selected so
        files[f"{RESULTS_DIR}/sessione-{live.id}.json"] = snapshot.document.encode()
        openings = {}
        for note_id, opening in sorted(
            (snapshot.record or {}).get("openings", {}).items(), key=lambda kv: int(kv[0])
        ):
            note = published.get(int(note_id))
            if note is not None and note.text == opening["text"]:
                openings[note_id] = {"salt": opening["salt"], "text": opening["text"]}
        files[f"{RESULTS_DIR}/sessione-{live.id}.aperture.json"] = json.dumps(
            {"session": live.id, "hash": snapshot.hash, "notes": openings}, ensure_ascii=False, indent=1
        ).encode()
    return files


FRICTIONLESS = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "datetime": "datetime",
    "date": "date",
    "boolean": "boolean",
    "list": "string",
}


def _field(column: publication.Column) -> dict:
    field: dict[str, object] = {
        "name": column.name,
        "type": FRICTIONLESS[column.kind],
        "description": column.description,
    }
    if column.kind == "boolean":
        field |= {"trueValues": ["sì"], "falseValues": ["no"]}
    if column.kind == "datetime":
        field["format"] = "any"
    if column.values and column.kind != "list":
        field["constraints"] = {"enum": list(column.values)}
    if column.unit:
        field["unit"] = column.unit
    return field


def _datapackage(
    process: Process, tables: dict[str, list[dict]], publisher: Publisher, year: int | None = None
) -> dict:
    """Frictionless Data Package metadata: every file, its columns with their
    types and allowed values, the licence and the publisher."""
    described = {d.name: d for d in publication.OPEN_DATA}
    return {
        "name": "laboratori-piano-di-zona",
        "title": _title(process, year),
        "description": DESCRIPTION,
        "licenses": [
            {
                "name": LICENCE,
                "title": "Creative Commons Attribution 4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "publisher": publisher.name,
        "language": "it",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "header": True},
                "description": described[name].description,
                "schema": {"fields": [_field(c) for c in described[name].columns]},
                "rows": len(rows),
            }
            for name, rows in tables.items()
        ],
    }


DESCRIPTION = (
    "Esiti dei laboratori progettuali del Piano di Zona: contributi rivisti per la "
    "pubblicazione, gruppi, punti per raggruppamento di categorie di portatori di interesse "
    "(conteggi piccoli riservati), indici di priorità, schede intervento con preventivi di "
    "spesa e indicatori."
)
EU = "http://publications.europa.eu/resource/authority/"


def _title(process: Process, year: int | None) -> str:
    title = f"Laboratori partecipati — {process.title}"
    return f"{title}, programma attuativo {year}" if year else title


def _dcat(
    process: Process,
    tables: dict[str, list[dict]],
    publisher: Publisher,
    base_url: str,
    year: int | None = None,
) -> dict:
    """DCAT-AP_IT metadata of the dataset and each of its files, as JSON-LD. A
    programma attuativo's (`year`) is a dataset of its own, part of the process's:
    its identifier, title and period (its year)."""
    years = [year] if year else schede.years(process)
    closed = sorted(r["chiusa_il"] for r in tables["sessioni"] if r.get("chiusa_il"))
    updated = sorted([r["aggiornata_il"] for r in tables["schede"]] + closed)
    now = datetime.now(UTC).date().isoformat()
    whole_url = (
        f"{base_url}/dati-aperti/{process.slug}.zip" if base_url else f"dati-aperti-{process.slug}.zip"
    )
    if year:
        zip_url = f"{whole_url}?programma={year}" if base_url else f"dati-aperti-{process.slug}-{year}.zip"
    else:
        zip_url = whole_url
    identifier = f"{publisher.ipa}:laboratori-{process.slug}" + (f"-programma-{year}" if year else "")
    agent = {
        "@type": ["foaf:Agent", "dcatapit:Agent"],
        "foaf:name": publisher.name,
        "dct:identifier": publisher.ipa,
    }
    licence = {
        "@id": "https://creativecommons.org/licenses/by/4.0/",
        "@type": ["dct:LicenseDocument", "dcatapit:LicenseDocument"],
        "dct:type": {"@id": "http://purl.org/adms/licencetype/Attribution"},
        "foaf:name": "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)",
        "owl:versionInfo": "4.0",
    }
    contact: dict[str, object] = {
        "@type": ["vcard:Organization", "dcatapit:Organization"],
        "vcard:fn": publisher.office,
    }
    if publisher.email:
        contact["vcard:hasEmail"] = {"@id": f"mailto:{publisher.email}"}
    if publisher.website or base_url:
        contact["vcard:hasURL"] = {"@id": publisher.website or f"{base_url}/contatti"}
    described = {d.name: d for d in publication.OPEN_DATA}
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "dcatapit": "http://dati.gov.it/onto/dcatapit#",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "owl": "http://www.w3.org/2002/07/owl#",
            "locn": "http://www.w3.org/ns/locn#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": zip_url,
        "@type": ["dcat:Dataset", "dcatapit:Dataset"],
        "dct:identifier": identifier,
        "dct:title": {"@language": "it", "@value": _title(process, year)},
        "dct:isPartOf": {"@id": whole_url} if year else None,
        "dct:description": {"@language": "it", "@value": DESCRIPTION},
        "dct:publisher": agent,
        "dct:rightsHolder": agent,
        "dcat:theme": [
            {"@id": f"{EU}data-theme/SOCI"},
            {"@id": f"{EU}data-theme/GOVE"},
            {"@id": f"{EU}data-theme/HEAL"},
        ],
        "dcat:keyword": [
            "Piano di Zona",
            "partecipazione",
            "laboratori partecipati",
            "welfare",
            "servizi sociali",
            "schede intervento",
            "Reggio Emilia",
        ],
        "dct:language": {"@id": f"{EU}language/ITA"},
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@type": "xsd:date", "@value": f"{years[0]}-01-01"},
            "dcat:endDate": {"@type": "xsd:date", "@value": f"{years[-1]}-12-31"},
        }
        if years
        else None,
        "dct:spatial": {
            "@type": "dct:Location",
            "locn:geographicName": documents.DISTRICT + " (" + ", ".join(fields.COMUNI) + ")",
        },
        "dct:issued": {"@type": "xsd:date", "@value": closed[0][:10] if closed else now},
        "dct:modified": {"@type": "xsd:date", "@value": updated[-1][:10] if updated else now},
        "dct:accrualPeriodicity": {"@id": f"{EU}frequency/IRREG"},
        "dcat:contactPoint": contact,
        "dct:conformsTo": {"@id": "https://www.dati.gov.it/onto/dcatapit"},
        "dcat:distribution": [
            {
                "@id": f"{zip_url}#{name}.csv",
                "@type": ["dcat:Distribution", "dcatapit:Distribution"],
                "dct:title": {"@language": "it", "@value": f"{name}.csv"},
                "dct:description": {"@language": "it", "@value": described[name].description},
                "dct:format": {"@id": f"{EU}file-type/CSV"},
                "dcat:mediaType": "text/csv",
                "dcat:accessURL": {"@id": zip_url},
                "dct:license": licence,
                "dct:conformsTo": {"@id": f"{zip_url}#{DICTIONARY}"},
            }
            for name in tables
        ]
        + [
            _distribution(
                zip_url,
                f"{EXCEL_DIR}/{name}.csv",
                EXCEL_COPY % described[name].description,
                "CSV",
                "text/csv",
                licence,
                conforms=f"{zip_url}#{DICTIONARY}",
            )
            for name in tables
        ]
        + [
            _distribution(zip_url, DICTIONARY, DICTIONARY_DESCRIPTION, "CSV", "text/csv", licence),
            _distribution(
                zip_url,
                f"{EXCEL_DIR}/{DICTIONARY}",
                EXCEL_COPY % DICTIONARY_DESCRIPTION,
                "CSV",
                "text/csv",
                licence,
            ),
            _distribution(
                zip_url,
                "dati.json",
                JSON_DESCRIPTION,
                "JSON",
                "application/json",
                licence,
                conforms=f"{zip_url}#{DICTIONARY}",
            ),
        ],
    }


EXCEL_COPY = (
    "%s Copia per Excel in italiano: UTF-8 con BOM, valori separati da punto e virgola, virgola decimale."
)
DICTIONARY_DESCRIPTION = (
    "Dizionario dei dati: ogni colonna di ogni file, con significato, tipo, unità, "
    "valori ammessi e regola di riservatezza."
)
JSON_DESCRIPTION = "Tutte le tabelle in un unico file JSON, con gli stessi dati dei CSV."


def _distribution(
    zip_url: str,
    name: str,
    description: str,
    file_type: str,
    media_type: str,
    licence: dict,
    conforms: str = "",
) -> dict:
    """One file of the ZIP as a DCAT-AP_IT distribution."""
    out = {
        "@id": f"{zip_url}#{name}",
        "@type": ["dcat:Distribution", "dcatapit:Distribution"],
        "dct:title": {"@language": "it", "@value": name},
        "dct:description": {"@language": "it", "@value": description},
        "dct:format": {"@id": f"{EU}file-type/{file_type}"},
        "dcat:mediaType": media_type,
        "dcat:accessURL": {"@id": zip_url},
        "dct:license": licence,
    }
    if conforms:
        out["dct:conformsTo"] = {"@id": conforms}
    return out


def dictionary_rows() -> list[dict]:
    """The data dictionary: every column of every file, what it means, its
    type and unit, the values it may hold, and when a value is left out."""
    return [
        {
            "file": d.filename,
            "colonna": c.name,
            "significato": c.description,
            "tipo": c.kind_label,
            "unita": c.unit,
            "valori_ammessi": " | ".join(c.values)
            if c.values
            else (f"valori di {c.values_from}" if c.values_from else ""),
            "riservatezza": c.suppression,
        }
        for d in publication.OPEN_DATA
        for c in d.columns
    ]


DICTIONARY_COLUMNS = ["file", "colonna", "significato", "tipo", "unita", "valori_ammessi", "riservatezza"]


README = """# Laboratori partecipati — dati aperti

{title}

Pubblicato da {publisher} (codice IPA `{ipa}`), {office}. Licenza Creative Commons
Attribuzione 4.0 Internazionale (`LICENSE.txt`); citare come «{publisher} — {office}».

## I file

Ogni tabella è in due forme, con gli stessi dati:

- `NOME.csv`, la forma canonica (RFC 4180): UTF-8 senza BOM, valori separati da virgole, righe
  terminate da CR LF, riga di intestazione, punto come separatore decimale. Per programmi e
  riusi.
- `excel/NOME.csv`, la copia che Excel (in italiano) apre con un doppio clic: UTF-8 con BOM,
  valori separati da punto e virgola, virgola come separatore decimale.

Le stesse tabelle sono in `dati.json`. Nei CSV i testi sono tra virgolette, e quelli che
iniziano con `=`, `+`, `-`, `@`, una tabulazione o un ritorno a capo hanno davanti un
apostrofo (`'`), perché un foglio di calcolo non li esegua come formule (in `dati.json`
restano come sono stati scritti).

Metadati: `metadati.jsonld` (DCAT-AP_IT, il profilo italiano dei metadati dei dati aperti:
titolo, descrizione, editore con codice IPA, temi, parole chiave, copertura temporale e
territoriale, licenza, contatto, date di pubblicazione e aggiornamento, frequenza) e
`datapackage.json` (Frictionless Data Package, con i tipi delle colonne). Il dizionario dei
dati, colonna per colonna, è in `dizionario-dati.csv` e qui sotto.

{files}

## Che cosa non c'è, e perché

Nessun dato personale: niente nomi, pseudonimi o contatti, né i referenti delle schede. I
contributi sono pubblicati solo dopo che una persona (chi ha facilitato la sessione o l'Ufficio
di Piano) li ha rivisti per togliere dati personali; quelli tenuti per uso interno non ci sono.
La categoria di chi ha scritto un contributo compare solo se nella sessione c'erano almeno 5
persone di quella categoria (o del suo raggruppamento). I punti per categoria sono pubblicati
per raggruppamento di categorie, e un numero è riservato se è da 1 a 4, o se servirebbe a
ricavare un numero riservato dal totale del gruppo: nessun numero riservato si può ricavare da
quelli pubblicati.

## Verificare i risultati

Alla chiusura di ogni sessione la sala ha visto l'impronta SHA-256 dei risultati
(`hash_risultati` in `sessioni.csv`). `risultati/sessione-N.json` è il documento dei
risultati esattamente come è stato impronta: `sha256sum risultati/sessione-N.json` deve dare
lo stesso valore. Nel documento ogni contributo compare come impronta del suo testo
(SHA-256 di «sale:testo»); `risultati/sessione-N.aperture.json` dà sale e testo dei
contributi pubblicati così come sono stati scritti, per controllarli. Lo fa anche
`python -m workshop verify dati-aperti.zip` della piattaforma.
"""


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _readme(title: str, publisher: Publisher) -> str:
    parts = []
    for d in publication.OPEN_DATA:
        rows = [
            "| colonna | significato | tipo | unità | valori ammessi | riservatezza |",
            "|---|---|---|---|---|---|",
        ]
        rows += [
            f"| `{c.name}` | {_md_cell(c.description)} | {_md_cell(c.kind_label)} | {c.unit} | "
            f"{_md_cell(' · '.join(c.values) if c.values else (c.values_from or ''))} | "
            f"{_md_cell(c.suppression)} |"
            for c in d.columns
        ]
        parts.append(f"### `{d.filename}`\n\n{d.description}\n\n" + "\n".join(rows))
    return README.format(
        title=title,
        publisher=publisher.name,
        office=publisher.office,
        ipa=publisher.ipa,
        files="\n\n".join(parts),
    )


def _json_value(value):
    """Amounts (Decimal, from integer cents) as JSON numbers; anything else as text."""
    return float(value) if isinstance(value, Decimal) else str(value)


def opendata_zip(
    db: Database,
    process_slug: str,
    publisher: Publisher | None = None,
    base_url: str = "",
    programme_id: int | None = None,
) -> bytes:
    publisher = publisher or Publisher()
    tables = opendata_rows(db, process_slug, programme_id)
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).one()
        year = s.get_one(AnnualProgramme, programme_id).year if programme_id is not None else None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, rows in tables.items():
            z.writestr(f"{name}.csv", _csv(rows, TABLES[name]))
            z.writestr(f"{EXCEL_DIR}/{name}.csv", _csv(rows, TABLES[name], excel=True))
        z.writestr(DICTIONARY, _csv(dictionary_rows(), DICTIONARY_COLUMNS))
        z.writestr(f"{EXCEL_DIR}/{DICTIONARY}", _csv(dictionary_rows(), DICTIONARY_COLUMNS, excel=True))
        # Compact: an indented dump takes Python's slow encoder, not the C one.
        z.writestr("dati.json", json.dumps(tables, ensure_ascii=False, default=_json_value))
        z.writestr(
            "datapackage.json",
            json.dumps(_datapackage(process, tables, publisher, year), ensure_ascii=False, indent=1),
        )
        z.writestr(
            METADATA,
            json.dumps(
                {k: v for k, v in _dcat(process, tables, publisher, base_url, year).items() if v is not None},
                ensure_ascii=False,
                indent=1,
            ),
        )
        for name, data in results_files(db, process_slug, programme_id).items():
            z.writestr(name, data)
        readme_title = f"{process.title}, programma attuativo {year}" if year else process.title
        z.writestr("README.md", _readme(readme_title, publisher))
        z.writestr("LICENSE.txt", resources.files("workshop").joinpath("data/CC-BY-4.0.txt").read_text())
    return buffer.getvalue()


# -- documents -------------------------------------------------------------------
# Built once as blocks (services/documents.py), rendered by each writer:
# Markdown here, ODT and DOCX in services/office.py, PDF in services/pdf.py.

area_labels = documents.area_labels
scheda_blocks = documents.scheda_blocks
plan_blocks = documents.plan_blocks
_table_rows = table_rows
_items = items
_xml_text = xml_text


# What people typed must stay text in a Markdown export: the file is opened by
# tools that render it (a forge, an editor's preview), raw HTML included.
# Characters that start markup anywhere in a line are escaped with a backslash
# where CommonMark, GitHub's Markdown and Python-Markdown all honour it, and as
# a character reference where one of them does not (and for HTML itself).
_MD_ESCAPES = str.maketrans(
    {
        **{ch: "\\" + ch for ch in "\\`*_[]{}#"},
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "|": "&#124;",
        "~": "&#126;",
        "$": "&#36;",
    }
)
# What starts a block only at the start of a line: list markers, setext
# underlines, definition lists, admonitions, an ordered list's number.
_MD_LINE_START = re.compile(r"(?:([-+!])|([=:])|(\d+)([.)]))")


def _md_line(line: str) -> str:
    # Stripped: four leading spaces would make a code block, two trailing a line break.
    line = line.strip().translate(_MD_ESCAPES)
    start = _MD_LINE_START.match(line)
    if start is None:
        return line
    if start[1]:
        return "\\" + line
    if start[2]:
        return f"&#{ord(start[2])};" + line[1:]
    return start[3] + "\\" + line[start.end() - 1 :]


# Markdown ends a line at a carriage return too: a title or a capofila may hold one.
_MD_LINE_END = re.compile(r"\r\n?|\n")


def _md(text: str, one_line: bool = False) -> str:
    """Plain text as Markdown that renders as that text, whatever it contains."""
    lines = [_MD_LINE_END.sub(" ", text)] if one_line else _MD_LINE_END.split(text)
    return "\n".join(md for md in map(_md_line, lines) if md)


def to_markdown(blocks: list[Block]) -> str:
    out = []
    for index, b in enumerate(blocks):
        if b.level:
            out.append("#" * min(b.level, 6) + " " + _md(b.text, one_line=True))
        elif b.kind == "p" and _md(b.text):
            out.append(_md(b.text))
        elif b.kind in ("ul", "ol") and _items(b.list_items):
            out.append(
                "\n".join(
                    (f"{i}. " if b.kind == "ol" else "- ") + _md(item, one_line=True)
                    for i, item in enumerate(_items(b.list_items), start=1)
                )
            )
        elif b.kind == "table" and _table_rows(b.cells):
            rows = [[_md(cell, one_line=True) for cell in row] for row in _table_rows(b.cells)]
            if b.options.get("header") == "column":  # a table of items and values
                rows.insert(0, ["Voce", "Valore"] if len(rows[0]) == 2 else [""] * len(rows[0]))
            header, *rows = rows
            out.append(
                "\n".join(
                    ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                    + ["| " + " | ".join(r) + " |" for r in rows]
                )
            )
        elif b.kind == "toc":
            entries = [(level, text) for level, text, i in toc_entries(blocks) if i > index]
            if entries:
                out.append("## " + _md(b.text or "Indice", one_line=True))
                out.append(
                    "\n".join("  " * (level - 1) + "- " + _md(text, one_line=True) for level, text in entries)
                )
    return "\n\n".join(out) + "\n"


def to_odt(blocks: list[Block], title: str = "", header: tuple[str, str] = ("", "")) -> bytes:
    return office.to_odt(blocks, title, *header)


def to_docx(blocks: list[Block], title: str = "", header: tuple[str, str] = ("", "")) -> bytes:
    return office.to_docx(blocks, title, *header)


def to_pdf(blocks: list[Block], title: str, header: tuple[str, str] = ("", ""), cover: bool = False) -> bytes:
    from workshop.services import pdf

    return pdf.write(blocks, title, pdf.Page(*header, cover=cover), author=PUBLISHER)


FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def render(
    blocks: list[Block], fmt: str, title: str, header: tuple[str, str] = ("", "")
) -> tuple[bytes, str]:
    """The document in a format, with its MIME type. `header`: the running
    header's left and right text; a document that starts with a cover gets
    one without header and footer."""
    cover = bool(blocks) and blocks[0].role == "cover-kicker"
    if fmt == "md":
        data = to_markdown(blocks).encode("utf-8")
    elif fmt == "odt":
        data = to_odt(blocks, title, header)
    elif fmt == "docx":
        data = to_docx(blocks, title, header)
    elif fmt == "pdf":
        data = to_pdf(blocks, title, header, cover)
    else:
        raise ValueError(fmt)
    return data, FORMATS[fmt]
