"""Moving a server to another project, as vNext's ``PATCH /servers/{id}`` with ``project_id``
does (docs/compute-vnext.md §6.7).

One transaction does it all or nothing. The caller is a member (a role implying ``member``) of
the destination, or an admin; the route's rule ``compute_vnext:servers:transfer`` on the server
is the handler's to check. Quota usage is counted from live ``servers`` rows, so it moves with
``servers.project_id``: the destination's limits (and the server's user's own limits there) are
checked under both projects' quota locks, taken in sorted project-id order so two opposite
transfers cannot deadlock. The server's own ports (made for it by compute) move with it: their
project becomes the destination and their security groups its ``default`` group, under the
destination's network quota lock, taken after the compute locks (compute's locks, then the
network's, as every writer does). Refused (409): a locked server (but for an admin), a state
the ``transfer`` row of the state table does not allow, a member of a server group, a hostname
taken by a live server of the destination, a floating IP on one of its ports, a port the user
brought, a port on a network the destination cannot use."""

from __future__ import annotations

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from pocketstack.core.compute import claims, states
from pocketstack.core.compute.nics import ports_of
from pocketstack.core.compute.quotas import QuotaService, refuse_over
from pocketstack.core.compute.server_edits import taken_by
from pocketstack.core.compute.servers import get_visible
from pocketstack.core.compute.user_quotas import UserQuotas
from pocketstack.core.context import RequestContext, is_admin
from pocketstack.core.errors import BadRequest, Conflict, Forbidden, QuotaExceeded
from pocketstack.core.identity.assignments import effective_roles
from pocketstack.core.network import quotas as network_locks
from pocketstack.core.network.common import retrying, touch
from pocketstack.core.network.quotas import NetworkQuotas
from pocketstack.core.network.security_groups import ensure_default
from pocketstack.core.tasks import tasks
from pocketstack.store.compute_models import Server, ServerGroupMember, ServerInterface
from pocketstack.store.db import Database
from pocketstack.store.models import Project
from pocketstack.store.network_l3_models import FloatingIP, PortForwarding
from pocketstack.store.network_models import Network, Port, PortSecurityGroup
from pocketstack.store.network_security_models import RbacPolicy

ACTION = "transfer"
EVENT = "api_transfer"
MEMBER = "member"
SHARED = "access_as_shared"


def _refused(server_id: str, reason: str, code: str) -> Conflict:
    return Conflict(f"Server {server_id} cannot be transferred: {reason}.", code=code)


