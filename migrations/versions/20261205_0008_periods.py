"""periods: programming periods, programmi attuativi, practice sessions

- `process.current`: the process the labs work in now (the pages open on it;
  the others stay readable). The existing process (the newest, if several)
  becomes the current one.
- `lab_process`: the labs taking part in a process, from `lab.process_id`
  (dropped: a lab now takes part in several processes over the years).
- `live_session.process_id`: the process a meeting works for (from its lab's
  process), `programme_id`: the programma attuativo it prepares (none for the
  existing ones), `practice`: «prova / formazione» (false for the existing).
- `annual_programme`, `programme_entry`: the programma attuativo of each year
  and its schede with that year's budget and targets (none yet).

Downgrading refuses while a practice session exists: the old schema cannot
keep it out of the results, and publishing it is what the flag prevents.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 06:37:59.965608
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The tables as this migration reads and writes them (not the models: they move on).
_meta = sa.MetaData()
_process = sa.Table('process', _meta, sa.Column('id', sa.Integer), sa.Column('current', sa.Boolean))
_lab = sa.Table('lab', _meta, sa.Column('id', sa.Integer), sa.Column('process_id', sa.Integer))
_lab_process = sa.Table('lab_process', _meta, sa.Column('lab_id', sa.Integer),
                        sa.Column('process_id', sa.Integer))
_session = sa.Table('live_session', _meta, sa.Column('id', sa.Integer), sa.Column('lab_id', sa.Integer),
                    sa.Column('process_id', sa.Integer), sa.Column('practice', sa.Boolean))


def upgrade() -> None:

    op.create_table('annual_programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('approval_act', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('approved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by'], ['staff_user.id'], name=op.f('fk_annual_programme_approved_by_staff_user')),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_annual_programme_process_id_process')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_programme')),
    sa.UniqueConstraint('process_id', 'year', name=op.f('uq_annual_programme_process_id'))
    )
    with op.batch_alter_table('annual_programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_programme_process_id'), ['process_id'], unique=False)

    op.create_table('lab_process',
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lab_id'], ['lab.id'], name=op.f('fk_lab_process_lab_id_lab')),
    sa.ForeignKeyConstraint(['process_id'], ['process.id'], name=op.f('fk_lab_process_process_id_process')),
    sa.PrimaryKeyConstraint('lab_id', 'process_id', name=op.f('pk_lab_process'))
    )
    with op.batch_alter_table('lab_process', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_process_process_id'), ['process_id'], unique=False)

    op.create_table('programme_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('continuity', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('budget', sa.JSON(), nullable=False),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['plan_action.id'], name=op.f('fk_programme_entry_action_id_plan_action')),
    sa.ForeignKeyConstraint(['confirmed_by'], ['staff_user.id'], name=op.f('fk_programme_entry_confirmed_by_staff_user')),
    sa.ForeignKeyConstraint(['previous_id'], ['programme_entry.id'], name=op.f('fk_programme_entry_previous_id_programme_entry')),
    sa.ForeignKeyConstraint(['programme_id'], ['annual_programme.id'], name=op.f('fk_programme_entry_programme_id_annual_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_entry')),
    sa.UniqueConstraint('programme_id', 'action_id', name=op.f('uq_programme_entry_programme_id'))
    )
    with op.batch_alter_table('programme_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_entry_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_entry_programme_id'), ['programme_id'], unique=False)

    with op.batch_alter_table('process', schema=None) as batch_op:
        batch_op.add_column(sa.Column('current', sa.Boolean(), server_default=sa.false(), nullable=False))
    bind = op.get_bind()
    newest = bind.execute(sa.select(sa.func.max(_process.c.id))).scalar()
    if newest is not None:
        bind.execute(_process.update().where(_process.c.id == newest).values(current=True))
    bind.execute(_lab_process.insert().from_select(
        ['lab_id', 'process_id'], sa.select(_lab.c.id, _lab.c.process_id)))

    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('process_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('practice', sa.Boolean(), server_default=sa.false(), nullable=False))
    bind.execute(_session.update().values(process_id=sa.select(_lab.c.process_id)
                                          .where(_lab.c.id == _session.c.lab_id).scalar_subquery()))
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.alter_column('process_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_live_session_process_id'), ['process_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_session_programme_id'), ['programme_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_live_session_programme_id_annual_programme'), 'annual_programme', ['programme_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_live_session_process_id_process'), 'process', ['process_id'], ['id'])

    with op.batch_alter_table('lab', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_process_id'))
        batch_op.drop_constraint(batch_op.f('fk_lab_process_id_process'), type_='foreignkey')
        batch_op.drop_column('process_id')


def downgrade() -> None:
    bind = op.get_bind()
    practice = bind.execute(sa.select(sa.func.count()).select_from(_session)
                            .where(_session.c.practice.is_(True))).scalar()
    if practice:
        raise RuntimeError(f"{practice} practice session(s): the schema before 0008 would count "
                           "them as real; delete them before downgrading")
    with op.batch_alter_table('lab', schema=None) as batch_op:
        batch_op.add_column(sa.Column('process_id', sa.INTEGER(), nullable=True))
    # A lab belonged to one process: the first it took part in, else the first there is.
    first = sa.select(sa.func.min(_lab_process.c.process_id)).where(
        _lab_process.c.lab_id == _lab.c.id).scalar_subquery()
    bind.execute(_lab.update().values(process_id=sa.func.coalesce(
        first, sa.select(sa.func.min(_process.c.id)).scalar_subquery())))
    with op.batch_alter_table('lab', schema=None) as batch_op:
        batch_op.alter_column('process_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_lab_process_id_process'), 'process', ['process_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_lab_process_id'), ['process_id'], unique=False)

    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_live_session_process_id_process'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_live_session_programme_id_annual_programme'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_live_session_programme_id'))
        batch_op.drop_index(batch_op.f('ix_live_session_process_id'))
        batch_op.drop_column('practice')
        batch_op.drop_column('programme_id')
        batch_op.drop_column('process_id')

    with op.batch_alter_table('process', schema=None) as batch_op:
        batch_op.drop_column('current')

    with op.batch_alter_table('programme_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_entry_programme_id'))
        batch_op.drop_index(batch_op.f('ix_programme_entry_action_id'))
    op.drop_table('programme_entry')
    with op.batch_alter_table('lab_process', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_process_process_id'))
    op.drop_table('lab_process')
    with op.batch_alter_table('annual_programme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_programme_process_id'))
    op.drop_table('annual_programme')
