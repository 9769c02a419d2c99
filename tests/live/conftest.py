"""Fixtures shared by the tests of adapters (socket handlers, pages)."""

from __future__ import annotations

import pytest

from tests.helpers import PROCESS_SLUG
from workshop.services.consolidation import consolidate


@pytest.fixture
def clients(app):
    """Participants' sockets through Flask-SocketIO's test client: `clients()` makes one."""
    from tests.live.test_socket_handlers import Client

    made = []

    def factory():
        made.append(Client(app))
        return made[-1]

    yield factory
    for client in made:
        if client.raw.is_connected():
            client.raw.disconnect()


@pytest.fixture
def rows(app, closed_labs):
    """The priorities of the two sample labs, closed as the demo closes them."""
    return consolidate(app.extensions["workshop"].db, PROCESS_SLUG).rows
