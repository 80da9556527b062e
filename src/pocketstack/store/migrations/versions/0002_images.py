"""Images: images, image_tags, image_members, image_locations (image storage format version 1).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("os_hidden", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("container_format", sa.String(length=32), nullable=True),
        sa.Column("disk_format", sa.String(length=32), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("virtual_size", sa.BigInteger(), nullable=True),
        sa.Column("min_disk", sa.Integer(), nullable=False),
        sa.Column("min_ram", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=32), nullable=True),
        sa.Column("os_hash_algo", sa.String(length=64), nullable=True),
        sa.Column("os_hash_value", sa.String(length=128), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_images_checksum"), "images", ["checksum"], unique=False)
    op.create_index(op.f("ix_images_created_at"), "images", ["created_at"], unique=False)
    op.create_index(op.f("ix_images_name"), "images", ["name"], unique=False)
    op.create_index(op.f("ix_images_os_hash_value"), "images", ["os_hash_value"], unique=False)
    op.create_index(op.f("ix_images_owner"), "images", ["owner"], unique=False)
    op.create_index(op.f("ix_images_status"), "images", ["status"], unique=False)
    op.create_index(op.f("ix_images_updated_at"), "images", ["updated_at"], unique=False)
    op.create_index(op.f("ix_images_visibility"), "images", ["visibility"], unique=False)
    op.create_table(
        "image_locations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_image_locations_image_id"), "image_locations", ["image_id"], unique=False)
    op.create_table(
        "image_members",
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("image_id", "member_id"),
    )
    op.create_index(op.f("ix_image_members_member_id"), "image_members", ["member_id"], unique=False)
    op.create_table(
        "image_tags",
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["image_id"], ["images.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("image_id", "tag"),
    )
    op.create_index(op.f("ix_image_tags_tag"), "image_tags", ["tag"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_image_tags_tag"), table_name="image_tags")
    op.drop_table("image_tags")
    op.drop_index(op.f("ix_image_members_member_id"), table_name="image_members")
    op.drop_table("image_members")
    op.drop_index(op.f("ix_image_locations_image_id"), table_name="image_locations")
    op.drop_table("image_locations")
    op.drop_index(op.f("ix_images_visibility"), table_name="images")
    op.drop_index(op.f("ix_images_updated_at"), table_name="images")
    op.drop_index(op.f("ix_images_status"), table_name="images")
    op.drop_index(op.f("ix_images_owner"), table_name="images")
    op.drop_index(op.f("ix_images_os_hash_value"), table_name="images")
    op.drop_index(op.f("ix_images_name"), table_name="images")
    op.drop_index(op.f("ix_images_created_at"), table_name="images")
    op.drop_index(op.f("ix_images_checksum"), table_name="images")
    op.drop_table("images")
