"""The reference lists every page reads: stakeholder categories and their groups,
the plan areas. Kept by the admin (and the seed), read here once for all adapters."""

from __future__ import annotations

from sqlmodel import col, select

from workshop.storage.database import Database
from workshop.storage.models import Area, Category, CategoryGroup, Lab


def categories(db: Database) -> list[Category]:
    """In the order people see them on the join form."""
    with db.reader() as s:
        return list(s.exec(select(Category).order_by(col(Category.position))))


def category_groups(db: Database) -> dict[str, CategoryGroup]:
    with db.reader() as s:
        return {g.key: g for g in s.exec(select(CategoryGroup))}


def areas(db: Database) -> list[Area]:
    """The plan areas, A to E."""
    with db.reader() as s:
        return list(s.exec(select(Area).order_by(col(Area.code))))


def lab(db: Database, slug: str) -> Lab | None:
    with db.reader() as s:
        return s.exec(select(Lab).where(Lab.slug == slug)).first()


def labs(db: Database) -> list[Lab]:
    """Every lab, in the order they were made."""
    with db.reader() as s:
        return list(s.exec(select(Lab).order_by(col(Lab.id))))


def lab_titles(db: Database) -> dict[str, str]:
    """Each lab's title, by slug (the scheda's traceability names labs by slug)."""
    return {lab.slug: lab.title for lab in labs(db)}
