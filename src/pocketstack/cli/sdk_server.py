"""``pocketstack server``: create, list, show, delete servers and read their tasks, through
:mod:`pocketstack.sdk`, on Compute v2.1 (``--api v2.1``, the default) or vNext (``--api vnext``)."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pocketstack.cli.commands import Columns, Format, Target, field
from pocketstack.cli.sdk_commands import connect, done, fail, record, sdk_options, show, show_list, watched

if TYPE_CHECKING:
    from pocketstack.sdk.connection import Connection

server_app = typer.Typer(
    no_args_is_help=True, help="Servers: create, list, show, delete, tasks (Compute v2.1 or vNext; the SDK)."
)


class Api(StrEnum):
    v2_1 = "v2.1"
    vnext = "vnext"


ApiOpt = Annotated[Api, typer.Option("--api", help="Compute v2.1 (Nova's API) or vNext.")]
NameOrId = Annotated[str, typer.Argument(metavar="NAME_OR_ID", help="The server's name (hostname) or id.")]
TimeoutOpt = Annotated[float, typer.Option(help="Seconds to wait at most.")]


# -- how servers read --------------------------------------------------------------------------------


def v21_addresses(doc: dict[str, Any]) -> str:
    """``net: 10.0.0.3, 172.24.4.9 (floating); ...`` from Nova's ``addresses``."""
    parts = []
    for net, items in (doc.get("addresses") or {}).items():
        shown = [
            f"{a.get('addr')} (floating)" if a.get("OS-EXT-IPS:type") == "floating" else str(a.get("addr"))
            for a in items
        ]
        parts.append(f"{net}: {', '.join(shown)}")
    return "; ".join(parts)


def vnext_addresses(doc: dict[str, Any]) -> str:
    """The same from vNext's ``networking.interfaces`` (each address with its floating ones)."""
    shown = []
    for nic in (doc.get("networking") or {}).get("interfaces") or []:
        for a in nic.get("addresses") or []:
            shown.append(str(a.get("address")))
            shown.extend(f"{f} (floating)" for f in a.get("floating") or [])
    return ", ".join(shown)


def vnext_task(doc: dict[str, Any]) -> str:
    task = doc.get("task")
    return str(task.get("action")) if isinstance(task, dict) else ""


V21_COLUMNS: Columns = {
    "ID": field("id"),
    "Name": field("name"),
    "Status": field("status"),
    "Task state": field("task_state"),
    "Addresses": v21_addresses,
}
VNEXT_COLUMNS: Columns = {
    "ID": field("id"),
    "Hostname": field("hostname"),
    "Virt state": field("virt_state"),
    "Power state": field("power_state"),
    "Task": vnext_task,
    "Addresses": vnext_addresses,
}
ACTION_COLUMNS: Columns = {
    "Request ID": field("request_id"),
    "Action": field("action"),
    "Started": field("start_time"),
    "Updated": field("updated_at"),
    "Message": field("message"),
}
TASK_COLUMNS: Columns = {
    "ID": field("id"),
    "Action": field("action"),
    "State": field("state"),
    "Created": field("created_at"),
    "Finished": field("finished_at"),
    "Message": field("message"),
}


def server_doc(server: Any, api: Api) -> dict[str, Any]:
    """The server as plain data; its addresses also as one line (``addresses_text``)."""
    doc = record(server)
    doc["addresses_text"] = v21_addresses(doc) if api is Api.v2_1 else vnext_addresses(doc)
    return doc


def show_server(server: Any, api: Api, fmt: Format) -> None:
    doc = server_doc(server, api)
    if fmt is Format.table:
        doc.pop("addresses" if api is Api.v2_1 else "networking", None)
    show(doc, fmt)


def status_line(server: Any, api: Api) -> str:
    """What a server is doing, for the live status line."""
    if api is Api.v2_1:
        task = server.task_state or "-"
        progress = f", {server.progress}%" if server.progress else ""
        return f"server {server.name} ({server.id}): {server.status}, task {task}{progress}"
    running = (server.task or {}).get("action") or "-"
    return f"server {server.hostname} ({server.id}): {server.virt_state}, task {running}"


