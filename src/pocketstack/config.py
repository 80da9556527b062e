"""Settings: defaults, then an optional TOML file, then POCKETSTACK_* environment, then options.

Read once at the edge (the CLI or a test) and passed in; nothing deeper reads configuration.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pocketstack"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8770
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = None
    public_url: str | None = None
    region: str = "RegionOne"
    token_expiration: int = 3600
    max_active_keys: int = 3
    max_request_body_size: int = 114688
    max_password_length: int = 4096
    # argon2id cost of new password and secret hashes (Keystone's password_hash_rounds): lower
    # it only for throwaway clouds, such as a CI job's, where hashing speed matters more.
    password_hash_time_cost: int = 3
    password_hash_memory_kib: int = 65536
    admin_password: str | None = None
    demo_password: str | None = None
    policy_file: Path | None = None
    log_level: str = "info"
    # Image stores by id -> directory ("" = DATA_DIR/images/<id>); the first is the default.
    image_stores: str = "default"
    image_size_cap: int = 1024**4
    image_storage_quota: int = 0  # bytes per project; 0 means no limit
    # Which URLs web-download may fetch (Glance's import_filtering_opts, same defaults):
    # comma-separated; where an allowed list is set, its disallowed list is ignored.
    image_import_allowed_schemes: str = "http,https"
    image_import_disallowed_schemes: str = ""
    image_import_allowed_hosts: str = ""
    image_import_disallowed_hosts: str = ""
    image_import_allowed_ports: str = "80,443"
    image_import_disallowed_ports: str = ""
    # Compute: the fake driver simulates this many hosts of this size, in placement "nova".
    compute_driver: str = "fake"
    fake_hosts: int = 4
    fake_host_vcpus: int = 64
    fake_host_memory_mb: int = 256 * 1024
    fake_host_disk_gb: int = 2048
    fake_action_delay_ms: int = 0  # how long each simulated driver action takes
    fake_snapshot_delay_ms: int = 0  # how much longer a simulated snapshot takes (its disk upload)
    fixed_network_cidr: str = "10.0.0.0/16"  # the subnet of each project's auto-allocated network
    build_timeout: int = 600  # seconds a build may take before it is failed; must be > 0
    reclaim_instance_interval: int = 0  # seconds deleted servers stay restorable; 0 = delete at once
    quota_defaults: str = ""  # overrides of the default quota class, e.g. "instances=20,cores=40"
    compute_workers: int = 8  # threads that carry out server tasks
    workers: int = 0  # API processes serving the port; 0 = one per core, at most 4
    metrics_require_token: bool = False  # GET /metrics: anonymous, or a system-scoped admin's token
    # Network: the external network ``public`` made on the first start (floating IPs come from
    # it); the pool is FIRST-LAST, or empty for every address of the CIDR but the gateway (.1).
    public_network_cidr: str = "172.24.4.0/24"
    public_network_pool: str = ""
    network_quota_defaults: str = ""  # overrides of Neutron's quota defaults, e.g. "port=1000,network=20"
    # Object storage: where object data lives ("" = DATA_DIR/objects), the quotas of an account
    # that sets none of its own (0 = no limit), and how often expired objects are deleted.
    object_data_dir: Path | None = None
    object_account_quota_bytes: int = 0
    object_account_quota_count: int = 0
    object_expiry_interval: int = 60  # seconds; 0 turns the periodic deletion off

    @property
    def worker_count(self) -> int:
        if self.workers < 0:
            raise ValueError("workers must be 0 (one per core, at most 4) or a positive number")
        return self.workers or min(os.cpu_count() or 1, 4)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'pocketstack.db'}"

    @property
    def base_url(self) -> str:
        """The URL clients reach us at, as written into the catalog and clouds.yaml."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "fernet-keys"

    @property
    def credential_keys_dir(self) -> Path:
        """Keys sealing credential blobs, apart from the token keys (as Keystone's)."""
        return self.data_dir / "credential-keys"

    @property
    def object_data_path(self) -> Path:
        return self.object_data_dir or self.data_dir / "objects"

    @property
    def image_store_dirs(self) -> dict[str, Path]:
        """``image_stores`` is ``id[=dir],id[=dir]...``, e.g. ``fast=/ssd/img,cheap``."""
        stores: dict[str, Path] = {}
        for item in filter(None, (part.strip() for part in self.image_stores.split(","))):
            store_id, _, directory = item.partition("=")
            stores[store_id] = (
                Path(directory).expanduser() if directory else self.data_dir / "images" / store_id
            )
        if not stores:
            raise ValueError("image_stores names no store")
        return stores


def _coerce(name: str, value: Any) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if value is None:
        return None
    if str(kind) in ("bool", "<class 'bool'>"):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text not in ("true", "1", "yes", "on", "false", "0", "no", "off"):
            raise ValueError(f"{name} must be true or false, not {value!r}")
        return text in ("true", "1", "yes", "on")
    if "int" in str(kind):
        return int(value)
    if "Path" in str(kind):
        return Path(value).expanduser()
    return str(value)


def load_settings(
    config_file: Path | None = None,
    env: dict[str, str] | None = None,
    **options: Any,
) -> Settings:
    """Merge the layers; ``options`` whose value is None are treated as not given."""
    env = dict(os.environ) if env is None else env
    names = {f.name for f in fields(Settings)}
    merged: dict[str, Any] = {}
    path = config_file or (Path(env["POCKETSTACK_CONFIG"]) if "POCKETSTACK_CONFIG" in env else None)
    if path is not None:
        with path.expanduser().open("rb") as fh:
            data = tomllib.load(fh)
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"{path}: unknown settings {', '.join(sorted(unknown))}")
        merged.update(data)
    for name in names:
        key = f"POCKETSTACK_{name.upper()}"
        if key in env:
            merged[name] = env[key]
    merged.update({k: v for k, v in options.items() if v is not None})
    return replace(Settings(), **{k: _coerce(k, v) for k, v in merged.items()})
