"""How the command path waits for PostgreSQL under eventlet and gevent.

The entry point (workshop/__main__.py) installs psycopg2's wait callback: on
the command path (`without_yielding`) a round trip waits without yielding, but
only briefly, and whatever file descriptor the connection has. Each case runs
in a fresh interpreter, monkey-patched as the server is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.server

SCRIPT = textwrap.dedent("""
    import sys
    import workshop.__main__  # noqa: F401  (patches as `python -m workshop` does)
    import time
    from sqlalchemy import text
    from workshop.storage.database import Database, without_yielding

    url = sys.argv[1]
    # A busy server: hundreds of sockets open, so new connections get high numbers.
    spare = [open(sys.executable, "rb") for _ in range(1100)]
    db = Database(url)
    with without_yielding(), db.transaction() as s:
        assert s.execute(text("SELECT 1")).scalar() == 1
    print("high-fd ok")

    # A slow statement on the command path must not stop the rest of the process.
    ticks = []
    def ticker():
        while len(ticks) < 1000:
            ticks.append(time.monotonic())
            time.sleep(0.01)
    import threading
    threading.Thread(target=ticker, daemon=True).start()
    time.sleep(0.05)
    before = len(ticks)
    with without_yielding(), db.transaction() as s:
        s.execute(text("SELECT pg_sleep(0.5)"))
    print("ticks during the slow statement:", len(ticks) - before)
    assert len(ticks) - before >= 20, len(ticks) - before
    print("no stall ok")
""")


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_command_path_waits_natively_but_briefly_with_any_descriptor(mode, pg_shared):
    env = {**os.environ, "WORKSHOP_ASYNC_MODE": mode}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, pg_shared],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "high-fd ok" in done.stdout and "no stall ok" in done.stdout
