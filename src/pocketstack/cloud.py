"""The composition root: builds the store, keys, policy and services from settings.

A start builds only what it runs: the database, the keys, the policy, the image stores, the
driver and the task bus. Every service is built on its first use (``_OnFirstUse``), so a start
imports a small part of the code base and a process only what its requests call.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Generic, TypeVar, overload

from sqlalchemy.exc import OperationalError

from pocketstack.bus.inproc import InProcessBus
from pocketstack.config import Settings
from pocketstack.core.compute import recovery
from pocketstack.core.compute.flavors import ensure_default_flavors
from pocketstack.core.compute.policies import COMPUTE_RULES
from pocketstack.core.identity import keys
from pocketstack.core.identity.passwords import PasswordVerifier
from pocketstack.core.identity.policies import IDENTITY_RULES
from pocketstack.core.identity.revocation import prune
from pocketstack.core.image.policies import IMAGE_RULES
from pocketstack.core.image.sweep import sweep as sweep_image_data
from pocketstack.core.image.web_download import UriFilter
from pocketstack.core.network.policies import NETWORK_POLICY
from pocketstack.core.network.seed import public_subnet_plan
from pocketstack.core.objects.policies import OBJECT_RULES
from pocketstack.core.operator.policies import OPERATOR_RULES
from pocketstack.core.placement.inventory import sync_hosts
from pocketstack.core.policy import Enforcer, load_overrides
from pocketstack.drivers.base import Driver
from pocketstack.drivers.fake import FakeDriver
from pocketstack.imagestore.base import ImageStore
from pocketstack.imagestore.filesystem import FilesystemStore
from pocketstack.store import migrate
from pocketstack.store.coordination import take_lease
from pocketstack.store.db import Database, make_engine

if TYPE_CHECKING:
    from pocketstack.core.compute.actions import ServerActions
    from pocketstack.core.compute.conductor import Conductor
    from pocketstack.core.compute.faults import FaultInjection
    from pocketstack.core.compute.flavors import FlavorService
    from pocketstack.core.compute.keypairs import KeypairService
    from pocketstack.core.compute.nics import Nics
    from pocketstack.core.compute.quotas import QuotaService
    from pocketstack.core.compute.server_groups import ServerGroupService
    from pocketstack.core.compute.servers import ServerService
    from pocketstack.core.compute.snapshots import Snapshots
    from pocketstack.core.compute.usage import UsageService
    from pocketstack.core.identity.application_credentials import ApplicationCredentialService
    from pocketstack.core.identity.auth import AuthScopes, AuthService
    from pocketstack.core.identity.catalog import CatalogService
    from pocketstack.core.identity.catalog_extras import CatalogExtras
    from pocketstack.core.identity.delegation import Delegation
    from pocketstack.core.identity.groups import GroupService
    from pocketstack.core.identity.resources import DomainService, ProjectService
    from pocketstack.core.identity.roles import RoleService
    from pocketstack.core.identity.users import UserService
    from pocketstack.core.image.cache import ImageCache
    from pocketstack.core.image.data import ImageDataService
    from pocketstack.core.image.images import ImageService
    from pocketstack.core.image.imports import ImportService
    from pocketstack.core.image.members import MemberService
    from pocketstack.core.image.metadefs import MetadefServices
    from pocketstack.core.network.services import NetworkServices
    from pocketstack.core.objects.service import ObjectService
    from pocketstack.core.operator.drain import Drains
    from pocketstack.core.placement.aggregates import AggregateService
    from pocketstack.core.placement.hosts import HostService
    from pocketstack.core.placement.scheduler import Scheduler
    from pocketstack.core.placement.services import ServiceRegistry
    from pocketstack.core.placement.zones import ZoneService
    from pocketstack.core.tasks.secrets import TaskSecrets

LOG = logging.getLogger("pocketstack")
# Held while a part built on first use (a service, an API mount) is built, so that two threads
# never import crosswise.
BUILD_LOCK = threading.RLock()


# Every service's default policy; an operator's policy file overrides rules by name.
DEFAULT_RULES = [
    *IDENTITY_RULES,
    *IMAGE_RULES,
    *COMPUTE_RULES,
    *NETWORK_POLICY,
    *OPERATOR_RULES,
    *OBJECT_RULES,
]

T = TypeVar("T")


class _OnFirstUse(Generic[T]):
    """A service of the cloud, built (and its module imported) when first read, once; from then
    on it is a plain attribute of the instance."""

    def __init__(self, build: Callable[[Cloud], T]) -> None:
        self.build = build
        self.name = build.__name__

    @overload
    def __get__(self, cloud: None, owner: type | None = None) -> _OnFirstUse[T]: ...

    @overload
    def __get__(self, cloud: Cloud, owner: type | None = None) -> T: ...

    def __get__(self, cloud: Cloud | None, owner: type | None = None) -> T | _OnFirstUse[T]:
        if cloud is None:
            return self
        with BUILD_LOCK:
            if self.name not in cloud.__dict__:
                cloud.__dict__[self.name] = self.build(cloud)
        return cloud.__dict__[self.name]


@dataclass
class Cloud:
    settings: Settings
    db: Database
    policy: Enforcer
    verifier: PasswordVerifier
    image_stores: dict[str, ImageStore]
    image_staging: ImageStore
    driver: Driver
    bus: InProcessBus

    def close(self) -> None:
        """Stop the drains, the task workers and periodic jobs (waiting for running tasks)."""
        if "drains" in self.__dict__:
            self.drains.close()  # first: a drain starts its moves on the bus
        self.bus.close()
        self.db.revisions.close()

    # -- identity --------------------------------------------------------------------------

    @_OnFirstUse
    def auth(self) -> AuthService:
        from pocketstack.core.identity.auth import AuthService
        from pocketstack.core.identity.tokens import TokenFormatter

        s = self.settings
        formatter = TokenFormatter(keys.KeyRing(s.keys_dir))
        return AuthService(self.db, formatter, self.verifier, s.token_expiration, s.max_password_length)

    @_OnFirstUse
    def auth_scopes(self) -> AuthScopes:
        from pocketstack.core.identity.auth import AuthScopes

        return AuthScopes(self.db, self.auth.revision)

    @_OnFirstUse
    def roles(self) -> RoleService:
        from pocketstack.core.identity.roles import RoleService

        return RoleService(self.db)

    @_OnFirstUse
    def domains(self) -> DomainService:
        from pocketstack.core.identity.resources import DomainService

        return DomainService(self.db)

    @_OnFirstUse
    def projects(self) -> ProjectService:
        from pocketstack.core.identity.resources import ProjectService

        return ProjectService(self.db)

    @_OnFirstUse
    def users(self) -> UserService:
        from pocketstack.core.identity.users import UserService

        return UserService(self.db, self.verifier, self.settings.max_password_length)

    @_OnFirstUse
    def groups(self) -> GroupService:
        from pocketstack.core.identity.groups import GroupService

        return GroupService(self.db)

    @_OnFirstUse
    def catalog(self) -> CatalogService:
        from pocketstack.core.identity.catalog import CatalogService

        return CatalogService(self.db)

    @_OnFirstUse
    def catalog_extras(self) -> CatalogExtras:
        from pocketstack.core.identity.catalog_extras import build_catalog_extras

        return build_catalog_extras(self.db)

    @_OnFirstUse
    def application_credentials(self) -> ApplicationCredentialService:
        from pocketstack.core.identity.application_credentials import ApplicationCredentialService

        return ApplicationCredentialService(self.db, self.verifier, self.settings.max_password_length)

    @_OnFirstUse
    def delegation(self) -> Delegation:
        from pocketstack.core.identity.delegation import build_delegation

        return build_delegation(self.db, self.settings.credential_keys_dir, self.auth)

    # -- image -----------------------------------------------------------------------------

    @_OnFirstUse
    def image_data(self) -> ImageDataService:
        from pocketstack.core.image.data import ImageDataService

        s = self.settings
        return ImageDataService(
            self.db, self.image_stores, self.image_staging, s.image_size_cap, s.image_storage_quota
        )

    @_OnFirstUse
    def image_imports(self) -> ImportService:
        from pocketstack.core.image.imports import ImportService

        return ImportService(self.image_data, uri_filter=_uri_filter(self.settings))

    @_OnFirstUse
    def images(self) -> ImageService:
        from pocketstack.core.image.images import ImageService

        return ImageService(self.db, self.policy, self.image_data)

    @_OnFirstUse
    def image_members(self) -> MemberService:
        from pocketstack.core.image.members import MemberService

        return MemberService(self.db, self.policy)

    @_OnFirstUse
    def image_metadefs(self) -> MetadefServices:
        from pocketstack.core.image.metadefs import MetadefServices

        return MetadefServices(self.db)

    @_OnFirstUse
    def image_cache(self) -> ImageCache:
        from pocketstack.core.image.cache import ImageCache

        return ImageCache(self.db)

    # -- compute and placement -------------------------------------------------------------

    @_OnFirstUse
    def flavors(self) -> FlavorService:
        from pocketstack.core.compute.flavors import FlavorService

        return FlavorService(self.db)

    @_OnFirstUse
    def keypairs(self) -> KeypairService:
        from pocketstack.core.compute.keypairs import KeypairService

        return KeypairService(self.db)

    @_OnFirstUse
    def quotas(self) -> QuotaService:
        from pocketstack.core.compute.quotas import QuotaService, parse_quota_defaults

        return QuotaService(self.db, parse_quota_defaults(self.settings.quota_defaults))

    @_OnFirstUse
    def server_groups(self) -> ServerGroupService:
        from pocketstack.core.compute.server_groups import ServerGroupService

        return ServerGroupService(self.db, self.quotas)

    @_OnFirstUse
    def usage(self) -> UsageService:
        from pocketstack.core.compute.usage import UsageService

        return UsageService(self.db)

    @_OnFirstUse
    def aggregates(self) -> AggregateService:
        from pocketstack.core.placement.aggregates import AggregateService

        return AggregateService(self.db)

    @_OnFirstUse
    def hosts(self) -> HostService:
        from pocketstack.core.placement.hosts import HostService

        return HostService(self.db)

    @_OnFirstUse
    def service_registry(self) -> ServiceRegistry:
        from pocketstack.core.placement.services import ServiceRegistry

        return ServiceRegistry(self.db)

    @_OnFirstUse
    def zones(self) -> ZoneService:
        from pocketstack.core.placement.zones import ZoneService

        return ZoneService(self.db)

    @_OnFirstUse
    def scheduler(self) -> Scheduler:
        from pocketstack.core.placement.scheduler import Scheduler

        return Scheduler(self.db)

    @_OnFirstUse
    def faults(self) -> FaultInjection:
        from pocketstack.core.compute.faults import FaultInjection

        return FaultInjection(self.db)

    @_OnFirstUse
    def nics(self) -> Nics:
        from pocketstack.core.compute.nics import Nics

        return Nics(self.db, self.network)

    @_OnFirstUse
    def snapshots(self) -> Snapshots:
        from pocketstack.core.compute.snapshots import Snapshots

        return Snapshots(self.db, self.images, self.image_data)

    @_OnFirstUse
    def conductor(self) -> Conductor:
        from pocketstack.core.compute.conductor import Conductor

        return Conductor(
            self.db, self.driver, self.scheduler, self.faults, self.nics, self.snapshots, self.task_secrets
        )

    @_OnFirstUse
    def task_secrets(self) -> TaskSecrets:
        from pocketstack.core.identity.credential_keys import CredentialCipher
        from pocketstack.core.tasks.secrets import TaskSecrets

        return TaskSecrets(CredentialCipher(self.settings.credential_keys_dir))

    @_OnFirstUse
    def servers(self) -> ServerService:
        from pocketstack.core.compute.servers import ServerService

        return ServerService(self.db, self, self.nics, self.bus.publish)

    @_OnFirstUse
    def server_actions(self) -> ServerActions:
        from pocketstack.core.compute.actions import ServerActions
        from pocketstack.core.compute.steps.moves import confirm_resize

        return ServerActions(self.db, self, self.driver, self.bus.publish, confirm_resize)

    @_OnFirstUse
    def drains(self) -> Drains:
        from pocketstack.core.operator.drain import Drains

        return Drains(self.db, self.server_actions, self.driver.capabilities)

    # -- object storage --------------------------------------------------------------------

    @_OnFirstUse
    def objects(self) -> ObjectService:
        from pocketstack.core.objects.build import build_object_service

        return build_object_service(self.settings, self.db)

    # -- network ---------------------------------------------------------------------------

    @_OnFirstUse
    def network(self) -> NetworkServices:
        from pocketstack.core.network.quotas import parse_defaults
        from pocketstack.core.network.services import build_network_services

        s = self.settings
        overrides = parse_defaults(s.network_quota_defaults)
        return build_network_services(self.db, self.policy, overrides, s.fixed_network_cidr)


def build_cloud(
    settings: Settings, *, primary: bool = True, verifier: PasswordVerifier | None = None
) -> Cloud:
    """Open (and migrate) the database, load keys and policy, wire the services.

    The primary process does what must happen once per start: migrations, sweeping what a crash
    left half-done, recovering interrupted tasks. The other API processes of ``up --workers``
    (``primary=False``) build on the database it prepared. ``verifier``, when given, is one made with
    the settings' hash cost (``up`` has it hash the bootstrap passwords while the start goes on).
    """
    _check_settings(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    if primary:
        migrate.upgrade_if_needed(engine)
    db = Database(engine)
    if primary:
        db.revisions.ensure_all()
        with db.transaction() as session:
            # Older events can match no live token: none lives longer than token_expiration.
            prune(session, timedelta(seconds=settings.token_expiration))
    keys.initialize(settings.keys_dir)
    cloud = Cloud(
        settings=settings,
        db=db,
        policy=Enforcer(DEFAULT_RULES, load_overrides(settings.policy_file)),
        verifier=verifier
        or PasswordVerifier(
            time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib
        ),
        image_stores={sid: FilesystemStore(sid, d) for sid, d in settings.image_store_dirs.items()},
        image_staging=FilesystemStore(
            "os_glance_staging_store", settings.data_dir / "image-staging", "Import staging area"
        ),
        driver=_driver(settings),
        bus=InProcessBus(settings.compute_workers),
    )
    if primary:
        # Before serving: nothing half-done survives a crash.
        sweep_image_data(db, cloud.image_stores, cloud.image_staging)
        _sweep_object_data(cloud)
        ensure_default_flavors(db)
    _start_compute(cloud, primary)
    _start_object_expiry(cloud)
    return cloud


def _sweep_object_data(cloud: Cloud) -> None:
    """Object data an interrupted upload left (a cloud that never stored an object has none)."""
    if cloud.settings.object_data_path.is_dir():
        from pocketstack.core.objects.sweep import sweep_object_data
        from pocketstack.objectstore.blobs import BlobStore

        sweep_object_data(cloud.db, BlobStore(cloud.settings.object_data_path))


def _start_object_expiry(cloud: Cloud) -> None:
    """Expired objects are invisible at once; this job deletes their rows and data."""
    period = float(cloud.settings.object_expiry_interval)
    if period <= 0:
        return
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    cloud.bus.every(
        period,
        _tolerant(_leased(cloud.db, "expire_objects", holder, period)(lambda: cloud.objects.expire())),
    )


def _check_settings(settings: Settings) -> None:
    """A bad setting stops the start with its name, though the service using it is built later."""
    if settings.quota_defaults:
        from pocketstack.core.compute.quotas import parse_quota_defaults

        parse_quota_defaults(settings.quota_defaults)
    public_subnet_plan(settings.public_network_cidr, settings.public_network_pool)
    if settings.network_quota_defaults:
        from pocketstack.core.network.quotas import parse_defaults

        parse_defaults(settings.network_quota_defaults)
    _uri_filter(settings)
    if settings.build_timeout <= 0:
        raise ValueError("build_timeout must be a positive number of seconds")


def _uri_filter(settings: Settings) -> UriFilter:
    s = settings
    return UriFilter.parse(
        s.image_import_allowed_schemes,
        s.image_import_disallowed_schemes,
        s.image_import_allowed_hosts,
        s.image_import_disallowed_hosts,
        s.image_import_allowed_ports,
        s.image_import_disallowed_ports,
    )


def _driver(settings: Settings) -> Driver:
    if settings.compute_driver != "fake":
        raise ValueError(f"Unknown compute driver {settings.compute_driver!r}; available: fake")
    return FakeDriver(
        settings.fake_hosts,
        settings.fake_host_vcpus,
        settings.fake_host_memory_mb,
        settings.fake_host_disk_gb,
        settings.fake_action_delay_ms / 1000,
        settings.fake_snapshot_delay_ms / 1000,
    )


def _start_compute(cloud: Cloud, primary: bool) -> None:
    """Hosts from the driver, crash recovery, the periodic jobs.
    The periodic jobs run in whichever process holds their lease (one at a time)."""
    settings = cloud.settings
    cloud.bus.subscribe(lambda task_id: cloud.conductor.run(task_id))
    if primary:
        sync_hosts(cloud.db, cloud.driver)
        if recovery.any_busy(cloud.db):
            recovery.resolve_interrupted(cloud.conductor)
    timeout = settings.build_timeout
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    period = min(10.0, timeout / 4)
    cloud.bus.every(
        period,
        _tolerant(
            _leased(cloud.db, "fail_overdue_builds", holder, period)(
                lambda: recovery.any_busy(cloud.db) and recovery.fail_overdue_builds(cloud.conductor, timeout)
            )
        ),
    )
    if settings.reclaim_instance_interval > 0:
        interval = settings.reclaim_instance_interval
        period = min(5.0, interval / 2)
        cloud.bus.every(
            period,
            _tolerant(
                _leased(cloud.db, "reclaim_soft_deleted", holder, period)(
                    lambda: recovery.reclaim_soft_deleted(cloud.conductor, interval)
                )
            ),
        )


def _leased(
    db: Database, name: str, holder: str, period: float
) -> Callable[[Callable[[], object]], Callable[[], None]]:
    """A periodic job that runs only in the process holding its lease; the holder renews it at
    every run, another process takes it over three periods after the holder stopped."""
    ttl = timedelta(seconds=max(3 * period, 1.0))

    def wrap(job: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            if take_lease(db, name, holder, ttl):
                job()

        return run

    return wrap


def _tolerant(job: Callable[[], object]) -> Callable[[], None]:
    """A periodic job that meets an unreachable database says so in one line and tries again
    at its next run (a restarting PostgreSQL is not a crash of ours)."""

    def run() -> None:
        try:
            job()
        except OperationalError as exc:
            LOG.warning("event=periodic_job_skipped reason=database_unavailable error=%s", type(exc).__name__)

    return run
