"""What revision 0009 left of Compute vNext's storage plan (storage format revision 0010): the
placement a server asked for (``servers.placement_id``), a stored type id per flavor
(``flavors.uuid``), and the indexes of hostname lookups and task lists. Additive: servers get
the root placement of their requested zone, flavors the type id they were shown with before.
docs/storage-format.md has the columns.

Revision ID: 0010
Revises: 0009
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# store/compute_models.TYPE_NAMESPACE, copied: what a flavor id's type id was before this
# revision must not move if that module ever changes.
_TYPE_NAMESPACE = uuid.UUID("5f0c1c5e-3b7e-4a53-9d0e-6f7a2c1d8e41")


def _type_uuid(flavor_id: str) -> str:
    try:
        return str(uuid.UUID(flavor_id))
    except ValueError:
        return str(uuid.uuid5(_TYPE_NAMESPACE, flavor_id))


def upgrade() -> None:
    _server_placement()
    _flavor_uuid()
    _server_hostname_index()
    _task_list_index()


def _server_placement() -> None:
    """``servers.placement_id``: the root placement (availability zone) named by the server's
    ``requested_zone``; null when it names none or a placement inside another (those keep
    being found by name, as before)."""
    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("placement_id", sa.String(length=36), nullable=True))
    op.execute(
        "UPDATE servers SET placement_id = ("
        " SELECT p.id FROM placements p WHERE p.name = servers.requested_zone"
        " AND NOT EXISTS (SELECT 1 FROM placement_parents pp WHERE pp.child_id = p.id))"
        " WHERE requested_zone IS NOT NULL"
    )


def _flavor_uuid() -> None:
    """``flavors.uuid``: the type id vNext showed for the flavor (its id when that is a UUID,
    else the UUID derived from it), unique and never null."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite adds a NOT NULL column only with a default, and changing the column later
        # would copy the table, whose DROP cascades into flavor_access and the other tables
        # that point at flavors: the default stays (pocketstack always writes the column).
        op.execute("ALTER TABLE flavors ADD COLUMN uuid VARCHAR(36) DEFAULT '' NOT NULL")
    else:
        op.add_column("flavors", sa.Column("uuid", sa.String(length=36), nullable=True))
    flavors = sa.table("flavors", sa.column("id", sa.String), sa.column("uuid", sa.String))
    ids = list(bind.execute(sa.select(flavors.c.id)).scalars())
    if ids:
        bind.execute(
            flavors.update().where(flavors.c.id == sa.bindparam("fid")).values(uuid=sa.bindparam("u")),
            [{"fid": fid, "u": _type_uuid(fid)} for fid in ids],
        )
    if bind.dialect.name != "sqlite":
        op.alter_column("flavors", "uuid", existing_type=sa.String(length=36), nullable=False)
    op.create_index("ix_flavors_uuid", "flavors", ["uuid"], unique=True)


def _server_hostname_index() -> None:
    """Hostname lookups of a project and vNext's uniqueness check; not unique (v2.1 may give
    two servers one hostname)."""
    op.create_index("ix_servers_project_hostname", "servers", ["project_id", "hostname"], unique=False)


def _task_list_index() -> None:
    """A server's tasks paged newest first."""
    op.create_index("ix_tasks_server_created", "tasks", ["server_id", "created_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tasks_server_created", table_name="tasks")
    op.drop_index("ix_servers_project_hostname", table_name="servers")
    op.drop_index("ix_flavors_uuid", table_name="flavors")
    # Dropped in place (SQLite 3.35+): copying flavors would cascade into the tables that
    # point at it.
    op.execute("ALTER TABLE flavors DROP COLUMN uuid")
    op.execute("ALTER TABLE servers DROP COLUMN placement_id")
