"""Enforce the access rules of a token from an application credential, as keystonemiddleware
does in front of each OpenStack service: the service type of the mount, the path below the
mount (e.g. ``/v2.1/servers/x/ips``) and the method must match one rule."""

from __future__ import annotations

from starlette.requests import Request

from pocketstack.core.errors import Unauthorized

# Mount prefix -> the service type the catalog lists it under.
SERVICE_TYPES = {"identity": "identity", "compute": "compute", "image": "image", "network": "network"}


def check_access_rules(rules: list[dict[str, str]], request: Request) -> None:
    from pocketstack.core.identity.access_rules import allows  # tokens with rules are rare

    mount, _, rest = request.url.path.lstrip("/").partition("/")
    service = SERVICE_TYPES.get(mount, mount)
    if not allows(rules, service, "/" + rest, request.method):
        raise Unauthorized("The application credential's access rules do not allow this request.")
