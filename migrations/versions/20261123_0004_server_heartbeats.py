"""server heartbeats

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:12:40.359739
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('server_heartbeat',
    sa.Column('server_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('server_id', name=op.f('pk_server_heartbeat'))
    )
    with op.batch_alter_table('server_heartbeat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_server_heartbeat_seen_at'), ['seen_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('server_heartbeat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_server_heartbeat_seen_at'))

    op.drop_table('server_heartbeat')
