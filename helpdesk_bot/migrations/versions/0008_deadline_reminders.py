"""deadline reminders: an official asks to be reminded before a deadline of their State

One row per reminder (e.g. 90 and 30 days before the initial report), sent by a daily job; the
row stays after it is sent or cancelled, without the official after /forget, so the statistics
can count reminders.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deadline_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("state_code", sa.String(length=3), nullable=False),
        sa.Column("deadline", sa.String(length=16), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_deadline_reminders_official_id", "deadline_reminders", ["official_id"], unique=False
    )
    op.create_index(
        "ix_deadline_reminders_remind_on", "deadline_reminders", ["remind_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_deadline_reminders_remind_on", table_name="deadline_reminders")
    op.drop_index("ix_deadline_reminders_official_id", table_name="deadline_reminders")
    op.drop_table("deadline_reminders")
