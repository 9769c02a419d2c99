"""schede intervento

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:40:35.376921
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('plan_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('area_main', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staff_user.id'], name=op.f('fk_plan_action_created_by_staff_user')),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_plan_action_process_id_process')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_action'))
    )
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_action_process_id'), ['process_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_action_state'), ['state'], unique=False)

    op.create_table('plan_action_observation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'], name=op.f('fk_plan_action_observation_action_id_plan_action')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_plan_action_observation_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_action_observation'))
    )
    with op.batch_alter_table('plan_action_observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_action_observation_action_id'), ['action_id'], unique=False)

    op.create_table('plan_action_transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('to_state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('motivation', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'], name=op.f('fk_plan_action_transition_action_id_plan_action')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_plan_action_transition_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_action_transition'))
    )
    with op.batch_alter_table('plan_action_transition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_action_transition_action_id'), ['action_id'], unique=False)

    op.create_table('plan_action_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'], name=op.f('fk_plan_action_version_action_id_plan_action')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_plan_action_version_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_action_version')),
    sa.UniqueConstraint('action_id', 'version', name=op.f('uq_plan_action_version_action_id'))
    )
    with op.batch_alter_table('plan_action_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_action_version_action_id'), ['action_id'], unique=False)

    op.create_table('plan_action_cluster',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'], name=op.f('fk_plan_action_cluster_action_id_plan_action')),
    sa.ForeignKeyConstraint(['cluster_id'], ['cluster.id'], name=op.f('fk_plan_action_cluster_cluster_id_cluster')),
    sa.PrimaryKeyConstraint('action_id', 'cluster_id', name=op.f('pk_plan_action_cluster'))
    )
    with op.batch_alter_table('plan_action_cluster', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_action_cluster_cluster_id'), ['cluster_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('plan_action_cluster', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_action_cluster_cluster_id'))

    op.drop_table('plan_action_cluster')
    with op.batch_alter_table('plan_action_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_action_version_action_id'))

    op.drop_table('plan_action_version')
    with op.batch_alter_table('plan_action_transition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_action_transition_action_id'))

    op.drop_table('plan_action_transition')
    with op.batch_alter_table('plan_action_observation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_action_observation_action_id'))

    op.drop_table('plan_action_observation')
    with op.batch_alter_table('plan_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_action_state'))
        batch_op.drop_index(batch_op.f('ix_plan_action_process_id'))

    op.drop_table('plan_action')
