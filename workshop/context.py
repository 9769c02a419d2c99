"""The application's services, wired once per app and reached from adapters."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from workshop.config import Settings
from workshop.services.bus import CommandBus
from workshop.services.presence import PresenceTracker
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


def services() -> Services:
    return current_app.extensions["workshop"]
