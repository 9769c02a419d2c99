"""participant territory: where a participant says they live or work

- `participant.territory_key`: optional, one of the admin's territories
  (`territory`), chosen when joining; none for existing participants.

Downgrading drops it: participants lose the territory they gave (the frozen
results keep their counts by territory in the session's record, which the old
code does not read).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:30:00
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "0013"
down_revision: Union[str, None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("territory_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_participant_territory_key_territory"), "territory", ["territory_key"], ["key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_participant_territory_key_territory"), type_="foreignkey")
        batch_op.drop_column("territory_key")