def find(conn: Connection, api: Api, name_or_id: str) -> Any:
    """The server by id or name (NotFound, MultipleMatches)."""
    if api is Api.v2_1:
        return conn.compute.find_server(name_or_id, ignore_missing=False)
    return conn.compute_vnext.find_server(name_or_id, ignore_missing=False)


# -- create ------------------------------------------------------------------------------------------


def _create_v21(
    conn: Connection, name: str, image: str, flavor: str, network: str | None, options: dict[str, Any]
) -> Any:
    """The compound create; the status line follows the new server, found by its name."""
    wait = options["wait"] or options["floating_ip"]
    if not wait:
        return conn.create_server(name, image, flavor, network=network, **options)
    before = {s.id for s in conn.compute.servers(name=name) if s.name == name}

    def probe() -> str | None:
        fresh = [s for s in conn.compute.servers(name=name) if s.name == name and s.id not in before]
        return status_line(fresh[-1], Api.v2_1) if fresh else None

    return watched(
        lambda: conn.create_server(name, image, flavor, network=network, **options),
        probe,
        f"creating server {name} ...",
    )


def _vnext_spec(conn: Connection, name: str, image: str, flavor: str, network: str | None) -> dict[str, Any]:
    from pocketstack.sdk.exceptions import NotFound

    found_image = conn.image.find_image(image)
    if found_image is None:
        raise NotFound(f"no image named or with id {image!r}", status_code=404, method="GET", url="")
    found_type = conn.compute_vnext.find_server_type(flavor)
    if found_type is None:
        raise NotFound(f"no server type named or with id {flavor!r}", status_code=404, method="GET", url="")
    spec: dict[str, Any] = {"hostname": name, "template_id": found_image.id, "type_id": found_type.id}
    if network is None:
        spec["networking"] = {"interfaces": []}
    elif network != "auto":
        net: Any = conn.network.find_network(network, ignore_missing=False)
        spec["networking"] = {"interfaces": [{"network_id": net.id}]}
    return spec


def _vnext_floating_ip(conn: Connection, server_id: str, timeout: float) -> Any:
    """A floating IP on the external network for the server's first port; the server once its
    interfaces show it."""
    from pocketstack.sdk.exceptions import Timeout

    ip = conn.attach_floating_ip(server_id)
    deadline = time.monotonic() + timeout
    while True:
        server = conn.compute_vnext.get_server(server_id)
        if f"{ip.floating_ip_address} (floating)" in vnext_addresses(record(server)):
            return server
        if time.monotonic() > deadline:
            raise Timeout(f"server {server_id} does not show {ip.floating_ip_address} after {timeout} s")
        time.sleep(0.5)


def _create_vnext(
    conn: Connection, name: str, image: str, flavor: str, network: str | None, options: dict[str, Any]
) -> Any:
    if options["security_groups"]:
        fail("vNext takes no security groups at create: use --api v2.1")
    spec = _vnext_spec(conn, name, image, flavor, network)
    if options["key"] is not None:
        spec["keypair_id"] = options["key"]
    server_id = str(conn.compute_vnext.create_server(**spec).id)
    floating = options["floating_ip"] and network is not None
    if not (options["wait"] or floating):
        return conn.compute_vnext.get_server(server_id)

    def work() -> Any:
        ready = conn.compute_vnext.wait_for_server(server_id, wait=options["timeout"])
        return _vnext_floating_ip(conn, server_id, options["timeout"]) if floating else ready

    return watched(
        work,
        lambda: status_line(conn.compute_vnext.get_server(server_id), Api.vnext),
        f"creating server {name} ...",
    )


