"""OS-TRUST request bodies. COMPAT: like Keystone's schema, unknown attributes are accepted."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictInt, StrictStr

from pocketstack.api.common.validation import OpenWire, Wire
from pocketstack.api.identity_v3.schemas.application_credentials import RoleRefIn


class TrustCreateIn(OpenWire):
    trustor_user_id: StrictStr = Field(min_length=1, max_length=64)
    trustee_user_id: StrictStr = Field(min_length=1, max_length=64)
    impersonation: StrictBool
    project_id: StrictStr | None = Field(None, max_length=64)
    roles: list[RoleRefIn] | None = None
    expires_at: StrictStr | None = None
    remaining_uses: StrictInt | None = Field(None, ge=1)
    allow_redelegation: StrictBool | None = None
    redelegation_count: StrictInt | None = Field(None, ge=0)


class TrustCreateBody(Wire):
    trust: TrustCreateIn
