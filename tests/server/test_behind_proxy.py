"""Behind a reverse proxy, limits apply to the client's address, sockets included."""

from __future__ import annotations

import pytest

from tests.protocol_client import ProtocolClient
from tests.servers import migrated_sqlite, start_server, stop_server
from workshop.seed import create_session

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    instance = tmp_path_factory.mktemp("proxied")
    server = start_server(migrated_sqlite(instance), instance,
                          env={"WORKSHOP_PROXY_HOPS": "1", "WORKSHOP_JOIN_FAILURES_PER_MINUTE": "3"})
    yield server
    stop_server(server)


def client_from(server, address):
    client = ProtocolClient(server.url, headers={"X-Forwarded-For": address})
    client.connect()
    return client


def test_one_guesser_does_not_lock_out_the_room(proxied):
    made = create_session(proxied.db, "dopo-di-noi", "Dietro il proxy")
    guesser, anna = client_from(proxied, "203.0.113.66"), client_from(proxied, "198.51.100.7")
    try:
        for n in range(3):
            assert guesser.sio.call("join", {"code": f"10000{n}", "pseudonym": "X",
                                             "category": "asp"})["error"]["code"] == "invalid_code"
        refused = guesser.sio.call("join", {"code": made.code, "pseudonym": "X", "category": "asp"})
        assert refused["error"]["code"] == "rate_limited"
        assert anna.join(made.code, "Anna")["ok"]  # another address behind the same proxy
    finally:
        guesser.close()
        anna.close()
