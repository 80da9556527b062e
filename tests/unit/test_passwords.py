"""argon2id hashing and the verification cache."""

from __future__ import annotations

from pocketstack.core.identity.passwords import PasswordVerifier, hash_password


def test_hash_is_argon2id_and_salted() -> None:
    first, second = hash_password("s3cret"), hash_password("s3cret")
    assert first.startswith("$argon2id$")
    assert first != second


def test_verify_accepts_right_and_refuses_wrong_password() -> None:
    stored = hash_password("right")
    verifier = PasswordVerifier()
    assert verifier.verify("u1", "right", stored)
    assert verifier.verify("u1", "right", stored)  # second time from the cache
    assert not verifier.verify("u1", "wrong", stored)
    assert not verifier.verify("u1", "right", None)


def test_cache_never_outlives_a_password_change() -> None:
    verifier = PasswordVerifier()
    old = hash_password("old")
    assert verifier.verify("u1", "old", old)
    new = hash_password("new")
    assert not verifier.verify("u1", "old", new)
    assert verifier.verify("u1", "new", new)


def test_cache_is_per_subject() -> None:
    verifier = PasswordVerifier()
    stored = hash_password("pw")
    assert verifier.verify("u1", "pw", stored)
    assert not verifier.verify("u2", "pw", hash_password("other"))
