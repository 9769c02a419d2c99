"""Monitoring (issue 15): the CSV import and the reads at a size no district reaches (not a test).

    .venv/bin/python bench/monitoring.py              # SQLite in a temporary directory
    .venv/bin/python bench/monitoring.py --rows 20000

On a fresh database with the demo (its approved scheda), prints the time of:
- importing a file of `--rows` rows (one `stato` row, the rest timeline entries)
  of that scheda, all checked then written in one transaction;
- the same file again (every entry already there: nothing written);
- a file with bad rows, refused before anything is written;
- `monitoring.of_action` (what the public scheda reads), median of 5;
- the annual report as PDF, for the year of the file and for a demo year.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import select  # noqa: E402

from tests.helpers import unlimited_bus  # noqa: E402
from workshop.domain.errors import Rejected  # noqa: E402
from workshop.seed import seed_demo, seed_reference  # noqa: E402
from workshop.services import documents, exports, monitoring, periods, schede  # noqa: E402
from workshop.storage import migrate  # noqa: E402
from workshop.storage.database import Database  # noqa: E402
from workshop.storage.models import PlanAction  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=monitoring.CSV_MAX_ROWS)
    args = parser.parse_args()
    where = Path(tempfile.mkdtemp())
    url = f"sqlite:///{where}/bench.db"
    migrate.upgrade(url)
    db = Database(url)
    seed_reference(db)
    seed_demo(db, unlimited_bus(db), where)
    with db.reader() as s:
        action = s.exec(select(PlanAction).where(PlanAction.state == "approvata")).one()
    admin = schede.PlanActor(action.created_by or 0, "admin")
    year = periods.resolve(db).process.year_end
    rows = [",".join(monitoring.CSV_COLUMNS), f"{action.id},{year},stato,,in_corso,50,,,,,"]
    rows += [
        f"{action.id},{year},cronologia,{year}-{1 + i % 12:02d}-{1 + i % 28:02d},,,,,,,Voce numero {i}"
        for i in range(args.rows - 1)
    ]
    data = ("\r\n".join(rows) + "\r\n").encode()
    monitoring.CSV_MAX_ROWS = max(monitoring.CSV_MAX_ROWS, args.rows)
    seconds, done = timed(lambda: monitoring.import_csv(db, admin, data))
    print(f"import of {args.rows} rows: {seconds:.2f} s ({done.entries} entries written)")
    seconds, again = timed(lambda: monitoring.import_csv(db, admin, data))
    print(f"the same file again: {seconds:.2f} s ({again.entries} entries written)")
    bad = data.replace(b"Voce numero 7,", b"Voce numero 7,").replace(
        b",stato,,in_corso,50", b",stato,,in_corso,100"
    )
    start = time.perf_counter()
    try:
        monitoring.import_csv(db, admin, bad)
    except Rejected as refused:
        took = time.perf_counter() - start
        print(f"a file with a bad row, refused: {took:.2f} s ({len(refused.details)} problem)")
    times = [timed(lambda: monitoring.of_action(db, action.id))[0] for _ in range(5)]
    print(f"of_action (the public scheda's read): {statistics.median(times) * 1000:.0f} ms median")
    slug = periods.resolve(db).process.slug
    for y in (year, year - 1):
        seconds, _ = timed(lambda y=y: exports.render(documents.monitoring_blocks(db, slug, y), "pdf", "m"))
        print(f"annual report {y} as PDF: {seconds:.2f} s")


if __name__ == "__main__":
    main()
