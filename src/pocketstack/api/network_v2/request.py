"""Reading Network v2 requests: resource bodies (checked against the attribute table),
``If-Match: revision_number=N``, and list queries (filters, tag filters, ``fields``, sorting,
paging) with the ``<collection>_links`` Neutron answers them with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.network_v2.attributes import Attr, to_bool
from pocketstack.core.errors import BadRequest
from pocketstack.core.network.listing import ListQuery, TagQuery

NOT_FILTERS = frozenset({"fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse"})
TAG_FILTERS = {"tags": "all_of", "tags-any": "any_of", "not-tags": "not_all_of", "not-tags-any": "not_any_of"}
FIXED_IP_KEYS = ("ip_address", "subnet_id", "ip_address_substr")


@dataclass(frozen=True)
class Spec:
    """A resource as the API serves it: names, path under /v2.0 and attribute table; whether it
    may be updated (PUT) and tagged."""

    singular: str
    collection: str
    path: str
    attrs: tuple[Attr, ...]
    updatable: bool = True
    tagged: bool = True

    def by_wire(self) -> dict[str, Attr]:
        return {a.wire: a for a in self.attrs}


def body_items(req: ApiRequest, spec: Spec) -> tuple[list[dict[str, Any]], bool]:
    """The resource documents of a POST or PUT body, and whether it was a bulk create."""
    data = req.json()
    if isinstance(data, dict) and isinstance(data.get(spec.collection), list):
        items, bulk = data[spec.collection], True
    elif isinstance(data, dict) and isinstance(data.get(spec.singular), dict):
        items, bulk = [data[spec.singular]], False
    else:
        raise BadRequest(f"Unable to find '{spec.singular}' in request body")
    if not items or not all(isinstance(i, dict) for i in items):
        raise BadRequest(f"Resources required: a list of '{spec.singular}' objects")
    return items, bulk


def parse_document(spec: Spec, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """A resource document in the core's names, each value type-checked. 400 for unknown
    attributes, and for those a POST (or PUT) may not carry, in Neutron's words."""
    known = spec.by_wire()
    unknown = sorted(k for k in body if k not in known)
    if unknown:
        raise BadRequest(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    result: dict[str, Any] = {}
    for key, value in body.items():
        attribute = known[key]
        if creating and not attribute.post:
            raise BadRequest(f"Attribute '{key}' not allowed in POST")
        if not creating and not attribute.put:
            raise BadRequest(f"Cannot update read-only attribute {key}")
        checked = attribute.check(key, value)
        if attribute.canonical in result and result[attribute.canonical] != checked:
            raise BadRequest("Both tenant_id and project_id were given, with different values.")
        result[attribute.canonical] = checked
    return result


def if_match(req: ApiRequest) -> int | None:
    """The revision named by ``If-Match: revision_number=N`` (other entity tags are ignored)."""
    found = None
    for tag in (t.strip().removeprefix("W/").strip('"') for t in req.headers.get("if-match", "").split(",")):
        if not tag.startswith("revision_number="):
            continue
        if found is not None:
            raise BadRequest("Multiple revision_number etags are not supported.")
        try:
            found = int(tag.removeprefix("revision_number="))
        except ValueError:
            raise BadRequest("Revision number etag must be in the format of revision_number=<int>") from None
    return found


def _listed(req: ApiRequest, name: str) -> list[str]:
    return [v for v in req.query.getlist(name) if v]


def fields(req: ApiRequest) -> list[str]:
    return _listed(req, "fields")


def _sort(req: ApiRequest, spec: Spec) -> list[tuple[str, bool]]:
    keys, dirs = _listed(req, "sort_key"), _listed(req, "sort_dir")
    if len(keys) != len(dirs):
        raise BadRequest("The number of sort_keys and sort_dirs must be same")
    sortable = {a.wire: a.canonical for a in spec.attrs if a.sort}
    wrong = [k for k in keys if k not in sortable]
    if wrong:
        raise BadRequest(f"{wrong} is invalid attribute for sort_keys")
    bad_dirs = [d for d in dirs if d not in ("asc", "desc")]
    if bad_dirs:
        raise BadRequest(f"{bad_dirs} is invalid value for sort_dirs, valid value is 'asc' and 'desc'")
    return [(sortable[k], d == "asc") for k, d in zip(keys, dirs, strict=True)]


def _limit(req: ApiRequest) -> int | None:
    raw = req.query.get("limit", "0")
    if not raw.isdigit():
        raise BadRequest(f"Limit must be an integer 0 or greater and not '{raw}'")
    return int(raw) or None


def _fixed_ip(value: str) -> dict[str, str]:
    key, sep, wanted = value.partition("=")
    if not sep or key not in FIXED_IP_KEYS:
        raise BadRequest(
            f"Invalid fixed_ips filter {value!r}: use ip_address=, subnet_id= or ip_address_substr="
        )
    return {key: wanted}


def _filters(req: ApiRequest, spec: Spec) -> dict[str, list[Any]]:
    filterable = {a.wire: a for a in spec.attrs if a.filter}
    found: dict[str, list[Any]] = {}
    wrong = [k for k in req.query if k not in filterable and k not in NOT_FILTERS and k not in TAG_FILTERS]
    if wrong:
        raise BadRequest(f"{sorted(set(wrong))} is invalid attribute for filtering")
    for key in filterable:
        values = req.query.getlist(key)  # COMPAT: empty values filter too (empty-string-filtering)
        if not values:
            continue
        attribute = filterable[key]
        if key == "fixed_ips":
            converted = [_fixed_ip(v) for v in values]
        else:
            converted = [attribute.from_query(key, v) for v in values]
        if attribute.canonical in found and set(found[attribute.canonical]) != set(converted):
            raise BadRequest("Both tenant_id and project_id passed as filters.")
        found[attribute.canonical] = converted
    return found


def _tags(req: ApiRequest) -> TagQuery:
    parts = {
        field: [t for v in req.query.getlist(name) for t in v.split(",") if t]
        for name, field in TAG_FILTERS.items()
    }
    return TagQuery(**parts)


def list_query(req: ApiRequest, spec: Spec) -> ListQuery:
    page_reverse = req.query.get("page_reverse")
    return ListQuery(
        filters=_filters(req, spec),
        tags=_tags(req),
        sort=_sort(req, spec),
        limit=_limit(req),
        marker=req.query.get("marker") or None,
        page_reverse=bool(page_reverse) and to_bool("page_reverse", page_reverse),
    )


def _link(req: ApiRequest, spec: Spec, marker: str | None, reverse: bool) -> str:
    params = [(k, v) for k, v in req.query.multi_items() if k not in ("marker", "page_reverse")]
    if marker is not None:
        params.append(("marker", marker))
    if reverse:
        params.append(("page_reverse", "True"))
    return f"{req.base_url}/v2.0/{spec.path}?{urlencode(params)}"


def page_links(req: ApiRequest, spec: Spec, q: ListQuery, ids: Sequence[str]) -> list[dict[str, str]]:
    """Neutron's links: ``next`` unless a forward page came back short, ``previous`` unless a
    backward page did (so a first page has a ``previous`` link too, as in Neutron)."""
    if not q.limit:
        return []
    links = []
    short = len(ids) < q.limit
    if not (short and not q.page_reverse):
        links.append({"rel": "next", "href": _link(req, spec, ids[-1] if ids else None, False)})
    if not (short and q.page_reverse):
        links.append({"rel": "previous", "href": _link(req, spec, ids[0] if ids else None, True)})
    return links
