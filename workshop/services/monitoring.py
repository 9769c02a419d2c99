"""Monitoring of approved schede: one report per scheda and year, a timeline,
and the accounts that may report (the rules are in domain/monitoring.py).

Each command is one transaction with the scheda's row locked (as the
review's commands: `schede._locked`), so two people saving the same year
queue rather than overwrite each other's half. The CSV import checks every
row first and writes only when every row is good: a file with one bad row
changes nothing, and says which rows and why (`csv_invalid`, with one detail
per problem: the row as a spreadsheet numbers it, the header being row 1).

The reads (`of_action`, `latest`, `overview`, `year_rows`) give what the
public pages, documents and open data show: bodies, never people.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from workshop.domain import monitoring as rules
from workshop.domain import review
from workshop.domain import scheda as fields
from workshop.domain.errors import Rejected
from workshop.services import periods
from workshop.services.schede import PlanActor, _locked, years
from workshop.storage.database import Database
from workshop.storage.models import (
    AnnualProgramme,
    MonitoringEntry,
    MonitoringReport,
    MonitoringReporter,
    PlanAction,
    Process,
    ProgrammeEntry,
    StaffUser,
    utcnow,
)

# -- who reports ---------------------------------------------------------------------


def reporter_ids(s: Session, action_id: int) -> set[int]:
    return set(s.exec(select(MonitoringReporter.user_id).where(MonitoringReporter.action_id == action_id)))


def reporters(db: Database, action_id: int) -> list[StaffUser]:
    """The accounts named referenti of a scheda (staff only: names)."""
    with db.reader() as s:
        return list(
            s.exec(
                select(StaffUser)
                .join(MonitoringReporter, col(MonitoringReporter.user_id) == StaffUser.id)
                .where(MonitoringReporter.action_id == action_id)
                .order_by(col(StaffUser.display_name))
            ).all()
        )


def may_report(db: Database, actor: PlanActor, action_id: int) -> bool:
    with db.reader() as s:
        try:
            rules.may_report(actor.role, actor.user_id, reporter_ids(s, action_id))
        except Rejected:
            return False
    return True


def reported_by(db: Database, user_id: int) -> set[int]:
    """The schede an account was named referente of."""
    with db.reader() as s:
        return set(s.exec(select(MonitoringReporter.action_id).where(MonitoringReporter.user_id == user_id)))


def set_reporters(db: Database, actor: PlanActor, action_id: int, user_ids: list[int]) -> None:
    """The accounts that may report on a scheda, replacing the list (Ufficio di Piano, admin)."""
    rules.may_name_reporters(actor.role)
    wanted = set(user_ids)
    with db.transaction() as s:
        _locked(s, action_id)
        found = {
            u.id for u in s.exec(select(StaffUser).where(col(StaffUser.id).in_(wanted or [0]))) if u.active
        }
        if found != wanted:
            raise Rejected("monitoring_reporter_invalid")
        have = reporter_ids(s, action_id)
        for user_id in have - wanted:
            row = s.get(MonitoringReporter, (action_id, user_id))
            if row is not None:
                s.delete(row)
        for user_id in wanted - have:
            s.add(MonitoringReporter(action_id=action_id, user_id=user_id))


# -- writing a year -------------------------------------------------------------------


@dataclass
class Update:
    """What one form or the rows of one file say about one scheda's year. `None`
    leaves the report's value as it is."""

    status: str | None = None
    progress: int | None = None
    values: dict[str, str] = field(default_factory=dict)
    spent: dict[str, int] = field(default_factory=dict)
    entries: list[tuple[date, str]] = field(default_factory=list)


def _report(s: Session, action_id: int, year: int) -> MonitoringReport:
    row = s.exec(
        select(MonitoringReport).where(MonitoringReport.action_id == action_id, MonitoringReport.year == year)
    ).first()
    return row or MonitoringReport(action_id=action_id, year=year, indicator_values={}, spent={})


