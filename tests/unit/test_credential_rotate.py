"""``pocketstack admin credential-rotate``: new primary key, every blob re-sealed and readable."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from pocketstack.cli.main import app
from pocketstack.config import Settings
from pocketstack.core.identity.common import utcnow
from pocketstack.core.identity.credential_keys import CredentialCipher
from pocketstack.core.identity.credentials import CredentialService
from pocketstack.store import migrate
from pocketstack.store.db import Database, make_engine
from pocketstack.store.identity_delegation_models import Credential
from pocketstack.store.models import Domain, User


def test_credential_rotate_reseals_blobs(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    engine = make_engine(settings.db_url)
    migrate.upgrade_if_needed(engine)
    db = Database(engine)
    with db.transaction() as s:
        s.add(Domain(id="d", name="d", created_at=utcnow()))
        s.add(User(id="u", name="u", domain_id="d", created_at=utcnow()))
    service = CredentialService(db, CredentialCipher(settings.credential_keys_dir))
    cred = service.create(user_id="u", type="cert", blob="the-secret")
    with db.read() as s:
        before = s.scalar(select(Credential.key_hash))
    for _ in range(3):
        result = CliRunner().invoke(app, ["admin", "credential-rotate", "--data-dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
    assert "credential-keys" in result.output
    with db.read() as s:
        after = s.scalar(select(Credential.key_hash))
    assert after != before
    assert after == CredentialCipher(settings.credential_keys_dir).primary_hash()
    assert (
        CredentialService(db, CredentialCipher(settings.credential_keys_dir)).get(cred.id).blob
        == "the-secret"
    )
    assert not (settings.keys_dir / "3").exists()  # the token keys were left alone
