"""Similar notes and suggested groups: time and agreement (not a test).

    .venv/bin/python bench/similar.py                 # SQLite
    .venv/bin/python bench/similar.py --postgres      # a bench_similar_* database, dropped after
    .venv/bin/python bench/similar.py --notes 600     # a bigger board

Prints, for a session of `--notes` notes (300 by default) written by 20 people:
- `note.similar` as the server answers it (services/similarity.similar_notes:
  the reader transaction, the board's texts, the rule, the three notes' views):
  the first check (cold caches) and then median / p95 of 200 checks, each with
  a different draft; the rule alone (domain/similarity.similar) beside it;
- the command path, as a baseline in the same run: `note.create` through
  CommandBus.execute right after another command, and right after three
  checks (someone typing while others publish), in turn: the checks never
  take the session's lock, so the ratio says whether they slow the commands
  down; and with checks running non-stop in another thread;
- `groups.suggest` on the same board (the first call of the process, then
  the median of 5);
- agreement: the adjusted Rand index (scikit-learn) between the suggested
  groups and groups made by people: on the held-out set the thresholds were
  chosen on (bench/data/heldout_it.json, hand-made notes grouped by hand),
  and on the groups the facilitators made in the sample sessions of
  workshop/data/sample_labs.json, never used to choose anything; at the
  default GROUP_SPREAD and, to show how much it depends on it, at others.
  bench/similar_candidates.py compares the other representations tried.

Notes are made by recombining the words of the sample notes (seeded): Italian
texts of realistic length and vocabulary, not copies of each other.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

PARTICIPANTS = 20
CHECKS = 200
COMMANDS = 100


def sample() -> dict:
    return json.loads((ROOT / "workshop" / "data" / "sample_labs.json").read_text())


def texts(n: int, seed: int = 17) -> list[str]:
    """`n` Italian notes of 6-25 words drawn from the sample notes' words."""
    rng = random.Random(seed)
    notes = [note["text"] for s in sample()["sessions"] for note in s["notes"]]
    words = [w for t in notes for w in t.split()]
    out = []
    for _ in range(n):
        base = rng.choice(notes).split()
        keep = base[: rng.randint(4, len(base))]
        out.append(" ".join(keep + rng.sample(words, rng.randint(2, 10))))
    return out


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def heldout() -> list[dict]:
    """The hand-made held-out sessions, shaped as the sample's ("cluster" = the group)."""
    data = json.loads((HERE / "data" / "heldout_it.json").read_text())
    return [
        {
            "lab": "held-out: " + s["lab"],
            "notes": [{"text": n["text"], "cluster": n["group"]} for n in s["notes"]],
            "clusters": [
                {"id": g, "title": g.replace("-", " ")} for g in dict.fromkeys(n["group"] for n in s["notes"])
            ],
        }
        for s in data["sessions"]
    ]


