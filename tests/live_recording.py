"""What three clients of one session receive, recorded for the browser client's tests.

A session is run through every phase over the real socket handlers
(Flask-SocketIO's test client, in process, on a fresh SQLite database):
participants join, write (privately, then revealed), edit, delete; the
facilitator hides and restores, merges, groups, moves, tags, dissolves, runs
the timer, reveals, scores and closes; dots are placed and taken back while
totals are hidden and after the reveal; someone erases their data. Three
viewers are recorded: a participant's room (`room`), the control room
(`control`, staff) and the projector (`projector`): their first ack, every
`event` message in arrival order, and at checkpoints a fresh snapshot from
the server (`sync` beyond head for the room, `staff.state` for staff).

The Node tests (tests/js) feed these to the browser's reducer and sequencer
(static/js/live) and compare the board they build with the server's snapshot
at the same head. Values that change from run to run (tokens, ids of people,
the join code, times, the results' hash) are replaced by stable placeholders.

    .venv/bin/python -m tests.live_recording        # rewrites tests/js/fixtures/session.json

tests/live/test_js_fixtures.py records again and fails when the committed
file no longer has the shape of what the server sends.
"""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "js" / "fixtures" / "session.json"
FORCE_SNAPSHOT = 2**31 - 1
PASSWORD = "una password lunga per la registrazione"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


class Viewer:
    """One socket and what it received, in order."""

    def __init__(self, raw, name: str, staff: bool, sync):
        self.raw, self.name, self.staff, self.sync = raw, name, staff, sync
        self.first: dict | None = None
        self.messages: list[dict] = []

    def collect(self) -> None:
        for message in self.raw.get_received():
            if message["name"] == "event":
                self.messages.append({"kind": "event", "event": message["args"][0]})

    def checkpoint(self) -> None:
        self.collect()
        ack = self.sync()
        assert ack["ok"], ack
        self.collect()  # anything sent while answering comes before the snapshot's head is used
        self.messages.append({"kind": "snapshot", "ack": ack})


