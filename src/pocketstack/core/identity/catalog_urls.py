"""Endpoint URLs as a token's holder sees them: ``$(project_id)s``-style names filled in."""

from __future__ import annotations


def personal_url(url: str, user_id: str | None, project_id: str | None) -> str | None:
    """The URL with ``user_id``, and for a project-scoped token ``project_id``/``tenant_id``,
    substituted (as ``$(name)s`` or ``%(name)s``). None when the URL needs a value the token
    lacks (a project id in a domain- or system-scoped catalog): as Keystone does, such an
    endpoint is left out of that catalog."""
    if "%" not in url and "$(" not in url:
        return url
    values = {"user_id": user_id or ""}
    if project_id:
        values |= {"project_id": project_id, "tenant_id": project_id}
    try:
        return url.replace("$(", "%(") % values
    except (KeyError, TypeError, ValueError):
        return None
