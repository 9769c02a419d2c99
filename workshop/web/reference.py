"""Reference data the pages show: plan areas (A–E) with their labels, in the reader's language."""

from __future__ import annotations

from workshop import i18n
from workshop.context import services
from workshop.services import catalog


def plan_areas() -> dict[str, str]:
    return {a.code: i18n.named(a) for a in catalog.areas(services().db)}
