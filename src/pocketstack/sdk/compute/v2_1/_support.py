"""Small plans the compute v2.1 plans share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pocketstack.sdk import ops
from pocketstack.sdk.exceptions import BadRequest, MultipleMatches, NotFound
from pocketstack.sdk.plan import Call, Emit, Listing, Response
from pocketstack.sdk.resource import Resource, value_id
from pocketstack.sdk.session import Microversion, Session

A = TypeVar("A")
B = TypeVar("B")
R = TypeVar("R", bound=Resource)

COMPUTE = "compute"


def at_least(session: Session, version: str) -> Call[bool]:
    """Whether the session's compute microversion is ``version`` or newer."""
    current = yield from session.compute_microversion()
    return current >= Microversion.parse(version)


def mapped(listing: Listing[A], convert: Callable[[A], B]) -> Listing[B]:
    """``listing`` with each item converted (pages are still fetched as they are used)."""
    sent: Any = None
    try:
        while True:
            try:
                step = listing.send(sent)
            except StopIteration:
                return
            if isinstance(step, Emit):
                yield Emit(convert(step.item))
                sent = None
            else:
                sent = yield step
    finally:
        listing.close()


def find_listed(
    session: Session,
    cls: type[R],
    name_or_id: str,
    listing: Listing[R],
    *,
    ignore_missing: bool = True,
    attribute: str = "name",
) -> Call[R | None]:
    """The resource of this id, else the one whose ``attribute`` is ``name_or_id`` among
    ``listing`` (for the lists that take no ``name`` filter); MultipleMatches when several."""
    try:
        found = yield from ops.get_resource(session, cls, name_or_id)
    except (NotFound, BadRequest):  # BadRequest: not an id of the right form
        pass
    else:
        listing.close()
        return found
    matches: list[R] = []
    sent: Any = None
    while True:
        try:
            step = listing.send(sent)
        except StopIteration:
            break
        if isinstance(step, Emit):
            if getattr(step.item, attribute, None) == name_or_id:
                matches.append(step.item)
            sent = None
        else:
            sent = yield step
    if len(matches) > 1:
        raise MultipleMatches(
            f"{len(matches)} {cls.__name__}s are named {name_or_id!r}: "
            + ", ".join(str(m.resource_id) for m in matches)
            + "; use an id"
        )
    if matches:
        return matches[0]
    if ignore_missing:
        return None
    raise NotFound(
        f"no {cls.__name__} with name or id {name_or_id!r}", status_code=404, method="GET", url=cls.base_path
    )


def server_action(
    session: Session, server: Resource | str, body: dict[str, Any], microversion: str | None = None
) -> Call[Response]:
    """``POST /servers/{id}/action`` with ``body`` (one action)."""
    return session.request(
        COMPUTE, "POST", f"/servers/{value_id(server)}/action", json_body=body, microversion=microversion
    )


def body_of(response: Response) -> dict[str, Any]:
    """The answer's JSON object ({} when it has no body)."""
    doc = response.json() if response.content else None
    return doc if isinstance(doc, dict) else {}
