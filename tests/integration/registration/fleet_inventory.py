"""A synthetic fleet: N local hosts, each with its own ``sms_discovery`` facts as a host variable.

The facts come from the sample document of the unit tests, varied by host index: host name,
addresses and MACs, CPU and memory, disk sizes and a rotating distribution (so the os_version
table is exercised too). Used by tests/integration/test_fleet.py and tests/bench/fleet.py.
"""

import json
import sys
from pathlib import Path

from tests.unit.plugins.module_utils._sms.sms_samples import GIB, sample

DISTRIBUTIONS = [
    {"id": "centos", "name": "CentOS Linux", "version_id": "7", "major": 7, "minor": 9},
    {"id": "ubuntu", "name": "Ubuntu", "version_id": "22.04", "major": 22, "minor": 4},
    {"id": "sles", "name": "SLES", "version_id": "12.2", "major": 12, "minor": 2, "service_pack": 2},
    {"id": "rhel", "name": "Red Hat Enterprise Linux", "version_id": "8.6", "major": 8, "minor": 6},
    {"id": "debian", "name": "Debian GNU/Linux", "version_id": "12", "major": 12, "minor": None},
]


def host_name(index: int) -> str:
    return "fleet-%03d" % index


def host_facts(index: int) -> dict:
    """``sms_discovery`` of fleet host ``index`` (1-based)."""
    facts = sample()
    name = host_name(index)
    system = facts["system"]
    system.update(hostname=name, fqdn=name + ".fleet.example", cpu_count=1 + index % 8,
                  memory_bytes=(2 + index % 30) * GIB)
    system["distribution"] = dict({"service_pack": None}, **DISTRIBUTIONS[index % len(DISTRIBUTIONS)])
    network = facts["network"]
    octets = (index // 250, index % 250 + 1)
    for iface, prefix in ((network["interfaces"][3], "10.20"), (network["interfaces"][2], "10.30")):
        iface["ipv4"] = [{"address": "%s.%d.%d" % ((prefix,) + octets), "prefix": 16, "netmask": "255.255.0.0",
                          "broadcast": None}]
        iface["mac"] = "fa:16:%s:%02x:%02x:%02x" % (prefix[-2:], index // 65536, index // 256 % 256, index % 256)
    network["primary_ipv4"] = network["interfaces"][3]["ipv4"][0]["address"]
    network["primary_ipv6"] = None
    network["interfaces"][3]["ipv6"] = []
    facts["storage"]["disks"][0]["size_bytes"] = (40 + index % 20) * GIB
    facts["storage"]["disks"][2]["size_bytes"] = (10 + index % 5) * GIB
    return facts


def write_inventory(directory, hosts: int, python: str = sys.executable) -> Path:
    """Write ``fleet.json`` (YAML inventory format) for ``hosts`` local hosts; return its path."""
    inventory = {"fleet": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": python},
        "hosts": {host_name(i): {"sms_fleet_discovery": host_facts(i)} for i in range(1, hosts + 1)},
    }}
    path = Path(directory) / "fleet.json"
    path.write_text(json.dumps(inventory), encoding="utf-8")
    return path


# 20 % server errors, 5 % commit-then-drop, 5 % throttling, on every SMS route (issue 4).
FAULTS = {"rules": [{"method": "*", "path": "", "status_500_rate": 0.1, "status_503_rate": 0.1,
                     "throttle_rate": 0.05, "retry_after": 1, "drop_after_commit_rate": 0.05, "latency_ms": 0}],
          "rate_limit_per_ak": None, "seed": 20251130}
