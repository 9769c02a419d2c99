"""The application's services, wired once per app and reached from adapters."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from flask import current_app, request

from workshop.config import Settings
from workshop.services.bus import CommandBus
from workshop.services.presence import PresenceTracker
from workshop.services.staff_sessions import StaffSessions
from workshop.services.tokens import ParticipantTokens
from workshop.storage.database import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    bus: CommandBus
    presence: PresenceTracker
    tokens: ParticipantTokens
    server_id: str
    staff_sessions: StaffSessions


def services() -> Services:
    return current_app.extensions["workshop"]


def client_address() -> str:
    """Who is asking, for rate limits: the client's address as the reverse proxy
    reports it (ProxyFix), with IPv6 keyed by its /64 — one household or phone
    gets a whole /64, so a per-address key would be trivially escaped."""
    raw = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return raw
