"""Object storage v1 (Swift) calls as plans.

Swift carries metadata in headers and answers most writes with no body, so these plans are
written with ``session.request`` directly rather than the JSON plans of :mod:`ops`. Listings
ask for ``format=json`` and page by ``marker`` (the last name, or ``subdir`` of a delimiter
listing) until a page comes back empty or shorter than ``limit``.

Names of openstacksdk's object_store proxy are kept; where a call takes an object it takes an
:class:`Object` (which knows its container) or a name with ``container=``.

The plans are mixins by family: the account and containers (:mod:`.container_plans`),
objects (:mod:`.object_plans`), uploads and large objects (:mod:`.upload_plans`), directories
(:mod:`.transfer`); :class:`ObjectStorePlans` composes them.
"""

from __future__ import annotations

from pocketstack.sdk.object_store.v1 import transfer
from pocketstack.sdk.object_store.v1.upload_plans import SEGMENTS_SUFFIX, ObjectUploadPlans


class ObjectStorePlans(ObjectUploadPlans):
    # -- directories (written in transfer.py) -------------------------------------------------

    upload_directory = transfer.upload_directory
    download_directory = transfer.download_directory


__all__ = ["SEGMENTS_SUFFIX", "ObjectStorePlans"]
