"""Entry point: `python -m workshop <command>` (also installed as `workshop`).

The only place that knows about eventlet or gevent. Monkey-patching must come
before any other import, so this module reads the async mode straight from the
environment and patches before importing Flask or the application.
"""

import os
import warnings


def _patch() -> None:
    mode = os.environ.get("WORKSHOP_ASYNC_MODE", "eventlet")
    if mode == "eventlet":
        # Known and documented (docs/deployment.md): eventlet is in bug-fix mode.
        warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
        import eventlet

        eventlet.monkey_patch()
        from eventlet.patcher import original
        from psycogreen.eventlet import eventlet_wait_callback as cooperative

        native_poll = original("select").poll
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
        from psycogreen.gevent import gevent_wait_callback as cooperative

        native_poll = monkey.get_original("select", "poll")
    else:
        return
    _wait_for_postgres(cooperative, native_poll)


def _wait_for_postgres(cooperative, native_poll) -> None:
    """How psycopg2 waits for PostgreSQL (psycogreen's recipe, with one exception).

    Without a wait callback psycopg2 would block the whole process on every
    query; psycogreen's callback yields to the event loop instead. Except on
    the command path: there a round trip first waits without yielding, so that
    a session's lock is held for the database's time and not for the event
    loop's turns (storage/database.py, without_yielding). Only briefly: a
    round trip still unanswered after NATIVE_WAIT_S (a slow commit, a lock, a
    network fault) goes on waiting cooperatively, so the process never stalls.
    """
    import time

    import psycopg2
    from psycopg2 import extensions

    from workshop.storage.database import NATIVE_WAIT_S, may_yield

    readable, writable = 0x001, 0x004  # POLLIN, POLLOUT (poll, unlike select, takes any fd)

    def wait(conn, timeout=None):
        if may_yield():
            return cooperative(conn, timeout)
        deadline = time.monotonic() + NATIVE_WAIT_S
        while True:
            state = conn.poll()
            if state == extensions.POLL_OK:
                return
            if state not in (extensions.POLL_READ, extensions.POLL_WRITE):
                raise psycopg2.OperationalError(f"Bad result from poll: {state!r}")
            left = deadline - time.monotonic()
            if left <= 0:
                return cooperative(conn, timeout)
            poller = native_poll()
            poller.register(conn.fileno(), readable if state == extensions.POLL_READ else writable)
            poller.poll(left * 1000)

    extensions.set_wait_callback(wait)


_patch()


def main() -> None:
    from workshop.cli import cli

    cli(prog_name="workshop")


if __name__ == "__main__":
    main()
