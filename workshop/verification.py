"""Checking published results from outside: `python -m workshop verify FILE`.

Works on what anyone can download, with no database: the open-data ZIP, or
one results document (`risultati/sessione-N.json`). For each closed session:

- the document's SHA-256 is the fingerprint published (and shown in the room);
- the document is in canonical form (RFC 8785), so the fingerprint is of its
  content and nothing else;
- every note published as written matches its commitment in the document;
- the totals in `gruppi.csv` are the document's.

The same checks by hand are in docs/protocol.md §12.2.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from workshop.domain import results


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failures: int = 0

    def ok(self, line: str) -> None:
        self.lines.append("  ok   " + line)

    def fail(self, line: str) -> None:
        self.failures += 1
        self.lines.append("  NO   " + line)


def check_document(
    data: bytes, report: Report, expected: str | None = None, openings: dict | None = None
) -> dict | None:
    digest = results.fingerprint(data)
    try:
        document = json.loads(data)
    except ValueError:
        report.fail("il documento non è JSON")
        return None
    if expected is not None:
        (report.ok if digest == expected else report.fail)(
            f"impronta {digest}" + ("" if digest == expected else f" (pubblicata: {expected})")
        )
    else:
        report.ok(f"impronta {digest}")
    (report.ok if results.canonical(document) == data else report.fail)(
        "documento in forma canonica (RFC 8785)"
    )
    commitments = {str(n["id"]): n["commitment"] for n in document.get("notes", [])}
    if openings is not None:
        wrong = [
            k for k, o in openings.items() if commitments.get(k) != results.commitment(o["salt"], o["text"])
        ]
        (report.fail if wrong else report.ok)(
            f"{len(openings) - len(wrong)} contributi su {len(openings)} corrispondono alla loro "
            f"impronta" + (f"; non corrispondono: {', '.join(wrong)}" if wrong else "")
        )
    return document


def _csv(z: zipfile.ZipFile, name: str) -> list[dict]:
    text = z.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _plain(value: str) -> str:
    """A CSV text cell as written (the export puts an apostrophe before a would-be formula)."""
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@", "\t", "\r") else value


def verify_zip(path: Path) -> Report:
    report = Report()
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        sessions = _csv(z, "sessioni.csv")
        notes = {r["id"]: r for r in _csv(z, "contributi.csv")}
        groups = _csv(z, "gruppi.csv")
        for row in sessions:
            report.lines.append(f"sessione {row['id']} «{row['titolo']}»")
            name = row.get("file_risultati") or ""
            if not name:
                report.lines.append(
                    "  --   chiusa prima del formato verificabile: impronta "
                    f"{row['hash_risultati']} non ricalcolabile dai dati aperti"
                )
                continue
            if name not in names:
                report.fail(f"manca {name}")
                continue
            openings_name = name.replace(".json", ".aperture.json")
            openings = json.loads(z.read(openings_name))["notes"] if openings_name in names else {}
            document = check_document(z.read(name), report, row["hash_risultati"], openings)
            if document is None:
                continue
            as_written = [
                k
                for k, o in openings.items()
                if k in notes and notes[k]["modificato"] == "no" and _plain(notes[k]["testo"]) != o["text"]
            ]
            (report.fail if as_written else report.ok)(
                "i testi in contributi.csv sono quelli aperti"
                + (f"; diversi: {', '.join(as_written)}" if as_written else "")
            )
            votes = {str(i["id"]): i["votes"] for i in document["items"] if i["type"] == "cluster"}
            mine = [g for g in groups if g["sessione"] == row["id"]]
            wrong = [g["id"] for g in mine if votes.get(g["id"]) != int(g["punti"])]
            (report.fail if wrong else report.ok)(
                f"punti di {len(mine)} gruppi uguali al documento"
                + (f"; diversi: {', '.join(wrong)}" if wrong else "")
            )
    return report


def verify(path: str, expected: str | None = None) -> Report:
    file = Path(path)
    if zipfile.is_zipfile(file):
        return verify_zip(file)
    report = Report()
    openings_file = file.with_name(file.name.replace(".json", ".aperture.json"))
    openings = (
        json.loads(openings_file.read_text())["notes"]
        if openings_file != file and openings_file.exists()
        else None
    )
    report.lines.append(str(file))
    check_document(file.read_bytes(), report, expected, openings)
    return report
