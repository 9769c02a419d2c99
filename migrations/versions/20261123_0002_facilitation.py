"""facilitation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:33:37.678959
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('staff_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_user')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_user_username'))
    )
    op.create_table('cluster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('areas', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('dissolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('impatto', sa.Integer(), nullable=True),
    sa.Column('fattibilita', sa.Integer(), nullable=True),
    sa.Column('urgenza', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_cluster_session_id_live_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cluster'))
    )
    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_session_id'), ['session_id'], unique=False)

    op.create_table('session_facilitator',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_session_facilitator_session_id_live_session')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_session_facilitator_user_id_staff_user')),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_session_facilitator'))
    )
    op.create_table('session_snapshot',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_session_snapshot_session_id_live_session')),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_session_snapshot'))
    )
    op.create_table('note_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('edited_by_participant_id', sa.Integer(), nullable=True),
    sa.Column('edited_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['edited_by_participant_id'], ['participant.id'], name=op.f('fk_note_revision_edited_by_participant_id_participant')),
    sa.ForeignKeyConstraint(['edited_by_staff_id'], ['staff_user.id'], name=op.f('fk_note_revision_edited_by_staff_id_staff_user')),
    sa.ForeignKeyConstraint(['note_id'], ['note.id'], name=op.f('fk_note_revision_note_id_note')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_revision'))
    )
    with op.batch_alter_table('note_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_revision_note_id'), ['note_id'], unique=False)

    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phase', sqlmodel.sql.sqltypes.AutoString(length=20), server_default='accoglienza', nullable=False))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('show_pseudonyms', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('private_writing', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('notes_revealed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('results_revealed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('timer_duration_s', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('timer_remaining_s', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('timer_started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('snapshot_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_live_session_owner_id'), ['owner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_live_session_owner_id_staff_user'), 'staff_user', ['owner_id'], ['id'])

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cluster_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hidden_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('private', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_note_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_note_cluster_id_cluster'), 'cluster', ['cluster_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_note_merged_into_id_note'), 'note', ['merged_into_id'], ['id'])

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offline', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cluster_id', sa.Integer(), nullable=True))
        batch_op.alter_column('note_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_vote_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_vote_cluster_id_cluster'), 'cluster', ['cluster_id'], ['id'])
        batch_op.create_check_constraint('one_target', '(note_id IS NULL) <> (cluster_id IS NULL)')



def downgrade() -> None:
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_vote_one_target'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_vote_cluster_id_cluster'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_vote_cluster_id'))
        batch_op.alter_column('note_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('cluster_id')

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('offline')

    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_note_merged_into_id_note'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_note_cluster_id_cluster'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_note_cluster_id'))
        batch_op.drop_column('private')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_at')
        batch_op.drop_column('cluster_id')

    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_live_session_owner_id_staff_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_live_session_owner_id'))
        batch_op.drop_column('snapshot_hash')
        batch_op.drop_column('timer_started_at')
        batch_op.drop_column('timer_remaining_s')
        batch_op.drop_column('timer_duration_s')
        batch_op.drop_column('results_revealed')
        batch_op.drop_column('notes_revealed')
        batch_op.drop_column('private_writing')
        batch_op.drop_column('show_pseudonyms')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('phase')

    with op.batch_alter_table('note_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_revision_note_id'))

    op.drop_table('note_revision')
    op.drop_table('session_snapshot')
    op.drop_table('session_facilitator')
    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_session_id'))

    op.drop_table('cluster')
    op.drop_table('staff_user')
