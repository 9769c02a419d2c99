"""Which handler applies each command.

Each handler runs inside the command's transaction with the session locked,
loads facts, asks the domain, updates the read tables and returns the events
that describe what it changed (`outcome.Outcome`). It never commits and never
publishes: the bus does both, in that order.
"""

from __future__ import annotations

from workshop.domain import commands as c
from workshop.services import clustering, continuity, facilitation, moderation, notes, voting
from workshop.services.outcome import Handler

HANDLERS: dict[type[c.SessionCommand], Handler] = {
    **notes.HANDLERS,
    **voting.HANDLERS,
    **moderation.HANDLERS,
    **clustering.HANDLERS,
    **facilitation.HANDLERS,
    **continuity.HANDLERS,
}
