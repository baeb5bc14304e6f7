"""why a question was declined

`queries.declined_by` names the scope item (knowledge/scope.yaml) or the rule ("general",
"unrelated") that declined a question, so the statistics can show what triggers declines and the
Secretariat can spot a question that should have been answered.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queries") as batch:
        batch.add_column(sa.Column("declined_by", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("queries") as batch:
        batch.drop_column("declined_by")
