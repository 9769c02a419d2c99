"""Migration 0009 gives labs, plan areas, categories and their groups their names in
the participants' other languages; rows made before get none (Italian stands in)
until the seed fills them from workshop/data."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlmodel import select

from workshop.seed import seed_reference
from workshop.storage import migrate
from workshop.storage.database import Database
from workshop.storage.models import Area, Category, CategoryGroup, Lab

TABLES = ("lab", "area", "category_group", "category")


def columns(db: Database, table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_0009_down_and_up_keeps_the_rows_and_the_seed_names_them_in_every_language(database_url):
    db = Database(database_url)
    seed_reference(db)
    db.dispose()

    migrate.downgrade(database_url, "0008")
    db = Database(database_url)
    assert all("translations" not in columns(db, t) for t in TABLES)
    with db.reader() as s:
        assert s.execute(text("SELECT count(*) FROM lab")).scalar() == 7
    db.dispose()

    migrate.upgrade(database_url)
    db = Database(database_url)
    with db.reader() as s:
        assert {lab.slug: lab.translations for lab in s.exec(select(Lab))}["dopo-di-noi"] == {}
    seed_reference(db)
    with db.reader() as s:
        for model in (Lab, Area, Category, CategoryGroup):
            for row in s.exec(select(model)):
                assert set(row.translations) == {"en", "fr", "ar", "ro", "sq", "uk", "zh"}, row
        assert s.get(Area, "A").translations["ar"] == "القرب والرعاية المنزلية"
        assert s.get(CategoryGroup, "terzo_settore").translations["en"] == "Third sector and social partners"
    db.dispose()
