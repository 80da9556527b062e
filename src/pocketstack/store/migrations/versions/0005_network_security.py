"""Network: security groups and their rules, network RBAC policies (storage format revision 0005).

Revision ID: 0005
Revises: 0004
"""

from alembic import op  # noqa: F401 - the tables are added with the code that uses them

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
