"""Server types (vNext) are flavors: the ids they show. A flavor id is any string (the
built-in ones are ``1`` to ``5``); vNext ids are UUIDs, so a flavor whose id is not one shows as
the UUID derived from it (version 5, in a namespace of this project's), the same in every cloud."""

from __future__ import annotations

import uuid

_NAMESPACE = uuid.UUID("5f0c1c5e-3b7e-4a53-9d0e-6f7a2c1d8e41")


def type_uuid(flavor_id: str) -> str:
    try:
        return str(uuid.UUID(flavor_id))
    except ValueError:
        return str(uuid.uuid5(_NAMESPACE, flavor_id))
