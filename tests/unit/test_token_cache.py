"""Cached validations never outlive a change of identity state or of the key ring."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select

from pocketstack.cloud import Cloud, build_cloud
from pocketstack.config import Settings
from pocketstack.core.errors import Unauthorized
from pocketstack.core.identity import keys
from pocketstack.core.identity.auth import AuthRequest, ScopeRequest, UserRef
from pocketstack.core.identity.bootstrap import Account, bootstrap
from pocketstack.store.models import Assignment, User


@pytest.fixture
def cloud(tmp_path: Path) -> Cloud:
    settings = Settings(data_dir=tmp_path)
    cloud = build_cloud(settings)
    bootstrap(cloud.db, cloud.verifier, [Account("demo", "demo", "member", "pw")], settings.base_url, "R")
    return cloud


def demo_token(cloud: Cloud) -> str:
    req = AuthRequest(
        methods=("password",),
        user=UserRef(name="demo", domain_id="default"),
        password="pw",
        scope=ScopeRequest("project", name="demo", domain_id="default"),
    )
    return cloud.auth.authenticate(req).token


def test_disabling_the_user_invalidates_a_cached_validation(cloud: Cloud) -> None:
    token = demo_token(cloud)
    assert cloud.auth.validate(token).user.name == "demo"
    with cloud.db.transaction() as s:
        s.scalar(select(User).where(User.name == "demo")).enabled = False
    with pytest.raises(Unauthorized):
        cloud.auth.validate(token)


def test_a_bulk_delete_of_grants_invalidates_too(cloud: Cloud) -> None:
    token = demo_token(cloud)
    cloud.auth.validate(token)
    with cloud.db.transaction() as s:
        s.execute(delete(Assignment))
    with pytest.raises(Unauthorized):
        cloud.auth.validate(token)


def test_a_rolled_back_change_keeps_the_cache(cloud: Cloud) -> None:
    token = demo_token(cloud)
    cloud.auth.validate(token)
    before = cloud.auth.revision.value
    with pytest.raises(RuntimeError), cloud.db.transaction() as s:
        s.scalar(select(User).where(User.name == "demo")).enabled = False
        s.flush()
        raise RuntimeError("abort")
    assert cloud.auth.revision.value == before
    assert cloud.auth.validate(token).user.enabled


def test_rotating_out_the_issuing_key_invalidates(cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    token = demo_token(cloud)
    cloud.auth.validate(token)
    directory = cloud.settings.keys_dir
    keys.rotate(directory, 2)
    keys.rotate(directory, 2)  # key 1, which sealed the token, is pruned now
    ring = cloud.auth.formatter.keys
    monkeypatch.setattr(ring, "_checked", 0.0)  # skip the once-a-second throttle
    ring._mtime = -1.0
    with pytest.raises(Unauthorized):
        cloud.auth.validate(token)
