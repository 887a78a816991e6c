"""A wave of local hosts registered with the SMS emulator, and the agent simulation's admin API.

Used by tests/integration/test_migrate.py: each host is a local connection whose facts are a
host variable (tests/integration/registration/fleet_inventory.py); the migrate role's local facts
go to a directory per host under the test's tmp_path.
"""

import json
import urllib.request
from pathlib import Path

from tests.integration.registration.fleet_inventory import host_name, write_inventory

REPO = Path(__file__).resolve().parents[3]
PLAYBOOKS = REPO / "playbooks"
HERE = Path(__file__).resolve().parent
TEMPLATE = "wave-target"
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def write_wave(directory, hosts: int, host_vars=None, **role_vars) -> Path:
    """The fleet inventory of ``hosts`` hosts plus the migrate role's variables for the emulator."""
    path = write_inventory(directory, hosts)
    inventory = json.loads(path.read_text(encoding="utf-8"))
    for host, values in (host_vars or {}).items():
        inventory["fleet"]["hosts"][host].update(values)
    inventory["fleet"]["vars"].update({
        "sms_become": False,
        "sms_migrate_fact_dir": str(Path(directory) / "facts") + "/{{ inventory_hostname }}",
        "sms_migrate_discovery": "{{ sms_fleet_discovery }}",
        "sms_migrate_template": TEMPLATE,
        "sms_migrate_template_spec": {"availability_zone": "ap-southeast-3a", "flavor": "s6.large.2"},
        "sms_migrate_poll_interval": 0.5,
        "sms_migrate_wait_timeout": 120,
        **role_vars,
    })
    path.write_text(json.dumps(inventory), encoding="utf-8")
    return path


def hosts(count: int) -> list:
    return [host_name(i) for i in range(1, count + 1)]


def fact(directory, host: str) -> dict | None:
    path = Path(directory) / "facts" / host / "hwcloud_sms_migration.fact"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def sim(emulator, method: str, name: str, body=None) -> dict:
    """Call the agent simulation's admin API (``/_emulator-sim/<name>``)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{emulator.base_url}/_emulator-sim/{name}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with _NO_PROXY.open(request, timeout=30) as response:
        return json.load(response)


def writes(emulator) -> list:
    """Requests of the SMS API that could change something (the admin API excluded)."""
    return [r for r in emulator.log()
            if r["method"] in ("POST", "PUT", "DELETE") and not r["path"].startswith("/_emulator-sim/")]
