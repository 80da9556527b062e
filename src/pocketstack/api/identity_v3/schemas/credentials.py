"""/v3/credentials request bodies. COMPAT: like Keystone, other attributes are kept as extra."""

from __future__ import annotations

from pydantic import Field, StrictStr

from pocketstack.api.common.validation import OpenWire, Wire


class CredentialCreateIn(OpenWire):
    blob: StrictStr = Field(max_length=65535)
    type: StrictStr = Field(min_length=1, max_length=255)
    user_id: StrictStr = Field(min_length=1, max_length=64)
    project_id: StrictStr | None = Field(None, max_length=64)


class CredentialCreateBody(Wire):
    credential: CredentialCreateIn


class CredentialUpdateIn(OpenWire):
    blob: StrictStr | None = Field(None, max_length=65535)
    type: StrictStr | None = Field(None, min_length=1, max_length=255)
    user_id: StrictStr | None = Field(None, min_length=1, max_length=64)
    project_id: StrictStr | None = Field(None, max_length=64)


class CredentialUpdateBody(Wire):
    credential: CredentialUpdateIn
