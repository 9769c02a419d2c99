"""Reference data the pages show: plan areas (A–E) with their labels, in the reader's language."""

from __future__ import annotations

from sqlmodel import select

from workshop import i18n
from workshop.context import services
from workshop.storage.models import Area


def plan_areas() -> dict[str, str]:
    with services().db.reader() as s:
        return {a.code: i18n.named(a) for a in s.exec(select(Area).order_by(Area.code))}
