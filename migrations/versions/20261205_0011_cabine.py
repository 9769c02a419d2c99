"""cabine: the cabine di regia as bodies (members, meetings, minutes) and the plan's adoption

- `body`: the cabina di regia ristretta and allargata (keys `ristretta`,
  `allargata`, the roles whose review steps they decide) with their quorum
  rule (majority of members by default); both rows are made here.
- `body_member`: each body's members (name, role, organisation, the lab they
  represent, the staff account they use).
- `body_meeting`, `body_meeting_item` (agenda), `body_meeting_presence`
  (attendance): meetings, with the approved minutes (PDF, SHA-256, content).
- `plan_action_transition.meeting_id`, `votes_for`, `votes_against`,
  `votes_abstained`: a review step decided at a meeting, with the vote.
- `process.adoption_body`, `adopted_on`, `adoption_number`, `adoption_url`:
  the act that adopted the plan (`approval_act` stays its name).

Downgrading drops all of it: the review steps stay, without their meeting (as
the old schema had them: steps without a body's meeting).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 12:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    body = op.create_table('body',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('quorum_rule', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('quorum_number', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_body'))
    )
    op.bulk_insert(body, [
        {'key': 'ristretta', 'title': 'Cabina di regia ristretta', 'quorum_rule': 'maggioranza'},
        {'key': 'allargata', 'title': 'Cabina di regia allargata', 'quorum_rule': 'maggioranza'},
    ])
    op.create_table('body_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_key', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('organisation', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=True),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['body_key'], ['body.key'], name=op.f('fk_body_member_body_key_body')),
    sa.ForeignKeyConstraint(['lab_id'], ['lab.id'], name=op.f('fk_body_member_lab_id_lab')),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'],
                            name=op.f('fk_body_member_staff_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_body_member'))
    )
    op.create_index(op.f('ix_body_member_body_key'), 'body_member', ['body_key'], unique=False)
    op.create_table('body_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_key', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('remarks', sa.Text(), server_default='', nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('frozen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('frozen_by', sa.Integer(), nullable=True),
    sa.Column('minutes_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('minutes_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('minutes_blocks', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['body_key'], ['body.key'], name=op.f('fk_body_meeting_body_key_body')),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_body_meeting_process_id_process')),
    sa.ForeignKeyConstraint(['created_by'], ['staff_user.id'],
                            name=op.f('fk_body_meeting_created_by_staff_user')),
    sa.ForeignKeyConstraint(['frozen_by'], ['staff_user.id'],
                            name=op.f('fk_body_meeting_frozen_by_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_body_meeting'))
    )
    op.create_index(op.f('ix_body_meeting_body_key'), 'body_meeting', ['body_key'], unique=False)
    op.create_index(op.f('ix_body_meeting_process_id'), 'body_meeting', ['process_id'], unique=False)
    op.create_table('body_meeting_item',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['body_meeting.id'],
                            name=op.f('fk_body_meeting_item_meeting_id_body_meeting')),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'],
                            name=op.f('fk_body_meeting_item_action_id_plan_action')),
    sa.PrimaryKeyConstraint('meeting_id', 'action_id', name=op.f('pk_body_meeting_item'))
    )
    op.create_index(op.f('ix_body_meeting_item_action_id'), 'body_meeting_item', ['action_id'], unique=False)
    op.create_table('body_meeting_presence',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['body_meeting.id'],
                            name=op.f('fk_body_meeting_presence_meeting_id_body_meeting')),
    sa.ForeignKeyConstraint(['member_id'], ['body_member.id'],
                            name=op.f('fk_body_meeting_presence_member_id_body_member')),
    sa.PrimaryKeyConstraint('meeting_id', 'member_id', name=op.f('pk_body_meeting_presence'))
    )
    op.create_index(op.f('ix_body_meeting_presence_member_id'), 'body_meeting_presence', ['member_id'],
                    unique=False)
    with op.batch_alter_table('plan_action_transition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('votes_for', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('votes_against', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('votes_abstained', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_action_transition_meeting_id'), ['meeting_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_action_transition_meeting_id_body_meeting'),
                                    'body_meeting', ['meeting_id'], ['id'])
    with op.batch_alter_table('process', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adoption_body', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      nullable=True))
        batch_op.add_column(sa.Column('adopted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('adoption_number', sqlmodel.sql.sqltypes.AutoString(length=80),
                                      nullable=True))
        batch_op.add_column(sa.Column('adoption_url', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('process', schema=None) as batch_op:
        batch_op.drop_column('adoption_url')
        batch_op.drop_column('adoption_number')
        batch_op.drop_column('adopted_on')
        batch_op.drop_column('adoption_body')
    with op.batch_alter_table('plan_action_transition', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_action_transition_meeting_id_body_meeting'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_action_transition_meeting_id'))
        batch_op.drop_column('votes_abstained')
        batch_op.drop_column('votes_against')
        batch_op.drop_column('votes_for')
        batch_op.drop_column('meeting_id')
    op.drop_index(op.f('ix_body_meeting_presence_member_id'), table_name='body_meeting_presence')
    op.drop_table('body_meeting_presence')
    op.drop_index(op.f('ix_body_meeting_item_action_id'), table_name='body_meeting_item')
    op.drop_table('body_meeting_item')
    op.drop_index(op.f('ix_body_meeting_process_id'), table_name='body_meeting')
    op.drop_index(op.f('ix_body_meeting_body_key'), table_name='body_meeting')
    op.drop_table('body_meeting')
    op.drop_index(op.f('ix_body_member_body_key'), table_name='body_member')
    op.drop_table('body_member')
    op.drop_table('body')
