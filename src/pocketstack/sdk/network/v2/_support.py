"""What the network v2 plans share: list, find, update and delete any Neutron resource (updates
and deletes conditional on ``if_revision``), and create several in one request."""

from __future__ import annotations

from typing import Any, TypeVar

from pocketstack.sdk import ops
from pocketstack.sdk.network.v2.resources import NetworkResource
from pocketstack.sdk.plan import Call, Listing
from pocketstack.sdk.proxy import ServicePlans

N = TypeVar("N", bound=NetworkResource)

SERVICE = "network"


def _revision(if_revision: int | None) -> dict[str, str] | None:
    return None if if_revision is None else {"If-Match": f"revision_number={if_revision}"}


class NetworkPlansBase(ServicePlans):
    """The requests every network resource family makes."""

    def _list(self, cls: type[N], query: dict[str, Any]) -> Listing[N]:
        return ops.list_resources(self.session, cls, **cls.query(query))

    def _find(
        self, cls: type[N], name_or_id: str, ignore_missing: bool, query: dict[str, Any]
    ) -> Call[N | None]:
        return ops.find_resource(
            self.session, cls, name_or_id, ignore_missing=ignore_missing, **cls.query(query)
        )

    def _update(
        self, cls: type[N], value: N | str, if_revision: int | None, attrs: dict[str, Any]
    ) -> Call[N]:
        return ops.update_resource(self.session, cls, value, headers=_revision(if_revision), **attrs)

    def _delete(
        self, cls: type[N], value: N | str, ignore_missing: bool, if_revision: int | None = None
    ) -> Call[None]:
        return ops.delete_resource(
            self.session, cls, value, ignore_missing=ignore_missing, headers=_revision(if_revision)
        )

    def _bulk(self, cls: type[N], data: list[dict[str, Any]]) -> Call[list[N]]:
        documents = [cls.new(**attrs).create_body() for attrs in data]
        body = yield from self.session.json(
            SERVICE, "POST", cls.collection_path({}), json_body={cls.resources_key: documents}
        )
        items = body.get(cls.resources_key) or [] if isinstance(body, dict) else []
        return [cls.from_wire(item) for item in items if isinstance(item, dict)]
