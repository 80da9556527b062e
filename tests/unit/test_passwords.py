"""argon2id hashing and the verification cache."""

from __future__ import annotations

import pytest

from pocketstack.core.identity.passwords import DEFAULT_MEMORY_KIB, DEFAULT_TIME_COST, PasswordVerifier


def test_hash_is_argon2id_salted_and_by_default_costly() -> None:
    verifier = PasswordVerifier()
    first, second = verifier.hash("s3cret"), verifier.hash("s3cret")
    assert first.startswith(f"$argon2id$v=19$m={DEFAULT_MEMORY_KIB},t={DEFAULT_TIME_COST},")
    assert first != second


def test_a_cheaper_setting_applies_to_new_hashes_and_old_ones_still_verify() -> None:
    strong = PasswordVerifier().hash("pw")
    cheap = PasswordVerifier(time_cost=1, memory_kib=1024)
    assert cheap.hash("pw").startswith("$argon2id$v=19$m=1024,t=1,")
    assert cheap.verify("u1", "pw", strong)
    with pytest.raises(ValueError):
        PasswordVerifier(time_cost=0)


def test_verify_accepts_right_and_refuses_wrong_password() -> None:
    verifier = PasswordVerifier()
    stored = verifier.hash("right")
    assert verifier.verify("u1", "right", stored)
    assert verifier.verify("u1", "right", stored)  # second time from the cache
    assert not verifier.verify("u1", "wrong", stored)
    assert not verifier.verify("u1", "right", None)


def test_cache_never_outlives_a_password_change() -> None:
    verifier = PasswordVerifier()
    old = verifier.hash("old")
    assert verifier.verify("u1", "old", old)
    new = verifier.hash("new")
    assert not verifier.verify("u1", "old", new)
    assert verifier.verify("u1", "new", new)


def test_cache_is_per_subject() -> None:
    verifier = PasswordVerifier()
    stored = verifier.hash("pw")
    assert verifier.verify("u1", "pw", stored)
    assert not verifier.verify("u2", "pw", verifier.hash("other"))
