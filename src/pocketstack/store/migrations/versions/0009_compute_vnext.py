"""What Compute vNext's server types and placements add (storage format revision 0009): an
owner on flavors (members make their own private types), user shares and tags of flavors, and
tags of placements. Additive: older flavors get no owner (operator types), no user share and no
tag. docs/storage-format.md has the tables.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _flavor_owner()
    _flavor_user_access()
    _flavor_tags()
    _placement_tags()


def _flavor_owner() -> None:
    """``flavors.owner_project_id``, ``owner_user_id``: null (an operator's type) for every
    flavor made before."""
    with op.batch_alter_table("flavors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_project_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("owner_user_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_flavors_owner_project_id"), ["owner_project_id"], unique=False)


def _flavor_user_access() -> None:
    op.create_table(
        "flavor_user_access",
        sa.Column("flavor_id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["flavor_id"], ["flavors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("flavor_id", "user_id"),
    )
    with op.batch_alter_table("flavor_user_access", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flavor_user_access_user_id"), ["user_id"], unique=False)


def _flavor_tags() -> None:
    op.create_table(
        "flavor_tags",
        sa.Column("flavor_id", sa.String(length=255), nullable=False),
        sa.Column("tag", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["flavor_id"], ["flavors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("flavor_id", "tag"),
    )
    with op.batch_alter_table("flavor_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flavor_tags_tag"), ["tag"], unique=False)


def _placement_tags() -> None:
    op.create_table(
        "placement_tags",
        sa.Column("placement_id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["placement_id"], ["placements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("placement_id", "tag"),
    )


def downgrade() -> None:
    op.drop_table("placement_tags")
    with op.batch_alter_table("flavor_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flavor_tags_tag"))
    op.drop_table("flavor_tags")
    with op.batch_alter_table("flavor_user_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flavor_user_access_user_id"))
    op.drop_table("flavor_user_access")
    with op.batch_alter_table("flavors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flavors_owner_project_id"))
        batch_op.drop_column("owner_user_id")
        batch_op.drop_column("owner_project_id")
