"""Servers get their ports from the network service (storage format revision 0006).

Adds ``server_interfaces`` (what compute knows of a server's ports: device tag, whether the
port was the user's) and ``auto_allocated_topologies`` (get-me-a-network's one network per
project). Moves the built-in flat network onto Network v2: each project that held addresses
gets a network ``private`` with one subnet ``private-subnet``, and each address becomes a port
of its server with the same address and MAC, so ``addresses`` read the same after the upgrade.
The subnet is 10.0.0.0/16 (the built-in default) when every address of the project lies in
it, else the smallest network of at least /24 holding them all; gateway the first address,
allocation pool the rest. The ports have port security on and no security group (the flat
network filtered nothing). Then ``fixed_ips`` and ``servers.addresses`` are dropped.

Revision ID: 0006
Revises: 0005
"""

import ipaddress
import json
import secrets
import uuid
from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BUILT_IN_CIDR = ipaddress.ip_network("10.0.0.0/16")
VXLAN_MTU = 1450
BOUND_VIF = ("ovs", {"port_filter": True, "connectivity": "l2"})


def upgrade() -> None:
    op.create_table(
        "server_interfaces",
        sa.Column("port_id", sa.String(length=36), nullable=False),
        sa.Column("server_id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.String(length=60), nullable=True),
        sa.Column("preserve_on_delete", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["port_id"], ["ports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("port_id"),
    )
    op.create_index(op.f("ix_server_interfaces_server_id"), "server_interfaces", ["server_id"], unique=False)
    op.create_table(
        "auto_allocated_topologies",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("network_id", sa.String(length=36), nullable=False),
        sa.Column("router_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["router_id"], ["routers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("project_id"),
    )
    op.create_index(
        op.f("ix_auto_allocated_topologies_network_id"),
        "auto_allocated_topologies",
        ["network_id"],
        unique=False,
    )
    _move_flat_addresses(op.get_bind())
    op.drop_table("fixed_ips")
    # A plain ALTER (SQLite >= 3.35 has it): a batch copy would drop and remake ``servers``,
    # and with foreign keys on that drop would cascade to every table that points at it.
    op.drop_column("servers", "addresses")


def _subnet_cidr(addresses: list[str]) -> ipaddress.IPv4Network:
    ips = [ipaddress.ip_address(a) for a in addresses]
    if all(ip in BUILT_IN_CIDR for ip in ips):
        return BUILT_IN_CIDR
    net = ipaddress.ip_network(f"{min(ips)}/24", strict=False)
    while not all(ip in net for ip in ips):
        net = net.supernet()
    return net


def _free_vxlan_id(conn: sa.Connection) -> str:
    taken = set(conn.execute(sa.text("SELECT segment_key FROM networks")).scalars())
    while True:
        key = f"vxlan:{1 + secrets.randbelow(2**24 - 1)}"
        if key not in taken:
            return key


def _move_flat_addresses(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT f.project_id, f.address, f.mac, f.server_id, s.host, s.requested_zone "
            "FROM fixed_ips f JOIN servers s ON s.id = f.server_id ORDER BY f.project_id, f.address"
        )
    ).all()
    by_project: dict[str, list[sa.Row]] = defaultdict(list)
    for row in rows:
        by_project[row.project_id].append(row)
    now = datetime.now(UTC).replace(tzinfo=None)
    standard = {"description": "", "revision_number": 0, "created_at": now, "updated_at": now}
    for project_id, held in by_project.items():
        net = _subnet_cidr([r.address for r in held])
        network_id, subnet_id = str(uuid.uuid4()), str(uuid.uuid4())
        segment_key = _free_vxlan_id(conn)
        conn.execute(
            sa.text(
                "INSERT INTO networks (id, project_id, name, admin_state_up, status, shared, external, "
                "is_default, mtu, port_security_enabled, network_type, physical_network, segmentation_id, "
                "segment_key, availability_zone_hints, dns_domain, description, revision_number, created_at, "
                "updated_at) VALUES (:id, :project_id, 'private', :true, 'ACTIVE', :false, :false, :false, "
                ":mtu, :true, 'vxlan', NULL, :seg, :key, '[]', '', :description, :revision_number, "
                ":created_at, :updated_at)"
            ),
            {
                "id": network_id,
                "project_id": project_id,
                "true": True,
                "false": False,
                "mtu": VXLAN_MTU,
                "seg": int(segment_key.split(":")[1]),
                "key": segment_key,
                **standard,
            },
        )
        pool = [{"start": str(net.network_address + 2), "end": str(net.broadcast_address - 1)}]
        conn.execute(
            sa.text(
                "INSERT INTO subnets (id, project_id, network_id, name, ip_version, cidr, gateway_ip, "
                "allocation_pools, dns_nameservers, host_routes, enable_dhcp, ipv6_ra_mode, "
                "ipv6_address_mode, subnetpool_id, service_types, description, revision_number, created_at, "
                "updated_at) VALUES "
                "(:id, :project_id, :network_id, 'private-subnet', 4, :cidr, :gateway, :pools, '[]', '[]', "
                ":true, NULL, NULL, NULL, '[]', :description, :revision_number, :created_at, :updated_at)"
            ),
            {
                "id": subnet_id,
                "project_id": project_id,
                "network_id": network_id,
                "cidr": str(net),
                "gateway": str(net.network_address + 1),
                "pools": json.dumps(pool),
                "true": True,
                **standard,
            },
        )
        for row in held:
            _add_port(conn, row, network_id, subnet_id, standard, now)


def _add_port(
    conn: sa.Connection, row: sa.Row, network_id: str, subnet_id: str, standard: dict, now: datetime
) -> None:
    port_id = str(uuid.uuid4())
    host = row.host or ""
    vif_type, vif_details = BOUND_VIF if host else ("unbound", {})
    conn.execute(
        sa.text(
            "INSERT INTO ports (id, project_id, network_id, name, admin_state_up, status, mac_address, "
            "device_id, device_owner, port_security_enabled, binding_host_id, binding_vnic_type, "
            "binding_vif_type, binding_vif_details, binding_profile, allowed_address_pairs, extra_dhcp_opts, "
            "dns_name, description, revision_number, created_at, updated_at) VALUES (:id, :project_id, "
            ":network_id, '', :true, :status, :mac, :device_id, :owner, :true, :host, 'normal', :vif_type, "
            ":vif_details, '{}', '[]', '[]', '', :description, :revision_number, :created_at, :updated_at)"
        ),
        {
            "id": port_id,
            "project_id": row.project_id,
            "network_id": network_id,
            "true": True,
            "status": "ACTIVE" if host else "DOWN",
            "mac": row.mac,
            "device_id": row.server_id,
            "owner": f"compute:{row.requested_zone or 'nova'}",
            "host": host,
            "vif_type": vif_type,
            "vif_details": json.dumps(vif_details),
            **standard,
        },
    )
    conn.execute(
        sa.text(
            "INSERT INTO ip_allocations (subnet_id, ip_address, port_id, network_id) "
            "VALUES (:subnet_id, :address, :port_id, :network_id)"
        ),
        {"subnet_id": subnet_id, "address": row.address, "port_id": port_id, "network_id": network_id},
    )
    conn.execute(
        sa.text(
            "INSERT INTO server_interfaces (port_id, server_id, tag, preserve_on_delete, created_at) "
            "VALUES (:port_id, :server_id, NULL, :false, :now)"
        ),
        {"port_id": port_id, "server_id": row.server_id, "false": False, "now": now},
    )


def downgrade() -> None:
    """Structure only: servers keep their ports in the network tables, not their flat addresses."""
    op.add_column("servers", sa.Column("addresses", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "fixed_ips",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=39), nullable=False),
        sa.Column("server_id", sa.String(length=36), nullable=False),
        sa.Column("mac", sa.String(length=17), nullable=False),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "address"),
    )
    op.create_index(op.f("ix_fixed_ips_server_id"), "fixed_ips", ["server_id"], unique=False)
    op.drop_table("auto_allocated_topologies")
    op.drop_table("server_interfaces")
