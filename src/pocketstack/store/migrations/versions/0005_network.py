"""Network: security groups and their rules, network RBAC policies, routers and their
interfaces, floating IPs and port forwardings (storage format revision 0005).

Adds the tables, the foreign key from ``port_security_groups`` to the groups (no row can break
it: before this revision no group could be given to a port), and the ``*`` RBAC policies that
Neutron keeps for shared and for external networks, made for the networks already there.

Revision ID: 0005
Revises: 0004
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PORT_GROUP_FK = "port_security_groups_security_group_id_fkey"


def _standard() -> list[sa.Column]:
    return [
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "security_groups",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("stateful", sa.Boolean(), nullable=False),
        *_standard(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_security_groups_name"), "security_groups", ["name"], unique=False)
    op.create_index(op.f("ix_security_groups_project_id"), "security_groups", ["project_id"], unique=False)
    op.create_table(
        "default_security_groups",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("security_group_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["security_group_id"], ["security_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id"),
        sa.UniqueConstraint("security_group_id"),
    )
    op.create_table(
        "security_group_rules",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("security_group_id", sa.String(length=36), nullable=False),
        sa.Column("remote_group_id", sa.String(length=36), nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("ethertype", sa.String(length=8), nullable=False),
        sa.Column("protocol", sa.String(length=40), nullable=True),
        sa.Column("port_range_min", sa.Integer(), nullable=True),
        sa.Column("port_range_max", sa.Integer(), nullable=True),
        sa.Column("remote_ip_prefix", sa.String(length=64), nullable=True),
        sa.Column("normalized_cidr", sa.String(length=64), nullable=True),
        *_standard(),
        sa.ForeignKeyConstraint(["remote_group_id"], ["security_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["security_group_id"], ["security_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("project_id", "remote_group_id", "security_group_id"):
        op.create_index(
            op.f(f"ix_security_group_rules_{column}"), "security_group_rules", [column], unique=False
        )
    op.create_table(
        "rbac_policies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_project", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("object_type", "object_id", "action", "target_project"),
    )
    for column in ("object_id", "project_id", "target_project"):
        op.create_index(op.f(f"ix_rbac_policies_{column}"), "rbac_policies", [column], unique=False)
    with op.batch_alter_table("port_security_groups") as batch:
        batch.create_foreign_key(PORT_GROUP_FK, "security_groups", ["security_group_id"], ["id"])
    _policies_of_open_networks()
    op.create_table(
        "routers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("admin_state_up", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("enable_snat", sa.Boolean(), nullable=False),
        sa.Column("routes", sa.JSON(), nullable=False),
        sa.Column("availability_zone_hints", sa.JSON(), nullable=False),
        *_standard(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_routers_name"), "routers", ["name"], unique=False)
    op.create_index(op.f("ix_routers_project_id"), "routers", ["project_id"], unique=False)
    op.create_table(
        "floatingips",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("floating_network_id", sa.String(length=36), nullable=False),
        sa.Column("floating_ip_address", sa.String(length=64), nullable=False),
        sa.Column("floating_port_id", sa.String(length=36), nullable=False),
        sa.Column("fixed_port_id", sa.String(length=36), nullable=True),
        sa.Column("fixed_ip_address", sa.String(length=64), nullable=True),
        sa.Column("router_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_standard(),
        sa.ForeignKeyConstraint(["fixed_port_id"], ["ports.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["floating_network_id"], ["networks.id"]),
        sa.ForeignKeyConstraint(["floating_port_id"], ["ports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["router_id"], ["routers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("floating_network_id", "fixed_port_id", "fixed_ip_address"),
        sa.UniqueConstraint("floating_port_id"),
    )
    for column in ("fixed_port_id", "floating_ip_address", "floating_network_id", "project_id", "router_id"):
        op.create_index(op.f(f"ix_floatingips_{column}"), "floatingips", [column], unique=False)
    op.create_table(
        "router_ports",
        sa.Column("port_id", sa.String(length=36), nullable=False),
        sa.Column("router_id", sa.String(length=36), nullable=False),
        sa.Column("port_type", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["port_id"], ["ports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["router_id"], ["routers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("port_id"),
    )
    op.create_index(op.f("ix_router_ports_router_id"), "router_ports", ["router_id"], unique=False)
    op.create_table(
        "port_forwardings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("floatingip_id", sa.String(length=36), nullable=False),
        sa.Column("internal_port_id", sa.String(length=36), nullable=False),
        sa.Column("internal_ip_address", sa.String(length=64), nullable=False),
        sa.Column("internal_port_start", sa.Integer(), nullable=False),
        sa.Column("internal_port_end", sa.Integer(), nullable=False),
        sa.Column("external_port_start", sa.Integer(), nullable=False),
        sa.Column("external_port_end", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["floatingip_id"], ["floatingips.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["internal_port_id"], ["ports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("floatingip_id", "protocol", "external_port_start"),
        sa.UniqueConstraint("internal_port_id", "internal_ip_address", "protocol", "internal_port_start"),
    )


def _policies_of_open_networks() -> None:
    """A shared network gets its ``*`` access_as_shared policy, an external one its ``*``
    access_as_external policy, both owned by the network's project (as Neutron makes them)."""
    networks = sa.table(
        "networks", sa.column("id"), sa.column("project_id"), sa.column("shared"), sa.column("external")
    )
    policies = sa.table(
        "rbac_policies",
        sa.column("id"),
        sa.column("project_id"),
        sa.column("object_type"),
        sa.column("object_id"),
        sa.column("action"),
        sa.column("target_project"),
    )
    rows = []
    found = op.get_bind().execute(
        sa.select(networks.c.id, networks.c.project_id, networks.c.shared, networks.c.external)
    )
    for network_id, project_id, shared, external in found:
        for action, wanted in (("access_as_shared", shared), ("access_as_external", external)):
            if wanted:
                rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "project_id": project_id,
                        "object_type": "network",
                        "object_id": network_id,
                        "action": action,
                        "target_project": "*",
                    }
                )
    if rows:
        op.bulk_insert(policies, rows)


def downgrade() -> None:
    op.drop_table("port_forwardings")
    op.drop_index(op.f("ix_router_ports_router_id"), table_name="router_ports")
    op.drop_table("router_ports")
    for column in ("fixed_port_id", "floating_ip_address", "floating_network_id", "project_id", "router_id"):
        op.drop_index(op.f(f"ix_floatingips_{column}"), table_name="floatingips")
    op.drop_table("floatingips")
    op.drop_index(op.f("ix_routers_project_id"), table_name="routers")
    op.drop_index(op.f("ix_routers_name"), table_name="routers")
    op.drop_table("routers")
    with op.batch_alter_table("port_security_groups") as batch:
        batch.drop_constraint(PORT_GROUP_FK, type_="foreignkey")
    op.drop_table("rbac_policies")
    op.drop_table("security_group_rules")
    op.drop_table("default_security_groups")
    op.drop_table("security_groups")
