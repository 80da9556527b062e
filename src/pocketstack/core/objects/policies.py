"""Object storage's policy rules. Swift's keystoneauth decides by role and account: a
project's members (Swift's operator roles) read and write its account, its readers read it,
an admin (Swift's reseller admin) does everything anywhere and alone sets account quotas.
Container ACLs, TempURLs and FormPosts are granted at the edge, after these rules deny.
Targets are flat: ``project_id`` is the account's project."""

from __future__ import annotations

from pocketstack.core.policy import Rule

ADMIN = "rule:admin_required"
PROJECT_READER = "rule:admin_required or (role:reader and project_id:%(target.project_id)s)"
PROJECT_MEMBER = "rule:admin_required or (role:member and project_id:%(target.project_id)s)"

ACCOUNT_READ = "object_store:account:read"
ACCOUNT_WRITE = "object_store:account:write"
ACCOUNT_QUOTA = "object_store:account:set_quota"
CONTAINER_ACL = "object_store:container:set_acl"

OBJECT_RULES: list[Rule] = [
    Rule(ACCOUNT_READ, PROJECT_READER, "List and read an account's containers and objects."),
    Rule(ACCOUNT_WRITE, PROJECT_MEMBER, "Create, change and delete an account's containers and objects."),
    Rule(ACCOUNT_QUOTA, ADMIN, "Set an account's quota (X-Account-Meta-Quota-Bytes)."),
    Rule(CONTAINER_ACL, PROJECT_MEMBER, "Set a container's read and write ACLs."),
]


def account_target(project_id: str) -> dict[str, str]:
    return {"project_id": project_id}
