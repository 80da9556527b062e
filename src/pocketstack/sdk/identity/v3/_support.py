"""What the identity v3 plans share: the base of their mixins, with the small plans several
families use (a listing at a URL, a HEAD check, a bare PUT or DELETE, the caller's user id)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pocketstack.sdk.exceptions import error_for
from pocketstack.sdk.plan import Call, Emit, Listing
from pocketstack.sdk.proxy import ServicePlans
from pocketstack.sdk.resource import Resource

R = TypeVar("R", bound=Resource)


class IdentityBasePlans(ServicePlans):
    """The base of the identity plans' mixins: the helpers they share."""

    # -- helpers -------------------------------------------------------------------------------

    def _list_at(self, cls: type[R], url: str, params: Mapping[str, Any] | None = None) -> Listing[R]:
        """Every ``cls`` listed at ``url`` (Keystone does not page)."""
        body = yield from self.session.json("identity", "GET", url, params=dict(params or {}) or None)
        items = body.get(cls.resources_key) if isinstance(body, dict) and cls.resources_key else None
        for item in items or []:
            if isinstance(item, dict):
                yield Emit(cls.from_wire(item))

    def _check(self, url: str) -> Call[bool]:
        """HEAD ``url``: True on 2xx, False on 404, the error otherwise."""
        response = yield from self.session.request("identity", "HEAD", url, check=False)
        if 200 <= response.status_code < 300:
            return True
        if response.status_code == 404:
            return False
        raise error_for(
            response.status_code,
            response.content,
            method="HEAD",
            url=response.url,
            request_id=response.request_id,
        )

    def _put(self, url: str) -> Call[None]:
        yield from self.session.request("identity", "PUT", url)

    def _delete(self, url: str) -> Call[None]:
        yield from self.session.request("identity", "DELETE", url)

    def _current_user(self) -> Call[str]:
        state = yield from self.session.authenticator.state()
        return state.user_id
