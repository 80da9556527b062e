"""The identity services beyond the catalog proper, built together: endpoint filters
(OS-EP-FILTER), policy blobs, domain-specific configuration, unified limits and OAuth1
consumers."""

from __future__ import annotations

from dataclasses import dataclass

from pocketstack.core.identity.bootstrap import DEFAULT_DOMAIN_ID
from pocketstack.core.identity.domain_configs import DomainConfigService
from pocketstack.core.identity.endpoint_filters import EndpointFilterService
from pocketstack.core.identity.limits import LimitService
from pocketstack.core.identity.oauth_consumers import OAuthConsumerService
from pocketstack.core.identity.policy_blobs import PolicyBlobService
from pocketstack.store.db import Database


@dataclass(frozen=True)
class CatalogExtras:
    endpoint_filters: EndpointFilterService
    policies: PolicyBlobService
    domain_configs: DomainConfigService
    limits: LimitService
    oauth_consumers: OAuthConsumerService


def build_catalog_extras(db: Database) -> CatalogExtras:
    return CatalogExtras(
        endpoint_filters=EndpointFilterService(db),
        policies=PolicyBlobService(db),
        domain_configs=DomainConfigService(db, DEFAULT_DOMAIN_ID),
        limits=LimitService(db),
        oauth_consumers=OAuthConsumerService(db),
    )
