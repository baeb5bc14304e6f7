"""where each referral's card is in the staff chat

`referrals.staff_message_id` is the message the bot posted in the staff chat for a referral it
made, so that /forget can edit that card (it quotes the official's question and names their State)
to "(erased at the official's request)", as it does the ticket cards.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("staff_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("staff_message_id")
