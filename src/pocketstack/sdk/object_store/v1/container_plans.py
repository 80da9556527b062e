"""Object storage v1 plans for the account and its containers: usage, metadata and settings,
creating and deleting containers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pocketstack.sdk.exceptions import NotFound
from pocketstack.sdk.object_store.v1._support import ObjectStoreBasePlans, _container_name, _meta_key, _text
from pocketstack.sdk.object_store.v1.resources import CONTAINER_HEADERS, Account, Container, container_path
from pocketstack.sdk.plan import Call, Listing


def _container_headers(attrs: Mapping[str, Any], *, loose: bool) -> dict[str, str]:
    """Headers for a container's settings by openstacksdk's names (``read_ACL``,
    ``versions_location`` ...), ``metadata={...}``, or whole header names (``X-...``). With
    ``loose`` any other key is a metadata item (as openstacksdk's set_container_metadata);
    otherwise it is a TypeError."""
    headers: dict[str, str] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if key == "metadata":
            for name, item in dict(value).items():
                headers[f"X-Container-Meta-{_meta_key(name, 'container')}"] = _text(item)
        elif key in CONTAINER_HEADERS:
            headers[CONTAINER_HEADERS[key]] = _text(value)
        elif key.lower().startswith("x-"):
            headers[key] = _text(value)
        elif loose:
            headers[f"X-Container-Meta-{key}"] = _text(value)
        else:
            raise TypeError(f"unknown container attribute {key!r} (use metadata={{...}} for metadata)")
    return headers


class ContainerPlans(ObjectStoreBasePlans):
    # -- account --------------------------------------------------------------------------------

    def get_account_metadata(self) -> Call[Account]:
        """The account's usage and metadata (a HEAD)."""
        response = yield from self._request("HEAD", "")
        return Account.from_headers(response.headers)

    def set_account_metadata(self, /, **metadata: Any) -> Call[Account]:
        """Set account metadata items (``X-Account-Meta-*``; an empty value removes one), then
        read the account back."""
        headers = {f"X-Account-Meta-{_meta_key(k, 'account')}": _text(v) for k, v in metadata.items()}
        for attr, key in (("meta_temp_url_key", "Temp-URL-Key"), ("meta_temp_url_key_2", "Temp-URL-Key-2")):
            if f"X-Account-Meta-{attr}" in headers:
                headers[f"X-Account-Meta-{key}"] = headers.pop(f"X-Account-Meta-{attr}")
        yield from self._request("POST", "", headers=headers)
        return (yield from self.get_account_metadata())

    def delete_account_metadata(self, keys: Iterable[str]) -> Call[None]:
        """Remove account metadata items by key."""
        headers = {f"X-Remove-Account-Meta-{_meta_key(k, 'account')}": "x" for k in keys}
        yield from self._request("POST", "", headers=headers)

    # -- containers -----------------------------------------------------------------------------

    def containers(self, /, prefix: str | None = None, **query: Any) -> Listing[Container]:
        """Every container of the account, page by page (``limit`` is the page size; also
        ``marker``, ``end_marker``, ``reverse``)."""
        return self._listing("", Container.from_wire, prefix=prefix, **query)

    def get_container_metadata(self, container: Container | str) -> Call[Container]:
        """The container's counts, settings and metadata (a HEAD; NotFound when missing)."""
        name = _container_name(container)
        response = yield from self._request("HEAD", container_path(name))
        return Container.from_headers(name, response.headers)

    def create_container(self, /, name: str, **attrs: Any) -> Call[Container]:
        """Create the container (a PUT; one that exists keeps its objects and takes the settings
        given): ``metadata={...}``, ``read_ACL``, ``write_ACL``, ``versions_location``,
        ``history_location``, ``storage_policy`` ...; then read it back."""
        headers = _container_headers(attrs, loose=False)
        yield from self._request("PUT", container_path(name), headers=headers)
        return (yield from self.get_container_metadata(name))

    def ensure_container(self, name: str) -> Call[Container]:
        """The container, created (without settings) when it does not exist."""
        try:
            return (yield from self.get_container_metadata(name))
        except NotFound:
            return (yield from self.create_container(name))

    def set_container_metadata(
        self, container: Container | str, /, refresh: bool = True, **metadata: Any
    ) -> Call[Container]:
        """Set metadata items and settings (``read_ACL``, ``write_ACL``, ``versions_location``
        ... by name; any other key is an ``X-Container-Meta-*`` item; an empty value removes
        one); the container read back unless ``refresh`` is False."""
        name = _container_name(container)
        yield from self._request(
            "POST", container_path(name), headers=_container_headers(metadata, loose=True)
        )
        if not refresh and isinstance(container, Container):
            return container
        return (yield from self.get_container_metadata(name))

    def delete_container_metadata(self, container: Container | str, keys: Iterable[str]) -> Call[None]:
        """Remove metadata items (or settings by name, such as ``read_ACL``) from the container."""
        headers: dict[str, str] = {}
        for key in keys:
            if key in CONTAINER_HEADERS:
                headers["X-Remove-" + CONTAINER_HEADERS[key].removeprefix("x-")] = "x"
            else:
                headers[f"X-Remove-Container-Meta-{_meta_key(key, 'container')}"] = "x"
        yield from self._request("POST", container_path(_container_name(container)), headers=headers)

    def delete_container(self, container: Container | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the (empty) container; Conflict while it holds objects, NotFound without
        ``ignore_missing`` when there is none."""
        try:
            yield from self._request("DELETE", container_path(_container_name(container)))
        except NotFound:
            if not ignore_missing:
                raise
