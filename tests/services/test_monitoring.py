"""Monitoring of approved schede (issue 15): two years of one scheda entered by the
form's command and by CSV, a CSV with bad rows that changes nothing, who may report,
and what the public reads, the documents and the open data say."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import text

from tests.helpers import PROCESS_SLUG
from tests.monitoring_helpers import approved_scheda, csv_bytes
from workshop.domain.errors import Rejected
from workshop.services import accounts, documents, exports, monitoring, periods, schede
from workshop.services.consolidation import consolidate


@pytest.fixture
def scheda(db, closed_labs, team):
    rows = consolidate(db, PROCESS_SLUG).rows
    return approved_scheda(db, team, rows[0].cluster_id)


def snapshot(db) -> tuple:
    """Everything monitoring stores, to compare before and after."""
    with db.reader() as s:
        return tuple(
            tuple(map(tuple, s.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()))
            for table in ("monitoring_report", "monitoring_entry", "monitoring_reporter")
        )


def year(view: dict, y: int) -> dict:
    return next(x for x in view["years"] if x["year"] == y)


def test_two_years_by_the_form_and_by_csv_then_a_bad_csv_changes_nothing(db, scheda, team):
    # 2019 from the form, by the Ufficio di Piano.
    monitoring.record(
        db,
        team["up"],
        scheda,
        2019,
        status="avviata",
        progress="30",
        values={"1": "15", "2": ""},
        spent={"frna": "4.000,50"},
        entry=("2019-03-15", "Avviato il primo gruppo di accompagnamento"),
    )
    # 2020 by CSV (semicolons, as Italian Excel saves).
    good = csv_bytes(
        f"{scheda};2020;stato;;in_corso;70;;;;;",
        f"{scheda};2020;cronologia;2020-02-01;;;;;;;Secondo gruppo avviato",
        f'{scheda};2020;cronologia;2020-06-30;;;;;;;"Verifica di metà anno; 22 persone"',
        f"{scheda};2020;indicatore;;;;1;22;;;",
        f"{scheda};2020;indicatore;;;;2;6,5;;;",
        f"{scheda};2020;spesa;;;;;;frna;9.800,00;",
        header="scheda;anno;tipo;data;stato;avanzamento;indicatore;valore;fonte;importo;testo",
    )
    done = monitoring.import_csv(db, team["up"], good)
    assert (done.rows, done.reports, done.entries) == (6, 1, 2)

    view = monitoring.of_action(db, scheda)
    y19, y20 = year(view, 2019), year(view, 2020)
    assert (y19["status"], y19["progress"], y19["body"]) == ("avviata", 30, "ufficio_piano")
    assert [(i["partenza_num"], i["target"], i["value"]) for i in y19["indicators"]] == [
        (12.0, "20", "15"),
        (None, "almeno 5", None),
    ]
    assert y19["resources"] == [  # in the regional form's order of sources
        {"source": "quota_comuni", "planned": 2_500_00, "spent": None},
        {"source": "frna", "planned": 10_000_00, "spent": 4_000_50},
    ]
    assert (y20["status"], y20["progress"]) == ("in_corso", 70)
    assert [i["value"] for i in y20["indicators"]] == ["22", "6.5"]
    assert [e["text"] for e in y20["entries"]] == [
        "Secondo gruppo avviato",
        "Verifica di metà anno; 22 persone",
    ]
    assert view["latest"]["year"] == 2020 and not year(view, 2018)["reported"]
    assert "by_name" not in y20["entries"][0]  # the public view names bodies only

    # The same file again adds no entry twice.
    assert monitoring.import_csv(db, team["up"], good).entries == 0
    assert len(year(monitoring.of_action(db, scheda), 2020)["entries"]) == 2

    # A file with good rows and bad ones: nothing changes, every bad row is listed.
    before = snapshot(db)
    bad = csv_bytes(
        f"{scheda},2020,stato,,conclusa,100,,,,,",  # good alone
        f"{scheda},2020,indicatore,,,,1,trenta,,,",  # line 3: not a number
        f"{scheda},2021,stato,,in_corso,10,,,,,",  # line 4: outside the process
        f"{scheda},2020,cronologia,2019-12-31,,,,,,,Fuori anno",  # line 5: date not in 2020
        f"{scheda},2020,spesa,,,,,,fondo_inventato,10,",  # line 6
        "999999,2020,stato,,in_corso,10,,,,,",  # line 7: no such scheda
        f"{scheda},2020,indicatore,,,,3,4,,,",  # line 8: only two indicators
        f"{scheda},2020,boh,,,,,,,,",  # line 9
    )
    with pytest.raises(Rejected) as refused:
        monitoring.import_csv(db, team["up"], bad)
    assert refused.value.code == "csv_invalid"
    assert [d["line"] for d in refused.value.details] == [3, 4, 5, 6, 7, 8, 9]
    assert [d["code"] for d in refused.value.details] == [
        "monitoring_value_invalid",
        "monitoring_year_invalid",
        "monitoring_date_invalid",
        "monitoring_source_unknown",
        "scheda_not_found",
        "monitoring_indicator_unknown",
        "monitoring_row_kind_unknown",
    ]
    # Each reason is a sentence a reader can act on (the unknown kind said only «tipo: stato, …»).
    unknown_kind = Rejected(refused.value.details[-1]["code"], **refused.value.details[-1]["params"])
    assert unknown_kind.message(lambda m: m) == (
        "Tipo di riga «boh» sconosciuto: usa stato, cronologia, indicatore o spesa."
    )
    assert snapshot(db) == before
    # The rule across rows: 100% without «conclusa» is refused at the year's first row.
    with pytest.raises(Rejected) as refused:
        monitoring.import_csv(db, team["up"], csv_bytes(f"{scheda},2020,stato,,in_corso,100,,,,,"))
    assert [(d["line"], d["code"]) for d in refused.value.details] == [(2, "monitoring_status_progress")]
    assert snapshot(db) == before


def test_unreadable_files_are_refused_whole(db, scheda, team):
    before = snapshot(db)
    header = ",".join(monitoring.CSV_COLUMNS)
    for data, code, problem in (
        (b"\xff\xfe\x00garbage", "csv_not_utf8", "UTF-8"),
        (b"scheda,anno,tipo\r\n1,2019,stato\r\n", "csv_columns_missing", "mancano le colonne"),
        (csv_bytes(), "csv_no_rows", "non ci sono righe"),
        # A column twice: which one counts would depend on the order of the cells.
        (
            csv_bytes(f"{scheda},2019,stato,,in_corso,40,,,,,,2020", header=header + ",anno"),
            "csv_columns_repeated",
            "anno",
        ),
    ):
        with pytest.raises(Rejected) as refused:
            monitoring.import_csv(db, team["up"], data)
        assert refused.value.code == code and problem in refused.value.message()
    assert snapshot(db) == before


def test_a_refused_file_is_explained_in_the_readers_language():
    """Each reason has its own message in the catalogues (it was Italian text in the code)."""
    from pathlib import Path

    from babel.support import Translations

    import workshop

    english = Translations.load(str(Path(workshop.__file__).parent / "translations"), ["en"], "messages")
    for code, params in (("csv_not_utf8", {}), ("csv_columns_missing", {"columns": "anno"})):
        message = Rejected(code, **params).message(english.gettext)
        assert message.startswith("The file") and "CSV" in message, message


def test_the_template_is_the_documented_header_and_one_row_of_each_kind():
    rows = monitoring.template_csv().decode("utf-8-sig").splitlines()
    assert rows[0] == ";".join(monitoring.CSV_COLUMNS)
    # Split as Italian Excel splits it (list separator `;`): every row in its 11 columns.
    cells = list(csv.reader(rows, delimiter=";"))
    assert {len(r) for r in cells} == {len(monitoring.CSV_COLUMNS)}
    assert [r[2] for r in cells[1:]] == ["stato", "cronologia", "indicatore", "spesa"]


def test_the_form_refuses_bad_values_and_changes_nothing(db, scheda, team):
    before = snapshot(db)
    for kwargs, code in (
        ({"status": "conclusa", "progress": "90"}, "monitoring_status_progress"),
        ({"status": "in_corso", "progress": "40", "values": {"1": "molti"}}, "monitoring_value_invalid"),
        ({"status": "in_corso", "progress": "40", "spent": {"frna": "1.50"}}, "amount_invalid"),
        ({"status": "in_corso", "progress": "40", "entry": ("2020-01-01", "x")}, "monitoring_date_invalid"),
        ({"status": "in corso?", "progress": "40"}, "monitoring_status_invalid"),
    ):
        with pytest.raises(Rejected) as refused:
            monitoring.record(db, team["up"], scheda, 2019, **kwargs)
        assert refused.value.code == code
    assert snapshot(db) == before


def test_only_approved_schede_are_monitored(db, closed_labs, team):
    rows = consolidate(db, PROCESS_SLUG).rows
    waiting = approved_scheda(db, team, rows[1].cluster_id, approve=False)
    with pytest.raises(Rejected) as refused:
        monitoring.record(db, team["up"], waiting, 2019, status="avviata", progress="10")
    assert refused.value.code == "monitoring_not_approved"
    with pytest.raises(Rejected) as refused:
        monitoring.import_csv(db, team["up"], csv_bytes(f"{waiting},2019,stato,,avviata,10,,,,,"))
    assert refused.value.details[0]["code"] == "monitoring_not_approved"


def test_who_reports_the_office_the_admin_and_the_named_referente_only(db, scheda, team):
    admin = schede.PlanActor(
        accounts.create_user(db, "capo", "Capo", "admin", "una password lunga").id, "admin"
    )
    referente = schede.PlanActor(
        accounts.create_user(db, "referente", "Rita Referente", "facilitator", "una password lunga").id,
        "facilitator",
    )
    row = f"{scheda},2019,stato,,avviata,10,,,,,"
    for actor in (team["ristretta"], team["allargata"], team["fac"], referente):
        with pytest.raises(Rejected) as refused:
            monitoring.record(db, actor, scheda, 2019, status="avviata", progress="10")
        assert refused.value.code == "forbidden"
        with pytest.raises(Rejected) as refused:
            monitoring.import_csv(db, actor, csv_bytes(row))
        assert refused.value.details[0]["code"] == "forbidden"
        with pytest.raises(Rejected):
            monitoring.set_reporters(db, actor, scheda, [actor.user_id])
    monitoring.set_reporters(db, team["up"], scheda, [referente.user_id])
    assert [u.username for u in monitoring.reporters(db, scheda)] == ["referente"]
    monitoring.record(
        db, referente, scheda, 2019, status="avviata", progress="10", entry=("2019-05-02", "Primo incontro")
    )
    monitoring.import_csv(db, admin, csv_bytes(f"{scheda},2019,stato,,in_corso,20,,,,,"))
    view = monitoring.of_action(db, scheda)
    assert year(view, 2019)["entries"][0]["body"] == "referente"
    assert year(view, 2019)["body"] == "admin"
    staff_view = monitoring.of_action(db, scheda, staff=True)
    assert year(staff_view, 2019)["entries"][0]["by_name"] == "Rita Referente"
    # Taken off the list, the referente may no longer report.
    monitoring.set_reporters(db, admin, scheda, [])
    with pytest.raises(Rejected):
        monitoring.record(db, referente, scheda, 2019, status="avviata", progress="10")
    with pytest.raises(Rejected) as refused:
        monitoring.set_reporters(db, admin, scheda, [123456])
    assert refused.value.code == "monitoring_reporter_invalid"


def test_the_programmes_targets_and_budget_are_the_years_own(db, scheda, team):
    admin = schede.PlanActor(
        accounts.create_user(db, "capo", "Capo", "admin", "una password lunga").id, "admin"
    )
    process = periods.resolve(db, PROCESS_SLUG).process
    programme_id = periods.add_programme(db, admin, process.id, 2019)
    periods.confirm(db, team["up"], programme_id, scheda, {"frna": "8.000"}, {"0": "18 persone"})
    y19 = year(monitoring.of_action(db, scheda), 2019)
    assert y19["indicators"][0]["target"] == "18 persone" and y19["indicators"][0]["target_num"] == 18.0
    assert y19["resources"] == [{"source": "frna", "planned": 8_000_00, "spent": None}]


def test_open_data_documents_and_overview_carry_the_monitoring(db, scheda, team):
    monitoring.record(
        db,
        team["up"],
        scheda,
        2019,
        status="avviata",
        progress="30",
        values={"1": "15"},
        spent={"frna": "4.000,50"},
        entry=("2019-03-15", "Avviato il primo gruppo"),
    )
    monitoring.record(db, team["up"], scheda, 2020, status="conclusa", progress="100", values={"1": "31"})
    tables = exports.opendata_rows(db, PROCESS_SLUG)
    assert [
        (r["scheda"], r["anno"], r["stato"], r["avanzamento"], r["aggiornato_da"])
        for r in tables["monitoraggio"]
    ] == [
        (scheda, 2019, "avviata", 30, "ufficio_piano"),
        (scheda, 2020, "conclusa", 100, "ufficio_piano"),
    ]
    assert tables["monitoraggio"][0]["aggiornato_il"].endswith("Z")
    assert tables["monitoraggio_cronologia"] == [
        {
            "scheda": scheda,
            "anno": 2019,
            "data": "2019-03-15",
            "testo": "Avviato il primo gruppo",
            "scritto_da": "ufficio_piano",
        }
    ]
    values = [
        (r["anno"], r["numero"], r["obiettivo"], str(r["valore"])) for r in tables["monitoraggio_indicatori"]
    ]
    assert values == [
        (2019, 1, "20", "15"),
        (2019, 2, "almeno 5", ""),
        (2020, 1, "30", "31"),
        (2020, 2, "10", ""),
    ]
    spese = [
        (r["anno"], r["fonte"], str(r["previsto"]), str(r["speso"])) for r in tables["monitoraggio_spese"]
    ]
    assert spese == [
        (2019, "quota_comuni", "2500.00", ""),
        (2019, "frna", "10000.00", "4000.50"),
        (2020, "frna", "12000.00", ""),
    ]

    data = exports.opendata_zip(db, PROCESS_SLUG, exports.publisher_of(None), base_url="http://x")
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        names = z.namelist()
        assert {
            "monitoraggio.csv",
            "monitoraggio_cronologia.csv",
            "monitoraggio_indicatori.csv",
            "monitoraggio_spese.csv",
        } <= set(names)
        assert "excel/monitoraggio_spese.csv" in names
        assert b"4000.50" in z.read("monitoraggio_spese.csv") and b"4000,50" in z.read(
            "excel/monitoraggio_spese.csv"
        )
        dictionary = z.read("dizionario-dati.csv").decode()
        assert '"monitoraggio_indicatori.csv","valore"' in dictionary
        assert "monitoraggio.csv" in json.dumps(json.loads(z.read("metadati.jsonld")))
        assert len(json.loads(z.read("dati.json"))["monitoraggio"]) == 2

    md = exports.to_markdown(documents.monitoring_blocks(db, PROCESS_SLUG, 2019, today=date(2021, 2, 1)))
    assert "Monitoraggio 2019" in md and "Avviato il primo gruppo" in md
    assert "4.000,50" in md.replace("\\", "")
    assert "avviata: 1" in md and "Rita" not in md
    md20 = exports.to_markdown(documents.monitoring_blocks(db, PROCESS_SLUG, 2020))
    assert "conclusa: 1" in md20 and "100%" in md20
    for fmt in ("odt", "docx", "pdf"):
        out, _ = exports.render(documents.monitoring_blocks(db, PROCESS_SLUG, 2019), fmt, "Monitoraggio 2019")
        assert len(out) > 1000

    overview = monitoring.overview(db, periods.resolve(db, PROCESS_SLUG))
    area = next(a for a, rows in overview.items() if any(r["id"] == scheda for r in rows))
    assert overview[area][0]["latest"] == {"year": 2020, "status": "conclusa", "progress": 100}


def test_two_people_saving_one_year_do_not_lose_each_others_half(db, scheda, team):
    monitoring.record(db, team["up"], scheda, 2019, status="avviata", progress="10", values={"1": "3"})
    monitoring.record(db, team["up"], scheda, 2019, status="avviata", progress="10", spent={"frna": "100"})
    y = year(monitoring.of_action(db, scheda), 2019)
    assert y["indicators"][0]["value"] == "3" and y["resources"][1]["spent"] == 100_00


def test_the_demo_has_an_approved_scheda_with_two_years_of_monitoring(db, tmp_path):
    from tests.helpers import unlimited_bus
    from workshop.seed import seed_demo
    from workshop.storage.models import PlanAction

    seed_demo(db, unlimited_bus(db), tmp_path)
    with db.reader() as s:
        approved = [a.id for a in s.exec(__import__("sqlmodel").select(PlanAction)) if a.state == "approvata"]
    assert len(approved) == 1
    view = monitoring.of_action(db, approved[0])
    reported = [
        (y["year"], y["status"], y["progress"], len(y["entries"])) for y in view["years"] if y["reported"]
    ]
    assert reported == [(2018, "avviata", 30, 2), (2019, "in_corso", 65, 1)]
    assert year(view, 2019)["indicators"][1]["value"] == "5.5"


HOSTILE = (
    '=HYPERLINK("http://x.example","clic")<script>alert(1)</script> **grassetto** [a](javascript:alert(1))'
)


def test_a_hostile_timeline_text_is_only_text_in_every_output(db, scheda, team):
    monitoring.record(
        db, team["up"], scheda, 2019, status="avviata", progress="5", entry=("2019-02-02", HOSTILE)
    )
    data = exports.opendata_zip(db, PROCESS_SLUG, exports.publisher_of(None), base_url="http://x")
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        cell = z.read("monitoraggio_cronologia.csv").decode().splitlines()[1].split(",", 3)[3]
    assert cell.startswith("\"'=HYPERLINK")  # a spreadsheet does not run it
    md = exports.to_markdown(documents.monitoring_blocks(db, PROCESS_SLUG, 2019))
    assert "<script>" not in md and "\\[a\\](javascript" in md  # escaped: not a link


def test_a_status_moves_freely_and_the_timeline_keeps_the_story(db, scheda, team):
    """No workflow between statuses: suspended, started again, concluded, reopened."""
    for status, progress in (("sospesa", "20"), ("in_corso", "20"), ("conclusa", "100"), ("in_corso", "90")):
        monitoring.record(db, team["up"], scheda, 2019, status=status, progress=progress)
        assert year(monitoring.of_action(db, scheda), 2019)["status"] == status


def test_the_annual_report_does_not_say_nothing_spent_where_nothing_was_reported(db, scheda, team):
    """A year reported without any spending shows its planned total and «—» spent,
    not «0,00» (which reads as: nothing was spent)."""
    monitoring.record(db, team["up"], scheda, 2019, status="avviata", progress="10")
    md = exports.to_markdown(documents.monitoring_blocks(db, PROCESS_SLUG, 2019)).replace("\\", "")
    total = next(line for line in md.splitlines() if "Totale" in line)
    assert "12.500,00" in total and "0,00 |" not in total.replace("12.500,00", "")
    assert "—" in total
