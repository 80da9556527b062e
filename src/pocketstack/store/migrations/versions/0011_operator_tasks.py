"""Operator tasks (storage format revision 0011): a task that acts on no server (an operator's
drain of a host) is a row of ``tasks`` with ``server_id`` and ``project_id`` null and
``kind`` ``operator``; every earlier task is a server's (``kind`` ``server``).
docs/storage-format.md has the columns.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_KEPT = "_task_items_0011"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_upgrade()
        return
    op.add_column("tasks", sa.Column("kind", sa.String(length=16), server_default="server", nullable=False))
    op.alter_column("tasks", "server_id", existing_type=sa.String(length=36), nullable=True)
    op.alter_column("tasks", "project_id", existing_type=sa.String(length=64), nullable=True)


def _sqlite_upgrade() -> None:
    """SQLite drops a NOT NULL only by copying the table, and dropping the old ``tasks`` with
    foreign keys on cascades into ``task_items``: they are kept aside and put back."""
    op.execute(f"CREATE TEMP TABLE {_KEPT} AS SELECT * FROM task_items")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="server", nullable=False))
        batch_op.alter_column("server_id", existing_type=sa.String(length=36), nullable=True)
        batch_op.alter_column("project_id", existing_type=sa.String(length=64), nullable=True)
    op.execute("DELETE FROM task_items")
    op.execute(f"INSERT INTO task_items SELECT * FROM {_KEPT}")
    op.execute(f"DROP TABLE {_KEPT}")


def downgrade() -> None:
    """Operator tasks have no server to belong to in the older format: they go (with their
    items)."""
    op.execute("DELETE FROM tasks WHERE kind <> 'server' OR server_id IS NULL OR project_id IS NULL")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(f"CREATE TEMP TABLE {_KEPT} AS SELECT * FROM task_items")
        with op.batch_alter_table("tasks", schema=None) as batch_op:
            batch_op.alter_column("server_id", existing_type=sa.String(length=36), nullable=False)
            batch_op.alter_column("project_id", existing_type=sa.String(length=64), nullable=False)
            batch_op.drop_column("kind")
        op.execute("DELETE FROM task_items")
        op.execute(f"INSERT INTO task_items SELECT * FROM {_KEPT}")
        op.execute(f"DROP TABLE {_KEPT}")
        return
    op.alter_column("tasks", "server_id", existing_type=sa.String(length=36), nullable=False)
    op.alter_column("tasks", "project_id", existing_type=sa.String(length=64), nullable=False)
    op.drop_column("tasks", "kind")
