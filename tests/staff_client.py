"""A facilitator over the real protocol: HTTP sign-in, then a Socket.IO staff socket."""

from __future__ import annotations

import re
import uuid

import requests

from tests.protocol_client import ProtocolClient
from workshop.domain import phases


def sign_in(base_url: str, username: str, password: str) -> requests.Session:
    """A signed-in HTTP session, as a person signs in on /accedi (bench/fanout too)."""
    http = requests.Session()
    page = http.get(f"{base_url}/accedi", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if not token:
        raise RuntimeError("no CSRF token on /accedi")
    response = http.post(
        f"{base_url}/accedi",
        data={"username": username, "password": password, "csrf_token": token[1]},
        allow_redirects=False,
        timeout=20,
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed: {response.status_code} {response.text[:300]}")
    return http


class StaffClient(ProtocolClient):
    def __init__(self, url: str, username: str, password: str):
        http = sign_in(url, username, password)
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        super().__init__(url, headers={"Cookie": cookie})

    def staff_join(self, session_id: int, view: str = "control") -> dict:
        ack = self.sio.call("staff.join", {"session_id": session_id, "view": view}, timeout=10)
        assert ack["ok"], ack
        self.session_id = session_id
        return ack

    def run(self, event: str, **payload) -> dict:
        ack = self.sio.call(
            event, {"cid": uuid.uuid4().hex, "session_id": self.session_id, **payload}, timeout=10
        )
        assert ack["ok"], (event, ack)
        return ack

    def advance(self, to: str) -> None:
        current = self.sio.call("staff.state", {"session_id": self.session_id}, timeout=10)["session"][
            "phase"
        ]
        for phase in phases.ORDER[phases.ORDER.index(current) + 1 : phases.ORDER.index(to) + 1]:
            self.run("phase.set", phase=phase)
