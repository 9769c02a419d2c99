"""live lab rooms

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 18:01:36.961403
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0001'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('area',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_area'))
    )
    op.create_table('category',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_category'))
    )
    op.create_table('process',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process')),
    sa.UniqueConstraint('slug', name=op.f('uq_process_slug'))
    )
    op.create_table('lab',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_lab_process_id_process')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab')),
    sa.UniqueConstraint('slug', name=op.f('uq_lab_slug'))
    )
    with op.batch_alter_table('lab', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_process_id'), ['process_id'], unique=False)

    op.create_table('live_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('guiding_question', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('join_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('dots_per_participant', sa.Integer(), nullable=False),
    sa.Column('cap_per_item', sa.Integer(), nullable=False),
    sa.Column('note_kinds', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['lab_id'], ['lab.id'], name=op.f('fk_live_session_lab_id_lab')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_session')),
    sa.UniqueConstraint('join_code', name=op.f('uq_live_session_join_code'))
    )
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_session_lab_id'), ['lab_id'], unique=False)

    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_event_session_id_live_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event')),
    sa.UniqueConstraint('session_id', 'seq', name=op.f('uq_event_session_id'))
    )
    op.create_table('participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('pseudonym', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('pseudonym_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('category_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_key'], ['category.key'], name=op.f('fk_participant_category_key_category')),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_participant_session_id_live_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant')),
    sa.UniqueConstraint('public_id', name=op.f('uq_participant_public_id')),
    sa.UniqueConstraint('session_id', 'pseudonym_key', name=op.f('uq_participant_session_id'))
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_session_id'), ['session_id'], unique=False)

    op.create_table('processed_command',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('cid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('first_seq', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_processed_command_session_id_live_session')),
    sa.PrimaryKeyConstraint('scope', 'cid', name=op.f('pk_processed_command'))
    )
    with op.batch_alter_table('processed_command', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processed_command_session_id'), ['session_id'], unique=False)

    op.create_table('note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('html', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['participant.id'], name=op.f('fk_note_author_id_participant')),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_note_session_id_live_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note'))
    )
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_note_session_id'), ['session_id'], unique=False)

    op.create_table('presence',
    sa.Column('sid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('category_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('server_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('connected_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_presence_participant_id_participant')),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_presence_session_id_live_session')),
    sa.PrimaryKeyConstraint('sid', 'session_id', name=op.f('pk_presence'))
    )
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presence_server_id'), ['server_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_presence_session_id'), ['session_id'], unique=False)

    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('category_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['note.id'], name=op.f('fk_vote_note_id_note')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_vote_participant_id_participant')),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_vote_session_id_live_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote'))
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_note_id'), ['note_id'], unique=False)
        batch_op.create_index('ix_vote_session_participant', ['session_id', 'participant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index('ix_vote_session_participant')
        batch_op.drop_index(batch_op.f('ix_vote_note_id'))

    op.drop_table('vote')
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presence_session_id'))
        batch_op.drop_index(batch_op.f('ix_presence_server_id'))

    op.drop_table('presence')
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_session_id'))
        batch_op.drop_index(batch_op.f('ix_note_author_id'))

    op.drop_table('note')
    with op.batch_alter_table('processed_command', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processed_command_session_id'))

    op.drop_table('processed_command')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_session_id'))

    op.drop_table('participant')
    op.drop_table('event')
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_session_lab_id'))

    op.drop_table('live_session')
    with op.batch_alter_table('lab', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_process_id'))

    op.drop_table('lab')
    op.drop_table('process')
    op.drop_table('category')
    op.drop_table('area')
