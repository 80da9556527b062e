"""The body of POST /servers/{id}/os-interface, as Nova's schema attach_interfaces.py: a
network or a port (or neither: the project's only network), at most one fixed address (with a
network), a device ``tag`` from 2.49."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_v21.schemas.parameters import IPAddress, Tag, Uuid, fail
from pocketstack.api.compute_v21.schemas.servers import Gates
from pocketstack.api.compute_v21.version_ranges import since


class FixedIp(Wire):
    ip_address: IPAddress


class Attachment(Wire):
    net_id: Uuid = None  # type: ignore[assignment]
    port_id: Uuid = None  # type: ignore[assignment]
    fixed_ips: Annotated[list[FixedIp], Field(max_length=1)] = None  # type: ignore[assignment]
    tag: Tag = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _fixed_ips_need_a_network(self) -> Attachment:
        if self.fixed_ips and not self.net_id:
            fail("'net_id' is a dependency of 'fixed_ips'")
        return self


class AttachRequest(Wire):
    interfaceAttachment: Attachment = None  # type: ignore[assignment]  # noqa: N815


ATTACH_GATES: Gates = {"tag": since("2.49")}
