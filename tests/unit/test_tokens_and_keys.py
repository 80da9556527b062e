"""The token format and the key repository's rotation."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pocketstack.core.errors import Unauthorized
from pocketstack.core.identity import keys
from pocketstack.core.identity.tokens import TokenFormatter, TokenPayload, new_audit_id


def payload(**changes: object) -> TokenPayload:
    now = datetime.now(UTC)
    audit = new_audit_id()
    base = dict(
        user_id="0123456789abcdef0123456789abcdef",
        methods=("password", "token"),
        scope="project",
        scope_id="fedcba9876543210fedcba9876543210",
        issued_at=now,
        expires_at=now + timedelta(hours=1),
        audit_id=audit,
        audit_chain_id=audit,
    )
    base.update(changes)
    return TokenPayload(**base)  # type: ignore[arg-type]


def formatter(directory: Path) -> TokenFormatter:
    keys.initialize(directory)
    return TokenFormatter(keys.KeyRing(directory))


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    fmt = formatter(tmp_path / "k")
    original = payload(user_id="admin-not-hex", scope="system", scope_id=None)
    opened = fmt.open(fmt.seal(original))
    assert opened.user_id == "admin-not-hex"
    assert opened.methods == ("password", "token")
    assert opened.scope == "system" and opened.scope_id is None
    assert opened.audit_id == original.audit_id
    assert abs(opened.issued_at - original.issued_at) < timedelta(microseconds=2)


def test_token_is_url_safe_and_short(tmp_path: Path) -> None:
    token = formatter(tmp_path / "k").seal(payload())
    assert "=" not in token and "+" not in token and "/" not in token
    assert len(token) < 255


@pytest.mark.parametrize("garbage", ["", "abc", "gAAAAA" + "x" * 200, "é" * 10, "a" * 5000])
def test_garbage_and_tampering_are_unauthorized(tmp_path: Path, garbage: str) -> None:
    fmt = formatter(tmp_path / "k")
    with pytest.raises(Unauthorized):
        fmt.open(garbage)
    token = fmt.seal(payload())
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(Unauthorized):
        fmt.open(flipped)


def test_token_from_another_key_repository_is_refused(tmp_path: Path) -> None:
    token = formatter(tmp_path / "a").seal(payload())
    with pytest.raises(Unauthorized):
        formatter(tmp_path / "b").open(token)


def test_key_files_are_private(tmp_path: Path) -> None:
    directory = tmp_path / "k"
    keys.initialize(directory)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    for path in directory.iterdir():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_rotation_keeps_tokens_of_active_keys_and_prunes_old_ones(tmp_path: Path) -> None:
    directory = tmp_path / "k"
    keys.initialize(directory)
    old = TokenFormatter(keys.KeyRing(directory)).seal(payload())
    assert keys.rotate(directory, max_active_keys=3) == [0, 1, 2]
    ring = TokenFormatter(keys.KeyRing(directory))
    assert ring.open(old).scope == "project"  # issued by key 1, now secondary
    assert keys.rotate(directory, max_active_keys=3) == [0, 2, 3]
    with pytest.raises(Unauthorized):
        TokenFormatter(keys.KeyRing(directory)).open(old)


def test_staged_key_decrypts_before_it_becomes_primary(tmp_path: Path) -> None:
    """A node that has rotated already issues tokens other nodes (not yet rotated) accept."""
    a, b = tmp_path / "a", tmp_path / "b"
    keys.initialize(a)
    b.mkdir(mode=0o700)
    for path in a.iterdir():
        (b / path.name).write_bytes(path.read_bytes())
    keys.rotate(b)
    token = TokenFormatter(keys.KeyRing(b)).seal(payload())
    assert TokenFormatter(keys.KeyRing(a)).open(token).scope == "project"
