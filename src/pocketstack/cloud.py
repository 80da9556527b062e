"""The composition root: builds the store, keys, policy and services from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pocketstack.config import Settings
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
from pocketstack.core.image.policies import IMAGE_RULES
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
    roles: RoleService
    domains: DomainService
    projects: ProjectService
    users: UserService
    catalog: CatalogService
    application_credentials: ApplicationCredentialService


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
    policy = Enforcer([*IDENTITY_RULES, *IMAGE_RULES], load_overrides(settings.policy_file))
    auth = AuthService(db, formatter, verifier, settings.token_expiration, settings.max_password_length)
    return Cloud(
        settings=settings,
        db=db,
        policy=policy,
        verifier=verifier,
        auth=auth,
        auth_scopes=AuthScopes(db),
        image_stores={sid: FilesystemStore(sid, d) for sid, d in settings.image_store_dirs.items()},
        roles=RoleService(db),
        domains=DomainService(db),
        projects=ProjectService(db),
        users=UserService(db, verifier, settings.max_password_length),
        catalog=CatalogService(db),
        application_credentials=ApplicationCredentialService(db, settings.max_password_length),
    )
