"""Glance's metadata definitions catalog: namespaces and the objects, properties, tags and
resource type associations they hold (visibility in namespaces.py, policy at the API)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from pocketstack.core.image.metadefs.contents import ContentService
from pocketstack.core.image.metadefs.defaults import load_default_metadefs
from pocketstack.core.image.metadefs.namespaces import NamespaceService
from pocketstack.core.image.metadefs.resource_types import ResourceTypeService
from pocketstack.store.db import Database


@dataclass
class MetadefServices:
    """The catalog's services. Glance's default namespaces are loaded on the first use of any of
    them (once per database: ``meta`` remembers), not while the cloud starts: most clouds, and
    every test cloud, never read them, and loading them was a third of a start's time."""

    db: Database
    _namespaces: NamespaceService = field(init=False)
    _contents: ContentService = field(init=False)
    _resource_types: ResourceTypeService = field(init=False)
    _loaded: bool = field(default=False, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._namespaces = NamespaceService(self.db)
        self._contents = ContentService(self.db)
        self._resource_types = ResourceTypeService(self.db)

    def _ready(self) -> None:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    load_default_metadefs(self.db)
                    self._loaded = True

    @property
    def namespaces(self) -> NamespaceService:
        self._ready()
        return self._namespaces

    @property
    def contents(self) -> ContentService:
        self._ready()
        return self._contents

    @property
    def resource_types(self) -> ResourceTypeService:
        self._ready()
        return self._resource_types
