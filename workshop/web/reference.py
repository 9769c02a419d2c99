"""Reference data the pages show: plan areas (A–E) with their labels."""

from __future__ import annotations

from sqlmodel import select

from workshop.context import services
from workshop.storage.models import Area


def plan_areas() -> dict[str, str]:
    with services().db.reader() as s:
        return {a.code: a.label for a in s.exec(select(Area).order_by(Area.code))}
