"""CPU per command on the command path, without sockets (not a test).

What one `note.create` (or one `vote.place` / `vote.withdraw`) costs the server
in `CommandBus.execute`: the transaction, the event log, the doer's `self`,
markdown, the rate limit. No Socket.IO, no fan-out: those are the same for
the bare server and measured by bench/run.py. A room as in the fan-out
benchmark: 20 participants writing; each trial is a fresh session, 100 notes
of warm-up, then the measured commands.

    .venv/bin/python bench/command_cost.py                      # SQLite, process CPU time
    .venv/bin/python bench/command_cost.py --postgres           # a bench_cost_* database, dropped after
    .venv/bin/python bench/command_cost.py --baseline HEAD~1    # also that commit, interleaved: ratio
    .venv/bin/python bench/command_cost.py --callgrind          # instructions (valgrind): exact, slow

CPU time on a shared VM varies from run to run (the median of the trials is
printed with the spread); `--callgrind` counts instructions, which do not
depend on what else the machine does: it runs the workload under valgrind
twice (without and with the measured commands) and divides the difference.
`--baseline REF` checks REF out in a temporary git worktree and measures it
the same way, alternating with the working tree, so both see the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PARTICIPANTS = 20
WARMUP_NOTES = 100


# --------------------------------------------------------------------------- worker
# Runs in a child process with the code under test first on sys.path.


def worker(args) -> None:
    import logging

    sys.path.insert(0, args.root)  # the tree under test, whichever it is
    from sqlmodel import select

    from tests.helpers import advance
    from workshop.domain import commands as c
    from workshop.seed import create_session, seed_reference
    from workshop.services import accounts
    from workshop.services.bus import CommandBus
    from workshop.services.publisher import RecordingPublisher
    from workshop.services.ratelimit import RateLimits
    from workshop.services.tokens import ParticipantTokens
    from workshop.storage import migrate
    from workshop.storage.database import Database
    from workshop.storage.models import Note

    logging.basicConfig(level=logging.INFO, stream=open(os.devnull, "w"))  # log lines cost too
    migrate.upgrade(args.url)
    db = Database(args.url)
    seed_reference(db)
    owner = accounts.create_user(db, "f" + uuid.uuid4().hex[:8], "F", "facilitator", "una password lunga")
    unlimited = 10**9
    bus = CommandBus(
        db,
        RecordingPublisher(),
        ParticipantTokens("bench"),
        RateLimits("memory://", joins_per_minute=unlimited, commands_per_minute=unlimited),
    )

    def room():
        made = create_session(db, "dopo-di-noi", "Banco di prova", "Domanda", owner_id=owner.id)
        staff = bus.staff_bind(owner.id, "facilitator", made.id)
        advance(bus, staff, "raccolta")
        people = [
            bus.join(
                c.JoinSession(code=made.code, pseudonym=f"persona {i}", category="cittadino"), "127.0.0.1"
            ).actor
            for i in range(PARTICIPANTS)
        ]
        return made.id, staff, people

    def notes(session_id, people, n):
        for k in range(n):
            bus.execute(
                people[k % PARTICIPANTS],
                c.CreateNote(
                    cid=uuid.uuid4().hex,
                    session_id=session_id,
                    kind="proposta",
                    text=f"Proposta {k}: uno **sportello unico** per le famiglie, aperto il sabato",
                ),
            )

    def votes(session_id, people, n):
        # A dot placed and taken back, in turn: the budget never runs out.
        with db.reader() as s:
            note_ids = s.exec(select(Note.id).where(Note.session_id == session_id)).all()
        for k in range(n):
            kind = c.PlaceVote if k % 2 == 0 else c.WithdrawVote
            bus.execute(
                people[(k // 2) % PARTICIPANTS],
                kind(cid=uuid.uuid4().hex, session_id=session_id, note_id=note_ids[(k // 2) % len(note_ids)]),
            )

    def trial(n: int) -> float:
        session_id, staff, people = room()
        notes(session_id, people, WARMUP_NOTES)
        if args.command == "vote":
            advance(bus, staff, "votazione")
        started = time.process_time()
        (votes if args.command == "vote" else notes)(session_id, people, n)
        return time.process_time() - started

    # (--commands 0 runs only the set-up: the baseline of --callgrind)
    figures = [trial(args.commands) / max(args.commands, 1) * 1000 for _ in range(args.trials)]
    print(json.dumps({"ms": figures}))
    db.dispose()


# --------------------------------------------------------------------------- parent


def postgres():
    """The machine's PostgreSQL as the tests use it (tests/postgres.py). Imported here, in
    the parent only: the worker imports `tests` from the tree under test."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests import postgres

    return postgres


