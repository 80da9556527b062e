"""Glance's metadata definitions catalog: namespaces and the objects, properties, tags and
resource type associations they hold (visibility in namespaces.py, policy at the API)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pocketstack.core.image.metadefs.contents import ContentService
from pocketstack.core.image.metadefs.namespaces import NamespaceService
from pocketstack.core.image.metadefs.resource_types import ResourceTypeService
from pocketstack.store.db import Database


@dataclass
class MetadefServices:
    db: Database
    namespaces: NamespaceService = field(init=False)
    contents: ContentService = field(init=False)
    resource_types: ResourceTypeService = field(init=False)

    def __post_init__(self) -> None:
        self.namespaces = NamespaceService(self.db)
        self.contents = ContentService(self.db)
        self.resource_types = ResourceTypeService(self.db)
