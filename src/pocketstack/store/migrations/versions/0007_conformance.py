"""What the Tempest conformance issue adds to the stored format (storage format revision 0007).

Identity: groups and memberships; trusts; credentials; endpoint groups and project endpoint
filters; policies; domain configuration; unified limits. Image: metadata definitions and tasks.
Compute: per-user quotas. Each part is its own function below; docs/storage-format.md has the
tables.

Revision ID: 0007
Revises: 0006
"""

import uuid

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _identity_groups()
    _identity_delegation()
    _identity_catalog()
    _image_metadefs()
    _compute()
    _server_disk_config()
    _server_image_properties()


def _server_image_properties() -> None:
    """``servers.image_properties``: the image's properties as they were when the server was
    built or last rebuilt (Nova keeps them in system metadata; shown from 2.98). Servers made
    before this revision have none recorded."""
    op.add_column("servers", sa.Column("image_properties", sa.JSON(), nullable=True))


def _server_disk_config() -> None:
    """``servers.auto_disk_config``: the server's OS-DCF:diskConfig (AUTO when true); every
    server before this revision showed MANUAL."""
    op.add_column(
        "servers", sa.Column("auto_disk_config", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def _identity_groups() -> None:
    """Groups, memberships (owned by the identity-groups work), and the default roles
    ``keystone-manage bootstrap`` makes today on a database that was bootstrapped before."""
    op.create_table(
        "groups",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("domain_id", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["domain_id"], ["domains.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("domain_id", "name", name="uq_groups_domain_name"),
    )
    op.create_index(op.f("ix_groups_domain_id"), "groups", ["domain_id"], unique=False)
    op.create_table(
        "group_memberships",
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "user_id"),
    )
    op.create_index(op.f("ix_group_memberships_user_id"), "group_memberships", ["user_id"], unique=False)
    _default_roles(op.get_bind())


_ROLES = sa.table(
    "roles",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("domain_id", sa.String),
    sa.column("description", sa.Text),
    sa.column("options", sa.JSON),
    sa.column("extra", sa.JSON),
)
_IMPLIED = sa.table(
    "implied_roles", sa.column("prior_role_id", sa.String), sa.column("implied_role_id", sa.String)
)
# keystone-manage bootstrap: admin -> manager -> member -> reader, and service on its own.
_DEFAULT_ROLES = ("admin", "manager", "member", "reader", "service")
_DEFAULT_IMPLIES = (("admin", "manager"), ("manager", "member"), ("member", "reader"))


def _default_roles(conn: sa.Connection) -> None:
    """Only for a database bootstrapped before (one with global roles): a new one gets them
    from the bootstrap at first start. Existing roles and grants are kept as they are."""
    rows = conn.execute(sa.select(_ROLES.c.id, _ROLES.c.name).where(_ROLES.c.domain_id.is_(None))).all()
    if not rows:
        return
    ids = {name: role_id for role_id, name in rows}
    for name in _DEFAULT_ROLES:
        if name not in ids:
            ids[name] = uuid.uuid4().hex
            conn.execute(
                _ROLES.insert().values(
                    id=ids[name], name=name, domain_id=None, description="", options={}, extra={}
                )
            )
    links = set(conn.execute(sa.select(_IMPLIED.c.prior_role_id, _IMPLIED.c.implied_role_id)).all())
    for prior, implied in _DEFAULT_IMPLIES:
        if (ids[prior], ids[implied]) not in links:
            conn.execute(_IMPLIED.insert().values(prior_role_id=ids[prior], implied_role_id=ids[implied]))
    # As bootstrap does: admin reaches member through manager now.
    conn.execute(
        _IMPLIED.delete().where(
            _IMPLIED.c.prior_role_id == ids["admin"], _IMPLIED.c.implied_role_id == ids["member"]
        )
    )


def _identity_delegation() -> None:
    """Trusts, credentials, access rules (owned by the identity-delegation work)."""
    op.create_table(
        "trusts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("trustor_user_id", sa.String(length=64), nullable=False),
        sa.Column("trustee_user_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=True),
        sa.Column("impersonation", sa.Boolean(), nullable=False),
        sa.Column("role_ids", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("remaining_uses", sa.Integer(), nullable=True),
        sa.Column("redelegated_trust_id", sa.String(length=64), nullable=True),
        sa.Column("redelegation_count", sa.Integer(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["trustor_user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trustee_user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("trustor_user_id", "trustee_user_id", "project_id", "redelegated_trust_id"):
        op.create_index(op.f(f"ix_trusts_{column}"), "trusts", [column], unique=False)
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=True),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("encrypted_blob", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("user_id", "project_id", "type"):
        op.create_index(op.f(f"ix_credentials_{column}"), "credentials", [column], unique=False)
    op.create_table(
        "access_rules",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "service", "path", "method"),
    )
    op.create_index(op.f("ix_access_rules_user_id"), "access_rules", ["user_id"], unique=False)
    op.create_table(
        "application_credential_access_rules",
        sa.Column("application_credential_id", sa.String(length=64), nullable=False),
        sa.Column("access_rule_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_credential_id"], ["application_credentials.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["access_rule_id"], ["access_rules.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("application_credential_id", "access_rule_id"),
    )
    op.create_index(
        op.f("ix_application_credential_access_rules_access_rule_id"),
        "application_credential_access_rules",
        ["access_rule_id"],
        unique=False,
    )


def _identity_catalog() -> None:
    """Endpoint groups, project endpoint filters, policies, domain configs, limits."""
    op.create_table(
        "endpoint_groups",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "project_endpoints",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("endpoint_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["endpoint_id"], ["endpoints.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "endpoint_id"),
    )
    op.create_index(
        op.f("ix_project_endpoints_endpoint_id"), "project_endpoints", ["endpoint_id"], unique=False
    )
    op.create_table(
        "project_endpoint_groups",
        sa.Column("endpoint_group_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["endpoint_group_id"], ["endpoint_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("endpoint_group_id", "project_id"),
    )
    op.create_index(
        op.f("ix_project_endpoint_groups_project_id"), "project_endpoint_groups", ["project_id"], unique=False
    )
    op.create_table(
        "policies",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("blob", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "domain_config_options",
        sa.Column("domain_id", sa.String(length=64), nullable=False),
        sa.Column("group", sa.String(length=255), nullable=False),
        sa.Column("option", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["domain_id"], ["domains.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("domain_id", "group", "option"),
    )
    op.create_table(
        "registered_limits",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("region_id", sa.String(length=255), nullable=True),
        sa.Column("resource_name", sa.String(length=255), nullable=False),
        sa.Column("default_limit", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_registered_limits_service_id"), "registered_limits", ["service_id"], unique=False
    )
    op.create_table(
        "limits",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("registered_limit_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=True),
        sa.Column("domain_id", sa.String(length=64), nullable=True),
        sa.Column("resource_limit", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["domain_id"], ["domains.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["registered_limit_id"], ["registered_limits.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_limits_domain_id"), "limits", ["domain_id"], unique=False)
    op.create_index(op.f("ix_limits_project_id"), "limits", ["project_id"], unique=False)
    op.create_index(op.f("ix_limits_registered_limit_id"), "limits", ["registered_limit_id"], unique=False)
    op.create_table(
        "oauth_consumers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def _image_metadefs() -> None:
    """Metadata definitions and tasks (owned by the image work)."""
    op.create_table(
        "metadef_namespaces",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("namespace", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("visibility", sa.String(length=32), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("namespace"),
    )
    op.create_index(op.f("ix_metadef_namespaces_owner"), "metadef_namespaces", ["owner"], unique=False)
    op.create_index(
        op.f("ix_metadef_namespaces_created_at"), "metadef_namespaces", ["created_at"], unique=False
    )
    op.create_table(
        "metadef_resource_types",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "metadef_namespace_resource_types",
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("resource_type_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=80), nullable=True),
        sa.Column("properties_target", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["namespace_id"], ["metadef_namespaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_type_id"], ["metadef_resource_types.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("namespace_id", "resource_type_id"),
    )
    op.create_table(
        "metadef_objects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("required", sa.JSON(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["namespace_id"], ["metadef_namespaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("namespace_id", "name"),
    )
    for table in ("metadef_properties", "metadef_tags"):
        extra = [sa.Column("json_schema", sa.JSON(), nullable=False)] if table == "metadef_properties" else []
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("namespace_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=255), nullable=False),
            *extra,
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.ForeignKeyConstraint(["namespace_id"], ["metadef_namespaces.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("namespace_id", "name"),
        )
    op.create_table(
        "image_tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("image_id", sa.String(length=36), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("input", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("status", "owner", "image_id", "expires_at", "created_at"):
        op.create_index(op.f(f"ix_image_tasks_{column}"), "image_tasks", [column], unique=False)


def _compute() -> None:
    """Per-user quotas: ``quota_user_limits``, a user's own limits within a project."""
    op.create_table(
        "quota_user_limits",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "user_id", "resource"),
    )


def downgrade() -> None:
    """Structure only, each part in reverse order."""
    op.drop_column("servers", "image_properties")
    op.drop_column("servers", "auto_disk_config")
    _drop_compute()
    _drop_image_metadefs()
    _drop_identity_catalog()
    _drop_identity_delegation()
    _drop_identity_groups()


def _drop_identity_groups() -> None:
    """Group grants go with the groups; the default roles stay (they are ordinary roles)."""
    op.execute("DELETE FROM assignments WHERE kind LIKE 'Group%'")
    op.drop_index(op.f("ix_group_memberships_user_id"), table_name="group_memberships")
    op.drop_table("group_memberships")
    op.drop_index(op.f("ix_groups_domain_id"), table_name="groups")
    op.drop_table("groups")


def _drop_identity_delegation() -> None:
    op.drop_table("application_credential_access_rules")
    op.drop_table("access_rules")
    op.drop_table("credentials")
    op.drop_table("trusts")


def _drop_identity_catalog() -> None:
    for table in (
        "oauth_consumers",
        "limits",
        "registered_limits",
        "domain_config_options",
        "policies",
        "project_endpoint_groups",
        "project_endpoints",
        "endpoint_groups",
    ):
        op.drop_table(table)


def _drop_image_metadefs() -> None:
    for table in (
        "image_tasks",
        "metadef_tags",
        "metadef_properties",
        "metadef_objects",
        "metadef_namespace_resource_types",
        "metadef_resource_types",
        "metadef_namespaces",
    ):
        op.drop_table(table)


def _drop_compute() -> None:
    op.drop_table("quota_user_limits")
