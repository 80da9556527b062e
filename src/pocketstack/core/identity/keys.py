"""The Fernet key repository, laid out as Keystone's: files named 0, 1, 2, ... in one directory.

Key 0 is *staged* (the next primary, already accepted for decryption), the highest number is
*primary* (encrypts new tokens), the rest are *secondary* (still decrypt tokens they issued).
Rotation promotes the staged key to primary, stages a new key 0 and prunes the oldest
secondaries beyond ``max_active_keys``.
"""

from __future__ import annotations

import base64
import fcntl
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet


def _write_key(path: Path, key: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    os.replace(tmp, path)


def _new_key() -> bytes:
    """What ``Fernet.generate_key`` returns, without importing cryptography at start (it is a
    tenth of a start's memory; the first token needs it)."""
    return base64.urlsafe_b64encode(os.urandom(32))


def _key_numbers(directory: Path) -> list[int]:
    return sorted(int(p.name) for p in directory.iterdir() if p.name.isdigit())


def primary_key(directory: Path) -> bytes:
    """The key that encrypts now (the highest number)."""
    return (directory / str(_key_numbers(directory)[-1])).read_bytes().strip()


def initialize(directory: Path) -> None:
    """Create the repository with a staged key 0 and a primary key 1, if it is empty."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)
    if not _key_numbers(directory):
        _write_key(directory / "0", _new_key())
        _write_key(directory / "1", _new_key())


def stages(directory: Path) -> list[tuple[int, str]]:
    """Each key's number and stage (staged, primary, secondary), primary first."""
    numbers = _key_numbers(directory)
    if not numbers:
        return []
    ordered = [numbers[-1], *reversed(numbers[:-1])]
    return [(n, "primary" if n == numbers[-1] else "staged" if n == 0 else "secondary") for n in ordered]


def rotate(directory: Path, max_active_keys: int = 3) -> list[int]:
    """Promote staged to primary, stage a new key, prune; returns the key numbers kept. Two
    rotations (the admin command, the Operator API of any worker) take turns on a file lock."""
    if max_active_keys < 2:
        raise ValueError("max_active_keys must be at least 2 (staged and primary)")
    initialize(directory)
    fd = os.open(directory / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return _rotate_locked(directory, max_active_keys)
    finally:
        os.close(fd)


def _rotate_locked(directory: Path, max_active_keys: int) -> list[int]:
    numbers = _key_numbers(directory)
    os.replace(directory / "0", directory / str(numbers[-1] + 1))
    _write_key(directory / "0", _new_key())
    numbers = _key_numbers(directory)
    secondaries = numbers[1:-1]
    excess = len(numbers) - max_active_keys
    for number in secondaries[: max(excess, 0)]:
        (directory / str(number)).unlink()
    return _key_numbers(directory)


class KeyRing:
    """A MultiFernet over the repository: encrypt with primary, decrypt with any key.

    Rereads the directory when its modification time changes (checked at most once a second), so
    ``pocketstack admin rotate-keys`` takes effect on a running server without a restart.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._mtime = -1.0
        self._checked = 0.0
        self._fernet: MultiFernet | None = None
        self._load()

    def _load(self) -> None:
        from cryptography.fernet import Fernet, MultiFernet

        numbers = _key_numbers(self.directory)
        if len(numbers) < 2:
            raise RuntimeError(f"{self.directory}: the key repository needs a staged and a primary key")
        order = [numbers[-1], *reversed(numbers[:-1])]
        keys = [Fernet((self.directory / str(n)).read_bytes().strip()) for n in order]
        self._fernet = MultiFernet(keys)
        self._mtime = self.directory.stat().st_mtime

    def refresh(self) -> None:
        """Reread the repository now (a key rotated within the last second is seen at once)."""
        with self._lock:
            self._checked = time.monotonic()
            self._load()

    @property
    def fernet(self) -> MultiFernet:
        now = time.monotonic()
        if now - self._checked > 1.0:
            with self._lock:
                self._checked = now
                if self.directory.stat().st_mtime != self._mtime:
                    self._load()
        assert self._fernet is not None
        return self._fernet
