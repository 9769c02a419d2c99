"""A real server process (eventlet, as deployed) with several real Socket.IO clients.

Runs on SQLite and on PostgreSQL. The clients follow docs/protocol.md
(tests/protocol_client.py): they apply events in seq order and rejoin with
their token and last applied seq after a disconnection.
"""

from __future__ import annotations

import socket
import threading
import uuid

import pytest
import requests

from tests.conftest import BACKENDS
from tests.protocol_client import ProtocolClient, close_all
from tests.servers import migrated_sqlite, open_room, start_server, stop_server

pytestmark = pytest.mark.server


# The design card's default (eventlet) on both databases, and the same code
# under gevent, the maintained alternative.
SERVERS = [(backend, "eventlet") for backend in BACKENDS] + [("postgresql", "gevent")]


@pytest.fixture(scope="module", params=SERVERS, ids=["-".join(p) for p in SERVERS])
def server(request, tmp_path_factory):
    backend, async_mode = request.param
    instance = tmp_path_factory.mktemp(f"server-{backend}-{async_mode}")
    if backend == "sqlite":
        url = migrated_sqlite(instance)
    else:
        url = request.getfixturevalue("pg_databases").new()
    server = start_server(url, instance, async_mode=async_mode)
    yield server
    stop_server(server)


@pytest.fixture
def room(server, request):
    made = open_room(server, "giovani-e-inclusione-sociale", "Sessione dal vivo")
    request.addfinalizer(made.facilitator.close)
    return made


@pytest.fixture
def connect(server):
    clients = []

    def factory():
        client = ProtocolClient(server.url)
        client.connect()
        clients.append(client)
        return client

    yield factory
    close_all(clients)


def boards_agree(clients, head):
    for c in clients:
        assert c.wait_for(lambda c: c.applied >= head), (c.applied, head)
    reference = clients[0].board
    return all(c.board == reference for c in clients)


def test_fan_out_reaches_every_client_in_order_with_acks(connect, room):
    clients = [connect() for _ in range(6)]
    for i, client in enumerate(clients):
        assert client.join(room.code, f"Persona {i}")["ok"]
    head_after_joins = clients[-1].applied
    acks = [clients[0].send("note.create", kind="problema", text=f"nota {i}") for i in range(10)]
    assert all(a["ok"] for a in acks)
    seqs = [a["events"][0]["seq"] for a in acks]
    assert seqs == list(range(head_after_joins + 1, head_after_joins + 11))
    assert boards_agree(clients, seqs[-1])
    for client in clients:
        assert len(client.board) == 10
        after_join = [s for s in client.received_seqs if s > head_after_joins]
        assert sorted(set(after_join)) == seqs  # everyone got every event


def test_resync_after_a_forced_disconnect_is_exact(connect, room):
    anna, bruno = connect(), connect()
    anna.join(room.code, "Anna")
    bruno.join(room.code, "Bruno")
    note_id = bruno.note("prima della caduta")
    assert anna.wait_for(lambda c: note_id in c.board)
    joins_before = anna.joins
    # Cut the TCP connection under the client's feet, as a lost Wi-Fi does.
    anna.sio.eio.ws.sock.shutdown(socket.SHUT_RDWR)
    missed = [bruno.note(f"mentre Anna è offline {i}") for i in range(5)]
    bruno.send("note.delete", note_id=note_id)
    room.facilitator.advance("votazione")
    room.facilitator.run("results.reveal")
    bruno.send("vote.place", note_id=missed[0])
    assert anna.wait_for(lambda c: c.joins > joins_before, timeout=15), "client did not rejoin"
    assert anna.join_modes[-1] == "events"  # a replay of exactly what was missed
    assert boards_agree([anna, bruno], bruno.applied)
    assert note_id not in anna.board and anna.board[missed[0]]["votes"] == 1


def test_a_retried_command_is_applied_once_even_when_sent_concurrently(connect, room, server):
    anna = connect()
    anna.join(room.code, "Anna")
    twin = connect()
    twin.resume(anna.token)
    note_id = anna.note("da votare")
    room.facilitator.advance("votazione")
    room.facilitator.run("results.reveal")
    body = {"cid": "same-" + uuid.uuid4().hex, "session_id": anna.session_id, "note_id": note_id}
    acks = []
    threads = [
        threading.Thread(target=lambda c=c: acks.append(c.sio.call("vote.place", body, timeout=10)))
        for c in (anna, twin, anna, twin)
    ]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert all(a["ok"] for a in acks)
    assert sum(1 for a in acks if not a.get("duplicate")) == 1
    assert len({a["events"][0]["seq"] for a in acks}) == 1
    assert anna.wait_for(lambda c: c.board[note_id]["votes"] == 1)


