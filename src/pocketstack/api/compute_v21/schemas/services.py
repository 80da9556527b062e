"""Bodies of PUT /os-services, as Nova's schemas have them:

- below 2.53, ``PUT /os-services/{action}`` names the service by ``host`` and ``binary``;
  2.11 adds ``forced_down`` (for the ``force-down`` action);
- from 2.53, ``PUT /os-services/{uuid}`` takes ``status``, ``disabled_reason`` and
  ``forced_down``, none of them required (the handler refuses a body that changes nothing).
"""

from __future__ import annotations

from typing import Literal

from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.schemas.parameters import Fqdn, NovaBool, ShortText
from pocketstack.api.compute_v21.version_ranges import Ranged


class UpdateService(Wire):
    host: Fqdn
    binary: ShortText
    # ``None`` is only the default of an absent key: an explicit null is refused, as in Nova.
    disabled_reason: ShortText = None  # type: ignore[assignment]


class UpdateServiceV211(UpdateService):
    forced_down: NovaBool = None  # type: ignore[assignment]


# The body of the pre-2.53 PUT /os-services/{action} (``forced_down`` from 2.11).
LEGACY_UPDATE_BODY: Ranged[type[UpdateService]] = Ranged(
    "service.legacy_update_body", ("2.0", "2.10", UpdateService), ("2.11", None, UpdateServiceV211)
)


class UpdateServiceV253(Wire):
    status: Literal["enabled", "disabled"] = None  # type: ignore[assignment]
    disabled_reason: ShortText = None  # type: ignore[assignment]
    forced_down: NovaBool = None  # type: ignore[assignment]
