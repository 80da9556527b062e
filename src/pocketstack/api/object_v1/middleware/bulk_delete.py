"""Deleting many objects (and empty containers) as the caller, one internal DELETE each, with
the tally Swift reports: Number Deleted, Number Not Found, and the failures. Used by
``?bulk-delete`` and by ``?multipart-manifest=delete`` of an SLO."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from starlette.types import ASGIApp, Scope

from pocketstack.api.object_v1.middleware.swift_http import status_line
from pocketstack.api.object_v1.subrequest import subrequest

# COMPAT: Swift's [filter:bulk] defaults.
MAX_DELETES_PER_REQUEST = 10000
MAX_FAILED_DELETES = 1000
MAX_PATH_LENGTH = 1024 + 256 + 2  # an object name, a container name and two slashes


class TooManyFailures(Exception):
    pass


@dataclass
class DeleteTally:
    deleted: int = 0
    not_found: int = 0
    errors: list[list[str]] = field(default_factory=list)
    server_error: bool = False  # a failure was the layer below's fault (then 502)

    def failure_status(self) -> int:
        return 502 if self.server_error else 400

    def values(self, status: int, body: str = "") -> dict[str, object]:
        return {
            "Number Deleted": self.deleted,
            "Number Not Found": self.not_found,
            "Response Status": status_line(status),
            "Response Body": body,
        }


def parse_delete_list(body: bytes) -> list[str]:
    """The URL-quoted ``/container[/object]`` lines of a bulk-delete body, unquoted."""
    names = []
    for line in body.split(b"\n"):
        name = unquote(line.strip().decode("utf-8", "surrogateescape"))
        if name:
            names.append(name)
    return names


async def delete_all(
    app: ASGIApp, scope: Scope, account_path: str, names: Iterable[str], tally: DeleteTally
) -> None:
    """Objects first, then containers (which must be empty by then), as Swift orders them."""
    names = list(names)
    objects = [n for n in names if "/" in n.strip("/")]
    containers = [n for n in names if "/" not in n.strip("/")]
    for name in objects + containers:
        resp = await subrequest(app, scope, "DELETE", f"{account_path}/{name.lstrip('/')}")
        if 200 <= resp.status < 300:
            tally.deleted += 1
        elif resp.status == 404:
            tally.not_found += 1
        else:
            tally.server_error = tally.server_error or resp.status >= 500
            tally.errors.append([quote(name), status_line(resp.status)])
            if len(tally.errors) >= MAX_FAILED_DELETES:
                raise TooManyFailures("Max delete failures exceeded")
