"""Glance's default metadata definitions, loaded once, on the first use of the catalog (never
again, even when an admin deleted some: ``meta`` remembers they were loaded).

``data/namespaces.json`` is our own compact file with the facts of a representative subset of
Glance's ``etc/metadefs``: every ``OS::Compute::*`` namespace but the VMware and XenAPI ones,
``OS::Glance::*``, ``OS::OperatingSystem`` and ``OS::Cinder::Volumetype`` (names, resource type
associations and prefixes, property names, titles, types and limits; descriptions are short
and ours). Owned by ``admin`` as Glance's loader makes them.
"""

from __future__ import annotations

import json
import logging
from importlib import resources

from sqlalchemy import select

from pocketstack.core.identity.common import utcnow
from pocketstack.core.image.metadefs.namespaces import NamespaceInput, NamespaceService
from pocketstack.store.db import Database
from pocketstack.store.image_metadef_models import MetadefNamespace, MetadefResourceType
from pocketstack.store.models import Meta

LOG = logging.getLogger("pocketstack")
LOADED_KEY = "metadefs_loaded"
OWNER = "admin"
# The resource types Glance registers (protected: they cannot be removed).
RESOURCE_TYPES = (
    "OS::Glance::Image",
    "OS::Cinder::Volume",
    "OS::Nova::Flavor",
    "OS::Nova::Aggregate",
    "OS::Nova::Server",
)


def _namespaces() -> list[NamespaceInput]:
    text = resources.files(__package__).joinpath("data/namespaces.json").read_text(encoding="utf-8")
    return [NamespaceInput(owner=OWNER, **entry) for entry in json.loads(text)]


def load_default_metadefs(db: Database) -> int:
    """Load the defaults unless they were loaded before; returns how many namespaces were added."""
    with db.transaction() as s:
        if s.get(Meta, LOADED_KEY) is not None:
            return 0
        now = utcnow()
        for name in RESOURCE_TYPES:
            if s.scalar(select(MetadefResourceType.id).where(MetadefResourceType.name == name)) is None:
                s.add(MetadefResourceType(name=name, protected=True, created_at=now, updated_at=now))
        s.flush()
        added = 0
        for data in _namespaces():
            if s.scalar(select(MetadefNamespace.id).where(MetadefNamespace.namespace == data.namespace)):
                continue
            ns = MetadefNamespace(
                namespace=data.namespace,
                display_name=data.display_name,
                description=data.description,
                visibility=data.visibility or "public",
                protected=bool(data.protected),
                owner=OWNER,
                created_at=now,
                updated_at=now,
            )
            s.add(ns)
            s.flush()
            NamespaceService.fill(s, ns.id, data, now)
            added += 1
        s.add(Meta(key=LOADED_KEY, value=now.isoformat()))
    LOG.info("event=metadefs_loaded namespaces=%d", added)
    return added
