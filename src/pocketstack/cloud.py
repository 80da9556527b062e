"""The composition root: builds the store, keys, policy and services from settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.exc import OperationalError

from pocketstack.bus.inproc import InProcessBus
from pocketstack.config import Settings
from pocketstack.core.compute import recovery
from pocketstack.core.compute.actions import ServerActions
from pocketstack.core.compute.conductor import Conductor
from pocketstack.core.compute.faults import FaultInjection
from pocketstack.core.compute.flavors import FlavorService, ensure_default_flavors
from pocketstack.core.compute.keypairs import KeypairService
from pocketstack.core.compute.nics import Nics
from pocketstack.core.compute.policies import COMPUTE_RULES
from pocketstack.core.compute.quotas import QuotaService, parse_quota_defaults
from pocketstack.core.compute.server_groups import ServerGroupService
from pocketstack.core.compute.servers import ServerService
from pocketstack.core.compute.snapshots import Snapshots
from pocketstack.core.compute.usage import UsageService
from pocketstack.core.identity import keys
from pocketstack.core.identity.application_credentials import ApplicationCredentialService
from pocketstack.core.identity.auth import AuthScopes, AuthService
from pocketstack.core.identity.catalog import CatalogService
from pocketstack.core.identity.catalog_extras import CatalogExtras, build_catalog_extras
from pocketstack.core.identity.delegation import Delegation, build_delegation
from pocketstack.core.identity.groups import GroupService
from pocketstack.core.identity.passwords import PasswordVerifier
from pocketstack.core.identity.policies import IDENTITY_RULES
from pocketstack.core.identity.resources import DomainService, ProjectService
from pocketstack.core.identity.revocation import prune
from pocketstack.core.identity.roles import RoleService
from pocketstack.core.identity.tokens import TokenFormatter
from pocketstack.core.identity.users import UserService
from pocketstack.core.image.cache import ImageCache
from pocketstack.core.image.data import ImageDataService
from pocketstack.core.image.images import ImageService
from pocketstack.core.image.imports import ImportService
from pocketstack.core.image.members import MemberService
from pocketstack.core.image.metadefs import MetadefServices
from pocketstack.core.image.policies import IMAGE_RULES
from pocketstack.core.image.sweep import sweep as sweep_image_data
from pocketstack.core.image.web_download import UriFilter
from pocketstack.core.network.policies import NETWORK_POLICY
from pocketstack.core.network.quotas import parse_defaults as parse_network_quota_defaults
from pocketstack.core.network.seed import public_subnet_plan
from pocketstack.core.network.services import NetworkServices, build_network_services
from pocketstack.core.placement.aggregates import AggregateService
from pocketstack.core.placement.hosts import HostService
from pocketstack.core.placement.inventory import sync_hosts
from pocketstack.core.placement.scheduler import Scheduler
from pocketstack.core.placement.services import ServiceRegistry
from pocketstack.core.placement.zones import ZoneService
from pocketstack.core.policy import Enforcer, load_overrides
from pocketstack.drivers.base import Driver
from pocketstack.drivers.fake import FakeDriver
from pocketstack.imagestore.base import ImageStore
from pocketstack.imagestore.filesystem import FilesystemStore
from pocketstack.store import migrate
from pocketstack.store.db import Database, make_engine

LOG = logging.getLogger("pocketstack")


# Every service's default policy; an operator's policy file overrides rules by name.
DEFAULT_RULES = [*IDENTITY_RULES, *IMAGE_RULES, *COMPUTE_RULES, *NETWORK_POLICY]


@dataclass
class Cloud:
    settings: Settings
    db: Database
    policy: Enforcer
    verifier: PasswordVerifier
    auth: AuthService
    auth_scopes: AuthScopes
    image_stores: dict[str, ImageStore]
    image_data: ImageDataService
    image_imports: ImportService
    images: ImageService
    image_members: MemberService
    image_metadefs: MetadefServices
    image_cache: ImageCache
    roles: RoleService
    domains: DomainService
    projects: ProjectService
    users: UserService
    groups: GroupService
    catalog: CatalogService
    catalog_extras: CatalogExtras
    application_credentials: ApplicationCredentialService
    delegation: Delegation
    flavors: FlavorService
    keypairs: KeypairService
    quotas: QuotaService
    server_groups: ServerGroupService
    usage: UsageService
    aggregates: AggregateService
    hosts: HostService
    service_registry: ServiceRegistry
    zones: ZoneService
    driver: Driver
    bus: InProcessBus
    scheduler: Scheduler
    faults: FaultInjection
    snapshots: Snapshots
    conductor: Conductor
    nics: Nics
    network: NetworkServices
    servers: ServerService = field(init=False)
    server_actions: ServerActions = field(init=False)

    def close(self) -> None:
        """Stop the task workers and periodic jobs (waiting for running tasks)."""
        self.bus.close()


def build_cloud(settings: Settings) -> Cloud:
    """Open (and migrate) the database, load keys and policy, wire the services."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    migrate.upgrade_if_needed(engine)
    db = Database(engine)
    with db.transaction() as session:
        # Older events can match no live token: none lives longer than token_expiration.
        prune(session, timedelta(seconds=settings.token_expiration))
    keys.initialize(settings.keys_dir)
    formatter = TokenFormatter(keys.KeyRing(settings.keys_dir))
    verifier = PasswordVerifier(
        time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib
    )
    policy = Enforcer(DEFAULT_RULES, load_overrides(settings.policy_file))
    auth = AuthService(db, formatter, verifier, settings.token_expiration, settings.max_password_length)
    image_stores = {sid: FilesystemStore(sid, d) for sid, d in settings.image_store_dirs.items()}
    staging = FilesystemStore(
        "os_glance_staging_store", settings.data_dir / "image-staging", "Import staging area"
    )
    sweep_image_data(db, image_stores, staging)  # before serving: nothing half-done survives a crash
    image_data = ImageDataService(
        db, image_stores, staging, settings.image_size_cap, settings.image_storage_quota
    )
    ensure_default_flavors(db)
    images = ImageService(db, policy, image_data)
    quotas = QuotaService(db, parse_quota_defaults(settings.quota_defaults))
    network = _network(db, settings, policy)
    cloud = Cloud(
        settings=settings,
        db=db,
        policy=policy,
        verifier=verifier,
        auth=auth,
        auth_scopes=AuthScopes(db, auth.revision),
        image_stores=image_stores,
        image_data=image_data,
        image_imports=ImportService(image_data, uri_filter=_uri_filter(settings)),
        images=images,
        image_members=MemberService(db, policy),
        image_metadefs=MetadefServices(db),
        image_cache=ImageCache(),
        roles=RoleService(db),
        domains=DomainService(db),
        projects=ProjectService(db),
        users=UserService(db, verifier, settings.max_password_length),
        groups=GroupService(db),
        catalog=CatalogService(db),
        catalog_extras=build_catalog_extras(db),
        application_credentials=ApplicationCredentialService(db, verifier, settings.max_password_length),
        delegation=build_delegation(db, settings.credential_keys_dir, auth),
        flavors=FlavorService(db),
        keypairs=KeypairService(db),
        quotas=quotas,
        server_groups=ServerGroupService(db, quotas),
        usage=UsageService(db),
        aggregates=AggregateService(db),
        hosts=HostService(db),
        service_registry=ServiceRegistry(db),
        zones=ZoneService(db),
        **_compute(db, settings, images, image_data, network),
        network=network,
    )
    _start_compute(cloud)
    return cloud


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


