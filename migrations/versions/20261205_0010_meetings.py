"""meetings: a session's date, place and territory, and groups carried forward between meetings

- `live_session.starts_at` / `ends_at` (UTC, shown in Europe/Rome),
  `place_address`, `place_room`: the lab's meeting (none for existing sessions);
  `territory_key`: the territory its place belongs to, from `territory`, the
  list the admin keeps (Comuni, Poli di servizio sociale, quartieri; empty).
- `cluster.carried_from_id`: the group of an earlier meeting a group carries
  forward; `cluster.lineage_id`: the first group of that line, the priority it
  is in every meeting (none for existing groups: each is its own line).
- `note.carried_from_id`, `note.written_on`: a note carried with its group,
  the note it copies and the day it was written.

Downgrading drops the lineage: carried groups become unrelated groups again
(and their meetings separate priorities).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 06:45:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('territory',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_territory'))
    )
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('ends_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('place_address', sqlmodel.sql.sqltypes.AutoString(length=300),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('place_room', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('territory_key', sqlmodel.sql.sqltypes.AutoString(length=80),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_live_session_territory_key_territory'),
                                    'territory', ['territory_key'], ['key'])
    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_from_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lineage_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cluster_lineage_id'), ['lineage_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_cluster_carried_from_id_cluster'), 'cluster',
                                    ['carried_from_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_cluster_lineage_id_cluster'), 'cluster',
                                    ['lineage_id'], ['id'])
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_from_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('written_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_note_carried_from_id_note'), 'note',
                                    ['carried_from_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_note_carried_from_id_note'), type_='foreignkey')
        batch_op.drop_column('written_on')
        batch_op.drop_column('carried_from_id')
    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cluster_lineage_id_cluster'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_cluster_carried_from_id_cluster'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cluster_lineage_id'))
        batch_op.drop_column('lineage_id')
        batch_op.drop_column('carried_from_id')
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_live_session_territory_key_territory'),
                                 type_='foreignkey')
        batch_op.drop_column('territory_key')
        batch_op.drop_column('place_room')
        batch_op.drop_column('place_address')
        batch_op.drop_column('ends_at')
        batch_op.drop_column('starts_at')
    op.drop_table('territory')
