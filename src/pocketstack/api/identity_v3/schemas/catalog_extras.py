"""Request bodies of endpoint groups, policies and unified limits (Keystone's schemas).

COMPAT: endpoint group and limit bodies refuse unknown fields, policy bodies keep them as extra
attributes; a limit names exactly one of project_id and domain_id.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt, StrictStr, model_validator

from pocketstack.api.common.validation import OpenWire, Wire

_NAME = Field(min_length=1, max_length=255, pattern=r"\S")
_OPTIONAL_NAME = Field(None, min_length=1, max_length=255, pattern=r"\S")
_ID = Field(min_length=1, max_length=64)
_REGION_ID = Field(None, min_length=1, max_length=255)
# COMPAT: Keystone's limit values: -1 (unlimited) up to the largest signed 32-bit integer.
_LIMIT = Field(ge=-1, le=0x7FFFFFFF)


# -- endpoint groups ----------------------------------------------------------------------------
class EndpointGroupCreateIn(Wire):
    name: StrictStr = _NAME
    description: StrictStr | None = None
    filters: dict[str, Any]


class EndpointGroupCreateBody(Wire):
    endpoint_group: EndpointGroupCreateIn


class EndpointGroupUpdateIn(Wire):
    name: StrictStr = _OPTIONAL_NAME
    description: StrictStr | None = None
    filters: dict[str, Any] = None


class EndpointGroupUpdateBody(Wire):
    endpoint_group: EndpointGroupUpdateIn


# -- policies -----------------------------------------------------------------------------------
class PolicyCreateIn(OpenWire):
    blob: StrictStr
    type: StrictStr = Field(max_length=255)


class PolicyCreateBody(Wire):
    policy: PolicyCreateIn


class PolicyUpdateIn(OpenWire):
    blob: StrictStr = None
    type: StrictStr = Field(None, max_length=255)


class PolicyUpdateBody(Wire):
    policy: PolicyUpdateIn


# -- registered limits --------------------------------------------------------------------------
class RegisteredLimitIn(Wire):
    service_id: StrictStr = _ID
    region_id: StrictStr | None = _REGION_ID
    resource_name: StrictStr = _NAME
    default_limit: StrictInt = _LIMIT
    description: StrictStr | None = None


class RegisteredLimitsCreateBody(Wire):
    registered_limits: list[RegisteredLimitIn] = Field(min_length=1)


class RegisteredLimitUpdateIn(Wire):
    service_id: StrictStr = Field(None, min_length=1, max_length=64)
    region_id: StrictStr | None = _REGION_ID
    resource_name: StrictStr = _OPTIONAL_NAME
    default_limit: StrictInt = Field(None, ge=-1, le=0x7FFFFFFF)
    description: StrictStr | None = None


class RegisteredLimitUpdateBody(Wire):
    registered_limit: RegisteredLimitUpdateIn


# -- limits -------------------------------------------------------------------------------------
class LimitIn(Wire):
    project_id: StrictStr | None = Field(None, min_length=1, max_length=64)
    domain_id: StrictStr | None = Field(None, min_length=1, max_length=64)
    service_id: StrictStr = _ID
    region_id: StrictStr | None = _REGION_ID
    resource_name: StrictStr = _NAME
    resource_limit: StrictInt = _LIMIT
    description: StrictStr | None = None

    @model_validator(mode="after")
    def _one_owner(self) -> LimitIn:
        if (self.project_id is None) == (self.domain_id is None):
            raise ValueError("a limit names exactly one of project_id and domain_id")
        return self


class LimitsCreateBody(Wire):
    limits: list[LimitIn] = Field(min_length=1)


class LimitUpdateIn(Wire):
    resource_limit: StrictInt = Field(None, ge=-1, le=0x7FFFFFFF)
    description: StrictStr | None = None


class LimitUpdateBody(Wire):
    limit: LimitUpdateIn
