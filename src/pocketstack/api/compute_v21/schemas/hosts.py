"""Body of ``PUT /os-hosts/{host}``, as Nova's schema: ``status`` and ``maintenance_mode`` each
``enable`` or ``disable`` (lower, title or upper case), nothing else. COMPAT: Nova's schema asks
for neither; the handler refuses a body with none (400)."""

from __future__ import annotations

from typing import Literal

from pocketstack.api.common.validation import Wire

Toggle = Literal["enable", "disable", "Enable", "Disable", "ENABLE", "DISABLE"]


class UpdateHost(Wire):
    status: Toggle | None = None
    maintenance_mode: Toggle | None = None