@server_app.command("create")
@sdk_options
def server_create(
    target: Target,
    name: str,
    image: Annotated[str, typer.Option(help="The image (name or id).")],
    flavor: Annotated[str, typer.Option(help="The flavor (vNext: server type), name or id.")],
    network: Annotated[
        str, typer.Option(help="auto (the project's own network, made when missing), a name or id, or none.")
    ] = "auto",
    floating_ip: Annotated[
        bool, typer.Option("--floating-ip/--no-floating-ip", help="Add a floating IP (external network).")
    ] = True,
    security_group: Annotated[
        list[str] | None, typer.Option("--security-group", help="A security group (repeat for several).")
    ] = None,
    key: Annotated[str | None, typer.Option(help="The keypair to inject.")] = None,
    api: ApiOpt = Api.v2_1,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait until ACTIVE (a floating IP always waits).")
    ] = True,
    timeout: TimeoutOpt = 300.0,
) -> None:
    """Create a server and wait for it, showing its status as it builds; everything made is
    removed again if a step fails (v2.1)."""
    net = None if network.lower() == "none" else network
    options: dict[str, Any] = {
        "floating_ip": floating_ip and net is not None,
        "security_groups": tuple(security_group or ()),
        "key": key,
        "wait": wait,
        "timeout": timeout,
    }
    with connect(target) as conn:
        create = _create_v21 if api is Api.v2_1 else _create_vnext
        show_server(create(conn, name, image, flavor, net, options), api, target.fmt)


# -- read --------------------------------------------------------------------------------------------


@server_app.command("list")
@sdk_options
def server_list(target: Target, api: ApiOpt = Api.v2_1) -> None:
    """The project's servers."""
    with connect(target) as conn:
        if api is Api.v2_1:
            show_list([server_doc(s, api) for s in conn.compute.servers()], target.fmt, V21_COLUMNS)
        else:
            show_list([server_doc(s, api) for s in conn.compute_vnext.servers()], target.fmt, VNEXT_COLUMNS)


@server_app.command("show")
@sdk_options
def server_show(target: Target, name_or_id: NameOrId, api: ApiOpt = Api.v2_1) -> None:
    """One server."""
    with connect(target) as conn:
        show_server(find(conn, api, name_or_id), api, target.fmt)


@server_app.command("tasks")
@sdk_options
def server_tasks(target: Target, name_or_id: NameOrId, api: ApiOpt = Api.v2_1) -> None:
    """What was done to a server, newest first: vNext's tasks, or v2.1's instance actions."""
    with connect(target) as conn:
        server = find(conn, api, name_or_id)
        if api is Api.v2_1:
            show_list([record(a) for a in conn.compute.server_actions(server)], target.fmt, ACTION_COLUMNS)
        else:
            show_list([record(t) for t in conn.compute_vnext.tasks(server)], target.fmt, TASK_COLUMNS)


# -- delete ------------------------------------------------------------------------------------------


def _floating_ips(conn: Connection, server_id: str) -> list[Any]:
    ports = [p.id for p in conn.network.ports(device_id=server_id)]
    return [ip for port in ports for ip in conn.network.ips(port_id=port)]


@server_app.command("delete")
@sdk_options
def server_delete(
    target: Target,
    name_or_id: NameOrId,
    api: ApiOpt = Api.v2_1,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait until it is gone.")] = False,
    delete_ips: Annotated[
        bool, typer.Option("--delete-ips", help="Also release its floating IPs (implies --wait).")
    ] = False,
    timeout: TimeoutOpt = 300.0,
) -> None:
    """Delete a server (vNext: its TERMINATE task), optionally waiting until it is gone."""
    with connect(target) as conn:
        server = find(conn, api, name_or_id)
        ips = _floating_ips(conn, server.id) if delete_ips else []
        doc: dict[str, Any] = {"id": server.id, "name": server.name, "deleted": False}
        waiter: Any
        probe_get: Any
        if api is Api.v2_1:
            conn.compute.delete_server(server, ignore_missing=False)
            waiter = conn.compute.wait_for_delete
            probe_get = conn.compute.get_server
        else:
            task = conn.compute_vnext.delete_server(server, ignore_missing=False)
            doc["task_id"] = None if task is None else task.id
            waiter = conn.compute_vnext.wait_for_delete
            probe_get = conn.compute_vnext.get_server
        if wait or delete_ips:
            watched(
                lambda: waiter(server, interval=1.0, wait=timeout),
                lambda: status_line(probe_get(server.id), api),
                f"deleting server {server.name} ...",
            )
            doc["deleted"] = True
        for ip in ips:
            conn.network.delete_ip(ip)
        doc["deleted_ips"] = [ip.floating_ip_address for ip in ips]
        gone = "deleted" if doc["deleted"] else "deleting"
        released = f", released {', '.join(doc['deleted_ips'])}" if ips else ""
        done(target.fmt, f"{gone} server {server.name} ({server.id}){released}", doc)
