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
        from psycogreen.eventlet import patch_psycopg
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
        from psycogreen.gevent import patch_psycopg
    else:
        return
    # psycopg2 blocks the whole process on a query unless it yields to the hub.
    patch_psycopg()


_patch()


def main() -> None:
    from workshop.cli import cli

    cli(prog_name="workshop")


if __name__ == "__main__":
    main()
