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
    server = start_server(
        migrated_sqlite(instance),
        instance,
        env={
            "WORKSHOP_PROXY_HOPS": "1",
            "WORKSHOP_JOIN_FAILURES_PER_MINUTE": "3",
            "WORKSHOP_JOINS_PER_MINUTE": "2",
        },
    )
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
            assert (
                guesser.sio.call("join", {"code": f"10000{n}", "pseudonym": "X", "category": "asp"})["error"][
                    "code"
                ]
                == "invalid_code"
            )
        # Over its limit, the guesser's own right code still gets in (services/ratelimit.py)…
        assert guesser.sio.call("join", {"code": made.code, "pseudonym": "Xeno", "category": "asp"})["ok"]
        assert anna.join(made.code, "Anna")["ok"]  # …and so does another address
    finally:
        guesser.close()
        anna.close()


def test_budgets_are_per_client_address_not_per_proxy(proxied):
    made = create_session(proxied.db, "dopo-di-noi", "Un'aula dietro il proxy")
    school, home = client_from(proxied, "203.0.113.10"), client_from(proxied, "198.51.100.20")
    try:
        for name in ("Uno", "Due"):
            assert school.sio.call("join", {"code": made.code, "pseudonym": name, "category": "asp"})["ok"]
        refused = school.sio.call("join", {"code": made.code, "pseudonym": "Tre", "category": "asp"})
        assert refused["error"]["code"] == "rate_limited"
        assert home.join(made.code, "Quattro")["ok"]
    finally:
        school.close()
        home.close()
