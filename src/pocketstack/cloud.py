"""The composition root: builds the store, keys, policy and services from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pocketstack.config import Settings
from pocketstack.core.compute.flavors import FlavorService, ensure_default_flavors
from pocketstack.core.compute.keypairs import KeypairService
from pocketstack.core.compute.policies import COMPUTE_RULES
from pocketstack.core.compute.quotas import QuotaService, parse_quota_defaults
from pocketstack.core.compute.server_groups import ServerGroupService
from pocketstack.core.compute.usage import UsageService
from pocketstack.core.identity import keys
from pocketstack.core.identity.application_credentials import ApplicationCredentialService
from pocketstack.core.identity.auth import AuthScopes, AuthService
from pocketstack.core.identity.catalog import CatalogService
from pocketstack.core.identity.passwords import PasswordVerifier
from pocketstack.core.identity.policies import IDENTITY_RULES
from pocketstack.core.identity.resources import DomainService, ProjectService
from pocketstack.core.identity.revocation import prune
from pocketstack.core.identity.roles import RoleService
from pocketstack.core.identity.tokens import TokenFormatter
from pocketstack.core.identity.users import UserService
from pocketstack.core.image.data import ImageDataService
from pocketstack.core.image.images import ImageService
from pocketstack.core.image.imports import ImportService
from pocketstack.core.image.members import MemberService
from pocketstack.core.image.policies import IMAGE_RULES
from pocketstack.core.image.sweep import sweep as sweep_image_data
from pocketstack.core.placement.aggregates import AggregateService
from pocketstack.core.placement.hosts import HostService
from pocketstack.core.placement.zones import ZoneService
from pocketstack.core.policy import Enforcer, load_overrides
from pocketstack.imagestore.base import ImageStore
from pocketstack.imagestore.filesystem import FilesystemStore
from pocketstack.store import migrate
from pocketstack.store.db import Database, make_engine


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
    roles: RoleService
    domains: DomainService
    projects: ProjectService
    users: UserService
    catalog: CatalogService
    application_credentials: ApplicationCredentialService
    flavors: FlavorService
    keypairs: KeypairService
    quotas: QuotaService
    server_groups: ServerGroupService
    usage: UsageService
    aggregates: AggregateService
    hosts: HostService
    zones: ZoneService


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
    verifier = PasswordVerifier()
    policy = Enforcer([*IDENTITY_RULES, *IMAGE_RULES, *COMPUTE_RULES], load_overrides(settings.policy_file))
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
    return Cloud(
        settings=settings,
        db=db,
        policy=policy,
        verifier=verifier,
        auth=auth,
        auth_scopes=AuthScopes(db, auth.revision),
        image_stores=image_stores,
        image_data=image_data,
        image_imports=ImportService(image_data),
        images=ImageService(db, policy, image_data),
        image_members=MemberService(db, policy),
        roles=RoleService(db),
        domains=DomainService(db),
        projects=ProjectService(db),
        users=UserService(db, verifier, settings.max_password_length),
        catalog=CatalogService(db),
        application_credentials=ApplicationCredentialService(db, settings.max_password_length),
        flavors=FlavorService(db),
        keypairs=KeypairService(db),
        quotas=QuotaService(db, parse_quota_defaults(settings.quota_defaults)),
        server_groups=ServerGroupService(db),
        usage=UsageService(db),
        aggregates=AggregateService(db),
        hosts=HostService(db),
        zones=ZoneService(db),
    )
