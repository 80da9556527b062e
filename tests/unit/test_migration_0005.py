"""The upgrade to revision 0005 gives networks already shared or external their ``*`` RBAC
policies, so every network stays visible to exactly the projects that saw it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from pocketstack.store import migrate

NETWORK = (
    "INSERT INTO networks (id, project_id, name, admin_state_up, status, shared, external, is_default, mtu,"
    " port_security_enabled, network_type, physical_network, segmentation_id, segment_key,"
    " availability_zone_hints, dns_domain, description, revision_number, created_at, updated_at)"
    " VALUES (:id, :project, :id, 1, 'ACTIVE', :shared, :external, 0, 1450, 1, 'vxlan', NULL, NULL,"
    " :id, '[]', '', '', 0, :now, :now)"
)


def test_shared_and_external_networks_get_their_wildcard_policies(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate.upgrade(engine, "0004")
    now = datetime(2026, 1, 1)
    with engine.begin() as conn:
        for ident, shared, external in (("plain", 0, 0), ("shared", 1, 0), ("public", 0, 1), ("both", 1, 1)):
            conn.execute(
                text(NETWORK),
                {"id": ident, "project": "p1", "shared": shared, "external": external, "now": now},
            )
    migrate.upgrade(engine, "0005")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT object_type, object_id, action, target_project, project_id FROM rbac_policies")
        ).all()
    assert sorted(rows) == [
        ("network", "both", "access_as_external", "*", "p1"),
        ("network", "both", "access_as_shared", "*", "p1"),
        ("network", "public", "access_as_external", "*", "p1"),
        ("network", "shared", "access_as_shared", "*", "p1"),
    ]
    command.downgrade(migrate.alembic_config(engine), "0004")  # drops what 0005 added
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM networks")).scalar() == 4
    migrate.upgrade(engine, "0005")
