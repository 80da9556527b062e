"""Service, endpoint and region request bodies.

COMPAT: as Keystone does, unknown fields are kept as extra attributes; a PATCH must name at
least one attribute and may repeat, never change, the id. Real clients send explicit nulls for
options the user left out (openstacksdk sends every attribute it was given), so the optional
text fields accept null as "not given".
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictStr

from pocketstack.api.common.validation import OpenWire, Wire

NAME_MAX = 255
# Never stored as extra attributes: the id is the server's and links are computed.
RESERVED_EXTRA = frozenset({"id", "links"})
Interface = Literal["admin", "internal", "public"]
# COMPAT: Keystone's url_type: a scheme, a colon, then something.
_URL = Field(pattern=r"^[a-zA-Z0-9+.-]+:.+")
REGION_ID_MAX = 255
_REGION_ID = Field(None, min_length=1, max_length=REGION_ID_MAX)


# -- services -----------------------------------------------------------------------------------
class ServiceCreateIn(OpenWire):
    type: StrictStr = Field(min_length=1, max_length=NAME_MAX)
    name: StrictStr | None = Field(None, max_length=NAME_MAX)
    description: StrictStr | None = None
    enabled: StrictBool | None = None


class ServiceCreateBody(Wire):
    service: ServiceCreateIn


class ServiceUpdateIn(OpenWire):
    type: StrictStr = Field(None, min_length=1, max_length=NAME_MAX)
    name: StrictStr = Field(None, min_length=1, max_length=NAME_MAX)
    description: StrictStr | None = None
    enabled: StrictBool = None


class ServiceUpdateBody(Wire):
    service: ServiceUpdateIn


# -- endpoints ----------------------------------------------------------------------------------
class EndpointCreateIn(OpenWire):
    service_id: StrictStr = Field(min_length=1, max_length=64)
    interface: Interface
    url: StrictStr = _URL
    region_id: StrictStr | None = _REGION_ID
    region: StrictStr | None = _REGION_ID
    enabled: StrictBool | None = None


class EndpointCreateBody(Wire):
    endpoint: EndpointCreateIn


class EndpointUpdateIn(OpenWire):
    service_id: StrictStr = Field(None, min_length=1, max_length=64)
    interface: Interface = None
    url: StrictStr = Field(None, pattern=r"^[a-zA-Z0-9+.-]+:.+")
    region_id: StrictStr | None = _REGION_ID
    region: StrictStr | None = _REGION_ID
    enabled: StrictBool = None


class EndpointUpdateBody(Wire):
    endpoint: EndpointUpdateIn


# -- regions ------------------------------------------------------------------------------------
class RegionCreateIn(OpenWire):
    # COMPAT: an empty id asks for a generated one, as with no id at all.
    id: StrictStr | None = Field(None, max_length=REGION_ID_MAX)
    description: StrictStr | None = Field(None, max_length=255)
    parent_region_id: StrictStr | None = _REGION_ID


class RegionCreateBody(Wire):
    region: RegionCreateIn


class RegionUpdateIn(OpenWire):
    description: StrictStr | None = Field(None, max_length=255)
    parent_region_id: StrictStr | None = _REGION_ID


class RegionUpdateBody(Wire):
    region: RegionUpdateIn
