"""The territories list (domain/territory.py), kept by the admin."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from workshop.domain import territory
from workshop.domain.errors import Rejected
from workshop.storage.database import Database
from workshop.storage.models import Territory


def listed(db: Database, active_only: bool = True) -> list[Territory]:
    with db.reader() as s:
        query = select(Territory).order_by(col(Territory.kind), col(Territory.position), col(Territory.name))
        if active_only:
            query = query.where(col(Territory.active))
        return list(s.exec(query))


def names(db: Database) -> dict[str, str]:
    """Every territory's name by key, the deactivated too (meetings held there keep it)."""
    return {t.key: t.name for t in listed(db, active_only=False)}


def add(db: Database, kind: str, name: str) -> str:
    kind, name = territory.kind(kind), territory.name(name)
    key = territory.key_for(kind, name)
    with db.transaction() as s:
        if s.get(Territory, key) is not None:
            raise Rejected("territory_taken", name=name)
        last = s.exec(select(func.max(Territory.position))).one() or 0
        s.add(Territory(key=key, name=name, kind=kind, position=last + 1))
    return key


def update(db: Database, key: str, name: str, active: bool) -> None:
    """Renamed or taken out of (or put back in) the list; the key stays."""
    name = territory.name(name)
    with db.transaction() as s:
        row = s.get(Territory, key)
        if row is None:
            raise Rejected("territory_unknown")
        row.name, row.active = name, active
        s.add(row)


def check(s: Session, key: str | None, current: str | None = None) -> str | None:
    """A territory a meeting may be placed in: listed and active (or the one it had)."""
    if not key:
        return None
    row = s.get(Territory, key)
    if row is None or (not row.active and key != current):
        raise Rejected("territory_unknown")
    return key
