# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's data: one row per host, its verdict, the fleet summary, CSV and JSON.

This module util is PRIVATE: its interface may change without notice.

Pure: host facts in, plain data out. The readiness checks are not evaluated here but by the
function the caller passes (the single home of the SMS rules), so no rule has a second copy;
this module only turns their results into a verdict:

* any ``error`` -> Not ready, any ``warn`` -> Ready with conditions, all ``ok`` -> Ready;
* no facts, an unreachable host, a failed discovery or checks that could not be evaluated
  -> Unknown, with the reason.

Every value taken from a host is hostile: it is coerced to text or a number, its length is
bounded, and nothing here produces markup (``report_html`` escapes; CSV cells that a
spreadsheet would run as a formula are defused).
"""

from __future__ import annotations

import csv
import io
import json
import math

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.rules import _dig

SCHEMA_VERSION = 1
MAX_TEXT = 400  # characters kept of any one value from a host
MAX_ITEMS = 256  # disks, partitions, NICs, ... kept per host
ELLIPSIS = "\u2026"

VERDICTS = (
    ("ready", "Ready"),
    ("conditional", "Ready with conditions"),
    ("not_ready", "Not ready"),
    ("unknown", "Unknown"),
)
VERDICT_LABELS = dict(VERDICTS)

# Columns of the host table, the CSV and the search, in order: (key, heading).
COLUMNS = (
    ("name", "Host"),
    ("ip", "IP address"),
    ("os", "Operating system"),
    ("verdict", "Verdict"),
    ("reason", "First blocking reason"),
    ("disks", "Disks"),
    ("capacity_bytes", "Capacity (bytes)"),
    ("used_bytes", "Used (bytes)"),
    ("boot_mode", "Boot mode"),
    ("source_state", "SMS source state"),
    ("progress", "Task progress (%)"),
)
# Disk types that are not storage of their own (a loop device is a file on another disk).
NOT_DISKS = frozenset(("loop",))


def text(value, limit=MAX_TEXT):
    """Any value as bounded text; None stays None."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    if len(value) > limit:
        return value[:limit - 1] + ELLIPSIS
    return value


def number(value):
    """An int or float from the host, else None (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _dicts(value):
    """The dict items of a list, at most MAX_ITEMS of them."""
    if not isinstance(value, list):
        return []
    return [item for item in value[:MAX_ITEMS] if isinstance(item, dict)]


def _texts(value):
    if not isinstance(value, list):
        return []
    return [text(item) for item in value[:MAX_ITEMS] if item is not None]


def verdict(checks, failure=None):
    """(verdict, reason) from the readiness results, or Unknown with ``failure``."""
    if failure:
        return "unknown", text(failure)
    if checks is None:
        return "unknown", "no discovery facts"
    for status, name in (("error", "not_ready"), ("warn", "conditional")):
        for check in checks:
            if check.get("status") == status:
                return name, text(check.get("message"))
    return "ready", ""


def _used_bytes(mounts):
    """Used bytes of the block-device file systems, each file system counted once."""
    seen = set()
    total = 0
    known = False
    for mount in mounts:
        used = number(_dig(mount, "usage", "used_bytes"))
        if not mount.get("device") or used is None or mount.get("major_minor") in seen:
            continue
        seen.add(mount.get("major_minor"))
        total += used
        known = True
    return total if known else None


def _filesystem(volume):
    usage = volume.get("usage") if isinstance(volume.get("usage"), dict) else {}
    return {
        "fstype": text(volume.get("fstype")),
        "label": text(volume.get("label")),
        "mountpoints": _texts(volume.get("mountpoints")),
        "used_bytes": number(usage.get("used_bytes")),
        "total_bytes": number(usage.get("total_bytes")),
    }


def _disk(disk):
    entry = {
        "path": text(disk.get("path") or disk.get("name")),
        "type": text(disk.get("type")),
        "size_bytes": number(disk.get("size_bytes")),
        "model": text(disk.get("model")),
        "partition_table": text(disk.get("partition_table")),
        "roles": _texts(disk.get("roles")),
        "filesystem": _filesystem(disk["filesystem"]) if isinstance(disk.get("filesystem"), dict) else None,
        "partitions": [],
    }
    for part in _dicts(disk.get("partitions")):
        part_entry = {"path": text(part.get("path") or part.get("name")), "size_bytes": number(part.get("size_bytes"))}
        part_entry.update(_filesystem(part))
        entry["partitions"].append(part_entry)
    return entry


def _storage(storage):
    lvm = storage.get("lvm") if isinstance(storage.get("lvm"), dict) else {}
    lvs = _dicts(lvm.get("lvs"))
    vgs = []
    for vg in _dicts(lvm.get("vgs")):
        vg_entry = {"name": text(vg.get("name")), "size_bytes": number(vg.get("size_bytes")),
                    "free_bytes": number(vg.get("free_bytes")), "pvs": _texts(vg.get("pv_paths")), "lvs": []}
        for lv in lvs:
            if lv.get("vg") == vg.get("name") and lv.get("vg_uuid") in (None, vg.get("uuid")):
                lv_entry = {"name": text(lv.get("name")), "size_bytes": number(lv.get("size_bytes")),
                            "segment_type": text(lv.get("segment_type"))}
                lv_entry.update(_filesystem(lv))
                vg_entry["lvs"].append(lv_entry)
        vgs.append(vg_entry)
    btrfs = [{"label": text(fs.get("label")), "fsid": text(fs.get("fsid")),
              "devices": len(fs.get("devices") or []) if isinstance(fs.get("devices"), list) else None,
              "subvolumes": len(fs.get("subvolumes") or []) if isinstance(fs.get("subvolumes"), list) else None,
              "mountpoints": _texts(fs.get("mountpoints"))}
             for fs in _dicts(storage.get("btrfs"))]
    return [_disk(disk) for disk in _dicts(storage.get("disks"))], vgs, btrfs


def _nics(network):
    nics = []
    for nic in _dicts(network.get("interfaces")):
        if nic.get("type") == "loopback":
            continue
        addresses = ["%s/%s" % (text(a.get("address")), text(a.get("prefix")))
                     for family in ("ipv4", "ipv6") for a in _dicts(nic.get(family))
                     if a.get("scope") in (None, "global")]
        nics.append({"name": text(nic.get("name")), "mac": text(nic.get("mac")), "state": text(nic.get("state")),
                     "kind": text(nic.get("kind")), "addresses": addresses,
                     "default": nic.get("name") == network.get("default_interface")})
    return nics


def _percent(value):
    """0-100 from a number or a numeric string (a fact set through a template may be one), else None."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    value = number(value)
    return None if value is None or math.isnan(value) else max(0, min(100, int(round(value))))


