"""Resources: typed models of each service's request and response bodies (pydantic), one to one.

A field's Python name may differ from its wire name (``access_ipv4`` is ``accessIPv4`` on the
wire: a pydantic alias). Fields marked :data:`READ_ONLY` are never sent; fields marked
:data:`CREATE_ONLY` are sent on create, never on update. A resource remembers the wire body it
was read from, so an update sends only what changed since (``changes()``; a JSON patch for
services that take one).

The class variables say where a resource lives (``base_path`` with ``{placeholders}`` filled
from path arguments), how its bodies are wrapped (``resource_key``, ``resources_key``), how
lists page, and how updates are sent. The plans that use them are in :mod:`pocketstack.sdk.ops`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


READ_ONLY = _Marker("READ_ONLY")
"""``Annotated[str | None, READ_ONLY]``: set by the server, never sent."""
CREATE_ONLY = _Marker("CREATE_ONLY")
"""``Annotated[str | None, CREATE_ONLY]``: sent on create, never on update."""

R = TypeVar("R", bound="Resource")

Paging = Literal["links", "marker", "none"]


class Resource(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow", protected_namespaces=())

    service_type: ClassVar[str] = ""
    base_path: ClassVar[str] = ""
    list_path: ClassVar[str | None] = None
    """Where lists are read when not ``base_path`` (``/servers/detail``)."""
    resource_key: ClassVar[str | None] = None
    resources_key: ClassVar[str | None] = None
    id_attr: ClassVar[str] = "id"
    paging: ClassVar[Paging] = "links"
    """``links``: follow the body's next links; ``marker``: ask again after the last item until a
    page comes back short or empty (Swift); ``none``: one request."""
    create_method: ClassVar[str] = "POST"
    commit_method: ClassVar[str] = "PUT"
    commit_jsonpatch: ClassVar[bool] = False
    """Updates are an ``application/openstack-images-v2.1-json-patch`` list of operations."""
    allow_list: ClassVar[bool] = True
    min_microversion: ClassVar[str | None] = None
    """The compute microversion the resource needs at least."""

    _wire: dict[str, Any] = PrivateAttr(default_factory=dict)
    _path: dict[str, str] = PrivateAttr(default_factory=dict)

    # -- wire <-> python ----------------------------------------------------------------------

    @classmethod
    def from_wire(cls: type[R], body: dict[str, Any], path: dict[str, str] | None = None) -> R:
        """A resource as read from the service (the unwrapped body)."""
        resource = cls.model_validate(body)
        resource._wire = dict(body)
        resource._path = dict(path or {})
        return resource

    @classmethod
    def new(cls: type[R], path: dict[str, str] | None = None, **attrs: Any) -> R:
        """A resource not yet created (by Python names or wire names)."""
        resource = cls.model_validate(attrs)
        resource._path = dict(path or {})
        return resource

    @classmethod
    def _marked(cls, marker: _Marker) -> set[str]:
        return {(info.alias or name) for name, info in cls.model_fields.items() if marker in info.metadata}

    def to_wire(self) -> dict[str, Any]:
        """Every set field, by wire name."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")

    def create_body(self) -> dict[str, Any]:
        skip = self._marked(READ_ONLY)
        return {k: v for k, v in self.to_wire().items() if k not in skip}

    def changes(self) -> dict[str, Any]:
        """Wire fields whose value differs from what was read (read-only and create-only left out)."""
        skip = self._marked(READ_ONLY) | self._marked(CREATE_ONLY)
        return {k: v for k, v in self.to_wire().items() if k not in skip and self._wire.get(k, _MISSING) != v}

    def json_patch(self) -> list[dict[str, Any]]:
        """The changes as JSON patch operations (replace what was there, add what was not,
        remove what is now None)."""
        ops: list[dict[str, Any]] = []
        for key, value in self.changes().items():
            if value is None:
                if key in self._wire:
                    ops.append({"op": "remove", "path": f"/{key}"})
            else:
                ops.append(
                    {"op": "replace" if key in self._wire else "add", "path": f"/{key}", "value": value}
                )
        return ops

    def remember(self, body: dict[str, Any], merge: bool = False) -> None:
        """Take the server's answer as the new baseline (after a create or an update); with
        ``merge`` the fields the answer lacks keep their values (Nova answers a create with the
        id and admin password only)."""
        if merge:
            body = {**self.to_wire(), **body}
        fresh = type(self).model_validate(body)
        self.__dict__.update(fresh.__dict__)
        self.__pydantic_fields_set__ = set(fresh.model_fields_set)
        self.__pydantic_extra__ = fresh.__pydantic_extra__
        self._wire = dict(body)

    # -- identity -----------------------------------------------------------------------------

    @property
    def resource_id(self) -> str | None:
        value = getattr(self, self.id_attr, None)
        if value is None and self.model_extra:
            value = self.model_extra.get(self.id_attr)
        return None if value is None else str(value)

    @property
    def path_args(self) -> dict[str, str]:
        return dict(self._path)

    @classmethod
    def collection_path(cls, path: dict[str, str]) -> str:
        try:
            return cls.base_path.format(**path)
        except KeyError as missing:
            raise TypeError(f"{cls.__name__} needs the path argument {missing}") from None

    @classmethod
    def item_path(cls, resource_id: str, path: dict[str, str]) -> str:
        return f"{cls.collection_path(path)}/{resource_id}"

    def to_dict(self) -> dict[str, Any]:
        """Python names -> values (openstacksdk's ``to_dict``)."""
        return self.model_dump()

    def __getitem__(self, key: str) -> Any:
        """Read by Python or wire name, as openstacksdk's resources allow."""
        if key in type(self).model_fields:
            return getattr(self, key)
        for name, info in type(self).model_fields.items():
            if info.alias == key:
                return getattr(self, name)
        if self.model_extra and key in self.model_extra:
            return self.model_extra[key]
        raise KeyError(key)


_MISSING = object()


def unwrap(cls: type[Resource], body: Any) -> dict[str, Any]:
    if cls.resource_key and isinstance(body, dict) and cls.resource_key in body:
        inner = body[cls.resource_key]
        return inner if isinstance(inner, dict) else {}
    return body if isinstance(body, dict) else {}


def wrap(cls: type[Resource], body: dict[str, Any]) -> dict[str, Any]:
    return {cls.resource_key: body} if cls.resource_key else body


def value_id(value: Resource | str) -> str:
    """A resource's id, or the string given."""
    if isinstance(value, Resource):
        rid = value.resource_id
        if rid is None:
            raise ValueError(f"this {type(value).__name__} has no id yet")
        return rid
    return value
