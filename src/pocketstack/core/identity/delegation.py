"""The delegation services together: trusts, credentials, EC2 credentials, access rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pocketstack.core.identity.access_rules import AccessRuleService
from pocketstack.core.identity.auth import AuthService
from pocketstack.core.identity.credential_keys import CredentialCipher
from pocketstack.core.identity.credentials import CredentialService
from pocketstack.core.identity.ec2 import Ec2Service
from pocketstack.core.identity.trusts import TrustService
from pocketstack.store.db import Database


@dataclass(frozen=True)
class Delegation:
    trusts: TrustService
    credentials: CredentialService
    ec2: Ec2Service
    access_rules: AccessRuleService


def build_delegation(db: Database, credential_keys_dir: Path, auth: AuthService) -> Delegation:
    """``credential_keys_dir`` is the credential key repository (created when missing)."""
    credentials = CredentialService(db, CredentialCipher(credential_keys_dir))
    return Delegation(
        trusts=TrustService(db),
        credentials=credentials,
        ec2=Ec2Service(db, credentials, auth),
        access_rules=AccessRuleService(db),
    )
