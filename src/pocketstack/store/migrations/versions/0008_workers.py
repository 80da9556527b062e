"""What several API processes over one database need (storage format revision 0008): the
``revisions`` counters that tell every process when its caches of identity state are stale,
the ``leases`` that elect one process for the periodic jobs, and the image cache's records
(kept in each process's memory before); and an index for paging a project's servers.
docs/storage-format.md has the tables.

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
    _revisions()
    _leases()
    _image_cache()
    _server_list_index()


def _revisions() -> None:
    """``revisions``: one row per cached state; ``identity`` starts at 0."""
    table = op.create_table(
        "revisions",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(table, [{"name": "identity", "value": 0}])


def _leases() -> None:
    """``leases``: empty until a process first takes one."""
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def _image_cache() -> None:
    """``image_cache``: empty (the cache was kept in memory until this revision)."""
    op.create_table(
        "image_cache",
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("last_accessed", sa.Float(), nullable=False),
        sa.Column("last_modified", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("image_id"),
    )


def _server_list_index() -> None:
    """A project's live servers in list order, so a page of a large project is read from the
    index instead of sorting every row."""
    op.create_index(
        "ix_servers_project_deleted_created", "servers", ["project_id", "deleted", "created_at", "id"]
    )
