"""The options a domain-specific configuration may hold, with their defaults (Keystone's
whitelisted and sensitive options and its defaults for them).

pocketstack keeps every user in its own store: a domain's configuration is stored and served as
Keystone does, but no LDAP driver reads it.
"""

from __future__ import annotations

from typing import Any

_LDAP_DEFAULTS: dict[str, Any] = {
    "url": "ldap://localhost",
    "user": None,
    "suffix": "cn=example,cn=com",
    "query_scope": "one",
    "page_size": 0,
    "alias_dereferencing": "default",
    "debug_level": None,
    "chase_referrals": None,
    "user_tree_dn": None,
    "user_filter": None,
    "user_objectclass": "inetOrgPerson",
    "user_id_attribute": "cn",
    "user_name_attribute": "sn",
    "user_mail_attribute": "mail",
    "user_description_attribute": "description",
    "user_pass_attribute": "userPassword",
    "user_enabled_attribute": "enabled",
    "user_enabled_invert": False,
    "user_enabled_mask": 0,
    "user_enabled_default": "True",
    "user_attribute_ignore": ["default_project_id"],
    "user_default_project_id_attribute": None,
    "user_enabled_emulation": False,
    "user_enabled_emulation_dn": None,
    "user_enabled_emulation_use_group_config": False,
    "user_additional_attribute_mapping": [],
    "group_tree_dn": None,
    "group_filter": None,
    "group_objectclass": "groupOfNames",
    "group_id_attribute": "cn",
    "group_name_attribute": "ou",
    "group_members_are_ids": False,
    "group_member_attribute": "member",
    "group_desc_attribute": "description",
    "group_attribute_ignore": [],
    "group_additional_attribute_mapping": [],
    "tls_cacertfile": None,
    "tls_cacertdir": None,
    "use_tls": False,
    "tls_req_cert": "demand",
    "use_pool": True,
    "pool_size": 10,
    "pool_retry_max": 3,
    "pool_retry_delay": 0.1,
    "pool_connection_timeout": -1,
    "pool_connection_lifetime": 600,
    "use_auth_pool": True,
    "auth_pool_size": 100,
    "auth_pool_connection_lifetime": 60,
}

# group -> option -> default: the options that are stored and shown.
DEFAULTS: dict[str, dict[str, Any]] = {
    "identity": {"driver": "sql", "list_limit": None},
    "ldap": _LDAP_DEFAULTS,
}
# Stored, never shown.
SENSITIVE: dict[str, frozenset[str]] = {"identity": frozenset(), "ldap": frozenset({"password"})}

# COMPAT: the read-only group Keystone serves for the default domain only.
SECURITY_COMPLIANCE = "security_compliance"
SECURITY_COMPLIANCE_OPTIONS = ("password_regex", "password_regex_description")


def is_known(group: str, option: str) -> bool:
    return option in DEFAULTS.get(group, {}) or option in SENSITIVE.get(group, frozenset())


def is_sensitive(group: str, option: str) -> bool:
    return option in SENSITIVE.get(group, frozenset())