def _apply(s: Session, actor: PlanActor, body: str, action: PlanAction, year: int, change: Update) -> int:
    """Write one year's update (already checked field by field) after the rule that
    ties status and progress; raises before writing anything of this year. Returns
    how many timeline entries were new."""
    report = _report(s, action.id, year)
    status = change.status if change.status is not None else report.status
    progress = change.progress if change.progress is not None else report.progress
    rules.check_status_progress(status, progress)
    values = dict(report.indicator_values or {}) | change.values
    spent = dict(report.spent or {}) | change.spent
    if (status, progress, values, spent) != (
        report.status,
        report.progress,
        report.indicator_values,
        report.spent,
    ) or report.id is None:
        report.status, report.progress = status, progress
        report.indicator_values, report.spent = values, spent
        report.updated_at, report.updated_by, report.updated_body = utcnow(), actor.user_id, body
        s.add(report)
    existing = {
        (e.day, e.text)
        for e in s.exec(
            select(MonitoringEntry).where(
                MonitoringEntry.action_id == action.id, MonitoringEntry.year == year
            )
        )
    }
    added = 0
    for day, text in change.entries:
        if (day, text) in existing:  # the same file imported twice adds nothing twice
            continue
        existing.add((day, text))
        added += 1
        s.add(
            MonitoringEntry(
                action_id=action.id, year=year, day=day, text=text, user_id=actor.user_id, body=body
            )
        )
    return added


def _context(s: Session, action: PlanAction) -> tuple[tuple[int, ...], list[dict]]:
    process = s.get_one(Process, action.process_id)
    period = years(process)
    return period, fields.normalize(action.content, period)["indicatori"]


def record(
    db: Database,
    actor: PlanActor,
    action_id: int,
    year: int,
    *,
    status: str,
    progress: str | int,
    values: dict[str, str] | None = None,
    spent: dict[str, str] | None = None,
    entry: tuple[str, str] | None = None,
) -> None:
    """A year's report from the form: status, progress, values by indicator
    position (1 …), spending by source, and optionally one timeline entry.
    Empty values and amounts leave what was there."""
    with db.transaction() as s:
        action = _locked(s, action_id)
        body = rules.may_report(actor.role, actor.user_id, reporter_ids(s, action_id))
        period, indicators = _context(s, action)
        rules.check_monitored(action.state, year, period)
        change = Update(status=rules.status(status), progress=rules.progress(progress))
        for number, raw in (values or {}).items():
            if str(raw or "").strip():
                index = rules.indicator(number, len(indicators))
                change.values[str(index)] = rules.value_text(rules.value(raw))
        for source, raw in (spent or {}).items():
            if source not in fields.FONTI:
                raise Rejected("monitoring_source_unknown", value=str(source)[:40])
            cents = fields.parse_euro(raw or "", str(fields.FONTI[source]))
            if cents is not None:
                change.spent[source] = cents
        if entry is not None and (str(entry[0] or "").strip() or str(entry[1] or "").strip()):
            change.entries.append(rules.entry(entry[0], entry[1], year))
        _apply(s, actor, body, action, year, change)


# -- the CSV template and import ---------------------------------------------------------

CSV_COLUMNS = (
    "scheda",
    "anno",
    "tipo",
    "data",
    "stato",
    "avanzamento",
    "indicatore",
    "valore",
    "fonte",
    "importo",
    "testo",
)
ROW_KINDS = ("stato", "cronologia", "indicatore", "spesa")
CSV_MAX_BYTES = 2_000_000
CSV_MAX_ROWS = 5000


