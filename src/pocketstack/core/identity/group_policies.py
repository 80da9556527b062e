"""Default policy for groups and their members (targets: ``group_id``, ``domain_id`` of the
group, ``user_id`` for memberships; see policies.py for the personas)."""

from __future__ import annotations

from pocketstack.core.policy import Rule

GROUP_RULES = [
    Rule("identity:groups:list", "rule:admin_or_reader"),
    Rule("identity:groups:get", "rule:admin_or_reader"),
    Rule("identity:groups:create", "rule:admin_required"),
    Rule("identity:groups:update", "rule:admin_required"),
    Rule("identity:groups:delete", "rule:admin_required"),
    Rule("identity:group_users:list", "rule:admin_or_reader"),
    Rule("identity:group_users:check", "rule:admin_or_reader"),
    Rule("identity:group_users:add", "rule:admin_required"),
    Rule("identity:group_users:remove", "rule:admin_required"),
    Rule("identity:users:groups", "rule:admin_or_reader or rule:owner", "A user lists their own groups."),
]
