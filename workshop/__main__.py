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

        native_select = original("select").select
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
        from psycogreen.gevent import gevent_wait_callback as cooperative

        native_select = monkey.get_original("select", "select")
    else:
        return
    _wait_for_postgres(cooperative, native_select)


def _wait_for_postgres(cooperative, native_select) -> None:
    """How psycopg2 waits for PostgreSQL (psycogreen's recipe, with one exception).

    Without a wait callback psycopg2 would block the whole process on every
    query; psycogreen's callback yields to the event loop instead. Except on
    the command path: there the wait blocks, briefly, so that a session's lock
    is held for the database's time and not for the event loop's turns
    (storage/database.py, without_yielding).
    """
    import psycopg2
    from psycopg2 import extensions

    from workshop.storage.database import may_yield

    def wait(conn, timeout=None):
        if may_yield():
            return cooperative(conn, timeout)
        while True:
            state = conn.poll()
            if state == extensions.POLL_OK:
                return
            if state == extensions.POLL_READ:
                native_select([conn.fileno()], [], [], timeout)
            elif state == extensions.POLL_WRITE:
                native_select([], [conn.fileno()], [], timeout)
            else:
                raise psycopg2.OperationalError(f"Bad result from poll: {state!r}")

    extensions.set_wait_callback(wait)


_patch()


def main() -> None:
    from workshop.cli import cli

    cli(prog_name="workshop")


if __name__ == "__main__":
    main()
