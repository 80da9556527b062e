"""Default policy of trusts, credentials, EC2 credentials and access rules, after Keystone's.

Targets: ``trust`` (trustor_user_id, trustee_user_id), ``credential`` (user_id), ``user_id``.
"""

from __future__ import annotations

from pocketstack.core.policy import Rule

_ADMIN_OR_SYSTEM_READER = "rule:admin_required or rule:system_reader"
_TRUSTOR = "user_id:%(target.trust.trustor_user_id)s"
_TRUSTEE = "user_id:%(target.trust.trustee_user_id)s"
_PARTY = f"{_ADMIN_OR_SYSTEM_READER} or {_TRUSTOR} or {_TRUSTEE}"
_CRED_OWNER = "user_id:%(target.credential.user_id)s"

DELEGATION_RULES = [
    Rule("identity:trusts:create", _TRUSTOR, "The trustor creates a trust, for themselves only."),
    Rule("identity:trusts:list", _ADMIN_OR_SYSTEM_READER, "List every trust."),
    Rule("identity:trusts:list_for_trustor", f"{_ADMIN_OR_SYSTEM_READER} or {_TRUSTOR}"),
    Rule("identity:trusts:list_for_trustee", f"{_ADMIN_OR_SYSTEM_READER} or {_TRUSTEE}"),
    Rule("identity:trusts:get", _PARTY, "The trustor, the trustee or an administrator."),
    Rule("identity:trusts:delete", f"rule:admin_required or {_TRUSTOR}"),
    Rule("identity:trust_roles:list", _PARTY),
    Rule("identity:trust_roles:get", _PARTY),
    Rule("identity:credentials:list", f"{_ADMIN_OR_SYSTEM_READER} or {_CRED_OWNER}"),
    Rule("identity:credentials:get", f"{_ADMIN_OR_SYSTEM_READER} or {_CRED_OWNER}"),
    Rule("identity:credentials:create", f"rule:admin_required or {_CRED_OWNER}"),
    Rule("identity:credentials:update", f"rule:admin_required or {_CRED_OWNER}"),
    Rule("identity:credentials:delete", f"rule:admin_required or {_CRED_OWNER}"),
    Rule("identity:ec2_credentials:list", f"{_ADMIN_OR_SYSTEM_READER} or rule:owner"),
    Rule("identity:ec2_credentials:get", f"{_ADMIN_OR_SYSTEM_READER} or {_CRED_OWNER}"),
    Rule("identity:ec2_credentials:create", f"rule:admin_required or (role:member and {_CRED_OWNER})"),
    Rule("identity:ec2_credentials:delete", f"rule:admin_required or (role:member and {_CRED_OWNER})"),
    Rule(
        "identity:ec2tokens:validate",
        "rule:admin_required or role:service",
        "Check an EC2 signature and issue a token: for services (an EC2 front end) only.",
    ),
    Rule("identity:access_rules:list", f"{_ADMIN_OR_SYSTEM_READER} or rule:owner"),
    Rule("identity:access_rules:get", f"{_ADMIN_OR_SYSTEM_READER} or rule:owner"),
    Rule("identity:access_rules:delete", "rule:admin_required or rule:owner"),
]
