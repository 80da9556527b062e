"""The ``pocketstack`` command's typer app: every command, help and argument errors (see
``main.py`` for the one way in that skips it)."""

from __future__ import annotations

import functools
import inspect
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn
from urllib.parse import quote

import typer

from pocketstack.cli.main import start_up
from pocketstack.config import load_settings

if TYPE_CHECKING:
    from pocketstack.cli.admin_client import OperatorClient

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="An OpenStack-compatible cloud.",
)
admin = typer.Typer(no_args_is_help=True, help="Operate a pocketstack installation.")
app.add_typer(admin, name="admin")

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="A TOML settings file.")]
DataDirOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="Where state lives (default: per-user dir).")
]


# -- the Operator API's client commands (docs/operator.md section 6) ---------------------------
class Format(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"


CloudOpt = Annotated[
    str,
    typer.Option(
        "--os-cloud", envvar="OS_CLOUD", help="The clouds.yaml entry to use (a system-scoped admin)."
    ),
]
FormatOpt = Annotated[Format, typer.Option("-f", "--format", help="A table, or the API's JSON (or YAML).")]
DEFAULT_CLOUD = "pocketstack-system"  # admin_client.DEFAULT_CLOUD, without importing httpx here


@app.command()
def up(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    database_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: SQLite).")] = None,
    admin_password: Annotated[str | None, typer.Option(help="Password of the admin user.")] = None,
    demo_password: Annotated[str | None, typer.Option(help="Password of the demo user.")] = None,
    workers: Annotated[
        int | None, typer.Option(help="API processes serving the port (default: one per core, at most 4).")
    ] = None,
) -> None:
    """Start the whole cloud on one port (one or several API processes: --workers)."""
    start_up(
        config,
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        admin_password=admin_password,
        demo_password=demo_password,
        workers=workers,
    )


@admin.command("rotate-keys")
def rotate_keys(
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    os_cloud: Annotated[
        str, typer.Option("--os-cloud", help="The entry of the data dir's clouds.yaml to call the API as.")
    ] = DEFAULT_CLOUD,
) -> None:
    """Rotate the token keys (staged -> primary, new staged key, old secondaries pruned): through
    the Operator API when the data dir's cloud answers, else on the key files."""
    from pocketstack.cli.admin_client import AdminError, OperatorClient, Unreachable, load_cloud
    from pocketstack.core.identity import keys

    settings = load_settings(config, data_dir=data_dir)
    try:
        cloud = load_cloud(settings.data_dir / "clouds.yaml", os_cloud)
    except AdminError as exc:
        cloud, why = None, str(exc)
    if cloud is not None:
        try:
            with OperatorClient(cloud) as op:
                found = (op.request("POST", "/keys/rotate") or {})["keys"]
        except Unreachable as exc:
            why = str(exc)
        except AdminError as exc:
            _fail(str(exc))
        else:
            ids = sorted((k["id"] for k in found), key=int)
            primary = next(k["id"] for k in found if k["stage"] == "primary")
            where = f"through the Operator API at {op.endpoint}"
            typer.echo(f"rotated {where}: keys {', '.join(ids)} (primary {primary})")
            return
    kept = keys.rotate(settings.keys_dir, settings.max_active_keys)
    typer.echo(
        f"rotated the key files ({why}): keys in {settings.keys_dir}: {', '.join(map(str, kept))} "
        f"(primary {kept[-1]})"
    )


@admin.command("credential-rotate")
def credential_rotate(data_dir: DataDirOpt = None, config: ConfigOpt = None) -> None:
    """Rotate the credential keys and re-encrypt every stored credential with the new key."""
    from pocketstack.core.identity import credential_keys
    from pocketstack.store import migrate
    from pocketstack.store.db import Database, make_engine

    settings = load_settings(config, data_dir=data_dir)
    engine = make_engine(settings.db_url)
    migrate.upgrade_if_needed(engine)
    kept = credential_keys.rotate(Database(engine), settings.credential_keys_dir, settings.max_active_keys)
    typer.echo(f"keys in {settings.credential_keys_dir}: {', '.join(map(str, kept))} (primary {kept[-1]})")


