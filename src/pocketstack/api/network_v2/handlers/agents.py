"""``GET /v2.0/agents``: pocketstack runs no Neutron agents (the network is one database, not
DHCP, L3 and OVS agents on hosts), so the list is empty for everyone, as Neutron's list is for a
caller its ``get_agent`` rule (admin only) lets see none; one agent is always 404. The ``agent``
extension is not listed: nothing about agents can be changed."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.core.errors import NotFound


def list_agents(req: ApiRequest) -> Response:
    return json_response({"agents": []})


def show_agent(req: ApiRequest) -> Response:
    agent_id = req.params["agent_id"]
    raise NotFound(
        "agent", agent_id, code="network.agent.not_found", message=f"Agent {agent_id} could not be found."
    )


ROUTES: list[Endpoint] = [
    Endpoint("GET", "/v2.0/agents", list_agents, "get_agent"),
    Endpoint("GET", "/v2.0/agents/{agent_id}", show_agent, "get_agent"),
]
