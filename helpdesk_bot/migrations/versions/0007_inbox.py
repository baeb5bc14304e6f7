"""the inbox: every Telegram update stored before Telegram is told it arrived

`inbox` holds each update as Telegram sent it (raw JSON) from the moment it is received until its
handlers finish; the bot confirms an update to Telegram (the polling offset, or the webhook's 200)
only once its row is committed, and at start it handles the rows a crash left unhandled. Handled
rows lose their text at once and are deleted after two days. `queries.update_id` names the update
a question came in, so an update handled again after a crash never logs its question twice.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=100), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_inbox_sender_id", "inbox", ["sender_id"], unique=False)
    op.create_index("ix_inbox_handled_taken", "inbox", ["handled_at", "taken_at"], unique=False)
    with op.batch_alter_table("queries") as batch:
        batch.add_column(sa.Column("update_id", sa.BigInteger(), nullable=True))
        batch.create_index("ix_queries_update_id", ["update_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("queries") as batch:
        batch.drop_index("ix_queries_update_id")
        batch.drop_column("update_id")
    op.drop_index("ix_inbox_handled_taken", table_name="inbox")
    op.drop_index("ix_inbox_sender_id", table_name="inbox")
    op.drop_table("inbox")