def test_vote_budget_holds_when_one_participant_races_from_two_sockets(connect, room):
    tab1 = connect()
    tab1.join(room.code, "Carla", "associazione")
    tab2 = connect()
    tab2.resume(tab1.token)
    notes = [tab1.note(f"proposta {i}") for i in range(10)]
    room.facilitator.advance("votazione")
    room.facilitator.run("results.reveal")
    results = []
    barrier = threading.Barrier(20)

    def fire(client, note_id):
        barrier.wait()
        results.append(client.send("vote.place", note_id=note_id))

    threads = [threading.Thread(target=fire, args=(client, n)) for n in notes for client in (tab1, tab2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    ok = [r for r in results if r["ok"]]
    assert len(ok) == 3
    assert {r["error"]["code"] for r in results if not r["ok"]} <= {
        "vote_budget_exhausted",
        "vote_cap_reached",
    }
    assert tab1.wait_for(lambda c: sum(n["votes"] for n in c.board.values()) == 3)
    check = connect()
    assert check.resume(tab1.token)["self"]["dots_left"] == 0


def test_concurrent_writers_lose_nothing(connect, room):
    clients = [connect() for _ in range(4)]
    for i, client in enumerate(clients):
        client.join(room.code, f"Scrittore {i}")
    written = {}

    def write(client, i):
        written[i] = [client.note(f"{i}-{n}") for n in range(8)]

    def vote(client, i):
        for note_id in written[i][:3]:  # the whole budget
            assert client.send("vote.place", note_id=note_id)["ok"]

    for work in (write, vote):
        threads = [threading.Thread(target=work, args=(c, i)) for i, c in enumerate(clients)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        if work is write:
            room.facilitator.advance("votazione")
            room.facilitator.run("results.reveal")
    observer = connect()
    snapshot = observer.resume(clients[0].token)
    assert len(snapshot["notes"]) == 32
    assert sorted(n["votes"] for n in snapshot["notes"]) == [0] * 20 + [1] * 12
    assert boards_agree(clients, snapshot["head"])
    assert clients[0].board == {n["id"]: n for n in snapshot["notes"]}


def test_a_room_typing_the_code_at_once_gets_in(connect, room):
    """Newcomers joining together, as a class does when the code goes up on the wall.
    On SQLite a join that yielded while holding the write lock once stalled every
    other writer until the busy timeout, then failed them with "database is locked"."""
    clients = [connect() for _ in range(12)]
    acks = {}

    def join(i, client):
        acks[i] = client.join(room.code, f"Arrivo {i}")

    threads = [threading.Thread(target=join, args=(i, c)) for i, c in enumerate(clients)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert [a["ok"] for a in acks.values()] == [True] * 12, acks
    assert len({a["self"]["participant"]["id"] for a in acks.values()}) == 12
    head = max(a["head"] for a in acks.values())
    assert boards_agree(clients, head)


def test_http_join_then_socket_resume_and_health(server, room, connect):
    """The browser's way in: the join form over HTTP, then the socket with the page's token."""
    import json
    import re

    http = requests.Session()
    form = http.get(f"{server.url}/s/{room.code}").text
    fields = {name: re.search(rf'name="{name}" value="([^"]+)"', form)[1] for name in ("csrf_token", "cid")}
    joined = http.post(
        f"{server.url}/s/{room.code}",
        allow_redirects=True,
        data={**fields, "pseudonym": "Dal modulo", "category": "scuola"},
    )
    assert joined.status_code == 200
    config = json.loads(re.search(r'id="room-config">(.*?)</script>', joined.text, re.S)[1])
    client = connect()
    ack = client.resume(config["token"])
    assert ack["self"]["participant"]["pseudonym"] == "Dal modulo"
    assert ack["session"]["id"] == room.id
    assert requests.get(f"{server.url}/healthz").json()["status"] == "ok"
    preview = requests.get(f"{server.url}/api/v1/sessions/{room.code}").json()
    assert preview["session"]["id"] == room.id
