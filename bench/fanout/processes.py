"""Every child process the benchmark starts and every port it takes.

Each child runs in its own process group and is stopped by its id (never by name), at
the end of its row, and all of them on exit, Ctrl-C, SIGTERM or an error.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
ROOT = BENCH.parent
PY = sys.executable
LOWEST_PORT = 6100


class Processes:
    """Every child this script starts, each in its own process group, stopped by its id."""

    def __init__(self):
        self.children: list[subprocess.Popen] = []
        self.nice = 0  # applied to every child (--nice)

    def spawn(
        self, cmd: list[str], *, env=None, cpus=None, log=None, stdin=None, stdout=None, cwd=ROOT
    ) -> subprocess.Popen:
        nice = self.nice

        def pin():
            if cpus:
                os.sched_setaffinity(0, set(cpus))
            if nice:
                os.setpriority(os.PRIO_PROCESS, 0, nice)

        proc = subprocess.Popen(  # noqa: S603 - commands built here, not from input
            cmd,
            cwd=cwd,
            env=env,
            stdin=stdin,
            stdout=stdout if stdout is not None else (log or subprocess.DEVNULL),
            stderr=log or subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=pin,
        )
        self.children.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 10) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        if proc in self.children:
            self.children.remove(proc)

    def stop_all(self) -> None:
        for proc in list(self.children):
            self.stop(proc, timeout=5)


PROCS = Processes()


def free_port(start: int = LOWEST_PORT) -> int:
    port = start
    while port < 65000:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                port += 1
    raise RuntimeError("no free port")


class PortPool:
    def __init__(self):
        self.next = LOWEST_PORT

    def take(self) -> int:
        port = free_port(self.next)
        self.next = port + 1 if port < 6900 else LOWEST_PORT
        return port


PORTS = PortPool()


def tail(path: Path, n: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""