def _progress(source, task):
    """Percent of the current migration: the migrate role's figure, else SMS's replicated/total size."""
    for value in (_dig(task, "percent"), _dig(task, "progress"), _dig(source, "current_task", "progress")):
        if _percent(value) is not None:
            return _percent(value)
    replicated, total = number(_dig(source, "replicatesize")), number(_dig(source, "totalsize"))
    if replicated is not None and total:
        return _percent(100.0 * replicated / total)
    return None


def host_row(name, discovery=None, checks=None, failure=None, source=None, task=None):
    """One host of the report.

    ``discovery`` is its ``sms_discovery`` facts (None when it has none), ``checks`` the
    readiness results for them, ``failure`` why the host has no usable facts (unreachable,
    discovery failed), ``source`` the SMS source record and ``task`` the migration task
    when known.
    """
    if not isinstance(discovery, dict):
        discovery = None
        failure = failure or "no discovery facts (the host was not discovered)"
    facts = discovery or {}
    system = facts.get("system") if isinstance(facts.get("system"), dict) else {}
    dist = system.get("distribution") if isinstance(system.get("distribution"), dict) else {}
    firmware = facts.get("firmware") if isinstance(facts.get("firmware"), dict) else {}
    network = facts.get("network") if isinstance(facts.get("network"), dict) else {}
    storage = facts.get("storage") if isinstance(facts.get("storage"), dict) else {}
    source = source if isinstance(source, dict) else {}
    task = task if isinstance(task, dict) else {}
    disks, vgs, btrfs = _storage(storage)
    host_verdict, reason = verdict(checks if isinstance(checks, list) else None, failure)
    counted = [disk for disk in disks if disk["type"] not in NOT_DISKS]
    sizes = [disk["size_bytes"] for disk in counted if disk["size_bytes"] is not None]
    boot_mode = text(firmware.get("boot_mode"))
    if boot_mode and firmware.get("secure_boot") is True:
        boot_mode += " (Secure Boot)"
    return {
        "name": text(name),
        "ip": text(network.get("primary_ipv4") or network.get("primary_ipv6") or source.get("ip")),
        "os": text(dist.get("pretty_name") or dist.get("name") or dist.get("id")),
        "os_family": text(dist.get("id")),
        "os_version": text(dist.get("version") or dist.get("version_id")),
        "architecture": text(system.get("architecture")),
        "kernel": text(system.get("kernel_release")),
        "cpus": number(system.get("cpu_count")),
        "memory_bytes": number(system.get("memory_bytes")),
        "verdict": host_verdict,
        "reason": reason,
        "disks": len(counted) if discovery else None,
        "capacity_bytes": sum(sizes) if sizes else None,
        "used_bytes": _used_bytes(_dicts(storage.get("mounts"))),
        "boot_mode": boot_mode,
        "boot_loader": text(_dig(firmware, "boot_loader", "name")),
        "platform": text(_dig(facts, "platform", "cloud")),
        "source_id": text(source.get("id") or task.get("source_id")),
        "source_state": text(source.get("state")),
        "connected": source.get("connected") if isinstance(source.get("connected"), bool) else None,
        "migration_cycle": text(source.get("migration_cycle")),
        "task_state": text(task.get("phase") or task.get("state") or _dig(source, "current_task", "state")),
        "task_error": text(task.get("error")) or None,
        "progress": _progress(source, task),
        "collected_at": text(facts.get("collected_at")),
        "checks": [{"name": text(c.get("name")), "status": text(c.get("status")), "message": text(c.get("message")),
                    "fix": text(c.get("fix")) or "", "reference": text(c.get("reference")) or ""}
                   for c in (checks if isinstance(checks, list) else []) if isinstance(c, dict)],
        "disk_list": disks,
        "vgs": vgs,
        "btrfs": btrfs,
        "nics": _nics(network),
        "warnings": _texts(facts.get("warnings")),
    }