@dataclass
class Target:
    """Where a command's cloud is (a clouds.yaml entry, the file found as admin_client says) and
    how it prints (``-f``)."""

    os_cloud: str
    data_dir: Path | None
    config: Path | None
    fmt: Format = Format.table


def target_options(
    cloud: Any, default_cloud: str, fmt: Any
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A decorator for a command whose parameter ``target: Target`` stands for the options every
    command of a kind ends with: ``--os-cloud`` (the ``cloud`` alias, ``default_cloud``),
    ``--data-dir``, ``--config`` and ``-f`` (the ``fmt`` alias), given to it as one Target."""
    shared = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=alias, default=default)
        for name, alias, default in (
            ("os_cloud", cloud, default_cloud),
            ("data_dir", DataDirOpt, None),
            ("config", ConfigOpt, None),
            ("fmt", fmt, Format.table),
        )
    ]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = inspect.signature(command, eval_str=True).parameters.values()
        params = [*(p for p in own if p.name != "target"), *shared]

        @functools.wraps(command)
        def run(
            *args: Any, os_cloud: str, data_dir: Path | None, config: Path | None, fmt: Format, **kwargs: Any
        ) -> None:
            command(*args, target=Target(os_cloud, data_dir, config, fmt), **kwargs)

        run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]  # what typer reads
        run.__annotations__ = {p.name: p.annotation for p in params}
        return run

    return decorate


admin_options = target_options(CloudOpt, DEFAULT_CLOUD, FormatOpt)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@contextmanager
def _operator(target: Target) -> Iterator[OperatorClient]:
    from pocketstack.cli.admin_client import AdminError, OperatorClient, clouds_file, load_cloud

    try:
        settings = load_settings(target.config, data_dir=target.data_dir)
        with OperatorClient(
            load_cloud(clouds_file(target.data_dir, settings.data_dir), target.os_cloud)
        ) as client:
            yield client
    except AdminError as exc:
        _fail(str(exc))


# -- output (shared with the commands built on the SDK: sdk_commands.py) -------------------------

Columns = dict[str, Callable[[dict[str, Any]], Any]]


def field(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda item: item.get(name)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def dump(doc: Any, fmt: Format) -> None:
    """A document as JSON, or as YAML."""
    if fmt is Format.yaml:
        import yaml

        typer.echo(yaml.safe_dump(doc, sort_keys=False).rstrip("\n"))
    else:
        typer.echo(json.dumps(doc, indent=2))


def _print_json(doc: Any, fmt: Format = Format.json) -> None:
    from pocketstack.cli.admin_client import without_links

    dump(without_links(doc), fmt)


def _table(headers: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console(width=None if sys.stdout.isatty() else 1000).print(table)  # piped: never wrap a cell


def fields_table(fields: Iterable[tuple[str, Any]]) -> None:
    """One record as a table of its fields and their values."""
    _table(["Field", "Value"], [[k, _cell(v)] for k, v in fields])


def columns_table(items: list[dict[str, Any]], columns: Columns) -> None:
    """Records as a table, a row each, a column for each of ``columns``."""
    _table(list(columns), [[_cell(get(item)) for get in columns.values()] for item in items])


def _show(doc: dict[str, Any], fmt: Format, skip: tuple[str, ...] = ()) -> None:
    if fmt is not Format.table:
        _print_json(doc, fmt)
        return
    fields_table((k, v) for k, v in doc.items() if k != "_links" and k not in skip)


def _list(key: str, items: list[dict[str, Any]], fmt: Format, columns: Columns) -> None:
    if fmt is not Format.table:
        _print_json({key: items}, fmt)
        return
    columns_table(items, columns)


def _done(fmt: Format, message: str) -> None:
    if fmt is Format.table:
        typer.echo(message)


hosts_app = typer.Typer(no_args_is_help=True, help="Hosts: register, enable/disable, remove (Operator API).")
placements_app = typer.Typer(no_args_is_help=True, help="Placements: zones and their tree (Operator API).")
faults_app = typer.Typer(no_args_is_help=True, help="Fault injection of the fake driver (Operator API).")
keys_app = typer.Typer(no_args_is_help=True, help="Token keys: list and rotate (Operator API).")
tasks_app = typer.Typer(no_args_is_help=True, help="Tasks across every project (Operator API).")
admin.add_typer(hosts_app, name="hosts")
admin.add_typer(placements_app, name="placements")
admin.add_typer(faults_app, name="faults")
admin.add_typer(keys_app, name="keys")
admin.add_typer(tasks_app, name="tasks")

HOST_COLUMNS: Columns = {
    "ID": field("id"),
    "Name": field("name"),
    "Enabled": field("enabled"),
    "Reason": field("disabled_reason"),
    "vCPUs": lambda h: f"{h['usage']['vcpus']}/{h['vcpus']}",
    "Memory MB": lambda h: f"{h['usage']['memory_mb']}/{h['memory_mb']}",
    "Disk GB": lambda h: f"{h['usage']['disk_gb']}/{h['disk_gb']}",
    "Servers": lambda h: h["usage"]["servers"],
    "Placements": lambda h: ", ".join(h["placement_ids"]),
}


@hosts_app.command("list")
@admin_options
def hosts_list(target: Target) -> None:
    """Every host, with what it uses of its inventory."""
    with _operator(target) as op:
        _list("hosts", list(op.pages("/hosts", "hosts")), target.fmt, HOST_COLUMNS)


@hosts_app.command("show")
@admin_options
def hosts_show(target: Target, host_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """One host."""
    with _operator(target) as op:
        _show(op.request("GET", f"/hosts/{host_id}"), target.fmt)


@hosts_app.command("register")
@admin_options
def hosts_register(
    target: Target,
    name: str,
    vcpus: Annotated[int, typer.Option(help="Its vCPUs.")],
    memory_mb: Annotated[int, typer.Option(help="Its memory in MB.")],
    disk_gb: Annotated[int, typer.Option(help="Its disk in GB.")],
    placement: Annotated[str | None, typer.Option(help="Its placement id (default zone if none).")] = None,
) -> None:
    """Register a simulated host (the fake driver runs it)."""
    doc: dict[str, Any] = {"name": name, "vcpus": vcpus, "memory_mb": memory_mb, "disk_gb": disk_gb}
    if placement is not None:
        doc["placement_id"] = placement
    with _operator(target) as op:
        _show(op.request("POST", "/hosts", json=doc), target.fmt)


@hosts_app.command("set")
@admin_options
def hosts_set(
    target: Target,
    host_id: Annotated[str, typer.Argument(metavar="ID")],
    enable: Annotated[bool | None, typer.Option("--enable/--disable", help="Scheduler may use it.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why it is disabled.")] = None,
) -> None:
    """Enable or disable a host."""
    doc: dict[str, Any] = {}
    if enable is not None:
        doc["enabled"] = enable
    if reason is not None:
        doc["disabled_reason"] = reason
    if not doc:
        _fail("nothing to change: give --enable, --disable or --reason")
    with _operator(target) as op:
        _show(op.request("PATCH", f"/hosts/{host_id}", json=doc), target.fmt)


@hosts_app.command("delete")
@admin_options
def hosts_delete(target: Target, host_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Remove a host that holds no server, allocation or migration."""
    with _operator(target) as op:
        op.request("DELETE", f"/hosts/{host_id}")
    _done(target.fmt, f"deleted host {host_id}")


@hosts_app.command("servers")
@admin_options
def hosts_servers(target: Target, host_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """The servers on a host."""
    with _operator(target) as op:
        found = op.request("GET", f"/hosts/{host_id}/servers")
    _list("servers", found["servers"], target.fmt, {"ID": field("id"), "Name": field("name")})


@hosts_app.command("drain")
@admin_options
def hosts_drain(target: Target, host_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Disable a host and move every server off it; shows each move as it ends, and waits for
    the drain task (exit status 1 when a server could not be moved)."""
    with _operator(target) as op:
        task = op.request("POST", f"/hosts/{host_id}/drain")
        assert task is not None
        href = task["_links"]["self"]["href"]
        told: set[int] = set()
        while True:
            for item in task.get("items", []):
                if item["state"] != "RUNNING" and item["sequence"] not in told:
                    told.add(item["sequence"])
                    _done(target.fmt, f"{item['name']}: {item['state']} {_cell(item.get('details'))}")
            if task["state"] != "RUNNING":
                break
            time.sleep(0.5)
            task = op.request("GET", href)
            assert task is not None
    if target.fmt is not Format.table:
        _print_json(task, target.fmt)
    else:
        typer.echo(
            f"drain {task['id']}: {task['state']}" + (f" ({task['message']})" if task["message"] else "")
        )
    if task["state"] != "SUCCEEDED":
        raise typer.Exit(1)


PLACEMENT_COLUMNS: Columns = {
    "ID": field("id"),
    "Name": field("name"),
    "Parents": lambda p: ", ".join(p["parent_ids"]),
    "Children": lambda p: len(p["children"]),
    "Hosts": lambda p: ", ".join(p["hosts"]),
    "Tags": lambda p: ", ".join(p["tags"]),
}
ParentOpt = Annotated[
    list[str] | None, typer.Option("--parent", help="A parent placement id (repeat for several).")
]


@placements_app.command("list")
@admin_options
def placements_list(target: Target) -> None:
    """Every placement, by name."""
    with _operator(target) as op:
        _list("placements", list(op.pages("/placements", "placements")), target.fmt, PLACEMENT_COLUMNS)


@placements_app.command("show")
@admin_options
def placements_show(target: Target, placement_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """One placement."""
    with _operator(target) as op:
        _show(op.request("GET", f"/placements/{placement_id}"), target.fmt)


@placements_app.command("create")
@admin_options
def placements_create(
    target: Target,
    name: str,
    parent: ParentOpt = None,
    description: Annotated[str | None, typer.Option(help="What it is.")] = None,
) -> None:
    """Make a placement under existing parents (none: a root)."""
    doc: dict[str, Any] = {"name": name, "parent_ids": parent or []}
    if description is not None:
        doc["description"] = description
    with _operator(target) as op:
        _show(op.request("POST", "/placements", json=doc), target.fmt)


@placements_app.command("set")
@admin_options
def placements_set(
    target: Target,
    placement_id: Annotated[str, typer.Argument(metavar="ID")],
    name: Annotated[str | None, typer.Option(help="A new name.")] = None,
    parent: ParentOpt = None,
    root: Annotated[bool, typer.Option("--root", help="Drop every parent: make it a root.")] = False,
    description: Annotated[str | None, typer.Option(help="A new description.")] = None,
) -> None:
    """Rename, describe or re-parent a placement (--parent replaces its parents)."""
    if root and parent:
        _fail("--root and --parent exclude each other")
    doc: dict[str, Any] = {}
    if name is not None:
        doc["name"] = name
    if description is not None:
        doc["description"] = description
    if parent or root:
        doc["parent_ids"] = parent or []
    if not doc:
        _fail("nothing to change: give --name, --description, --parent or --root")
    with _operator(target) as op:
        _show(op.request("PATCH", f"/placements/{placement_id}", json=doc), target.fmt)


@placements_app.command("delete")
@admin_options
def placements_delete(target: Target, placement_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Remove a placement that holds no host and has no child."""
    with _operator(target) as op:
        op.request("DELETE", f"/placements/{placement_id}")
    _done(target.fmt, f"deleted placement {placement_id}")


@placements_app.command("tag")
@admin_options
def placements_tag(
    target: Target, placement_id: Annotated[str, typer.Argument(metavar="ID")], tag: str
) -> None:
    """Tag a placement."""
    with _operator(target) as op:
        op.request("PUT", f"/placements/{placement_id}/tags/{quote(tag, safe='')}")
    _done(target.fmt, f"tagged placement {placement_id} {tag!r}")


@placements_app.command("untag")
@admin_options
def placements_untag(
    target: Target, placement_id: Annotated[str, typer.Argument(metavar="ID")], tag: str
) -> None:
    """Remove a tag from a placement."""
    with _operator(target) as op:
        op.request("DELETE", f"/placements/{placement_id}/tags/{quote(tag, safe='')}")
    _done(target.fmt, f"untagged placement {placement_id} {tag!r}")


@faults_app.command("show")
@admin_options
def faults_show(target: Target) -> None:
    """The fault injection settings."""
    with _operator(target) as op:
        _show(op.request("GET", "/faults"), target.fmt)


@faults_app.command("set")
@admin_options
def faults_set(
    target: Target,
    fail_builds: Annotated[int | None, typer.Option(help="Builds still to fail (0 clears).")] = None,
    fail_actions: Annotated[int | None, typer.Option(help="Actions still to fail (0 clears).")] = None,
    crash_builds: Annotated[int | None, typer.Option(help="Builds still to crash (0 clears).")] = None,
    build_delay: Annotated[float | None, typer.Option(help="Seconds added to every build.")] = None,
) -> None:
    """Change some of the fault injection settings."""
    given = {
        "fail_builds": fail_builds,
        "fail_actions": fail_actions,
        "crash_builds": crash_builds,
        "build_delay": build_delay,
    }
    doc = {k: v for k, v in given.items() if v is not None}
    if not doc:
        _fail("nothing to change: give --fail-builds, --fail-actions, --crash-builds or --build-delay")
    with _operator(target) as op:
        _show(op.request("PATCH", "/faults", json=doc), target.fmt)


KEY_COLUMNS: Columns = {"ID": field("id"), "Stage": field("stage")}


@keys_app.command("list")
@admin_options
def keys_list(target: Target) -> None:
    """The token keys and their stages (never their material)."""
    with _operator(target) as op:
        _list("keys", op.request("GET", "/keys")["keys"], target.fmt, KEY_COLUMNS)


@keys_app.command("rotate")
@admin_options
def keys_rotate(target: Target) -> None:
    """Rotate: the staged key becomes primary, a new one is staged, the oldest are pruned."""
    with _operator(target) as op:
        _list("keys", op.request("POST", "/keys/rotate")["keys"], target.fmt, KEY_COLUMNS)


TASK_COLUMNS: Columns = {
    "ID": field("id"),
    "Action": field("action"),
    "State": field("state"),
    "Server": field("server_id"),
    "Project": field("project_id"),
    "Created": field("created_at"),
    "Message": field("message"),
}
ITEM_COLUMNS: Columns = {
    "#": field("sequence"),
    "Step": field("name"),
    "State": field("state"),
    "Host": field("host"),
    "Started": field("started_at"),
    "Finished": field("finished_at"),
    "Details": field("details"),
}


@tasks_app.command("list")
@admin_options
def tasks_list(
    target: Target,
    state: Annotated[str | None, typer.Option(help="running, succeeded or failed (comma-separated).")] = None,
    action: Annotated[str | None, typer.Option(help="Core action names (comma-separated).")] = None,
    server: Annotated[str | None, typer.Option(help="A server id.")] = None,
    project: Annotated[str | None, typer.Option(help="A project id.")] = None,
    stuck: Annotated[bool, typer.Option("--stuck", help="Only tasks running for too long.")] = False,
) -> None:
    """Tasks across every project, newest first."""
    given = {"state": state, "action": action, "server": server, "project": project}
    params = [(k, v) for k, v in given.items() if v is not None]
    if stuck:
        params.append(("stuck", "true"))
    with _operator(target) as op:
        _list("tasks", list(op.pages("/tasks", "tasks", params)), target.fmt, TASK_COLUMNS)


def _show_task(doc: dict[str, Any], fmt: Format) -> None:
    _show(doc, fmt, skip=("items",))
    if fmt is Format.table and doc.get("items"):
        _list("items", doc["items"], fmt, ITEM_COLUMNS)


@tasks_app.command("show")
@admin_options
def tasks_show(target: Target, task_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """A task with its steps."""
    with _operator(target) as op:
        _show_task(op.request("GET", f"/tasks/{task_id}"), target.fmt)


@tasks_app.command("abort")
@admin_options
def tasks_abort(target: Target, task_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Abort a running task: it ends FAILED, its server goes to ERROR."""
    with _operator(target) as op:
        _show_task(op.request("POST", f"/tasks/{task_id}/abort"), target.fmt)


snapshots_app = typer.Typer(no_args_is_help=True, help="Snapshots of the whole cloud (Operator API).")
admin.add_typer(snapshots_app, name="snapshots")
SNAPSHOT_COLUMNS: Columns = {
    "ID": field("id"),
    "Name": field("name"),
    "Created": field("created_at"),
    "Revision": field("storage_revision"),
    "Bytes": field("size_bytes"),
}


@snapshots_app.command("list")
@admin_options
def snapshots_list(target: Target) -> None:
    """The snapshots in the cloud's data dir."""
    with _operator(target) as op:
        found = op.request("GET", "/snapshots")
    _list("snapshots", (found or {}).get("snapshots", []), target.fmt, SNAPSHOT_COLUMNS)


@snapshots_app.command("create")
@admin_options
def snapshots_create(target: Target, name: str) -> None:
    """Snapshot the database, the image data and the keys of the running cloud."""
    with _operator(target) as op:
        _show(op.request("POST", "/snapshots", json={"name": name}), target.fmt, skip=("tables",))


@snapshots_app.command("show")
@admin_options
def snapshots_show(target: Target, snapshot_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """One snapshot, with its row count per table."""
    with _operator(target) as op:
        _show(op.request("GET", f"/snapshots/{snapshot_id}"), target.fmt)


@snapshots_app.command("delete")
@admin_options
def snapshots_delete(target: Target, snapshot_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Delete a snapshot's file."""
    with _operator(target) as op:
        op.request("DELETE", f"/snapshots/{snapshot_id}")
    _done(target.fmt, f"deleted snapshot {snapshot_id}")


YesOpt = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]


def _confirmed(yes: bool, what: str) -> None:
    if not yes and not typer.confirm(f"{what} replaces every project, server, image and user. Go on?"):
        raise typer.Exit(1)


@snapshots_app.command("restore")
@admin_options
def snapshots_restore(
    target: Target, snapshot_id: Annotated[str, typer.Argument(metavar="ID")], yes: YesOpt = False
) -> None:
    """Put the cloud back as the snapshot holds it, with the process running."""
    _confirmed(yes, f"Restoring snapshot {snapshot_id}")
    with _operator(target) as op:
        _show(op.request("POST", f"/snapshots/{snapshot_id}/restore"), target.fmt, skip=("tables",))


@admin.command("reset")
@admin_options
def reset(target: Target, yes: YesOpt = False) -> None:
    """Put the running cloud back in its first-start state (same passwords and keys)."""
    _confirmed(yes, "A reset")
    with _operator(target) as op:
        answer = op.request("POST", "/reset")
    if target.fmt is not Format.table:
        _print_json(answer, target.fmt)
    else:
        typer.echo("the cloud is back in its first-start state")


# -- commands built on pocketstack.sdk (server, image, object): registered last, as they import
# this module's helpers; they import the SDK only when they run.
from pocketstack.cli.sdk_image import image_app  # noqa: E402
from pocketstack.cli.sdk_object import object_app  # noqa: E402
from pocketstack.cli.sdk_server import server_app  # noqa: E402

app.add_typer(server_app, name="server")
app.add_typer(image_app, name="image")
app.add_typer(object_app, name="object")
