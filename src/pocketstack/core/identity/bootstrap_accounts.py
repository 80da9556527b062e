"""The bootstrap users, and the hashing of their passwords ahead of the bootstrap.

Kept apart from ``bootstrap.py`` (which needs SQLAlchemy and the models) so that ``up`` can
start the hashes first thing: argon2 lets go of the GIL, so on a fresh data directory they run
while the start imports and builds the schema, instead of after.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from pocketstack.core.identity.passwords import PasswordVerifier


@dataclass(frozen=True)
class Account:
    """A bootstrap user: its name, its project and the role it holds there."""

    user: str
    project: str
    role: str
    password: str
    # False when the password is the one kept from an earlier start: no need to pay for a
    # hash verification to learn it did not change.
    check_password: bool = True


class HashesAhead:
    """New hashes of the passwords the bootstrap may have to store (those it checks), made in
    threads from the moment this is built. ``close()`` waits for them: a process must not fork
    while they run."""

    def __init__(self, verifier: PasswordVerifier, accounts: list[Account]) -> None:
        passwords = list(dict.fromkeys(acct.password for acct in accounts if acct.check_password))
        self._futures: dict[str, Future[str]] = {}
        self._pool: ThreadPoolExecutor | None = None
        if passwords:
            import argon2  # noqa: F401 - here, so that the threads never import crosswise with this one

            self._pool = ThreadPoolExecutor(len(passwords), thread_name_prefix="bootstrap-hash")
            self._futures = {pw: self._pool.submit(verifier.hash, pw) for pw in passwords}

    def get(self, password: str) -> str | None:
        """The hash made ahead for ``password``, once done; None if none was started."""
        future = self._futures.get(password)
        return None if future is None else future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
