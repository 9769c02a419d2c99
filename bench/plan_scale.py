"""Scale benchmark of consolidation and exports (not a test).

Fills a fresh database with 7 labs, each with one closed session of 2,000
notes in 100 clusters and 50,000 dots (about 16,700 voters at 3 dots each),
each session's results frozen as closing freezes them, plus schede
intervento drafted from the top priorities (a third of them with a budget
and indicators filled in) and a few without a lab priority; then times
consolidation and each export (Markdown, ODT, DOCX, PDF), several runs
each, and prints the figures with the targets (< 1 s consolidation, < 2 s
per export).

    .venv/bin/python bench/plan_scale.py                 # SQLite file in a temp dir
    .venv/bin/python bench/plan_scale.py --postgres      # a bench_plan_* database, dropped after
    .venv/bin/python bench/plan_scale.py --notes 200 --votes 5000   # smaller, quicker

The rows are written with bulk inserts straight into the tables (going
through the command bus would take hours and measure something else); the
shape matches what closed sessions leave behind: notes in clusters, votes
with the voter's category, scores, and the frozen results (services/frozen.py:
the results document, its hash, the record with the published split), which
everything after closing reads instead of the votes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from tests import postgres  # noqa: E402  (the machine's PostgreSQL, as the tests use it)
from workshop.domain import scheda as fields  # noqa: E402
from workshop.seed import FIRST_PROCESS, sample_data, seed_reference  # noqa: E402

PROCESS_SLUG = FIRST_PROCESS["slug"]
from workshop.services import accounts, documents, exports, frozen, periods, schede  # noqa: E402
from workshop.services.consolidation import consolidate  # noqa: E402
from workshop.storage import migrate  # noqa: E402
from workshop.storage.database import Database  # noqa: E402
from workshop.storage.models import (  # noqa: E402
    Category,
    Cluster,
    Lab,
    LiveSession,
    Note,
    Participant,
    Vote,
    utcnow,
)

KINDS = ("problema", "proposta", "risorsa", "caso")


def fill(
    db: Database, notes_per_lab: int, votes_per_lab: int, clusters_per_lab: int, rng: random.Random
) -> None:
    texts = [n["text"] for s in sample_data()["sessions"] for n in s["notes"]]
    with db.transaction() as s:
        labs = s.exec(select(Lab).order_by(Lab.id)).scalars().all()
        categories = [c.key for c in s.exec(select(Category)).scalars().all()]
        process_id = periods.current(s).id
    now = utcnow()
    for lab in labs:
        with db.transaction() as s:
            live = LiveSession(
                lab_id=lab.id,
                process_id=process_id,
                title="Sessione di carico",
                join_code=str(rng.randrange(100000, 999999)),
                phase="chiusa",
                closed_at=now,
                results_revealed=True,
                notes_revealed=True,
                snapshot_hash=uuid.uuid4().hex * 2,
            )
            s.add(live)
            s.flush()
            session_id = live.id
            voters = votes_per_lab // 3 + 1
            s.execute(
                insert(Participant),
                [
                    {
                        "session_id": session_id,
                        "public_id": uuid.uuid4().hex[:12],
                        "pseudonym": f"P{i}",
                        "pseudonym_key": f"p{i}",
                        "category_key": rng.choice(categories),
                        "offline": False,
                        "created_at": now,
                    }
                    for i in range(voters)
                ],
            )
            people = s.execute(
                select(Participant.id, Participant.category_key).where(Participant.session_id == session_id)
            ).all()
            s.execute(
                insert(Cluster),
                [
                    {
                        "session_id": session_id,
                        "title": f"Gruppo {k} del laboratorio {lab.title}",
                        "areas": ",".join(sorted(rng.sample("ABCDE", rng.randint(1, 2)))),
                        "created_at": now,
                        "impatto": rng.randint(1, 5),
                        "fattibilita": rng.randint(1, 5),
                        "urgenza": rng.randint(1, 5),
                    }
                    for k in range(clusters_per_lab)
                ],
            )
            clusters = s.execute(select(Cluster.id).where(Cluster.session_id == session_id)).scalars().all()
            s.execute(
                insert(Note),
                [
                    {
                        "session_id": session_id,
                        "author_id": rng.choice(people)[0],
                        "kind": rng.choice(KINDS),
                        "text": rng.choice(texts),
                        "html": f"<p>{rng.choice(texts)}</p>",
                        "cluster_id": clusters[i % len(clusters)],
                        "created_at": now,
                        "updated_at": now,
                        "private": False,
                    }
                    for i in range(notes_per_lab)
                ],
            )
            weights = [rng.paretovariate(1.5) for _ in clusters]
            rows = []
            for n in range(votes_per_lab):
                pid, category = people[n // 3]
                rows.append(
                    {
                        "session_id": session_id,
                        "participant_id": pid,
                        "category_key": category,
                        "cluster_id": rng.choices(clusters, weights)[0],
                        "created_at": now,
                    }
                )
            for start in range(0, len(rows), 10_000):
                s.execute(insert(Vote), rows[start : start + 10_000])
            # Closing freezes the results (services/facilitation.py); everything after reads them.
            s.flush()
            live.snapshot_hash = frozen.freeze(s, live).hash
            s.add(live)


YEARS = (2018, 2019, 2020)


def complete(db: Database, editor: schede.PlanActor, action_id: int, n: int) -> None:
    """What the Ufficio di Piano adds to a draft: capofila, a budget by source and
    year, indicators with a target per year, actions with their periods."""
    version = schede.view(db, action_id)["version"]
    sources = list(fields.FONTI)
    schede.update_fields(
        db,
        editor,
        action_id,
        {
            "capofila": {"tipo": "comune", "specifica": "Comune di Reggio nell'Emilia, servizio sociale"},
            "ambito": {"tipo": "sub_distrettuale", "comuni": list(fields.COMUNI[:3])},
            "azioni": [
                {"testo": f"Azione {k} della scheda {action_id}", "periodo": f"{YEARS[k % 3]}"}
                for k in range(1, 6)
            ],
            "preventivo": {
                "importi": {
                    sources[k]: {str(y): f"{(n + 1) * (k + 1) * 1234},{y % 100:02d}" for y in YEARS}
                    for k in range(4)
                },
                "note": "Importi stimati.",
            },
            "indicatori": [
                {
                    "descrizione": f"Indicatore {k}: persone raggiunte ≥ 70%",
                    "partenza": "≤ 1",
                    "obiettivi": {str(y): f"{k * 10 + y % 10}" for y in YEARS},
                    "fonte": "Servizio sociale",
                    "periodicita": "annuale",
                }
                for k in range(1, 5)
            ],
        },
        version,
    )


def timed(fn, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--postgres", action="store_true", help="use the local PostgreSQL")
    p.add_argument("--notes", type=int, default=2000, help="notes per lab")
    p.add_argument("--votes", type=int, default=50_000, help="dots per lab")
    p.add_argument("--clusters", type=int, default=100, help="clusters per lab")
    p.add_argument("--schede", type=int, default=30, help="schede drafted from the top priorities")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    rng = random.Random(7)
    workdir = tempfile.mkdtemp(prefix="plan-scale-")
    dbname = None
    if args.postgres:
        dbname = f"bench_plan_{uuid.uuid4().hex[:8]}"
        postgres.admin(f'CREATE DATABASE "{dbname}"')
        url = postgres.dsn(dbname)
    else:
        url = f"sqlite:///{workdir}/plan.db"
    try:
        migrate.upgrade(url)
        db = Database(url)
        seed_reference(db)
        t0 = time.perf_counter()
        fill(db, args.notes, args.votes, args.clusters, rng)
        filled = time.perf_counter() - t0
        up = schede.PlanActor(
            accounts.create_user(db, "ufficio", "Ufficio", "ufficio_piano", "una password lunga").id,
            "ufficio_piano",
        )
        schede.save_plan_settings(
            db, schede.PlanActor(up.user_id, "admin"), PROCESS_SLUG, YEARS[0], YEARS[-1], ""
        )
        top = consolidate(db, PROCESS_SLUG).rows[: args.schede]
        for n, row in enumerate(top):
            action_id = schede.create_from_clusters(db, up, PROCESS_SLUG, [row.cluster_id])
            if n % 3 == 0:
                complete(db, up, action_id, n)
        # Schede no lab priority led to (regional and continuing interventions).
        for n, origin in enumerate(("regionale", "continuita")):
            action_id = schede.create_blank(db, up, PROCESS_SLUG, f"Intervento {origin}", origin, "C")
            complete(db, up, action_id, n)
        one = schede.view(db, 1, public=True)
        areas = exports.area_labels(db)
        total = len(top) + 2
        cases = {
            "consolidation (all labs)": lambda: consolidate(db, PROCESS_SLUG),
            "consolidation (one lab, one area)": lambda: consolidate(
                db, PROCESS_SLUG, lab="dopo-di-noi", area="A"
            ),
            "open data ZIP": lambda: exports.opendata_zip(db, PROCESS_SLUG),
        }
        header = documents.running_header("Piano di Zona", "Bozza del piano")
        for fmt in exports.FORMATS:
            cases[f"one scheda, {fmt}"] = lambda fmt=fmt: exports.render(
                exports.scheda_blocks(one, areas), fmt, "x", header
            )
        for fmt in exports.FORMATS:
            cases[f"draft plan ({total} schede), {fmt}"] = lambda fmt=fmt: exports.render(
                exports.plan_blocks(db, PROCESS_SLUG), fmt, documents.plan_title(db, PROCESS_SLUG), header
            )
        labs = 7
        print(
            f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; {labs} labs × "
            f"{args.notes} notes × {args.votes} dots, {args.clusters} clusters per lab "
            f"(filled in {filled:.1f} s); {args.runs} runs each, median and max"
        )
        print(f"{'what':<38} {'median s':>9} {'max s':>7} {'target':>8}  verdict")
        for name, fn in cases.items():
            median, worst = timed(fn, args.runs)
            target = 1.0 if name.startswith("consolidation") else 2.0
            verdict = "MET" if worst < target else "MISSED"
            print(f"{name:<38} {median:>9.3f} {worst:>7.3f} {'< ' + str(target) + ' s':>8}  {verdict}")
        db.dispose()
    finally:
        if dbname:
            postgres.admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()
