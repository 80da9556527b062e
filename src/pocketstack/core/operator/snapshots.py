"""Cloud state snapshots, restore and reset (docs/operator.md section 4).

A snapshot is one file, ``DATA_DIR/snapshots/{id}.tar``: ``manifest.json``, ``db.sqlite`` (every
table, copied through SQLAlchemy Core whatever the live database is, see ``state_copy``),
``images/{store}/{path}`` (the data of the image locations copied) and ``keys/fernet-keys/*``,
``keys/credential-keys/*``. Every call here is synchronous: it answers when the work is done.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import shutil
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from pocketstack import __version__
from pocketstack.core.errors import BadRequest, Conflict, NotFound
from pocketstack.core.operator import state_copy
from pocketstack.store import migrate
from pocketstack.store.models import Meta

if TYPE_CHECKING:
    from pocketstack.cloud import Cloud
    from pocketstack.config import Settings

ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
NAME_PATTERN = re.compile(r"^[^\x00-\x1f\x7f]{1,255}$")
HOSTS_VERSION = "placement.hosts_version"
KEY_DIRS = ("fernet-keys", "credential-keys")


@dataclass(frozen=True)
class SnapshotInfo:
    id: str
    name: str
    created_at: datetime
    storage_revision: str
    pocketstack_version: str
    size_bytes: int
    tables: dict[str, int]
    images: list[dict[str, Any]]


def snapshots_dir(settings: Settings) -> Path:
    return settings.data_dir / "snapshots"


def create(cloud: Cloud, name: str) -> SnapshotInfo:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise BadRequest("A snapshot's name has 1 to 255 characters, none of them a control character.")
    s = cloud.settings
    return _write(s, cloud.db.engine, s.image_store_dirs, s.keys_dir, s.credential_keys_dir, name)


def list_snapshots(cloud: Cloud) -> list[SnapshotInfo]:
    directory = snapshots_dir(cloud.settings)
    if not directory.is_dir():
        return []
    found = []
    for path in directory.glob("*.tar"):
        if ID_PATTERN.fullmatch(path.stem):
            try:
                found.append(_info(path))
            except Conflict:
                continue  # not a snapshot this cloud can read: it stays out of the list
    return sorted(found, key=lambda i: (i.created_at, i.id))


def get(cloud: Cloud, snapshot_id: str) -> SnapshotInfo:
    return _info(_path(cloud.settings, snapshot_id))


def delete(cloud: Cloud, snapshot_id: str) -> None:
    _path(cloud.settings, snapshot_id).unlink(missing_ok=True)


def restore(cloud: Cloud, snapshot_id: str) -> SnapshotInfo:
    path = _path(cloud.settings, snapshot_id)
    info = _info(path)
    _restore_tar(cloud, path)
    return info


def reset(cloud: Cloud) -> None:
    """Back to a first-start cloud: the state ``up`` makes on a fresh data dir, built in a
    temporary SQLite file, snapshotted and restored. The token and credential keys are kept
    (a first start would make new ones; keeping them keeps the data dir's keys stable)."""
    from pocketstack.core.compute.flavors import ensure_default_flavors
    from pocketstack.core.identity.bootstrap import bootstrap
    from pocketstack.core.identity.bootstrap_accounts import Account
    from pocketstack.core.image.data import ImageDataService
    from pocketstack.core.image.seed import seed_first_image
    from pocketstack.core.network.seed import seed_public_network
    from pocketstack.core.placement.inventory import sync_hosts
    from pocketstack.imagestore.filesystem import FilesystemStore
    from pocketstack.store.db import Database, make_engine

    live = cloud.settings
    passwords = _bootstrap_passwords(live)
    with _scratch(live) as scratch:
        stores = ",".join(f"{sid}={scratch / 'images' / sid}" for sid in live.image_store_dirs)
        first: Settings = replace(live, data_dir=scratch, database_url=None, image_stores=stores)
        engine = make_engine(first.db_url)
        db = Database(engine)
        try:
            migrate.upgrade_if_needed(engine)
            db.revisions.ensure_all()
            accounts = [
                Account("admin", "admin", "admin", passwords["admin"]),
                Account("demo", "demo", "member", passwords["demo"]),
            ]
            bootstrap(db, cloud.verifier, accounts, first.base_url, first.region)
            ensure_default_flavors(db)
            image_stores = {sid: FilesystemStore(sid, d) for sid, d in first.image_store_dirs.items()}
            staging = FilesystemStore("os_glance_staging_store", scratch / "image-staging")
            seed_first_image(
                db,
                lambda: ImageDataService(
                    db, image_stores, staging, first.image_size_cap, first.image_storage_quota
                ),
            )
            seed_public_network(db, first.public_network_cidr, first.public_network_pool)
            sync_hosts(db, cloud.driver)
            info = _write(
                live,
                engine,
                first.image_store_dirs,
                live.keys_dir,
                live.credential_keys_dir,
                "first start",
                into=scratch,
            )
        finally:
            db.revisions.close()
            engine.dispose()
        _restore_tar(cloud, scratch / f"{info.id}.tar")


def _bootstrap_passwords(settings: Settings) -> dict[str, str]:
    """The admin and demo passwords ``up`` would use: the settings', else DATA_DIR/passwords.json."""
    path = settings.data_dir / "passwords.json"
    kept = json.loads(path.read_text()) if path.exists() else {}
    passwords = {
        "admin": settings.admin_password or kept.get("admin"),
        "demo": settings.demo_password or kept.get("demo"),
    }
    missing = sorted(user for user, password in passwords.items() if not password)
    if missing:
        raise Conflict(f"No bootstrap password for {', '.join(missing)}: DATA_DIR/passwords.json is missing.")
    return passwords  # type: ignore[return-value]


@contextmanager
def _scratch(settings: Settings) -> Iterator[Path]:
    """A temporary directory beside the snapshots (the same file system: renames are atomic)."""
    directory = snapshots_dir(settings)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    scratch = Path(tempfile.mkdtemp(prefix=".work-", dir=directory))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _path(settings: Settings, snapshot_id: str) -> Path:
    path = snapshots_dir(settings) / f"{snapshot_id}.tar"
    if not ID_PATTERN.fullmatch(snapshot_id) or not path.is_file():
        raise NotFound("snapshot", snapshot_id)
    return path


def _info(path: Path) -> SnapshotInfo:
    try:
        with tarfile.open(path) as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest = json.loads(member.read())
        return _from_manifest(path, manifest)
    except (tarfile.TarError, KeyError, TypeError, ValueError) as exc:
        raise Conflict(f"{path.name} is not a readable snapshot ({type(exc).__name__}).") from None


def _from_manifest(path: Path, manifest: dict[str, Any]) -> SnapshotInfo:
    return SnapshotInfo(
        id=manifest["id"],
        name=manifest["name"],
        created_at=datetime.fromisoformat(manifest["created_at"]),
        storage_revision=manifest["storage_revision"],
        pocketstack_version=manifest["pocketstack_version"],
        size_bytes=path.stat().st_size,
        tables=manifest["tables"],
        images=manifest["images"],
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write(
    settings: Settings,
    engine: Any,  # noqa: ANN401 - sqlalchemy Engine
    store_dirs: dict[str, Path],
    keys_dir: Path,
    credential_keys_dir: Path,
    name: str,
    into: Path | None = None,
) -> SnapshotInfo:
    """Copy the database of ``engine`` with its image files and the key files into a new tar
    (in ``into``, else the snapshots directory), written under a temporary name and renamed."""
    snapshot_id = uuid.uuid4().hex
    revision, rows = state_copy.read_live(engine)
    with _scratch(settings) as scratch:
        state_copy.write_file(scratch / "db.sqlite", revision, rows)
        images = []
        for location in rows.get("image_locations", []):
            root = store_dirs.get(location["store_id"])
            source = root / location["path"] if root is not None else None
            if source is None or not source.is_file():
                continue
            images.append(
                {
                    "image_id": location["image_id"],
                    "store_id": location["store_id"],
                    "path": location["path"],
                    "size": source.stat().st_size,
                    "sha256": _sha256(source),
                }
            )
        manifest = {
            "id": snapshot_id,
            "name": name,
            "created_at": datetime.now(UTC).isoformat(),
            "storage_revision": revision,
            "pocketstack_version": __version__,
            "tables": {table: len(found) for table, found in rows.items()},
            "images": images,
        }
        target_dir = into or snapshots_dir(settings)
        final = target_dir / f"{snapshot_id}.tar"
        partial = scratch / "snapshot.tar"
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=2).encode()
            entry = tarfile.TarInfo("manifest.json")
            entry.size = len(data)
            tar.addfile(entry, io.BytesIO(data))
            tar.add(scratch / "db.sqlite", "db.sqlite")
            for image in images:
                tar.add(
                    store_dirs[image["store_id"]] / image["path"],
                    f"images/{image['store_id']}/{image['path']}",
                )
            for label, directory in zip(KEY_DIRS, (keys_dir, credential_keys_dir), strict=True):
                for key in sorted(directory.iterdir()) if directory.is_dir() else ():
                    if key.name.isdigit():
                        tar.add(key, f"keys/{label}/{key.name}")
        os.chmod(partial, 0o600)
        os.replace(partial, final)
    return _info(final)


def _restore_tar(cloud: Cloud, path: Path) -> None:
    """Put the cloud in the state of the snapshot at ``path``.

    The order is chosen so that no step can lose data, whatever fails or crashes:

    1. the snapshot is unpacked into a scratch directory and its database upgraded there;
    2. image files the live stores lack are written under their final names (image data is
       immutable and named by image id: no live row refers to a file that is not there yet, so
       a failure leaves only files no row names, which cost disk space and nothing else); the key
       files go to a staged directory beside the live one;
    3. one database transaction empties every table and fills it from the snapshot, bumping
       every revision counter and the scheduler's hosts version; any failure rolls it all back
       and nothing the live rows refer to has been touched;
    4. only after the commit: the staged key directories replace the live ones, and image
       files only the old rows referred to are removed (a crash in between leaves the old key
       directory in place with the snapshot's beside it as ``.{name}.restore``, and at worst
       unreferenced image files).
    """
    settings = cloud.settings
    live_stores = settings.image_store_dirs
    with _scratch(settings) as scratch:
        with tarfile.open(path) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
            wanted = {"db.sqlite"} | {f"images/{i['store_id']}/{i['path']}" for i in manifest["images"]}
            for member in tar.getmembers():
                if member.isfile() and (member.name in wanted or member.name.startswith("keys/")):
                    if ".." in Path(member.name).parts or member.name.startswith("/"):
                        raise Conflict(f"The snapshot holds an unsafe path: {member.name}")
                    tar.extract(member, scratch, set_attrs=False)
        unknown = sorted({i["store_id"] for i in manifest["images"]} - live_stores.keys())
        if unknown:
            raise Conflict(f"The snapshot holds image data of stores this cloud lacks: {', '.join(unknown)}")
        for image in manifest["images"]:
            if _sha256(scratch / "images" / image["store_id"] / image["path"]) != image["sha256"]:
                raise Conflict(
                    f"The snapshot's data of image {image['image_id']} does not match its manifest."
                )

        snapshot_db = state_copy.sqlite_engine(scratch / "db.sqlite")
        try:
            if migrate.current_revision(snapshot_db) != migrate.head_revision(snapshot_db):
                migrate.upgrade(snapshot_db)
            with snapshot_db.connect() as conn, conn.begin():
                _, rows = state_copy.read_all(conn)
        finally:
            snapshot_db.dispose()

        replaced: list[tuple[Path, Path]] = []
        for image in manifest["images"]:
            source = scratch / "images" / image["store_id"] / image["path"]
            target = live_stores[image["store_id"]] / image["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.replace(source, target)
            elif _sha256(target) != image["sha256"]:
                replaced.append((source, target))

        staged: list[tuple[Path, Path]] = []
        for label, live_dir in zip(KEY_DIRS, (settings.keys_dir, settings.credential_keys_dir), strict=True):
            found = scratch / "keys" / label
            if found.is_dir() and any(found.iterdir()):
                stage = live_dir.with_name(f".{live_dir.name}.restore")
                shutil.rmtree(stage, ignore_errors=True)
                shutil.copytree(found, stage)
                os.chmod(stage, 0o700)
                staged.append((stage, live_dir))

        kept = {(loc["store_id"], loc["path"]) for loc in rows.get("image_locations", [])}
        with cloud.db.transaction() as session:
            conn = session.connection()
            live_version = _hosts_version(conn)
            old_files = {
                (store_id, rel)
                for store_id, rel in conn.execute(
                    select(_location_table().c.store_id, _location_table().c.path)
                )
            }
            state_copy.replace_live(conn, rows)
            version = max(live_version, _hosts_version(conn)) + 1
            if conn.execute(select(Meta.value).where(Meta.key == HOSTS_VERSION)).first() is None:
                conn.execute(insert(Meta).values(key=HOSTS_VERSION, value=str(version)))
            else:
                conn.execute(update(Meta).where(Meta.key == HOSTS_VERSION).values(value=str(version)))

        for source, target in replaced:
            os.replace(source, target)
        for stage, live_dir in staged:
            old = live_dir.with_name(f".{live_dir.name}.old-{secrets.token_hex(4)}")
            if live_dir.exists():
                os.replace(live_dir, old)
            os.replace(stage, live_dir)
            shutil.rmtree(old, ignore_errors=True)
        for store_id, rel in old_files - kept:
            root = live_stores.get(store_id)
            if root is not None:
                (root / rel).unlink(missing_ok=True)
    _refresh_process_caches(cloud)


def _location_table() -> Any:  # noqa: ANN401 - sqlalchemy Table
    from pocketstack.store.image_models import ImageLocation

    return ImageLocation.__table__


def _hosts_version(conn: Any) -> int:  # noqa: ANN401 - sqlalchemy Connection
    value = conn.execute(select(Meta.value).where(Meta.key == HOSTS_VERSION)).scalar()
    return int(value) if value else 0


def _refresh_process_caches(cloud: Cloud) -> None:
    """This process sees the restored keys at once (other processes within a second, when their
    key rings see the directory change); every cache keyed on a counter follows the bumps."""
    cloud.auth.formatter.keys.refresh()
    if "task_secrets" in cloud.__dict__:
        cloud.task_secrets.cipher.ring.refresh()
