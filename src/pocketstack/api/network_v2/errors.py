"""Network v2 errors in Neutron's envelope: ``{"NeutronError": {"type", "message", "detail"}}``.

``type`` is the name of the Neutron exception a client may match on (NetworkNotFound,
IpAddressGenerationFailure, ...), found from the core error's code; other errors take the
name of the HTTP error webob would have raised (HTTPBadRequest, HTTPConflict, ...).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.api.common.responses import json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.core.errors import PocketstackError

TYPES: dict[str, str] = {
    "network.network.not_found": "NetworkNotFound",
    "network.agent.not_found": "AgentNotFound",
    "network.subnet.not_found": "SubnetNotFound",
    "network.port.not_found": "PortNotFound",
    "network.subnetpool.not_found": "SubnetPoolNotFound",
    "network.address_scope.not_found": "AddressScopeNotFound",
    "network.security_group.not_found": "SecurityGroupNotFound",
    "network.tag.not_found": "TagNotFound",
    "network.network.in_use": "NetworkInUse",
    "network.external.in_use": "ExternalNetworkInUse",
    "network.subnet.in_use": "SubnetInUse",
    "network.subnetpool.in_use": "SubnetPoolInUse",
    "network.address_scope.in_use": "AddressScopeInUse",
    "network.network.shared_in_use": "InvalidSharedSetting",
    "network.address_scope.prefix_conflict": "AddressScopePrefixConflict",
    "network.default.exists": "DefaultExternalNetworkExists",
    "network.segment.in_use": "SegmentInUse",
    "network.ip.generation_failure": "IpAddressGenerationFailure",
    "network.ip.already_allocated": "IpAddressAlreadyAllocated",
    "network.ip.invalid_for_subnet": "InvalidIpForSubnet",
    "network.ip.invalid_for_network": "InvalidIpForNetwork",
    "network.mac.in_use": "MacAddressInUse",
    "network.port.pairs_need_security": "AddressPairAndPortSecurityRequired",
    "network.pool.invalid": "InvalidAllocationPool",
    "network.pool.out_of_bounds": "OutOfBoundsAllocationPool",
    "network.pool.overlap": "OverlappingAllocationPools",
    "network.gateway.conflict": "GatewayConflictWithAllocationPools",
    "network.subnetpool.empty": "EmptySubnetPoolPrefixList",
    "network.subnetpool.mixed": "PrefixVersionMismatch",
    "network.subnetpool.prefixlen": "SubnetAllocationError",
    "network.input.invalid": "InvalidInput",
    "network.quota.over": "OverQuota",
    "network.revision.mismatch": "RevisionNumberConstraintFailed",
    "network.request.bad": "BadRequest",
    "network.router.not_found": "RouterNotFound",
    "network.router.in_use": "RouterInUse",
    "network.router.gateway_in_use": "RouterExternalGatewayInUseByFloatingIp",
    "network.router.interface_not_found": "RouterInterfaceNotFound",
    "network.router.interface_not_found_for_subnet": "RouterInterfaceNotFoundForSubnet",
    "network.router.interface_in_use_by_fip": "RouterInterfaceInUseByFloatingIP",
    "network.router.interface_in_use_by_route": "RouterInterfaceInUseByRoute",
    "network.router.invalid_routes": "InvalidRoutes",
    "network.router.routes_exhausted": "RoutesExhausted",
    "network.port.in_use": "PortInUse",
    "network.port.service_port": "ServicePortInUse",
    "network.port.subnet_mismatch": "SubnetMismatchForPort",
    "network.port.fip_associated": "FipAssociated",
    "network.floatingip.not_found": "FloatingIPNotFound",
    "network.floatingip.no_gateway": "ExternalGatewayForFloatingIPNotFound",
    "network.floatingip.port_associated": "FloatingIPPortAlreadyAssociated",
    "network.floatingip.forwarded": "FipInUseByPortForwarding",
    "network.port_forwarding.not_found": "PortForwardingNotFound",
    "network.port_forwarding.port_has_fip": "PortHasBindingFloatingIP",
    "network.security_group.in_use": "SecurityGroupInUse",
    "network.security_group.default_undeletable": "SecurityGroupCannotRemoveDefault",
    "network.security_group.default_unchangeable": "SecurityGroupCannotUpdateDefault",
    "network.security_group.default_exists": "SecurityGroupDefaultAlreadyExists",
    "network.security_group.conflict": "SecurityGroupConflict",
    "network.security_group_rule.not_found": "SecurityGroupRuleNotFound",
    "network.security_group_rule.exists": "SecurityGroupRuleExists",
    "network.security_group_rule.protocol": "SecurityGroupRuleInvalidProtocol",
    "network.security_group_rule.ethertype": "SecurityGroupRuleInvalidEtherType",
    "network.security_group_rule.port_value": "SecurityGroupInvalidPortValue",
    "network.security_group_rule.port_range": "SecurityGroupInvalidPortRange",
    "network.security_group_rule.protocol_for_port": "SecurityGroupInvalidProtocolForPort",
    "network.security_group_rule.icmp_value": "SecurityGroupInvalidIcmpValue",
    "network.security_group_rule.icmp_type_missing": "SecurityGroupMissingIcmpType",
    "network.security_group_rule.protocol_required": "SecurityGroupProtocolRequiredWithPorts",
    "network.security_group_rule.ethertype_protocol": "SecurityGroupEthertypeConflictWithProtocol",
    "network.security_group_rule.prefix_conflict": "SecurityGroupRuleParameterConflict",
    "network.security_group_rule.remotes": "SecurityGroupMultipleRemoteEntites",
    "network.address_group.not_found": "AddressGroupNotFound",
    "network.cidr.invalid": "InvalidCIDR",
    "network.port.security_required": "PortSecurityAndIPRequiredForSecurityGroups",
    "network.port.has_security_groups": "PortSecurityPortHasSecurityGroup",
    "network.rbac_policy.not_found": "RbacPolicyNotFound",
    "network.rbac_policy.in_use": "RbacPolicyInUse",
    "network.rbac_policy.duplicate": "DuplicateRbacPolicy",
    "network.rbac_policy.invalid_action": "InvalidActionForType",
    "policy.forbidden": "PolicyNotAuthorized",
    "policy.invalid_scope": "PolicyNotAuthorized",
}
HTTP_TYPES: dict[int, str] = {
    400: "HTTPBadRequest",
    401: "HTTPUnauthorized",
    403: "HTTPForbidden",
    404: "HTTPNotFound",
    405: "HTTPMethodNotAllowed",
    409: "HTTPConflict",
    412: "HTTPPreconditionFailed",
    413: "HTTPRequestEntityTooLarge",
    415: "HTTPUnsupportedMediaType",
    501: "HTTPNotImplemented",
}


def error_type(exc: PocketstackError) -> str:
    return TYPES.get(exc.code) or HTTP_TYPES.get(exc.status, "HTTPInternalServerError")


def render_error(exc: PocketstackError, api_req: ApiRequest | None, request: Request) -> Response:
    body = {"NeutronError": {"type": error_type(exc), "message": exc.message, "detail": ""}}
    return json_response(body, exc.status, getattr(exc, "headers", None) or {})
