"""Source-server records: creation, updates, environment checks and the list/show views."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Callable

from .validation import LINUX_REQUIRED, WINDOWS_EXPECTED

# Reference §2.3: the keys of a list item. §2.4: the keys of GET /v3/sources/{id}.
LIST_FIELDS = (
    "id", "ip", "name", "enterprise_project_id", "add_date", "os_type", "os_version", "oem_system",
    "state", "connected", "cpu_quantity", "memory", "current_task", "checks", "init_target_server",
    "replicatesize", "stage_action_time", "totalsize", "last_visit_time", "migration_cycle",
    "state_action_time", "is_consistency_result_exist", "has_tc", "start_type",
)
SHOW_FIELDS = (
    "id", "ip", "name", "hostname", "enterprise_project_id", "add_date", "os_type", "os_version",
    "oem_system", "state", "connected", "firmware", "init_target_server", "cpu_quantity", "memory",
    "current_task", "disks", "volume_groups", "btrfs_list", "networks", "checks", "migration_cycle",
    "state_action_time", "replicatesize", "totalsize", "last_visit_time", "stage_action_time",
    "agent_version", "has_tc", "start_type",
)
OVERVIEW_KEYS = (
    "waiting", "replicate", "syncing", "stopped", "deleting", "cutovering", "unavailable", "stopping",
    "skipping", "finished", "initialize", "error", "cloning", "unconfigured",
)
LEGACY_BODY_LIMIT = 10240  # bytes, legacy v1 limit (reference §9); exceeding it only warns

_NON_X86 = re.compile(
    r"\b(aarch64|arm64|armv\dl?|i[3-6]86|ppc64(le)?|s390x|riscv64|loongarch64|mips64(el)?)\b", re.IGNORECASE
)
_MIGPROJECT_NAMESPACE = uuid.UUID("0f5a8c1e-3b7d-4e2a-9c61-2d4b8e7f1a90")


def now_ms() -> int:
    return int(time.time() * 1000)


def default_migproject(account) -> dict:
    return {
        "id": str(uuid.uuid5(_MIGPROJECT_NAMESPACE, account.domain_id)),
        "name": "default",
        "description": "Default migration project (emulator)",
        "isdefault": True,
        "region": account.projects[0]["name"] if account.projects else "",
        "start_target_server": False,
        "speed_limit": 0,
        "use_public_ip": True,
        "exist_server": False,
        "type": "MIGRATE_FILE",
        "enterprise_project": "default",
        "syncing": False,
        "start_network_check": False,
    }


@dataclass(frozen=True)
class Check:
    id: int
    name: str
    os_types: tuple[str, ...]
    params: Callable[[dict], list[str]]
    problems: Callable[[dict], list[str]]  # empty list = passed
    result: str  # result when problems were found: ERROR or WARN
    error_code: str
    message: str


def _values(*keys):
    return lambda rec: [f"{k}={json.dumps(rec.get(k))}" for k in keys]


def _absent(keys):
    return lambda rec: [k for k in keys if rec.get(k) is None]


def _when(key, bad: Callable[[object], bool]):
    return lambda rec: [key] if rec.get(key) is not None and bad(rec[key]) else []


# Emulator rules standing in for the agent's/SMS's feasibility checks. Codes 6517, 0206 and 2004
# are the documented ones with that meaning; SMS.81xx are this emulator's own.
CHECKS = (
    Check(1, "linux_parameters", ("LINUX",), lambda r: list(LINUX_REQUIRED), _absent(LINUX_REQUIRED),
          "ERROR", "SMS.8101", "Linux environment-check parameters are missing"),
    Check(2, "rsync", ("LINUX",), _values("has_rsync"), _when("has_rsync", lambda v: v is not True),
          "ERROR", "SMS.6517", "rsync is not installed on the source server"),
    Check(3, "paravirtualization", ("LINUX",), _values("paravirtualization"),
          _when("paravirtualization", lambda v: v is True),
          "ERROR", "SMS.8102", "paravirtualized source servers cannot be migrated"),
    Check(4, "raw_devices", ("LINUX",), _values("raw_devices"), _when("raw_devices", lambda v: bool(v.strip())),
          "ERROR", "SMS.8103", "raw devices are not supported"),
    Check(5, "boot_loader", ("LINUX",), _values("boot_loader"), _when("boot_loader", lambda v: v != "GRUB"),
          "ERROR", "SMS.8104", "only the GRUB boot loader is supported"),
    Check(6, "architecture", ("LINUX",), _values("linux_block_check"),
          _when("linux_block_check", lambda v: bool(_NON_X86.search(v))),
          "ERROR", "SMS.0206", "only x86_64 source servers are supported"),
    Check(7, "windows_parameters", ("WINDOWS",), lambda r: list(WINDOWS_EXPECTED), _absent(WINDOWS_EXPECTED),
          "ERROR", "SMS.8106", "Windows environment-check parameters are missing"),
    Check(8, "report_size", ("LINUX", "WINDOWS"), _values("report_bytes"),
          _when("report_bytes", lambda v: v > LEGACY_BODY_LIMIT),
          "WARN", "SMS.2004", f"the report is larger than the legacy limit of {LEGACY_BODY_LIMIT} bytes"),
)


def run_checks(record: dict) -> list[dict]:
    results = []
    for check in CHECKS:
        if record.get("os_type") not in check.os_types:
            continue
        problems = check.problems(record)
        results.append({
            "id": check.id,
            "name": check.name,
            "params": check.params(record),
            "result": check.result if problems else "OK",
            "error_code": check.error_code if problems else None,
            "error_or_warn": check.message if problems else None,
            "error_params": ",".join(problems) if problems else None,
        })
    return results


def _refresh(record: dict, explicit_state: bool):
    record["checks"] = run_checks(record)
    record["totalsize"] = sum(d.get("size", 0) for d in record.get("disks", []))
    if not explicit_state and record["state"] in ("waiting", "unavailable"):
        failed = any(c["result"] == "ERROR" for c in record["checks"])
        record["state"] = "unavailable" if failed else "waiting"


def _with_network_ids(networks: list[dict]) -> list[dict]:
    return [{**n, "id": n.get("id") or str(uuid.uuid4())} for n in networks]


def new_record(body: dict, *, account, project_id: str, report_bytes: int) -> dict:
    stamp = now_ms()
    base = {
        "id": str(uuid.uuid4()),
        "owner_domain_id": account.domain_id,
        "project_id": project_id,
        "migprojectid": default_migproject(account)["id"],
        "enterprise_project_id": "0",
        "start_type": "MANUAL",
        "add_date": stamp,
        "state_action_time": stamp,
        "stage_action_time": stamp,
        "state": "waiting",
        "migration_cycle": None,
        "connected": True,
        "current_task": None,
        "init_target_server": None,
        "replicatesize": 0,
        "is_consistency_result_exist": False,
    }
    return update_record(base, body, report_bytes=report_bytes)


def update_record(record: dict, body: dict, *, report_bytes: int | None = None) -> dict:
    """Apply a re-report (POST with id) or a diskinfo/changestate/PUT change to a copy of ``record``."""
    updated = {**record, **{k: v for k, v in body.items() if k != "id"}}
    if "networks" in body:
        updated["networks"] = _with_network_ids(body["networks"])
    if report_bytes is not None:
        updated["report_bytes"] = report_bytes
        updated["last_visit_time"] = now_ms()
    _refresh(updated, explicit_state="state" in body)
    return updated


def _view(record: dict, keys) -> dict:
    return {key: record.get(key) for key in keys}


def list_view(record: dict) -> dict:
    return _view(record, LIST_FIELDS)


def show_view(record: dict) -> dict:
    return _view(record, SHOW_FIELDS)


_FILTER_KEYS = ("name", "id", "state", "migration_cycle", "enterprise_project_id")


def matches(record: dict, filters: dict) -> bool:
    """Exact-match filters of GET /v3/sources; ``ip`` takes precedence over ``ipv6``."""
    for key in _FILTER_KEYS:
        if key in filters and record.get(key) != filters[key]:
            return False
    if "ip" in filters:
        if record.get("ip") != filters["ip"]:
            return False
    elif "ipv6" in filters and record.get("ipv6") != filters["ipv6"]:
        return False
    if "migproject" in filters and record.get("migprojectid") != filters["migproject"]:
        return False
    for key in ("connected", "is_consistency_result_exist"):
        if key in filters and record.get(key) is not filters[key]:
            return False
    # No source has a target VM in the emulator.
    return "vm_id" not in filters


def overview(records) -> dict:
    counts = dict.fromkeys(OVERVIEW_KEYS, 0)
    for record in records:
        state = "initialize" if record["state"] == "init" else record["state"]
        if state in counts:
            counts[state] += 1
        if record.get("current_task") is None:
            counts["unconfigured"] += 1
    return counts
