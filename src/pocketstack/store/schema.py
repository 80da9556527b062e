"""The whole persisted schema: importing this module registers every table on ``Base``."""

from __future__ import annotations

from sqlalchemy import MetaData

from pocketstack.store import (  # noqa: F401 - they register tables
    compute_models,
    coordination_models,
    identity_catalog_models,
    identity_delegation_models,
    identity_group_models,
    image_metadef_models,
    image_models,
    network_l3_models,
    network_models,
    network_security_models,
    object_models,
)
from pocketstack.store.models import Base

METADATA: MetaData = Base.metadata
