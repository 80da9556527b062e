"""Object storage (storage format revision 0012): accounts, containers and objects of Swift v1
and S3. Additive: three new tables, nothing older changes. Names of containers and objects
sort as UTF-8 bytes (PostgreSQL collation ``C``; SQLite's default). docs/storage-format.md has
the columns and the layout of object data on disk.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _name(length: int | None) -> sa.types.TypeEngine:
    plain = sa.String(length) if length else sa.Text()
    collated = sa.String(length, collation="C") if length else sa.Text(collation="C")
    return plain.with_variant(collated, "postgresql")


def upgrade() -> None:
    op.create_table(
        "object_accounts",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("quota_bytes", sa.BigInteger(), nullable=True),
        sa.Column("quota_count", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("project_id"),
    )
    op.create_table(
        "object_containers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("name", _name(256), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("read_acl", sa.Text(), nullable=True),
        sa.Column("write_acl", sa.Text(), nullable=True),
        sa.Column("versions_location", sa.String(length=256), nullable=True),
        sa.Column("versions_mode", sa.String(length=16), nullable=True),
        sa.Column("versions_enabled", sa.Boolean(), nullable=False),
        sa.Column("quota_bytes", sa.BigInteger(), nullable=True),
        sa.Column("quota_count", sa.BigInteger(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("object_count", sa.BigInteger(), nullable=False),
        sa.Column("bytes_used", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("put_timestamp", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["object_accounts.project_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_object_containers_project_name", "object_containers", ["project_id", "name"], unique=True
    )
    op.create_table(
        "object_objects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("container_id", sa.Integer(), nullable=False),
        sa.Column("name", _name(None), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("last_modified", sa.Double(), nullable=False),
        sa.Column("delete_at", sa.BigInteger(), nullable=True),
        sa.Column("data_path", sa.String(length=255), nullable=True),
        sa.Column("slo_manifest", sa.JSON(), nullable=True),
        sa.Column("version_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["container_id"], ["object_containers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_object_objects_container_name", "object_objects", ["container_id", "name"], unique=True
    )
    op.create_index("ix_object_objects_delete_at", "object_objects", ["delete_at"], unique=False)


def downgrade() -> None:
    """The object tables go with every row; the data directory's blobs are left to the
    operator (an older release never reads them)."""
    op.drop_index("ix_object_objects_delete_at", table_name="object_objects")
    op.drop_index("ix_object_objects_container_name", table_name="object_objects")
    op.drop_table("object_objects")
    op.drop_index("ix_object_containers_project_name", table_name="object_containers")
    op.drop_table("object_containers")
    op.drop_table("object_accounts")