def template_csv(example: tuple[int, int] | None = None) -> bytes:
    """The template offered for download: the header and one example of each kind
    of row (UTF-8 with BOM and semicolons, so that Italian Excel, whose list
    separator is `;`, opens it in columns; the import reads both separators).
    `example`: a scheda the reader may report on and one of its years, so that
    the examples are rows the import takes as they are."""
    scheda, year = (str(example[0]), str(example[1])) if example else ("12", "2025")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow([scheda, year, "stato", "", "in_corso", "40", "", "", "", "", ""])
    writer.writerow(
        [scheda, year, "cronologia", f"{year}-03-15", "", "", "", "", "", "", "Avviato il primo gruppo"]
    )
    writer.writerow([scheda, year, "indicatore", "", "", "", "1", "35", "", "", ""])
    writer.writerow([scheda, year, "spesa", "", "", "", "", "", "fondo_sociale_locale", "12.500,00", ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Imported:
    """What a file changed: rows read, years of schede touched, timeline entries added
    (an entry already there is not added again)."""

    rows: int
    reports: int
    entries: int


def _read(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as (row number as a spreadsheet counts them, cells by column)."""
    if len(data) > CSV_MAX_BYTES:
        raise Rejected("csv_too_large", max=CSV_MAX_BYTES // 1_000_000)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Rejected("csv_not_utf8") from None
    first = text.split("\n", 1)[0]
    # The template has semicolons, as Italian Excel saves; other tools save with commas.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error:
        raise Rejected("csv_row_unreadable", line=1) from None
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise Rejected("csv_columns_missing", columns=", ".join(missing))
    # A column twice would leave which one counts to the order of the cells.
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise Rejected("csv_columns_repeated", columns=", ".join(repeated))
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if len(rows) >= CSV_MAX_ROWS:
                raise Rejected("csv_too_many_rows", max=CSV_MAX_ROWS)
            if not any(c.strip() for c in cells):
                continue
            rows.append(
                (
                    number,
                    {name: (cells[i] if i < len(cells) else "").strip() for i, name in enumerate(header)},
                )
            )
    except csv.Error:  # its own message is English and technical («field larger than field limit»)
        raise Rejected("csv_row_unreadable", line=reader.line_num) from None
    return rows


def _whole(raw: str) -> bool:
    """Digits 0-9 only: `str.isdigit` also says yes to «²» or «①», which `int` refuses."""
    return raw.isascii() and raw.isdigit()


def _detail(line: int, rejected: Rejected) -> dict:
    return {"line": line, "code": rejected.code, "params": rejected.params}


def import_csv(db: Database, actor: PlanActor, data: bytes) -> Imported:
    """Every row checked, then all written in one transaction, or nothing."""
    rows = _read(data)
    problems: list[dict] = []
    with db.transaction() as s:
        actions: dict[int, tuple[PlanAction, str, tuple[int, ...], list[dict]]] = {}
        changes: dict[tuple[int, int], Update] = {}
        lines: dict[tuple[int, int], list[int]] = {}
        for line, cells in rows:
            try:
                raw_id = cells["scheda"]
                if not _whole(raw_id) or int(raw_id) > 2**31 - 1:
                    raise Rejected("scheda_not_found")
                if int(raw_id) not in actions:
                    action = s.get(PlanAction, int(raw_id))
                    if action is None:
                        raise Rejected("scheda_not_found")
                    body = rules.may_report(actor.role, actor.user_id, reporter_ids(s, action.id))
                    actions[action.id] = (action, body, *_context(s, action))
                action, body, period, indicators = actions[int(raw_id)]
                year = int(cells["anno"]) if _whole(cells["anno"]) and len(cells["anno"]) == 4 else -1
                rules.check_monitored(action.state, year, period)
                change = changes.setdefault((action.id, year), Update())
                lines.setdefault((action.id, year), []).append(line)
                kind = cells["tipo"].lower()
                if kind == "stato":
                    change.status = rules.status(cells["stato"])
                    change.progress = rules.progress(cells["avanzamento"])
                elif kind == "cronologia":
                    change.entries.append(rules.entry(cells["data"], cells["testo"], year))
                elif kind == "indicatore":
                    index = rules.indicator(cells["indicatore"], len(indicators))
                    change.values[str(index)] = rules.value_text(rules.value(cells["valore"]))
                elif kind == "spesa":
                    if cells["fonte"] not in fields.FONTI:
                        raise Rejected("monitoring_source_unknown", value=cells["fonte"][:40])
                    cents = fields.parse_euro(cells["importo"], "importo")
                    if cents is None:
                        raise Rejected("amount_invalid", field="importo", value="")
                    change.spent[cells["fonte"]] = cents
                else:
                    raise Rejected("monitoring_row_kind_unknown", value=cells["tipo"][:40])
            except Rejected as rejected:
                problems.append(_detail(line, rejected))
        # The rule across rows: a year's status and progress as they will stand.
        for (action_id, year), change in changes.items():
            action, body, _, _ = actions[action_id]
            try:
                report = _report(s, action_id, year)
                rules.check_status_progress(
                    change.status if change.status is not None else report.status,
                    change.progress if change.progress is not None else report.progress,
                )
            except Rejected as rejected:
                problems.append(_detail(lines[(action_id, year)][0], rejected))
        if problems:
            raise Rejected("csv_invalid", details=sorted(problems, key=lambda d: d["line"]))
        if not rows:
            raise Rejected("csv_no_rows")
        entries = 0
        for (action_id, year), change in changes.items():
            action, body, _, _ = actions[action_id]
            entries += _apply(s, actor, body, action, year, change)
    return Imported(rows=len(rows), reports=len(changes), entries=entries)


# -- reading -------------------------------------------------------------------------------


def _programme_entries(s: Session, action_id: int) -> dict[int, ProgrammeEntry]:
    """The scheda's confirmed entries in the programmi attuativi, by year."""
    return {
        year: e
        for year, e in s.exec(
            select(AnnualProgramme.year, ProgrammeEntry)
            .join(ProgrammeEntry, col(ProgrammeEntry.programme_id) == AnnualProgramme.id)
            .where(ProgrammeEntry.action_id == action_id, col(ProgrammeEntry.confirmed_at).is_not(None))
        )
    }


def _number(value) -> float | None:
    return float(value) if value is not None else None


def of_action(db: Database, action_id: int, *, staff: bool = False) -> dict:
    """A scheda's monitoring, every year of its process: reported or not, its
    status, progress, timeline, indicators (partenza, the year's obiettivo, the
    value) and resources (planned, spent). Public unless `staff` (who, by name)."""
    with db.reader() as s:
        action = s.get(PlanAction, action_id)
        if action is None:
            raise Rejected("scheda_not_found")
        period, indicators = _context(s, action)
        content = fields.normalize(action.content, period)
        reports = {
            r.year: r for r in s.exec(select(MonitoringReport).where(MonitoringReport.action_id == action_id))
        }
        entries = s.exec(
            select(MonitoringEntry)
            .where(MonitoringEntry.action_id == action_id)
            .order_by(col(MonitoringEntry.day), col(MonitoringEntry.id))
        ).all()
        programme = _programme_entries(s, action_id)
        names = {u.id: u.display_name for u in s.exec(select(StaffUser))} if staff else {}
    out_years = []
    for year in period:
        report = reports.get(year)
        entry = programme.get(year)
        planned = rules.planned_of(content["preventivo"], year, entry.budget if entry else None)
        spent = dict(report.spent) if report else {}
        values = dict(report.indicator_values) if report else {}
        out_years.append(
            {
                "year": year,
                "reported": report is not None,
                "status": report.status if report else None,
                "progress": report.progress if report else None,
                "updated_at": report.updated_at if report else None,
                "body": report.updated_body if report else "",
                "by_name": names.get(report.updated_by or 0) if report and staff else None,
                "entries": [
                    {
                        "day": e.day,
                        "text": e.text,
                        "body": e.body,
                        **({"by_name": names.get(e.user_id or 0)} if staff else {}),
                    }
                    for e in entries
                    if e.year == year
                ],
                "indicators": [
                    {
                        "number": i + 1,
                        "descrizione": row["descrizione"],
                        "partenza": row["partenza"],
                        "partenza_num": _number(rules.number_in(row["partenza"])),
                        "target": (target := rules.target_of(row, year, entry.targets if entry else None, i)),
                        "target_num": _number(rules.number_in(target)),
                        "value": values.get(str(i)),
                        "value_num": _number(Decimal(values[str(i)])) if str(i) in values else None,
                    }
                    for i, row in enumerate(indicators)
                ],
                "resources": [
                    {"source": src, "planned": planned.get(src), "spent": spent.get(src)}
                    for src in fields.FONTI
                    if src in planned or src in spent
                ],
                "planned_total": sum(planned.values()),
                "spent_total": sum(spent.values()),
            }
        )
    reported = [y for y in out_years if y["reported"]]
    return {
        "action_id": action_id,
        "state": action.state,
        "monitored": action.state == review.APPROVATA,
        "years": out_years,
        "latest": reported[-1] if reported else None,
        "indicators": indicators,
    }


def latest(db: Database, action_ids: list[int]) -> dict[int, dict]:
    """How each scheda is doing now: its most recent year reported (year, status, progress)."""
    with db.reader() as s:
        rows = s.exec(
            select(MonitoringReport).where(col(MonitoringReport.action_id).in_(action_ids or [0]))
        ).all()
    out: dict[int, dict] = {}
    for r in rows:
        if r.action_id not in out or r.year > out[r.action_id]["year"]:
            out[r.action_id] = {"year": r.year, "status": r.status, "progress": r.progress}
    return out


def overview(db: Database, period: periods.Period) -> dict[str, list[dict]]:
    """The approved schede of a process by area of the plan (A–E, by their
    prevalent area), each with how it is doing now."""
    with db.reader() as s:
        actions = s.exec(
            select(PlanAction)
            .where(PlanAction.process_id == period.process.id, PlanAction.state == review.APPROVATA)
            .order_by(col(PlanAction.area_main), col(PlanAction.id))
        ).all()
    now = latest(db, [a.id for a in actions])
    by_area: dict[str, list[dict]] = {}
    for a in actions:
        by_area.setdefault(a.area_main or "", []).append(
            {"id": a.id, "title": a.title, "latest": now.get(a.id)}
        )
    return by_area


def year_rows(db: Database, process: Process) -> dict[str, list[dict]]:
    """The monitoring of every approved scheda of a process as the open data's tables."""
    tables: dict[str, list[dict]] = {
        "monitoraggio": [],
        "monitoraggio_cronologia": [],
        "monitoraggio_indicatori": [],
        "monitoraggio_spese": [],
    }
    with db.reader() as s:
        ids = list(
            s.exec(
                select(PlanAction.id)
                .where(PlanAction.process_id == process.id, PlanAction.state == review.APPROVATA)
                .order_by(col(PlanAction.id))
            )
        )
    for action_id in ids:
        view = of_action(db, action_id)
        for y in view["years"]:
            if not y["reported"]:
                continue
            base = {"scheda": action_id, "anno": y["year"]}
            tables["monitoraggio"].append(
                {
                    **base,
                    "stato": y["status"],
                    "avanzamento": y["progress"],
                    "aggiornato_il": y["updated_at"],
                    "aggiornato_da": y["body"],
                }
            )
            for e in y["entries"]:
                tables["monitoraggio_cronologia"].append(
                    {**base, "data": e["day"].isoformat(), "testo": e["text"], "scritto_da": e["body"]}
                )
            for i in y["indicators"]:
                tables["monitoraggio_indicatori"].append(
                    {
                        **base,
                        "numero": i["number"],
                        "descrizione": i["descrizione"],
                        "situazione_partenza": i["partenza"],
                        "obiettivo": i["target"],
                        "valore": Decimal(i["value"]) if i["value"] is not None else "",
                    }
                )
            for r in y["resources"]:
                tables["monitoraggio_spese"].append(
                    {
                        **base,
                        "fonte": r["source"],
                        "fonte_etichetta": fields.FONTI[r["source"]],
                        "previsto": Decimal(fields.decimal_text(r["planned"]))
                        if r["planned"] is not None
                        else "",
                        "speso": Decimal(fields.decimal_text(r["spent"])) if r["spent"] is not None else "",
                    }
                )
    return tables


def monitored_actions(db: Database, process_slug: str) -> list[dict]:
    """The approved schede of a process with how each is doing now (the staff list)."""
    with db.reader() as s:
        process = s.exec(select(Process).where(Process.slug == process_slug)).first()
        if process is None:
            raise Rejected("process_not_found")
        actions = s.exec(
            select(PlanAction)
            .where(PlanAction.process_id == process.id, PlanAction.state == review.APPROVATA)
            .order_by(col(PlanAction.id))
        ).all()
    now = latest(db, [a.id for a in actions])
    return [{"id": a.id, "title": a.title, "area": a.area_main, "latest": now.get(a.id)} for a in actions]
