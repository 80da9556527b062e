"""The service catalog: enabled services with their enabled endpoints."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pocketstack.store.models import Endpoint, Service


@dataclass(frozen=True)
class CatalogEntry:
    service: Service
    endpoints: list[Endpoint]


def build_catalog(session: Session) -> list[CatalogEntry]:
    services = session.scalars(select(Service).where(Service.enabled.is_(True))).all()
    endpoints = session.scalars(select(Endpoint).where(Endpoint.enabled.is_(True))).all()
    by_service: dict[str, list[Endpoint]] = {}
    for e in endpoints:
        by_service.setdefault(e.service_id, []).append(e)
    return [CatalogEntry(s, by_service.get(s.id, [])) for s in services]