class Placeholders:
    """Run-to-run values made stable: the same value gets the same placeholder."""

    def __init__(self):
        self.seen: dict[tuple[str, str], str] = {}

    def name(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self.seen:
            n = sum(1 for k in self.seen if k[0] == kind) + 1
            time = f"2026-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z"
            self.seen[key] = time if kind == "time" else f"{kind}-{n}"
        return self.seen[key]

    def clean(self, value, key: str = ""):
        if isinstance(value, dict):
            return {k: self.clean(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.clean(v, key) for v in value]
        if isinstance(value, str):
            if ISO.match(value):
                return self.name("time", value)
            if key in ("token",):
                return self.name("token", value)
            if key == "code" or key == "code_display":
                return "000000" if key == "code" else "000 000"
            if HEX64.match(value):
                return self.name("hash", value)
        if key == "id" and isinstance(value, str):
            return self.name("participant", value)
        return value


def record() -> dict:
    """Run the scenario; the recording as JSON-ready data."""
    from tests.conftest import make_settings
    from tests.live.test_staff_pages import sign_in
    from workshop.app import create_app
    from workshop.extensions import socketio
    from workshop.seed import create_session, seed_reference
    from workshop.services import accounts
    from workshop.storage import migrate

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'recording.db'}"
        migrate.upgrade(url)
        app = create_app(make_settings(url, join_failures_per_minute=1000))
        app.config["TESTING"] = True
        db = app.extensions["workshop"].db
        try:
            seed_reference(db)
            owner = accounts.create_user(db, "registra", "Registra", "facilitator", PASSWORD)
            made = create_session(
                db,
                "dopo-di-noi",
                "Sessione registrata",
                "Che cosa serve?",
                dots=3,
                cap=2,
                owner_id=owner.id,
                private_writing=True,
            )
            return _scenario(app, socketio, sign_in, made)
        finally:
            db.dispose()


def _scenario(app, socketio, sign_in, made) -> dict:
    http, response = sign_in(app, "registra", PASSWORD)
    assert response.status_code == 302
    sid = made.id

    def call(raw, event, payload):
        return raw.emit(event, payload, callback=True)

    def command(raw, event, **payload):
        ack = call(raw, event, {"cid": uuid.uuid4().hex, "session_id": sid, **payload})
        assert ack["ok"], (event, ack)
        return ack

    staff_raw = socketio.test_client(app, flask_test_client=http)
    wall_raw = socketio.test_client(app, flask_test_client=http)
    anna_raw, bruno_raw, carla_raw = (socketio.test_client(app) for _ in range(3))
    control = Viewer(
        staff_raw,
        "control",
        True,
        lambda: call(staff_raw, "staff.state", {"session_id": sid, "view": "control"}),
    )
    projector = Viewer(
        wall_raw,
        "projector",
        False,
        lambda: call(wall_raw, "staff.state", {"session_id": sid, "view": "projector"}),
    )
    room = Viewer(
        anna_raw, "room", False, lambda: call(anna_raw, "sync", {"session_id": sid, "since": FORCE_SNAPSHOT})
    )
    viewers = (room, control, projector)

    control.first = call(staff_raw, "staff.join", {"session_id": sid, "view": "control"})
    projector.first = call(wall_raw, "staff.join", {"session_id": sid, "view": "projector"})
    assert control.first["ok"] and projector.first["ok"]
    staff = lambda event, **payload: command(staff_raw, event, **payload)  # noqa: E731

    def checkpoint():
        for viewer in viewers:
            viewer.checkpoint()

    staff("timer.control", action="start", seconds=300)
    room.first = call(
        anna_raw,
        "join",
        {
            "code": made.code,
            "pseudonym": "Anna",
            "category": "cittadino",
            "cid": uuid.uuid4().hex + uuid.uuid4().hex,
        },
    )
    assert room.first["ok"], room.first
    tokens = {}
    for raw, name, category in ((bruno_raw, "Bruno", "ausl"), (carla_raw, "Carla", "cittadino")):
        ack = call(raw, "join", {"code": made.code, "pseudonym": name, "category": category})
        assert ack["ok"], ack
        tokens[name] = ack["token"]

    def note(raw, text, kind="proposta"):
        return command(raw, "note.create", kind=kind, text=text)["events"][0]["data"]["note"]["id"]

    staff("phase.set", phase="raccolta")
    n1 = note(anna_raw, "Servono **più posti** di sollievo")
    n2 = note(bruno_raw, "Un punto unico di informazione")
    n3 = note(bruno_raw, "Sportello unico informativo", "risorsa")
    n4 = note(carla_raw, "Fuori tema", "caso")
    n5 = note(anna_raw, "Trasporti la sera")
    command(anna_raw, "note.edit", note_id=n5, text="Trasporti *la sera* e nei festivi")
    n6 = note(anna_raw, "Da cancellare")
    command(anna_raw, "note.delete", note_id=n6)
    checkpoint()

    staff("notes.reveal")
    staff("note.hide", note_id=n4, reason="Non pertinente")
    staff("note.restore", note_id=n4)
    staff("note.hide", note_id=n4, reason="Fuori tema davvero")
    staff("note.edit", note_id=n2, text="Un punto unico di informazione per le famiglie")
    offline = staff("participant.add_offline", pseudonym="Dario", category="ausl")["participant"]["id"]
    staff("note.create", kind="proposta", text="Scritto dalla regia", on_behalf_of=offline)
    staff("timer.control", action="pause")
    checkpoint()

    staff("phase.set", phase="raggruppamento")
    staff("note.merge", into_note_id=n2, note_ids=[n3])
    c1 = staff("cluster.create", title="Sollievo", note_ids=[n1])["events"][0]["data"]["cluster"]["id"]
    c2 = staff("cluster.create", title="Informazione", note_ids=[])["events"][0]["data"]["cluster"]["id"]
    staff("note.move", note_id=n2, cluster_id=c2)
    c3 = staff("cluster.create", title="Da sciogliere", note_ids=[n5])["events"][0]["data"]["cluster"]["id"]
    staff("cluster.dissolve", cluster_id=c3)
    staff("cluster.rename", cluster_id=c2, title="Informazione alle famiglie")
    staff("cluster.tag", cluster_id=c2, areas=["A", "E"])
    checkpoint()

    staff("phase.set", phase="votazione")
    command(anna_raw, "vote.place", cluster_id=c2)
    command(bruno_raw, "vote.place", cluster_id=c2)
    command(bruno_raw, "vote.place", note_id=n5)
    command(carla_raw, "vote.place", cluster_id=c1)
    command(carla_raw, "vote.withdraw", cluster_id=c1)
    staff("vote.place", cluster_id=c1, on_behalf_of=offline)
    checkpoint()

    staff("results.reveal")
    command(anna_raw, "vote.place", note_id=n5)
    command(carla_raw, "vote.place", cluster_id=c2)
    # Carla erases her data while voting is open: her note and her dots go, with no command.
    response = http.delete("/api/v1/me", headers={"Authorization": "Bearer " + tokens["Carla"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    checkpoint()

    staff("phase.set", phase="valutazione")
    staff("score.record", cluster_id=c2, impatto=5, fattibilita=3, urgenza=4)
    staff("timer.control", action="reset")
    checkpoint()

    staff("phase.set", phase="chiusa")
    checkpoint()
    for raw in (staff_raw, wall_raw, anna_raw, bruno_raw, carla_raw):
        raw.disconnect()

    names = Placeholders()
    return names.clean(
        {
            "format": 1,
            "about": "Recorded by tests/live_recording.py (python -m tests.live_recording); do not edit.",
            "viewers": {
                v.name: {"staff": v.staff, "first": v.first, "messages": v.messages} for v in viewers
            },
        }
    )


def write(recording: dict, path: Path = FIXTURE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(recording, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def shape(value, key: str = ""):
    """What a recording is made of, without its run-to-run values: keys, list
    lengths, types; and the values that say what happened (event types,
    modes, phases, actions, kinds), which must not change silently."""
    if isinstance(value, dict):
        return {k: shape(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [shape(v, key) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str) and key in ("type", "mode", "phase", "previous", "action", "kind"):
        return value
    return type(value).__name__


if __name__ == "__main__":
    write(record())
    print(f"wrote {FIXTURE.relative_to(Path.cwd()) if FIXTURE.is_relative_to(Path.cwd()) else FIXTURE}")
