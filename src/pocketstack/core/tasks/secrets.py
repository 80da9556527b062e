"""A task's secret parameters (changePassword's password) are sealed with the credential keys
before the task row is written, opened only by the step that hands them to the driver, and
erased from the row when the task ends: no password is ever stored in the clear, shown in a
task, or kept once used. The conductor may run in another process than the API (a shared
PostgreSQL), so the secret travels in the row rather than in memory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # recovery imports ``erased`` at start; the cipher (cryptography) can wait
    from pocketstack.core.identity.credential_keys import CredentialCipher

SECRET_PARAMS = ("password",)
SEALED = "sealed"  # the key, in a task's params, of its sealed secrets


class TaskSecrets:
    def __init__(self, cipher: CredentialCipher) -> None:
        self.cipher = cipher

    def seal(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` with each secret moved, encrypted, under ``SEALED``."""
        secrets = {k: params[k] for k in SECRET_PARAMS if k in params}
        kept = {k: v for k, v in params.items() if k not in secrets}
        if secrets:
            kept[SEALED] = {k: self.cipher.seal(v)[0] for k, v in secrets.items()}
        return kept

    def open(self, params: Mapping[str, Any] | None, key: str) -> str:
        """The secret ``key`` of a task's params; '' when it has none (already erased)."""
        sealed = ((params or {}).get(SEALED) or {}).get(key)
        return self.cipher.open(sealed) if sealed else ""


def erased(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The params to keep once the task ends: without its sealed secrets; None when it had none
    (nothing to rewrite)."""
    if not params or SEALED not in params:
        return None
    return {k: v for k, v in params.items() if k != SEALED}
