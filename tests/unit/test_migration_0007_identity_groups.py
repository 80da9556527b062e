"""The upgrade to revision 0007 gives a database bootstrapped before the default roles
``keystone-manage bootstrap`` makes today, keeps every role and grant it had, and adds the
group tables (which the downgrade drops with the group grants)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from pocketstack.store import migrate

ROLE = (
    "INSERT INTO roles (id, name, domain_id, description, options, extra)"
    " VALUES (:id, :name, NULL, '', '{}', '{}')"
)
IMPLIES = "INSERT INTO implied_roles (prior_role_id, implied_role_id) VALUES (:prior, :implied)"
GRANT = (
    "INSERT INTO assignments (kind, actor_id, target_id, role_id, inherited)"
    " VALUES ('UserProject', 'u1', 'p1', :role, 0)"
)


def _roles(conn) -> dict[str, str]:  # noqa: ANN001 - a SQLAlchemy connection
    return {name: ident for ident, name in conn.execute(text("SELECT id, name FROM roles")).all()}


def test_default_roles_are_completed_and_nothing_is_lost(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate.upgrade(engine, "0006")
    with engine.begin() as conn:
        for ident, name in (
            ("r-admin", "admin"),
            ("r-member", "member"),
            ("r-reader", "reader"),
            ("r-x", "ops"),
        ):
            conn.execute(text(ROLE), {"id": ident, "name": name})
        conn.execute(text(IMPLIES), {"prior": "r-admin", "implied": "r-member"})
        conn.execute(text(IMPLIES), {"prior": "r-member", "implied": "r-reader"})
        conn.execute(text(IMPLIES), {"prior": "r-x", "implied": "r-reader"})
        conn.execute(text(GRANT), {"role": "r-admin"})
    migrate.upgrade(engine, "0007")
    with engine.connect() as conn:
        roles = _roles(conn)
        assert set(roles) == {"admin", "manager", "member", "reader", "service", "ops"}
        assert roles["admin"] == "r-admin" and roles["ops"] == "r-x"  # existing ids are kept
        links = set(conn.execute(text("SELECT prior_role_id, implied_role_id FROM implied_roles")).all())
        assert links == {
            ("r-admin", roles["manager"]),
            (roles["manager"], "r-member"),
            ("r-member", "r-reader"),
            ("r-x", "r-reader"),
        }
        assert conn.execute(text("SELECT role_id FROM assignments")).scalars().all() == ["r-admin"]
        assert conn.execute(text("SELECT count(*) FROM groups")).scalar() == 0
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO assignments (kind, actor_id, target_id, role_id, inherited)"
                " VALUES ('GroupProject', 'g1', 'p1', 'r-member', 0)"
            )
        )
    command.downgrade(migrate.alembic_config(engine), "0006")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT kind FROM assignments")).scalars().all() == ["UserProject"]
        assert len(_roles(conn)) == 6
    migrate.upgrade(engine, "0007")


def test_an_empty_database_gets_no_roles_from_the_migration(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate.upgrade(engine, "0007")
    with engine.connect() as conn:
        assert _roles(conn) == {}  # the first start's bootstrap makes them
