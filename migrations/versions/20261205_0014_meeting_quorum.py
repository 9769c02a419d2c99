"""meeting quorum: the body as it was when a meeting's attendance was taken

- `body_meeting.members_in_office`, `quorum_rule`, `quorum_number`: how many
  members the body had and which quorum rule it kept when the attendance was
  recorded. A meeting's quorum is read from these, not from today's member
  list: a member present who later leaves office no longer turns a meeting
  that decided into one «without quorum», and members set inactive after the
  attendance cannot make a meeting without quorum decide. Existing meetings
  with an attendance get today's figures (the best there is).

Downgrading drops them (the quorum is read from today's members again).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 14:15:00
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "0014"
down_revision: Union[str, None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("body_meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("members_in_office", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("quorum_rule", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(sa.Column("quorum_number", sa.Integer(), nullable=True))
    op.execute(
        """
        UPDATE body_meeting SET
          members_in_office = (SELECT COUNT(*) FROM body_member m
                               WHERE m.body_key = body_meeting.body_key AND m.active),
          quorum_rule = (SELECT b.quorum_rule FROM body b WHERE b.key = body_meeting.body_key),
          quorum_number = (SELECT b.quorum_number FROM body b WHERE b.key = body_meeting.body_key)
        WHERE EXISTS (SELECT 1 FROM body_meeting_presence p WHERE p.meeting_id = body_meeting.id)
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("body_meeting", schema=None) as batch_op:
        batch_op.drop_column("quorum_number")
        batch_op.drop_column("quorum_rule")
        batch_op.drop_column("members_in_office")
