"""satisfaction with the Secretariat's reply

`feedback.ticket_id`: when a ticket closes the official is asked once whether the Secretariat's
reply helped; the answer is a feedback row on the ticket (the statistics' `satisfaction`).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_feedback_ticket_id", "tickets", ["ticket_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("fk_feedback_ticket_id", type_="foreignkey")
        batch.drop_column("ticket_id")