def _network(db: Database, settings: Settings, policy: Enforcer) -> NetworkServices:
    """The network services; a bad network setting stops the start with its name."""
    public_subnet_plan(settings.public_network_cidr, settings.public_network_pool)
    overrides = parse_network_quota_defaults(settings.network_quota_defaults)
    return build_network_services(db, policy, overrides, settings.fixed_network_cidr)


def _driver(settings: Settings) -> Driver:
    if settings.compute_driver != "fake":
        raise ValueError(f"Unknown compute driver {settings.compute_driver!r}; available: fake")
    return FakeDriver(
        settings.fake_hosts,
        settings.fake_host_vcpus,
        settings.fake_host_memory_mb,
        settings.fake_host_disk_gb,
        settings.fake_action_delay_ms / 1000,
    )


def _compute(
    db: Database,
    settings: Settings,
    images: ImageService,
    image_data: ImageDataService,
    network: NetworkServices,
) -> dict:
    """The compute machinery: driver, bus, scheduler, conductor and the server services."""
    if settings.build_timeout <= 0:
        raise ValueError("build_timeout must be a positive number of seconds")
    driver = _driver(settings)
    bus = InProcessBus(settings.compute_workers)
    scheduler = Scheduler(db)
    faults = FaultInjection(db)
    nics = Nics(db, network)
    snapshots = Snapshots(db, images, image_data)
    conductor = Conductor(db, driver, scheduler, faults, nics, snapshots)
    bus.subscribe(conductor.run)
    return {
        "driver": driver,
        "bus": bus,
        "scheduler": scheduler,
        "faults": faults,
        "snapshots": snapshots,
        "conductor": conductor,
        "nics": nics,
    }


def _start_compute(cloud: Cloud) -> None:
    """Hosts from the driver, crash recovery, then the services that need the whole cloud."""
    settings = cloud.settings
    sync_hosts(cloud.db, cloud.driver)
    recovery.resolve_interrupted(cloud.conductor)
    cloud.servers = ServerService(cloud.db, cloud, cloud.nics, cloud.bus.publish)
    cloud.server_actions = ServerActions(
        cloud.db, cloud, cloud.driver, cloud.bus.publish, cloud.conductor.confirm_resize
    )
    timeout = settings.build_timeout
    cloud.bus.every(
        min(10.0, timeout / 4), _tolerant(lambda: recovery.fail_overdue_builds(cloud.conductor, timeout))
    )
    if settings.reclaim_instance_interval > 0:
        interval = settings.reclaim_instance_interval
        cloud.bus.every(
            min(5.0, interval / 2),
            _tolerant(lambda: recovery.reclaim_soft_deleted(cloud.conductor, interval)),
        )


def _tolerant(job: Callable[[], object]) -> Callable[[], None]:
    """A periodic job that meets an unreachable database says so in one line and tries again
    at its next run (a restarting PostgreSQL is not a crash of ours)."""

    def run() -> None:
        try:
            job()
        except OperationalError as exc:
            LOG.warning("event=periodic_job_skipped reason=database_unavailable error=%s", type(exc).__name__)

    return run
