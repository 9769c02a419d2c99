"""The benchmark's room over the real protocol: the facilitator creates the session
from their dashboard and moves it to raccolta on a staff socket; participants join
once with the code (their tokens serve every run)."""

from __future__ import annotations

import asyncio
import re
import time

import requests

from bench import loadgen
from tests import staff_client

from .servers import Server

FACILITATOR = ("benchfac", "Bench Facilitatore", "una password lunga per il bench")


class _Quiet:
    """Stands in for a LoadGen when a setup client needs none of the counting."""

    def __init__(self):
        self.stats = loadgen.Stats()

    def on_event(self, client, payload):
        pass

    def on_timed_ack(self, sent, body):
        pass


async def join_participants(port: int, code: str, count: int, batch: int = 100) -> list[str]:
    """Newcomers join one after the other (see the SQLite note in bench/README.md: concurrent
    newcomer joins freeze a SQLite server for 15 s), a batch of connections at a time."""
    gen = _Quiet()
    tokens: list[str] = []
    opts = {"code": code, "run_id": "tpl"}
    for first in range(0, count, batch):
        clients = [loadgen.Client(gen, i, "127.0.0.1", port) for i in range(first, min(count, first + batch))]
        await asyncio.gather(*(c.connect() for c in clients))
        for c in clients:
            ack = await c.call("join", loadgen.join_payload(opts, c.index))
            if not ack.get("ok"):
                raise RuntimeError(f"template join refused: {ack}")
            tokens.append(ack["token"])
        for c in clients:
            c.close()
        await asyncio.sleep(0.3)
    return tokens


def create_session_as_facilitator(base_url: str) -> tuple[int, str]:
    http = sign_in(base_url)
    page = http.get(f"{base_url}/facilitatore", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    form = {
        "csrf_token": token[1] if token else "",
        "lab": "dopo-di-noi",
        "title": "Sessione di benchmark",
        "guiding_question": "Quanto regge la stanza?",
        "dots": "3",
        "cap": "2",
        "note_kinds": ["problema", "proposta", "risorsa", "caso"],
        "show_pseudonyms": "y",
    }
    response = http.post(f"{base_url}/facilitatore", data=form, allow_redirects=False, timeout=20)
    found = re.search(r"/facilitatore/sessioni/(\d+)", response.headers.get("Location", ""))
    if response.status_code != 302 or not found:
        raise RuntimeError(f"creating the session failed: {response.status_code} {response.text[:500]}")
    session_id = int(found[1])
    control = http.get(f"{base_url}/facilitatore/sessioni/{session_id}", timeout=10).text
    code = (
        re.search(r"codice (\d{3}) ?(\d{3})", control)
        or re.search(r"&#34;code&#34;: ?&#34;(\d{3})(\d{3})", control)
        or re.search(r'"code": ?"(\d{3})(\d{3})"', control)
    )
    if not code:
        raise RuntimeError("no join code on the control page")
    return session_id, code[1] + code[2]


def sign_in(base_url: str) -> requests.Session:
    return staff_client.sign_in(base_url, FACILITATOR[0], FACILITATOR[2])


async def staff_to_raccolta(port: int, cookie: str, session_id: int) -> None:
    """As tests/staff_client.py does: a staff socket with the login cookie, staff.join, phase.set."""
    client = loadgen.Client(_Quiet(), 0, "127.0.0.1", port)
    await client.connect(headers={"Cookie": cookie})
    try:
        ack = await client.call("staff.join", {"session_id": session_id, "view": "control"})
        if not ack.get("ok"):
            raise RuntimeError(f"staff.join refused: {ack}")
        if ack["session"]["phase"] != "raccolta":
            ack = await client.call(
                "phase.set",
                {"cid": f"bench-phase-{time.time_ns()}", "session_id": session_id, "phase": "raccolta"},
            )
            if not ack.get("ok"):
                raise RuntimeError(f"phase.set refused: {ack}")
    finally:
        client.close()


def prepare_platform_session(server: Server, session_id: int) -> int:
    http = sign_in(server.url)
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    asyncio.run(staff_to_raccolta(server.port, cookie, session_id))
    return session_id
