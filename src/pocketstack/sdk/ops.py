"""The generic plans every proxy is built from: list (lazy, paging), get, find, create, update,
delete and waits, for any :class:`~pocketstack.sdk.resource.Resource` class."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from pocketstack.sdk.exceptions import (
    HttpError,
    MultipleMatches,
    NotFound,
    ResourceFailure,
    Timeout,
)
from pocketstack.sdk.plan import Call, Emit, Listing, Sleep, collect, filtering, first
from pocketstack.sdk.resource import Resource, unwrap, value_id, wrap
from pocketstack.sdk.session import Session

R = TypeVar("R", bound=Resource)

JSON_PATCH = "application/openstack-images-v2.1-json-patch"


def _path(path: Mapping[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in (path or {}).items() if v is not None}


def _query(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in params.items() if v is not None}


def list_resources(
    session: Session,
    cls: type[R],
    path: Mapping[str, str] | None = None,
    *,
    limit: int | None = None,
    list_path: str | None = None,
    **params: Any,
) -> Listing[R]:
    """Every resource of ``cls`` (a plan that emits them), following ``next`` links or markers
    page by page: a page is fetched only when the previous one is used up. ``limit`` is the page
    size asked of the server; ``list_path`` where to list when not ``cls.list_path`` (or
    ``cls.base_path``): ``/servers`` for servers without their details, say."""
    args = _path(path)
    where = list_path or cls.list_path
    url: str = where.format(**args) if where else cls.collection_path(args)
    query = _query(params)
    if limit is not None:
        query["limit"] = limit
    seen: set[str] = set()
    while True:
        body = yield from session.json(cls.service_type, "GET", url, params=query or None)
        items = _items(cls, body)
        for item in items:
            resource = cls.from_wire(item, args)
            yield Emit(resource)
        next_url = _next_link(cls, body)
        if next_url is not None:
            if next_url in seen:
                return
            seen.add(next_url)
            url, query = _split_link(next_url)
            if not url.startswith(("http://", "https://")):
                url = _relative_to_endpoint(url, (yield from session.endpoint(cls.service_type)))
            continue
        if cls.paging != "marker" or not items or (limit is not None and len(items) < limit):
            return
        marker = items[-1].get(cls.id_attr) or items[-1].get("name") or items[-1].get("subdir")
        if marker is None:
            return
        query = {**query, "marker": marker}


def _items(cls: type[Resource], body: Any) -> list[dict[str, Any]]:
    items = body.get(cls.resources_key) or [] if cls.resources_key and isinstance(body, dict) else body or []
    return [i for i in items if isinstance(i, dict)]


def _next_link(cls: type[Resource], body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("next"), str):
        return str(body["next"])
    for key in (f"{cls.resources_key}_links", "links", "_links"):
        links = body.get(key)
        if isinstance(links, list):
            for link in links:
                if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
                    return str(link["href"])
        if isinstance(links, dict) and isinstance(links.get("next"), dict):
            return str(links["next"].get("href"))
    return None


def _split_link(link: str) -> tuple[str, dict[str, Any]]:
    """A next link as a URL and its query (Glance gives a path, others whole URLs)."""
    parts = urlsplit(link)
    base = link.split("?", 1)[0]
    if not parts.scheme:
        base = parts.path
    query: dict[str, Any] = {}
    for key, value in parse_qsl(parts.query):
        query.setdefault(key, []).append(value)
    return base, {k: v[0] if len(v) == 1 else v for k, v in query.items()}


def _relative_to_endpoint(path: str, endpoint: str) -> str:
    """A service-root-relative link (Glance's ``/v2/images?marker=``) made relative to the
    versioned endpoint the session prefixes."""
    version = "/" + endpoint.rstrip("/").rsplit("/", 1)[-1]
    return path[len(version) :] if path.startswith(version + "/") else path


def get_resource(
    session: Session, cls: type[R], value: R | str, path: Mapping[str, str] | None = None, **params: Any
) -> Call[R]:
    """The resource of this id (raises NotFound)."""
    args = _path(path) or (value.path_args if isinstance(value, Resource) else {})
    rid = value_id(value)
    body = yield from session.json(
        cls.service_type, "GET", cls.item_path(rid, args), params=_query(params) or None
    )
    return cls.from_wire(unwrap(cls, body), args)


def find_resource(
    session: Session,
    cls: type[R],
    name_or_id: str,
    path: Mapping[str, str] | None = None,
    *,
    ignore_missing: bool = True,
    name_filter: bool = True,
    attribute: str = "name",
    list_path: str | None = None,
    not_found: tuple[type[HttpError], ...] = (NotFound,),
    unique: bool = True,
    **params: Any,
) -> Call[R | None]:
    """The resource with this id, else the one whose ``attribute`` (its name) is ``name_or_id``;
    None (or NotFound without ``ignore_missing``) when there is none; MultipleMatches when the
    name is not unique.

    The listing is asked for ``name=name_or_id`` unless ``name_filter`` is False (for the lists
    that refuse unknown filters: Nova's from 2.75); ``params`` and ``list_path`` are the
    listing's. ``not_found`` are the errors of the get by id that mean "no such id" (Nova
    answers 400 to an id of the wrong form). Without ``unique`` the first match is the answer
    and the rest of the listing is not read."""
    try:
        return (yield from get_resource(session, cls, name_or_id, path))
    except not_found:
        pass
    named: dict[str, Any] = {"name": name_or_id} if name_filter else {}
    listing = filtering(
        list_resources(session, cls, path, list_path=list_path, **named, **params),
        lambda item: getattr(item, attribute, None) == name_or_id,
    )
    if unique:
        matches = yield from collect(listing)
    else:
        found = yield from first(listing)
        matches = [] if found is None else [found]
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
        f"no {cls.__name__} with name or id {name_or_id!r}",
        status_code=404,
        method="GET",
        url=cls.base_path,
    )


def create_resource(
    session: Session,
    cls: type[R],
    path: Mapping[str, str] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    **attrs: Any,
) -> Call[R]:
    """Create a resource from attributes given by Python or wire names."""
    args = _path(path)
    resource = cls.new(args, **attrs)
    return (yield from create(session, resource, headers=headers))


def create(
    session: Session, resource: R, *, headers: Mapping[str, str] | None = None, merge: bool = False
) -> Call[R]:
    """Create the resource; the answer becomes it (added to what it holds with ``merge``, or
    when the answer is empty)."""
    cls = type(resource)
    args = resource.path_args
    body = wrap(cls, resource.create_body())
    url = cls.item_path(value_id(resource), args) if cls.create_method == "PUT" else cls.collection_path(args)
    response = yield from session.request(
        cls.service_type, cls.create_method, url, json_body=body, headers=headers
    )
    answer = response.json() if response.content else None
    resource.remember(unwrap(cls, answer), merge=merge or not answer)
    return resource


def update_resource(
    session: Session,
    cls: type[R],
    value: R | str,
    path: Mapping[str, str] | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    merge: bool = False,
    **attrs: Any,
) -> Call[R]:
    """Set ``attrs`` on the resource and send only what changed (see :func:`commit`)."""
    if isinstance(value, Resource):
        resource = value
    else:
        resource = yield from get_resource(session, cls, value, path)
    for key, item in attrs.items():
        name = python_name(cls, key)
        setattr(resource, name, item)
    return (yield from commit(session, resource, headers=headers, merge=merge))


def python_name(cls: type[Resource], key: str) -> str:
    """The Python name of a field given by its Python or its wire name."""
    for name, info in cls.model_fields.items():
        if info.alias == key:
            return name
    return key


def commit(
    session: Session, resource: R, *, headers: Mapping[str, str] | None = None, merge: bool = False
) -> Call[R]:
    """Send the resource's changes (nothing is sent when nothing changed), with ``headers``
    (``If-Match``, say). The answer becomes the resource; with ``merge`` it is added to what
    the resource holds (for services that answer with some fields only), even when empty."""
    cls = type(resource)
    url = cls.item_path(value_id(resource), resource.path_args)
    if cls.commit_jsonpatch:
        ops = resource.json_patch()
        if not ops:
            return resource
        response = yield from session.request(
            cls.service_type,
            "PATCH",
            url,
            content=_dumps(ops),
            headers={**(headers or {}), "Content-Type": JSON_PATCH},
        )
    else:
        changes = resource.changes()
        if not changes:
            return resource
        response = yield from session.request(
            cls.service_type, cls.commit_method, url, json_body=wrap(cls, changes), headers=headers
        )
    answer = response.json() if response.content else None
    if answer or merge:
        resource.remember(unwrap(cls, answer), merge=merge)
    return resource


def _dumps(value: Any) -> bytes:
    import json

    return json.dumps(value).encode()


def delete_resource(
    session: Session,
    cls: type[R],
    value: R | str,
    path: Mapping[str, str] | None = None,
    *,
    ignore_missing: bool = True,
    headers: Mapping[str, str] | None = None,
) -> Call[None]:
    """Delete the resource, sending ``headers``; a missing one is fine with ``ignore_missing``
    (NotFound without)."""
    args = _path(path) or (value.path_args if isinstance(value, Resource) else {})
    try:
        yield from session.request(
            cls.service_type, "DELETE", cls.item_path(value_id(value), args), headers=headers
        )
    except NotFound:
        if not ignore_missing:
            raise


def wait_for_status(
    session: Session,
    resource: R,
    status: str,
    *,
    failures: tuple[str, ...] = ("ERROR",),
    interval: float = 1.0,
    wait: float = 120.0,
    attribute: str = "status",
    callback: Callable[[int], None] | None = None,
) -> Call[R]:
    """Poll until ``attribute`` is ``status``; ResourceFailure on a failure status, Timeout
    after ``wait`` seconds. ``callback`` gets the server's ``progress`` (0-100) when it has one."""
    deadline = time.monotonic() + wait
    cls = type(resource)
    current = resource
    while True:
        value = str(getattr(current, attribute, None) or "").upper()
        if callback is not None:
            progress = getattr(current, "progress", None)
            callback(int(progress) if isinstance(progress, int | float) else 0)
        if value == status.upper():
            return current
        if value in {f.upper() for f in failures}:
            fault = getattr(current, "fault", None)
            raise ResourceFailure(
                f"{cls.__name__} {current.resource_id} went to {value}: {fault or ''}".strip()
            )
        if time.monotonic() >= deadline:
            raise Timeout(
                f"{cls.__name__} {current.resource_id} is {value or 'unknown'}, not {status}, after {wait} s"
            )
        yield Sleep(interval)
        current = yield from get_resource(session, cls, current)


def wait_for_delete(session: Session, resource: R, *, interval: float = 1.0, wait: float = 120.0) -> Call[R]:
    """Poll until the resource is gone (a 404); Timeout after ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            yield from get_resource(session, type(resource), resource)
        except NotFound:
            return resource
        if time.monotonic() >= deadline:
            raise Timeout(f"{type(resource).__name__} {resource.resource_id} still exists after {wait} s")
        yield Sleep(interval)
