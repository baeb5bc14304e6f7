"""files in tickets

`ticket_messages.file_kind` and `file_id`: officials send documents, photos, voice notes (a draft
bill to review) into their ticket, and staff send files back; Telegram's file id carries them.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_messages") as batch:
        batch.add_column(sa.Column("file_kind", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("file_id", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_messages") as batch:
        batch.drop_column("file_id")
        batch.drop_column("file_kind")