class Target:
    """One tree to measure (the working tree, or a baseline checked out aside)."""

    def __init__(self, label: str, root: Path, args, work: Path):
        self.label, self.root, self.args, self.work = label, root, args, work
        self.ms: list[float] = []
        self.database = None

    def url(self) -> str:
        if not self.args.postgres:
            return f"sqlite:///{self.work}/{self.label}-{uuid.uuid4().hex[:6]}.db"
        self.database = f"bench_cost_{uuid.uuid4().hex[:10]}"
        postgres().admin(f"CREATE DATABASE {self.database}")
        return postgres().dsn(self.database)

    def drop(self) -> None:
        if self.database:
            postgres().admin(f"DROP DATABASE IF EXISTS {self.database}")
            self.database = None

    def command(self, commands: int, trials: int) -> list[str]:
        return [
            sys.executable,
            str(Path(__file__)),
            "--worker",
            str(self.root),
            "--url",
            self.url(),
            "--command",
            self.args.command,
            "--commands",
            str(commands),
            "--trials",
            str(trials),
        ]

    def _run(self, argv: list[str]) -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True)
        finally:
            self.drop()
        if done.returncode != 0:
            raise SystemExit(f"{self.label}: the measurement failed\n{done.stderr[-3000:]}")
        return done.stdout

    def run_trials(self) -> None:
        out = self._run(self.command(self.args.commands, 1))
        self.ms += json.loads(out.strip().splitlines()[-1])["ms"]

    def instructions(self, commands: int) -> int:
        log = self.work / f"{self.label}-{commands}.callgrind.log"
        self._run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                f"--log-file={log}",
                *self.command(commands, 1),
            ]
        )
        return int(re.search(r"Collected : (\d+)", log.read_text()).group(1))


def checkout(ref: str, work: Path) -> Path:
    path = work / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(path), ref],
        check=True,
        capture_output=True,
    )
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL on 127.0.0.1:5432")
    parser.add_argument(
        "--command",
        choices=("note", "vote"),
        default="note",
        help="note.create, or vote.place and vote.withdraw in turn",
    )
    parser.add_argument("--commands", type=int, default=200, help="measured commands per trial")
    parser.add_argument("--trials", type=int, default=5, help="fresh rooms per tree")
    parser.add_argument("--baseline", metavar="REF", help="a git ref to compare with")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="count instructions with valgrind instead of timing (minutes)",
    )
    parser.add_argument("--worker", metavar="ROOT", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        args.root = args.worker
        worker(args)
        return 0

    work = Path(tempfile.mkdtemp(prefix="command-cost-"))
    targets = [Target("working-tree", ROOT, args, work)]
    try:
        if args.baseline:
            targets.append(Target(args.baseline, checkout(args.baseline, work), args, work))
        what = "note.create" if args.command == "note" else "vote.place / vote.withdraw"
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"{what} on {backend}, {PARTICIPANTS} participants in one room, "
            f"{args.commands} commands per trial after {WARMUP_NOTES} notes of warm-up"
        )
        if args.callgrind:
            for t in targets:
                empty, full = t.instructions(0), t.instructions(args.commands)
                t.per_command = (full - empty) / args.commands
                print(f"  {t.label:14} {t.per_command / 1e6:6.2f} M instructions per command")
            if args.baseline:
                print(
                    f"  ratio working tree / {args.baseline}: "
                    f"{targets[0].per_command / targets[1].per_command:.2f}"
                )
            return 0
        for _ in range(args.trials):  # interleaved: both trees see the same machine
            for t in targets:
                t.run_trials()
        for t in targets:
            q = statistics.quantiles(t.ms, n=4) if len(t.ms) > 1 else [t.ms[0]] * 3
            print(
                f"  {t.label:14} median {statistics.median(t.ms):6.2f} ms CPU per command "
                f"(quartiles {q[0]:.2f}-{q[2]:.2f}, {len(t.ms)} trials)"
            )
        if args.baseline:
            print(
                f"  ratio working tree / {args.baseline} (medians): "
                f"{statistics.median(targets[0].ms) / statistics.median(targets[1].ms):.2f}"
            )
        return 0
    finally:
        if args.baseline:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(work / "baseline")],
                capture_output=True,
            )
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