class ServerTransfer:
    def __init__(self, db: Database, quotas: QuotaService, network_quotas: NetworkQuotas) -> None:
        self.db = db
        self.quotas = quotas
        self.network_quotas = network_quotas

    def transfer(self, ctx: RequestContext, server_id: str, project_id: str) -> Server:
        """Give the server (one the caller's token may write) to ``project_id``; the server as
        it is afterwards. The same project is no change. BadRequest for a project that does
        not exist or is disabled, Forbidden without a role implying ``member`` there,
        Conflict for what section 6.7 refuses, QuotaExceeded when the destination's quota
        (instances, cores, ram; ports) has no room."""
        with self.db.read() as s:
            source = get_visible(s, ctx, server_id).project_id
        if source == project_id:
            with self.db.read() as s:
                return get_visible(s, ctx, server_id)

        def work(s: Session) -> Server:
            self._check_destination(s, ctx, project_id)
            for locked in sorted({source, project_id}):
                QuotaService.lock(s, locked)
            server = get_visible(s, ctx, server_id)
            if server.project_id != source:  # moved by a transfer that held the locks before us
                raise Conflict(
                    f"Server {server_id} changed project meanwhile; try again.",
                    code="compute.server.invalid_state",
                )
            if server.locked and not is_admin(ctx):
                raise Conflict(f"Instance {server.id} is locked", code="compute.server.locked")
            act = states.check_allowed(ACTION, server.vm_state, server.task_state)
            self._check_server(s, server, project_id)
            ports = self._movable_ports(s, server, project_id)
            self._check_quota(s, server, project_id)
            claims.claim(
                s,
                server,
                act,
                guard_lock=not is_admin(ctx),
                where=[Server.project_id == source],
                project_id=project_id,
            )
            if ports:
                self._move_ports(s, ports, project_id)
            tasks.record_done(
                s,
                server.id,
                project_id,
                ACTION,
                ctx,
                EVENT,
                {"from_project_id": source, "to_project_id": project_id},
            )
            s.flush()
            return server

        return retrying(self.db, work)

    # -- checks --------------------------------------------------------------------------
    @staticmethod
    def _check_destination(s: Session, ctx: RequestContext, project_id: str) -> None:
        project = s.get(Project, project_id) if len(project_id) <= 64 else None
        if project is None or not project.enabled:
            raise BadRequest(f"Project {project_id} could not be found.", code="compute.project.not_found")
        if is_admin(ctx):
            return
        if ctx.user_id is None or ctx.application_credential_id or ctx.trust_id:
            raise Forbidden(
                f"Transferring a server to project {project_id} needs the user's own token "
                "(not an application credential's or a trust's) and a role implying "
                f"'{MEMBER}' there.",
                code="compute.transfer.forbidden",
            )
        roles = {role.name for role in effective_roles(s, ctx.user_id, "project", project_id)}
        if MEMBER not in roles:
            raise Forbidden(
                f"You need a role implying '{MEMBER}' on project {project_id} to transfer a server to it.",
                code="compute.transfer.forbidden",
            )

    @staticmethod
    def _check_server(s: Session, server: Server, project_id: str) -> None:
        group = s.scalar(
            select(ServerGroupMember.group_id).where(ServerGroupMember.server_id == server.id).limit(1)
        )
        if group is not None:
            raise _refused(
                server.id,
                f"it is a member of server group {group} (server groups belong to one project)",
                "compute.transfer.server_group",
            )
        if server.hostname:
            other = taken_by(s, project_id, server.hostname, but=server.id)
            if other is not None:
                raise _refused(
                    server.id,
                    f"its hostname {server.hostname} is taken by server {other} of project {project_id}",
                    "compute.server.hostname_taken",
                )

    @staticmethod
    def _movable_ports(s: Session, server: Server, project_id: str) -> list[Port]:
        """The server's ports, all made for it and on networks the destination may use, with no
        floating IP; else the 409 that names the first that is not."""
        ports = ports_of(s, [server.id])
        if not ports:
            return []
        ids = [p.id for p in ports]
        floating = s.scalar(select(FloatingIP.id).where(FloatingIP.fixed_port_id.in_(ids)).limit(1))
        forwarded = s.scalar(
            select(PortForwarding.floatingip_id).where(PortForwarding.internal_port_id.in_(ids)).limit(1)
        )
        if floating is not None or forwarded is not None:
            raise _refused(
                server.id,
                f"floating IP {floating or forwarded} is associated with one of its ports; "
                "disassociate it first",
                "compute.transfer.floating_ip",
            )
        made = {
            i.port_id
            for i in s.scalars(select(ServerInterface).where(ServerInterface.server_id == server.id))
            if not i.preserve_on_delete
        }
        for port in ports:
            if port.id not in made:
                raise _refused(
                    server.id,
                    f"port {port.id} was brought by the user, not made for the server; detach it first",
                    "compute.transfer.user_port",
                )
        network_ids = sorted({p.network_id for p in ports})
        granted = select(RbacPolicy.object_id).where(
            RbacPolicy.object_type == "network",
            RbacPolicy.action == SHARED,
            RbacPolicy.target_project.in_(["*", project_id]),
        )
        usable = set(
            s.scalars(
                select(Network.id).where(
                    Network.id.in_(network_ids),
                    or_(Network.project_id == project_id, Network.shared.is_(True), Network.id.in_(granted)),
                )
            )
        )
        for port in ports:
            if port.network_id not in usable:
                raise _refused(
                    server.id,
                    f"its port {port.id} is on network {port.network_id}, which project "
                    f"{project_id} may not use (neither its own nor shared with it)",
                    "compute.transfer.network",
                )
        return ports

    def _check_quota(self, s: Session, server: Server, project_id: str) -> None:
        """The destination's limits and the server's user's own limits there (the compute
        quota locks of both projects are held)."""
        flavor = server.flavor or {}
        deltas = {"instances": 1, "cores": int(flavor.get("vcpus", 0)), "ram": int(flavor.get("ram", 0))}
        with s.no_autoflush:
            limits = self.quotas.limits_in(s, project_id)
            used = self.quotas.server_usage(s, project_id)
            refuse_over(deltas, used, limits)
            own = UserQuotas.own_in(s, project_id, server.user_id)
            if own:
                refuse_over(deltas, self.quotas.server_usage(s, project_id, server.user_id), own)

    # -- ports ---------------------------------------------------------------------------
    def _move_ports(self, s: Session, ports: list[Port], project_id: str) -> None:
        """The ports become the destination's, with its default security group (made now if it
        has none) where they have port security; under its network quota lock."""
        network_locks.lock(s, project_id)
        limit = self.network_quotas.limits_in(s, project_id)["port"]
        used = NetworkQuotas.usage(s, project_id, ["port"])["port"]
        if 0 <= limit < used + len(ports):
            raise QuotaExceeded("Maximum number of ports exceeded")
        group_id = ensure_default(s, self.network_quotas, project_id)
        ids = [p.id for p in ports]
        s.execute(delete(PortSecurityGroup).where(PortSecurityGroup.port_id.in_(ids)))
        for port in ports:
            port.project_id = project_id
            if port.port_security_enabled:
                s.add(PortSecurityGroup(port_id=port.id, security_group_id=group_id))
            touch(port)
