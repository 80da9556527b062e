"""Network: routers and their interfaces, floating IPs and port forwardings (storage format
revision 0006).

Revision ID: 0006
Revises: 0005
"""

from alembic import op  # noqa: F401 - the tables are added with the code that uses them

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
