"""translations: the names of labs, plan areas, categories and their groups in the
participants' other languages (issue 13)

A JSON object per row, {"en": "…", "ar": "…"}, empty for rows made before: the
Italian name (`title` / `label`) stays the one every page falls back to. `seed`
fills them from workshop/data/*.json.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 07:10:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("lab", "area", "category_group", "category")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("translations", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("translations")
