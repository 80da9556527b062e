"""An Ansible playbook with the ``openstack.cloud`` collection, as the networking issue's users
run it: a network, a subnet, a router with its gateway on ``public`` and the subnet as an
interface, a security group with an SSH rule, a server on the network in the group, and a
floating IP for the server. The first run changes things, the second changes nothing, and a
playbook with ``state: absent`` takes it all away again."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.clients.harness import DEMO_PASSWORD, Server, ansible_collections_dir, ansible_venv

pytestmark = pytest.mark.clients

UP = """
- name: A web server on its own network, reachable through a floating IP
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/openstack.cloud.openstack:
      cloud: mycloud
  tasks:
    - name: Network
      openstack.cloud.network:
        name: web-net
    - name: Subnet
      openstack.cloud.subnet:
        name: web-subnet
        network_name: web-net
        cidr: 10.60.0.0/24
        dns_nameservers: [10.60.0.2]
    - name: Router to public, with the subnet as interface
      openstack.cloud.router:
        name: web-router
        network: public
        interfaces: [web-subnet]
    - name: Security group
      openstack.cloud.security_group:
        name: web-sg
        description: web servers
    - name: SSH in
      openstack.cloud.security_group_rule:
        security_group: web-sg
        protocol: tcp
        port_range_min: 22
        port_range_max: 22
        remote_ip_prefix: 0.0.0.0/0
    - name: Server
      openstack.cloud.server:
        name: web-vm
        image: pocketstack-tiny
        flavor: m1.tiny
        network: web-net
        security_groups: [web-sg]
        auto_ip: false
        timeout: 120
    - name: Floating IP for the server
      openstack.cloud.floating_ip:
        server: web-vm
        network: public
        timeout: 120
    - name: The server as the cloud sees it
      openstack.cloud.server_info:
        name: web-vm
      register: info
    - name: It has a fixed and a floating address on web-net, and is in web-sg
      vars:
        server: "{{ info.servers[0] }}"
        kinds: "{{ server.addresses['web-net'] | map(attribute='OS-EXT-IPS:type') | sort }}"
      ansible.builtin.assert:
        that:
          - server.status == 'ACTIVE'
          - kinds == ['fixed', 'floating']
          - server.security_groups | map(attribute='name') | list == ['web-sg']
"""

DOWN = """
- name: Take it all away again
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/openstack.cloud.openstack:
      cloud: mycloud
  tasks:
    - name: Server, and its floating IP
      openstack.cloud.server:
        name: web-vm
        state: absent
        delete_ips: true
        timeout: 120
    - name: Router
      openstack.cloud.router:
        name: web-router
        state: absent
    - name: Security group
      openstack.cloud.security_group:
        name: web-sg
        state: absent
    - name: Subnet
      openstack.cloud.subnet:
        name: web-subnet
        state: absent
    - name: Network
      openstack.cloud.network:
        name: web-net
        state: absent
    - name: What is left
      openstack.cloud.floating_ip_info:
      register: fips
    - name: No floating IP is left
      ansible.builtin.assert:
        that: fips.floating_ips == []
"""


def recap(output: str) -> dict[str, int]:
    match = re.search(r"^localhost\s*:\s*(.*)$", output, re.MULTILINE)
    assert match, output
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def test_playbook_builds_the_network_and_server_then_changes_nothing(server: Server, tmp_path: Path) -> None:
    venv = ansible_venv()
    (tmp_path / "clouds.yaml").write_text(
        "clouds:\n"
        "  mycloud:\n"
        "    auth:\n"
        f"      auth_url: {server.url}/identity\n"
        "      username: demo\n"
        f"      password: {DEMO_PASSWORD}\n"
        "      project_name: demo\n"
        "      user_domain_name: Default\n"
        "      project_domain_name: Default\n"
        "    region_name: RegionOne\n"
        "    identity_api_version: 3\n"
    )
    (tmp_path / "inventory").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={venv / 'bin' / 'python'}\n"
    )
    (tmp_path / "up.yml").write_text(UP)
    (tmp_path / "down.yml").write_text(DOWN)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "ANSIBLE_"))}
    env |= {
        "OS_CLIENT_CONFIG_FILE": str(tmp_path / "clouds.yaml"),
        "ANSIBLE_COLLECTIONS_PATH": str(ansible_collections_dir(venv).parent),
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
    }

    def playbook(name: str) -> dict[str, int]:
        proc = subprocess.run(
            [str(venv / "bin" / "ansible-playbook"), "-i", "inventory", name],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, f"{name} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        counts = recap(proc.stdout)
        assert (counts["failed"], counts["unreachable"]) == (0, 0), proc.stdout
        return counts

    first = playbook("up.yml")
    assert first["changed"] == 7, first  # network, subnet, router, group, rule, server, floating IP
    second = playbook("up.yml")
    assert second["changed"] == 0, second
    down = playbook("down.yml")
    assert down["changed"] == 5, down
