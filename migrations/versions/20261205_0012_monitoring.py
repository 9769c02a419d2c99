"""monitoring: how each approved scheda is doing, year by year

- `monitoring_report`: one row per scheda and year of its process: status,
  progress (0–100), measured indicator values, spending by source (cents),
  who updated it last and as which body.
- `monitoring_entry`: the scheda's timeline (a date, a text, the body that
  wrote it).
- `monitoring_reporter`: staff accounts that may report on a scheda (its
  referenti), besides the Ufficio di Piano.

New tables only: downgrading drops them (and with them the monitoring).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 12:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('monitoring_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('indicator_values', sa.JSON(), nullable=False),
    sa.Column('spent', sa.JSON(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_body', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'],
                            name=op.f('fk_monitoring_report_action_id_plan_action')),
    sa.ForeignKeyConstraint(['updated_by'], ['staff_user.id'],
                            name=op.f('fk_monitoring_report_updated_by_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_report')),
    sa.UniqueConstraint('action_id', 'year', name=op.f('uq_monitoring_report_action_id'))
    )
    with op.batch_alter_table('monitoring_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_report_action_id'), ['action_id'], unique=False)

    op.create_table('monitoring_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'],
                            name=op.f('fk_monitoring_entry_action_id_plan_action')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'],
                            name=op.f('fk_monitoring_entry_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_entry'))
    )
    with op.batch_alter_table('monitoring_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_entry_action_id'), ['action_id'], unique=False)

    op.create_table('monitoring_reporter',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'],
                            name=op.f('fk_monitoring_reporter_action_id_plan_action')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'],
                            name=op.f('fk_monitoring_reporter_user_id_staff_user')),
    sa.PrimaryKeyConstraint('action_id', 'user_id', name=op.f('pk_monitoring_reporter'))
    )
    with op.batch_alter_table('monitoring_reporter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_reporter_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('monitoring_reporter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_reporter_user_id'))
    op.drop_table('monitoring_reporter')
    with op.batch_alter_table('monitoring_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_entry_action_id'))
    op.drop_table('monitoring_entry')
    with op.batch_alter_table('monitoring_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_report_action_id'))
    op.drop_table('monitoring_report')