def agreement(spreads: list[float]) -> list[dict]:
    from sklearn.metrics import adjusted_rand_score

    from workshop.domain import similarity as sim

    default = sim.GROUP_SPREAD
    rows = []
    for spread in spreads:
        sim.GROUP_SPREAD = spread
        for session in [*heldout(), *sample()["sessions"]]:
            notes = {i: n["text"] for i, n in enumerate(session["notes"], 1)}
            truth = [n["cluster"] for n in session["notes"]]
            titles = {k: c["title"] for k, c in enumerate(session["clusters"], 1)}
            key_of = {c["id"]: k for k, c in enumerate(session["clusters"], 1)}
            # 1. Everything loose, no groups yet: the groups it proposes.
            found = sim.suggest(notes, dict.fromkeys(notes), {})
            label = {i: f"g{k}" for k, g in enumerate(found.groups) for i in g.note_ids}
            predicted = [label.get(i, f"alone{i}") for i in notes]
            # 2. The groups' titles are given (no notes in them yet): which each note fits.
            fitted = sim.suggest(notes, dict.fromkeys(notes), titles)
            fit = {i: g.cluster_id for g in fitted.groups if g.cluster_id for i in g.note_ids}
            predicted_fit = [fit.get(i, f"alone{i}") for i in notes]
            right = sum(1 for i, n in enumerate(session["notes"], 1) if fit.get(i) == key_of[n["cluster"]])
            rows.append(
                {
                    "group_spread": spread,
                    "lab": session["lab"],
                    "notes": len(notes),
                    "groups_made": len(session["clusters"]),
                    "groups_suggested": sum(1 for g in found.groups if g.cluster_id is None),
                    "notes_in_suggested_groups": len(label),
                    "ari_new_groups": round(adjusted_rand_score(truth, predicted), 3),
                    "ari_fit_to_titles": round(adjusted_rand_score(truth, predicted_fit), 3),
                    "fit_right": right,
                    "fit_placed": len(fit),
                }
            )
    sim.GROUP_SPREAD = default
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notes", type=int, default=300)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    try:  # the agreement needs it: say so before the timings, not in a traceback after them
        import sklearn  # noqa: F401
    except ImportError:
        sys.exit("bench/similar.py needs scikit-learn: .venv/bin/pip install -r bench/requirements.txt")

    import logging

    from tests.helpers import advance
    from workshop.domain import commands as c
    from workshop.domain import similarity as sim
    from workshop.seed import create_session, seed_reference
    from workshop.services import accounts, similarity
    from workshop.services.bus import CommandBus
    from workshop.services.publisher import RecordingPublisher
    from workshop.services.ratelimit import RateLimits
    from workshop.services.tokens import ParticipantTokens
    from workshop.storage import migrate
    from workshop.storage.database import Database

    logging.disable(logging.INFO)
    database = None
    if args.postgres:
        from tests.postgres import admin as pg_admin
        from tests.postgres import dsn as pg_url

        database = f"bench_similar_{uuid.uuid4().hex[:10]}"
        pg_admin(f"CREATE DATABASE {database}")
        url = pg_url(database)
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/similar.db"
    try:
        migrate.upgrade(url)
        db = Database(url)
        seed_reference(db)
        owner = accounts.create_user(db, "bench", "Bench", "facilitator", "una password lunga")
        unlimited = 10**9
        bus = CommandBus(
            db,
            RecordingPublisher(),
            ParticipantTokens("bench"),
            RateLimits("memory://", joins_per_minute=unlimited, commands_per_minute=unlimited),
        )
        made = create_session(db, "dimissioni-difficili", "Banco di prova", owner_id=owner.id)
        staff = bus.staff_bind(owner.id, "facilitator", made.id)
        advance(bus, staff, "raccolta")
        people = [
            bus.join(
                c.JoinSession(code=made.code, pseudonym=f"persona {i}", category="cittadino"), "127.0.0.1"
            ).actor
            for i in range(PARTICIPANTS)
        ]
        board = texts(args.notes)
        for k, text in enumerate(board):
            bus.execute(
                people[k % PARTICIPANTS],
                c.CreateNote(cid=uuid.uuid4().hex, session_id=made.id, kind="problema", text=text),
            )
        drafts = texts(CHECKS + COMMANDS * 3 + 1, seed=99)
        reader = people[0]

        def check(draft: str) -> None:
            similarity.similar_notes(db, reader, c.FindSimilar(session_id=made.id, text=draft))

        def create(k: int) -> None:
            bus.execute(
                people[k % PARTICIPANTS],
                c.CreateNote(
                    cid=uuid.uuid4().hex,
                    session_id=made.id,
                    kind="proposta",
                    text=f"Proposta {k}: {drafts[k]}",
                ),
            )

        sim.terms.cache_clear()
        sim._stem.cache_clear()
        cold = timed(check, drafts[0])
        checks = sorted(timed(check, d) for d in drafts[1 : CHECKS + 1])
        texts_now = {i: t for i, t in enumerate(board, 1)}
        rule = sorted(timed(sim.similar, d, texts_now) for d in drafts[1 : CHECKS + 1])

        # In turn, so that both see the same machine: an untimed command, a timed
        # one right after it (the baseline), three checks (the first after a change
        # re-reads the board), a timed command. A command right after another was
        # itself ~1.2x one after a pause in a first version of this loop, so the
        # baseline follows a command too.
        alone, with_checks = [], []
        for k in range(COMMANDS):
            create(3 * k)
            alone.append(timed(create, 3 * k + 1))
            for j in range(3):
                check(drafts[(3 * k + j) % len(drafts)])
            with_checks.append(timed(create, 3 * k + 2))
        # And with checks running all the time in another thread (as other greenlets would).
        stop = threading.Event()

        def typing():
            j = 0
            while not stop.is_set():
                check(drafts[j % len(drafts)])
                j += 1

        worker = threading.Thread(target=typing)
        worker.start()
        concurrent = [timed(create, 3 * COMMANDS + k) for k in range(COMMANDS)]
        stop.set()
        worker.join()

        advance(bus, staff, "raggruppamento")
        suggest_first = timed(similarity.suggest_groups, db, staff, c.SuggestGroups(session_id=made.id))
        suggest = sorted(
            timed(similarity.suggest_groups, db, staff, c.SuggestGroups(session_id=made.id)) for _ in range(5)
        )
        found = similarity.suggest_groups(db, staff, c.SuggestGroups(session_id=made.id))
        db.dispose()
    finally:
        if database:
            from tests.postgres import admin as pg_admin

            pg_admin(f"DROP DATABASE IF EXISTS {database}")

    def p95(xs):
        return xs[int(len(xs) * 0.95) - 1]

    base = statistics.median(alone)
    result = {
        "database": "postgresql" if args.postgres else "sqlite",
        "notes": args.notes,
        "check_ms": {
            "first": ms(cold),
            "median": ms(statistics.median(checks)),
            "p95": ms(p95(checks)),
            "goal": 20,
        },
        "rule_alone_ms": {"median": ms(statistics.median(rule)), "p95": ms(p95(rule))},
        "note_create_ms": {
            "after_a_command": ms(base),
            "after_3_checks": ms(statistics.median(with_checks)),
            "ratio": round(statistics.median(with_checks) / base, 2),
            "with_checks_in_another_thread": ms(statistics.median(concurrent)),
            "ratio_thread": round(statistics.median(concurrent) / base, 2),
        },
        "check_vs_command": round(statistics.median(checks) / base, 2),
        "suggest_ms": {
            "first": ms(suggest_first),
            "median": ms(statistics.median(suggest)),
            "goal": 1000,
            "groups": len(found["groups"]),
            "duplicates": len(found["duplicates"]),
        },
    }
    print(json.dumps(result, indent=1))
    print("\nagreement with the facilitators' groups (adjusted Rand index; 0 = chance, 1 = the same groups):")
    rows = agreement([sim.GROUP_SPREAD, 0.5, 1.5, 2.0])
    print(
        f"{'spread':>9} {'lab':<28} {'notes':>5} {'made':>4} {'sugg':>4} {'in':>3} "
        f"{'ARI new':>8} {'ARI fit':>8} {'fit right/placed':>17}"
    )
    for r in rows:
        mark = "*" if r["group_spread"] == sim.GROUP_SPREAD else " "
        print(
            f"{r['group_spread']:>8}{mark} {r['lab'][:28]:<28} {r['notes']:>5} {r['groups_made']:>4} "
            f"{r['groups_suggested']:>4} {r['notes_in_suggested_groups']:>3} {r['ari_new_groups']:>8} "
            f"{r['ari_fit_to_titles']:>8} {r['fit_right']:>8}/{r['fit_placed']:<8}"
        )
    print(
        "(* the default GROUP_SPREAD; 'in': notes placed in a suggested new group; 'fit': the groups' titles "
        "given, no notes in them)"
    )
    for name, picked in (("held-out", "held-out"), ("samples", "")):
        at_default = [
            r["ari_new_groups"]
            for r in rows
            if r["group_spread"] == sim.GROUP_SPREAD and r["lab"].startswith("held-out") == bool(picked)
        ]
        print(f"mean ARI of the new groups at the default, {name}: {statistics.mean(at_default):.3f}")


if __name__ == "__main__":
    main()
