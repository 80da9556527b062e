"""The words hostile requests are made of: content types, query parameters and values, odd path
ids, microversions, and which kind of object each path parameter names."""

from __future__ import annotations

# Who calls, weighted towards those who get past authentication. "garbage" sends an
# X-Auth-Token that is no (longer a) token; "anonymous" sends none.
PERSONAS = ("anonymous", "garbage", "reader", "reader", "member", "member", "member", "admin", "admin")
PERSONAS += ("admin", "system_admin")

JSON_TYPES = [
    "application/json; charset=utf-8",
    "application/json; charset=latin-1",
    "APPLICATION/JSON",
    "application/openstack-images-v2.1-json-patch",
    "application/openstack-images-v2.0-json-patch",
    "application/json-patch+json",
    "application/octet-stream",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "",
    "*/*",
    "application/",
    ";;;",
]
BINARY_PREFIXES = [b"", b"QFI\xfb\x00\x00\x00\x03", b"KDMV\x01\x00\x00\x00", b"conectix", b"\x00" * 512]
JUNK = [b"{", b'{"a":', b"\xff\xfe{}", b'{"a": 1}{"b": 2}', b"{'a': 1}", b"[1,]", b"", b"{}", b"[]", b"null"]
QUERY_NAMES = """
limit marker sort_key sort_dir sort changes-since changes-before all_tenants all_projects deleted
status name host flavor image ip ip6 tenant_id project_id user_id detailed start end offset is_public
minRam minDisk visibility member_status owner tag tags tags-any not-tags not-tags-any os_hidden
size_min size_max protected disk_format checksum id domain_id enabled parent_id is_domain include_names
include_subtree effective scope.project.id scope.domain.id scope.system scope.OS-INHERIT:inherited_to
user.id group.id role.id interface service_id region_id parent_region_id type nocatalog allow_expired
hypervisor_hostname_pattern with_servers binary migration_type source_compute instance_uuid
fields page_reverse network_id subnet_id device_id device_owner mac_address fixed_ips cidr ip_version
shared router:external admin_state_up revision_number security_group_id floating_ip_address port_id
""".split()  # noqa: SIM905 - a list of words reads best as words
QUERY_VALUES = [
    *("", "0", "1", "-1", "2", "1000", str(2**31), str(2**63), str(2**64), str(-(2**63) - 1)),
    *("1e3", "1.5", "0x10", " 5", "true", "false", "True", "yes", "none", "asc", "desc"),
    *("created_at", "name", "id", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00+05:00", "2020-13-45"),
    *("9999-12-31T23:59:59.999999", "in:a,b", "gte:2020-01-01T00:00:00Z", "lt:1", "public", "shared"),
    *("ACTIVE", "*", "%", "("),
]
PAGING = ["limit"] * 6 + ["marker", "sort_key", "sort_dir", "changes-since", "changes-before", "offset"]
PAGING += [
    "all_tenants",
    "all_projects",
    "with_servers",
    "detailed",
    "start",
    "end",
    "page_reverse",
    "fields",
]
OVERFLOWS = [str(2**63), str(2**64), str(10**30), str(-(2**63) - 1), "-" + "9" * 20, str(2**63 - 1)]
NUMBERS = ["0", "-1", "1", str(2**31), "1e3", "1.5", "", " 1", "0x10", "NaN", "١", "+1", "01"]
BODY_METHODS = ("POST", "PUT", "PATCH")
QUERY_TAILS = ["&limit", "&&", "&=x", "&%ZZ=1", "&limit=%00", "&a=%FF%FE", "&limit=1&limit=2"]
# Which kind of object a path parameter names, by parameter (and, where it differs, by service).
PARAM_KINDS: dict[str, str] = {
    "server_id": "server",
    "image_id": "image",
    "flavor_id": "flavor",
    "project_id": "project",
    "tenant_id": "project",
    "member_id": "project",
    "user_id": "user",
    "role_id": "role",
    "prior_role_id": "role",
    "implied_role_id": "role",
    "domain_id": "domain",
    "region_id": "region",
    "endpoint_id": "endpoint",
    "application_credential_id": "application_credential",
    "name": "keypair",
    "aggregate_id": "aggregate",
    "hypervisor_id": "hypervisor",
    "pattern": "host",
    "request_id": "request",
}
SERVICE_PARAM_KINDS = {
    "compute": {"service_id": "compute_service", "group_id": "server_group"},
    "identity": {"service_id": "service", "group_id": "group"},
    "network": {"alias": "net:extensions"},  # "id" and "pf_id" name what the path's segment before says
}
FIXED_IDS = {
    "tag": ["secret", "fuzz-tag", "t"],
    "key": ["k"],
    "network": ["private", "public"],
    "class_name": ["default"],
    "alias": ["os-keypairs", "os-server-groups", "servers"],
}
ODD_IDS = [
    *("%2F", "%2e%2e", "..", ".", "%00", "%ZZ", "%", "a%20b", "%C0%AE", "%F0%9F%98%80", "%EF%BF%BF"),
    *("%ED%A0%80", "%0A", "a%0Ab", "%0D%0A", "~", "-1", "0", "00000000-0000-0000-0000-000000000000"),
    *(str(2**63), "1e5", "detail", "default", "admin", "self", "a" * 255, "b" * 4000),
]
MICROVERSIONS = ["2.0", "2.1", "2.2", "2.53", "2.79", "2.95", "2.96", "2.97", "3.0", "1.1", "latest"]
MICROVERSIONS += [
    "LATEST",
    "2.01",
    "02.1",
    "2.",
    ".5",
    "2.1.1",
    "2." + "9" * 30,
    "-2.5",
    " 2.5",
    "2,5",
    "v2.1",
]
VERSION_PREFIXES = ["compute ", "COMPUTE ", "volume ", "compute  ", "", "compute 2.1, compute "]
RANGES = ["bytes=0-", "bytes=-5", "bytes=10-1", "bytes=99999999-", "bytes=a-b", "bytes=0-0,5-6"]
EXTRA_HEADERS = ["Accept", "Range", "X-Subject-Token", "X-Image-Meta-Store", "X-Openstack-Request-Id"]
