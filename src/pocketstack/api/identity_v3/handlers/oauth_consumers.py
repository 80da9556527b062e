"""/v3/OS-OAUTH1/consumers: OAuth1 consumers (the token flow itself answers 501, see
handlers/policy_blobs.py)."""

from __future__ import annotations

from typing import Any

from pydantic import StrictStr
from starlette.responses import Response

from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.common.validation import OpenWire, Wire, parse
from pocketstack.api.identity_v3.schemas.domains import check_matching_id, extra_attributes
from pocketstack.api.identity_v3.views.common import collection_links, links
from pocketstack.store.identity_catalog_models import OAuthConsumer

# COMPAT: Keystone refuses to set a secret: the server makes it.
_RESERVED = frozenset({"secret"})


class ConsumerIn(OpenWire):
    description: StrictStr | None = None


class ConsumerBody(Wire):
    consumer: ConsumerIn


def _view(base_url: str, c: OAuthConsumer) -> dict[str, Any]:
    return {
        **(c.extra or {}),
        "id": c.id,
        "description": c.description,
        "links": links(base_url, f"OS-OAUTH1/consumers/{c.id}"),
    }


def list_consumers(req: ApiRequest) -> Response:
    req.enforce()
    items = req.cloud.catalog_extras.oauth_consumers.list()
    body = {
        "consumers": [_view(req.base_url, c) for c in items],
        "links": collection_links(req.base_url, "OS-OAUTH1/consumers"),
    }
    return json_response(body)


def create_consumer(req: ApiRequest) -> Response:
    req.enforce()
    body = parse(ConsumerBody, req.json()).consumer
    consumer, secret = req.cloud.catalog_extras.oauth_consumers.create(
        body.description, extra_attributes(body, _RESERVED)
    )
    return json_response({"consumer": {**_view(req.base_url, consumer), "secret": secret}}, 201)


def get_consumer(req: ApiRequest) -> Response:
    req.enforce()
    consumer = req.cloud.catalog_extras.oauth_consumers.get(req.params["consumer_id"])
    return json_response({"consumer": _view(req.base_url, consumer)})


def update_consumer(req: ApiRequest) -> Response:
    req.enforce()
    consumer_id = req.params["consumer_id"]
    body = parse(ConsumerBody, req.json()).consumer
    check_matching_id(body, consumer_id, "consumer")
    changes: dict[str, Any] = {"extra": extra_attributes(body, _RESERVED)}
    if "description" in body.model_fields_set:
        changes["description"] = body.description
    consumer = req.cloud.catalog_extras.oauth_consumers.update(consumer_id, changes)
    return json_response({"consumer": _view(req.base_url, consumer)})


def delete_consumer(req: ApiRequest) -> Response:
    req.enforce()
    req.cloud.catalog_extras.oauth_consumers.delete(req.params["consumer_id"])
    return empty_response(204)


E = Endpoint
_CONSUMER = "/v3/OS-OAUTH1/consumers/{consumer_id}"

ROUTES: list[Endpoint] = [
    E("GET", "/v3/OS-OAUTH1/consumers", list_consumers, "identity:oauth_consumers:list"),
    E("POST", "/v3/OS-OAUTH1/consumers", create_consumer, "identity:oauth_consumers:create"),
    E("GET", _CONSUMER, get_consumer, "identity:oauth_consumers:get"),
    E("PATCH", _CONSUMER, update_consumer, "identity:oauth_consumers:update"),
    E("DELETE", _CONSUMER, delete_consumer, "identity:oauth_consumers:delete"),
]
