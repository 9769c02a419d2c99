"""Two server processes share rooms through Redis, on one PostgreSQL database.

A participant on process 1 sees what one on process 2 does; resync works
whichever process a client reconnects to; the vote budget holds when one
participant's votes race through both processes.
"""

from __future__ import annotations

import threading
import uuid

import pytest
import redis

from tests.protocol_client import ProtocolClient, close_all
from tests.servers import open_room, start_server, stop_server

pytestmark = pytest.mark.server
REDIS_URL = "redis://127.0.0.1:6379/{db}"


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, pg_databases):
    url = pg_databases.new()
    # A Redis database of our own, emptied, so parallel runs cannot cross.
    queue = REDIS_URL.format(db=7)
    redis.Redis.from_url(queue).flushdb()
    instance = tmp_path_factory.mktemp("scale-out")
    # Pub/sub channels are shared by every Redis database: a channel of our own too.
    env = {
        "WORKSHOP_SECRET_KEY": "shared-secret",
        "WORKSHOP_MESSAGE_QUEUE_CHANNEL": f"workshop-test-{uuid.uuid4().hex[:8]}",
    }
    first = start_server(url, instance, message_queue=queue, env=env)
    second = start_server(url, instance, message_queue=queue, env=env)
    yield first, second
    stop_server(second)
    stop_server(first)


@pytest.fixture
def room(two_servers):
    made = open_room(two_servers[0], "servizi-e-territorio", "Due processi")
    yield made
    made.facilitator.close()


@pytest.fixture
def on(two_servers):
    clients = []

    def connect(process: int):
        client = ProtocolClient(two_servers[process].url)
        client.connect()
        clients.append(client)
        return client

    yield connect
    close_all(clients)


def test_rooms_span_processes(two_servers, room, on):
    anna, bruno = on(0), on(1)
    anna.join(room.code, "Anna")
    bruno.join(room.code, "Bruno")
    a = anna.note("da Anna, processo 1")
    b = bruno.note("da Bruno, processo 2")
    assert bruno.wait_for(lambda c: a in c.board) and anna.wait_for(lambda c: b in c.board)
    assert anna.wait_for(lambda c: c.presence.get("connected") == 2)


def test_resync_on_the_other_process(two_servers, room, on):
    """A load balancer may send a reconnecting client to another process."""
    anna, bruno = on(0), on(1)
    anna.join(room.code, "Anna")
    bruno.join(room.code, "Bruno")
    anna.sio.disconnect()
    missed = [bruno.note(f"mentre Anna cambia processo {n}") for n in range(4)]
    joins = anna.joins
    anna.url = two_servers[1].url
    anna.connect()  # its connect handler rejoins with the token and the last applied seq
    assert anna.wait_for(lambda c: c.joins > joins)
    assert anna.join_modes[-1] == "events"
    assert anna.wait_for(lambda c: c.applied >= bruno.applied)
    assert set(missed) <= set(anna.board) and anna.board == bruno.board


def test_vote_budget_holds_across_processes(two_servers, room, on):
    tab1 = on(0)
    tab1.join(room.code, "Carla")
    tab2 = on(1)
    tab2.resume(tab1.token)
    notes = [tab1.note(f"proposta {n}") for n in range(8)]
    room.facilitator.advance("votazione")
    barrier = threading.Barrier(16)
    results = []

    def fire(client, note_id):
        barrier.wait()
        results.append(client.send("vote.place", note_id=note_id))

    threads = [threading.Thread(target=fire, args=(c, n)) for n in notes for c in (tab1, tab2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sum(r["ok"] for r in results) == 3
    assert on(1).resume(tab1.token)["self"]["dots_left"] == 0
