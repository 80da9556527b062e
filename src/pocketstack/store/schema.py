"""The whole persisted schema: importing this module registers every table on ``Base``."""

from __future__ import annotations

from sqlalchemy import MetaData

from pocketstack.store import compute_models, image_models, network_models  # noqa: F401 - they register tables
from pocketstack.store.models import Base

METADATA: MetaData = Base.metadata