def _count(rows, key):
    counts = {}
    for row in rows:
        value = row.get(key)
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


def _total(rows, key):
    values = [row[key] for row in rows if row.get(key) is not None]
    return sum(values) if values else None


def summary(rows):
    """Fleet figures: hosts per verdict, OS, firmware, capacity, SMS states."""
    verdicts = dict(_count(rows, "verdict"))
    migrating = [row for row in rows if row["progress"] is not None]
    return {
        "hosts": len(rows),
        "verdicts": [(key, label, verdicts.get(key, 0)) for key, label in VERDICTS],
        "os_families": _count(rows, "os_family"),
        "os_versions": _count([dict(row, os_label=" ".join(p for p in (row["os_family"], row["os_version"]) if p))
                               for row in rows if row["os_family"]], "os_label"),
        "boot_modes": _count(rows, "boot_mode"),
        "capacity_bytes": _total(rows, "capacity_bytes"),
        "used_bytes": _total(rows, "used_bytes"),
        "registered": len([row for row in rows if row["source_id"] or row["source_state"]]),
        "source_states": _count(rows, "source_state"),
        "task_states": _count(rows, "task_state"),
        "migrating": len(migrating),
        "mean_progress": round(sum(row["progress"] for row in migrating) / len(migrating)) if migrating else None,
    }


def build(hosts, evaluate, title="SMS fleet readiness", generated_at=None):
    """The whole report from ``hosts``: dicts with ``name`` and optionally ``discovery``,
    ``failure``, ``source``, ``task``. ``evaluate(discovery)`` returns the readiness results of
    one host; an exception from it makes that host Unknown with the reason."""
    rows = []
    for host in hosts:
        discovery, failure, checks = host.get("discovery"), host.get("failure"), None
        if isinstance(discovery, dict) and not failure:
            try:
                checks = evaluate(discovery)
            except Exception as exc:  # pylint: disable=broad-except  # one bad host must not sink the report
                failure = "readiness could not be evaluated: %s" % exc
        rows.append(host_row(host.get("name"), discovery, checks, failure, host.get("source"), host.get("task")))
    rows.sort(key=lambda row: str(row["name"]))
    return {"schema_version": SCHEMA_VERSION, "title": text(title), "generated_at": text(generated_at),
            "verdicts": [{"key": key, "label": label} for key, label in VERDICTS],
            "summary": summary(rows), "hosts": rows}


def _cell(value):
    """A CSV cell that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    value = str(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(report):
    """The host table as CSV (one line per host, verdicts by label)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([heading for _key, heading in COLUMNS])
    for row in report["hosts"]:
        values = dict(row, verdict=VERDICT_LABELS.get(row["verdict"], row["verdict"]))
        writer.writerow([_cell(values.get(key)) for key, _heading in COLUMNS])
    return out.getvalue()


def to_json(report, indent=None):
    """The whole report as JSON text (sorted keys, so runs compare)."""
    separators = (",", ": ") if indent else (",", ":")
    return json.dumps(report, indent=indent, sort_keys=True, separators=separators, ensure_ascii=False) + "\n"
