"""The recorded session the browser client's Node tests replay (tests/js) is
still what the server sends: recorded again, it has the committed shape."""

from __future__ import annotations

import json

from tests.live_recording import FIXTURE, record, shape


def test_the_js_fixtures_have_the_shape_of_what_the_server_sends_now():
    committed = json.loads(FIXTURE.read_text())
    fresh = record()
    assert shape(fresh) == shape(committed), (
        "tests/js/fixtures/session.json is stale: the server now sends something else. "
        "Record it again with `.venv/bin/python -m tests.live_recording`, read the diff, "
        "and run `node --test tests/js`."
    )
