"""Bare Flask-SocketIO broadcast server for bench/run.py (row "flask-bare").

The stack's own limit: the same Flask-SocketIO / python-socketio / async mode as
the platform, but no database, no validation, no rooms other than one. Every
connection joins the room "bench"; a "msg" event is re-emitted to the whole room
(the sender included) and acknowledged, in that order, as the platform does
(commit, emit to the room, then ack).

    python bench/bare_server.py --mode gevent --host 127.0.0.1 --port 6102

The async mode comes from --mode, else BENCH_ASYNC_MODE, else WORKSHOP_ASYNC_MODE
(default eventlet). Like workshop/__main__.py, the process monkey-patches before
importing anything else.
"""

import os
import sys


def _option(name: str, default: str) -> str:
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


ASYNC_MODE = _option(
    "--mode", os.environ.get("BENCH_ASYNC_MODE") or os.environ.get("WORKSHOP_ASYNC_MODE", "eventlet")
)

if ASYNC_MODE == "eventlet":
    import warnings

    warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
elif ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()
elif ASYNC_MODE != "threading":
    raise SystemExit(f"unknown async mode {ASYNC_MODE!r}: eventlet, gevent or threading")

from flask import Flask, jsonify  # noqa: E402  (after monkey-patching, on purpose)
from flask_socketio import SocketIO, join_room  # noqa: E402

ROOM = "bench"

app = Flask(__name__)
socketio = SocketIO(app, async_mode=ASYNC_MODE, logger=False, engineio_logger=False)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok", server=f"bare-{os.getpid()}", async_mode=ASYNC_MODE)


@socketio.on("connect")
def on_connect(auth=None):
    join_room(ROOM)


@socketio.on("msg")
def on_msg(data):
    socketio.emit("msg", data, to=ROOM)
    return {"ok": True}


if __name__ == "__main__":
    host = _option("--host", "127.0.0.1")
    port = int(_option("--port", "6102"))
    print(f"bare Flask-SocketIO server on http://{host}:{port} ({ASYNC_MODE})", flush=True)
    socketio.run(app, host=host, port=port, log_output=False, allow_unsafe_werkzeug=True)
