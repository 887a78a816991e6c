# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``sms_discovery`` facts -> ``POST /v3/sources`` body; its validation; idempotent comparison.

This module util is PRIVATE: its interface may change without notice.

This is where SMS's wire dialect lives (docs/payload.md explains every choice with the
sections of sms-api.md it rests on): ``subvolumn``; sizes, ``memory`` and btrfs ``size`` as
integer bytes; btrfs ids and ``is_snapshot`` as strings; ``"null"`` for an unmounted subvolume;
``components`` and ``raw_devices`` joined with ``;``; ``linux_block_check`` as a JSON string;
``device_use`` classification; the host's SMS name and address (``source_identity``). What SMS
supports (``os_version`` naming, the boot loader, the layouts it cannot migrate) comes from
``_sms/rules.py``, the same rules the readiness filter reports.

Conventions: a value discovery does not know (``null``) is left out of the body rather than
sent as ``0`` or ``""`` — except ``mount_point`` (``""`` = not mounted) and the fields SMS
requires on Linux. Everything is pure: facts in, dict out; warnings are appended to a list.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ansible_collections.hwcloud.sms.plugins.module_utils._sms import rules
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.rules import MAX_NAME_LENGTH, os_version

DEFAULT_AGENT_VERSION = "25.5.0"
LEGACY_BODY_LIMIT = 10240
LIST_SEPARATOR = ";"
UNMOUNTED_SUBVOLUME = "null"
MIB = 1024 * 1024
INT32_MAX = 2 ** 31 - 1
INT64_MAX = 2 ** 63 - 1

# sms_discovery platform.cloud -> SMS ``platform`` (sms-api.md 2.1, 5.1).
PLATFORMS = {
    "huaweicloud": "hw",
    "alibaba": "ali",
    "aws": "aws",
    "azure": "azure",
    "gcp": "gcp",
    "tencent": "tencent",
    "vmware": "vmware",
    "hyperv": "hyperv",
}
PLATFORM_VALUES = ("hw", "ali", "aws", "azure", "gcp", "tencent", "vmware", "hyperv", "other", "default")

_EXCLUDED_DISK_TYPES = ("loop", "rom", "ram", "zram")
_EXCLUDED_DISK_PREFIXES = ("loop", "ram", "zram", "sr", "fd")


class PayloadError(ValueError):
    """The facts or the body cannot make a valid registration; ``field`` names the culprit."""

    def __init__(self, field, message):
        super().__init__("%s: %s" % (field, message))
        self.field = field


# ---------------------------------------------------------------------------------------------
# Building


def build_payload(discovery, agent_version=DEFAULT_AGENT_VERSION, name=None, overrides=None,
                  include_virtual_interfaces=False, warnings=None) -> dict:
    """The ``POST /v3/sources`` body for one host's ``sms_discovery`` facts.

    ``overrides`` replace top-level keys of the built body (a ``None`` value removes the key).
    Warnings (truncated names, unsupported layouts, ...) are appended to ``warnings`` when a
    list is given. The body is fitted (names truncated) and validated before it is returned.
    """
    warnings = [] if warnings is None else warnings
    if not isinstance(discovery, dict):
        raise PayloadError("discovery", "expected the sms_discovery dict, got %s" % type(discovery).__name__)
    try:
        body = _body(discovery, agent_version, name, include_virtual_interfaces, warnings)
        warnings.extend(rules.blocker_warnings(discovery))
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        if isinstance(exc, PayloadError):
            raise
        raise PayloadError("discovery", "malformed sms_discovery facts (%s: %s); expected the structure of "
                                        "docs/discovery.md" % (type(exc).__name__, exc)) from None
    body = apply_overrides(body, overrides)
    body = fit_payload(body, warnings)
    warnings.extend(validate_payload(body))
    return body


def _body(discovery, agent_version, name, include_virtual_interfaces, warnings) -> dict:
    system = _section(discovery, "system")
    firmware = _section(discovery, "firmware")
    platform = _section(discovery, "platform")
    network = _section(discovery, "network")
    storage = _section(discovery, "storage")
    identity = source_identity(discovery, name, warnings=warnings)

    body = {
        "name": identity["name"],
        "hostname": system.get("hostname"),
        "os_type": "LINUX",
        "os_version": os_version(system, warnings),
        "linux_block_check": linux_block_check(system),
        "firmware": {"uefi": "UEFI", "bios": "BIOS"}.get(str(firmware.get("boot_mode")).lower()),
        "cpu_quantity": system.get("cpu_count"),
        "memory": system.get("memory_bytes"),
        "agent_version": agent_version or DEFAULT_AGENT_VERSION,
        "kernel_version": system.get("kernel_release"),
        "platform": platform_name(platform.get("cloud")),
        "has_rsync": _tool_present(system, "rsync"),
        "has_tc": _tool_present(system, "tc"),
        "paravirtualization": bool(platform.get("paravirtualized")),
        "boot_loader": rules.boot_loader_value(firmware.get("boot_loader")),
        "raw_devices": LIST_SEPARATOR.join(storage.get("raw_devices") or []),
        "ip": identity["ip"],
        "ipv6": identity["ipv6"],
    }
    body["networks"] = networks(network, include_virtual_interfaces)
    body["disks"] = disks(storage, warnings)
    body["volume_groups"] = volume_groups(storage, warnings)
    body["btrfs_list"] = btrfs_list(storage, warnings)
    return {key: value for key, value in body.items() if value is not None}


def apply_overrides(body, overrides) -> dict:
    if not overrides:
        return body
    if not isinstance(overrides, dict):
        raise PayloadError("overrides", "expected a dict of top-level body keys")
    merged = dict(body)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def fit_payload(body, warnings=None) -> dict:
    """``name`` and ``hostname`` fitted to the documented 64 characters (``rules.fit_name``:
    a longer name becomes its first 55 characters, ``-`` and 8 hex characters of its SHA-256,
    with a warning), so two long names never become one."""
    fitted = dict(body)
    for key in ("name", "hostname"):
        if key in fitted:
            fitted[key] = rules.fit_name(fitted[key], key, warnings)
    return fitted


def source_identity(discovery=None, name=None, payload=None, warnings=None) -> dict:
    """The SMS name and address of a host: the one rule the modules, filters and roles use.

    ``name``: the given name, else the payload's ``name``, else discovery's
    ``system.hostname``, fitted to 64 characters (``fit_payload``). ``ip``: the payload's
    ``ip``, else discovery's ``network.primary_ipv4``; ``ipv6``: only when there is no IPv4 (the
    payload's ``ipv6``, else ``network.primary_ipv6``). Unknown values are None.
    Returns ``{"name": ..., "ip": ..., "ipv6": ...}``.
    """
    discovery = discovery if isinstance(discovery, dict) else {}
    payload = payload if isinstance(payload, dict) else {}
    system, network = _section(discovery, "system"), _section(discovery, "network")
    identity = {
        "name": name or payload.get("name") or system.get("hostname") or None,
        "ip": payload.get("ip") or network.get("primary_ipv4") or None,
    }
    identity["ipv6"] = None if identity["ip"] else payload.get("ipv6") or network.get("primary_ipv6") or None
    return fit_payload(identity, warnings)


def _section(discovery, key) -> dict:
    value = discovery.get(key)
    return value if isinstance(value, dict) else {}


def _tool_present(system, tool) -> bool:
    flag = system.get("has_" + tool)
    if isinstance(flag, bool):
        return flag
    return bool((system.get("tools") or {}).get(tool))


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def linux_block_check(system) -> str:
    """JSON string with the distribution and kernel facts block-level migration checks use."""
    distro = system.get("distribution") or {}
    kernel = str(system.get("kernel_release") or "")
    match = re.match(r"(\d+)\.(\d+)", kernel)
    distro_id = str(distro.get("id") or "").lower()
    return json.dumps({
        "release_type": rules.OS_NAMES.get(distro_id, distro_id.upper()),
        "release_version": str(distro.get("version_id") or ""),
        "kernel_simplification": "%s.%s" % match.groups() if match else kernel,
        "architecture": str(system.get("architecture") or ""),
        "kernel_version": kernel,
    }, sort_keys=True, separators=(",", ":"))


def platform_name(cloud) -> str:
    """``hw``, ``aws``, ... for known clouds; ``other`` for any other known kind; ``default`` if unknown."""
    if not cloud:
        return "default"
    return PLATFORMS.get(str(cloud).lower(), "other")


def _netmask(address) -> str | None:
    if address.get("netmask"):
        return address["netmask"]
    prefix = _int(address.get("prefix"))
    if prefix is None:
        return None
    return str(ipaddress.IPv4Network("0.0.0.0/%d" % prefix).netmask)


def _global_ipv6(addresses):
    for address in addresses or []:
        if str(address.get("scope") or "global").lower() == "global" and address.get("address"):
            return address["address"]
    return None


def networks(network, include_virtual_interfaces=False) -> list:
    """One entry per interface with an IPv4 or global IPv6 address.

    Loopback and container-runtime interfaces are left out (the latter unless
    ``include_virtual_interfaces``). Interfaces with a MAC come first, the default-route
    interface first among them: SMS requires a non-empty MAC in the first entry.
    """
    default_if = network.get("default_interface")
    gateways = {}
    for route in sorted(network.get("default_routes") or [], key=lambda r: _int(r.get("metric")) or 0, reverse=True):
        if route.get("family") == "ipv4" and route.get("interface") and route.get("gateway"):
            gateways[route["interface"]] = route["gateway"]
    entries = []
    for position, iface in enumerate(network.get("interfaces") or []):
        if not isinstance(iface, dict) or iface.get("type") == "loopback" or iface.get("kind") == "loopback":
            continue
        if iface.get("container_runtime") and not include_virtual_interfaces:
            continue
        ipv4 = [a for a in iface.get("ipv4") or [] if a.get("address")]
        ipv6 = _global_ipv6(iface.get("ipv6"))
        if not ipv4 and not ipv6:
            continue
        entry = {"name": iface.get("name"), "mac": iface.get("mac") or "", "mtu": _int(iface.get("mtu"))}
        if ipv4:
            entry.update(ip=ipv4[0]["address"], netmask=_netmask(ipv4[0]), gateway=gateways.get(iface.get("name"), ""))
        if ipv6:
            entry["ipv6"] = ipv6
        rank = (not entry["mac"], iface.get("name") != default_if, position)
        entries.append((rank, {k: v for k, v in entry.items() if v is not None}))
    return [entry for rank, entry in sorted(entries, key=lambda pair: pair[0])]


def _mount_point(mountpoints) -> str:
    """``/``, else ``/boot``, else the first mount point listed; ``""`` when not mounted."""
    mountpoints = [m for m in mountpoints or [] if m]
    for preferred in ("/", "/boot"):
        if preferred in mountpoints:
            return preferred
    return mountpoints[0] if mountpoints else ""


def _usage(fs) -> dict:
    usage = fs.get("usage")
    return usage if isinstance(usage, dict) and fs.get("mountpoints") else {}


def _partition_use(part) -> str:
    roles = set(part.get("roles") or [])
    mountpoints = set(part.get("mountpoints") or [])
    if part.get("fstype") == "btrfs":
        return "BTRFS"
    if part.get("lvm_pv") or part.get("fstype") == "LVM2_member":
        return "VOLUME_GROUP"
    if "boot" in roles or "/boot" in mountpoints:
        return "BOOT"
    if "root" in roles or "/" in mountpoints:
        return "OS"
    return "NORMAL"


def physical_volume(part, index=None) -> dict:
    """A partition (or a whole-disk file system/PV) as a ``PhysicalVolume``."""
    usage = _usage(part)
    size = _int(part.get("size_bytes"))
    used = _int(usage.get("used_bytes"))
    entry = {
        "name": part.get("path"),
        "index": _int(part.get("number")) if index is None else index,
        "device_use": _partition_use(part),
        "file_system": part.get("fstype"),
        "mount_point": _mount_point(part.get("mountpoints")),
        "size": size,
        "used_size": used if used is not None else size,
        "uuid": part.get("uuid"),
        "inode_size": _int(part.get("inode_size")),
        "inode_nums": _int(usage.get("inodes_total")),
    }
    return {k: v for k, v in entry.items() if v is not None}


def _is_migratable_disk(disk) -> bool:
    name = str(disk.get("name") or "")
    return disk.get("type") not in _EXCLUDED_DISK_TYPES and not name.startswith(_EXCLUDED_DISK_PREFIXES)


def disks(storage, warnings=None) -> list:
    """``ServerDisk`` entries; loop, RAM, zram and optical devices are left out."""
    result = []
    for disk in storage.get("disks") or []:
        if not isinstance(disk, dict) or not _is_migratable_disk(disk):
            continue
        partitions = [physical_volume(p) for p in disk.get("partitions") or [] if isinstance(p, dict)]
        whole = disk.get("filesystem") if isinstance(disk.get("filesystem"), dict) else None
        if not partitions and (whole or disk.get("lvm_pv")):
            spanning = dict(whole or {}, path=disk.get("path"), size_bytes=disk.get("size_bytes"),
                            lvm_pv=disk.get("lvm_pv"), roles=disk.get("roles"))
            partitions = [physical_volume(spanning, index=0)]
        roles = set(disk.get("roles") or [])
        device_use = "BOOT" if roles & {"root", "boot"} else "VOLUME_GROUP" if disk.get("lvm_pv") else "NORMAL"
        entry = {
            "name": disk.get("path"),
            "size": _int(disk.get("size_bytes")),
            "used_size": sum(_int(p.get("size")) or 0 for p in partitions),
            "partition_style": {"gpt": "GPT", "dos": "MBR", "mbr": "MBR"}.get(str(disk.get("partition_table")).lower()),
            "device_use": device_use,
            "os_disk": device_use == "BOOT",
            "physical_volumes": partitions,
        }
        result.append({k: v for k, v in entry.items() if v is not None})
    return result


def _mapper_path(lv) -> str:
    if lv.get("mapper"):
        return lv["mapper"]
    return "/dev/mapper/%s-%s" % (str(lv.get("vg")).replace("-", "--"), str(lv.get("name")).replace("-", "--"))


def logical_volume(lv, warnings=None) -> dict:
    usage = _usage(lv)
    size = _int(lv.get("size_bytes"))
    used = _int(usage.get("used_bytes"))
    block_size = _int(usage.get("block_size"))
    total = _int(usage.get("total_bytes"))
    block_count = total // block_size if total is not None and block_size else None
    if block_count is not None and block_count > INT32_MAX:
        if warnings is not None:
            warnings.append("%s: block count %d exceeds SMS's 32-bit field; left out" % (_mapper_path(lv), block_count))
        block_count = None
    roles = set(lv.get("roles") or [])
    mountpoints = set(lv.get("mountpoints") or [])
    entry = {
        "name": _mapper_path(lv),
        "device_use": "BOOT" if "boot" in roles or "/boot" in mountpoints else
                      "OS" if "root" in roles or "/" in mountpoints else "NORMAL",
        "file_system": lv.get("fstype"),
        "mount_point": _mount_point(lv.get("mountpoints")),
        "size": size,
        "used_size": used if used is not None else size,
        "free_size": _int(usage.get("free_bytes")),
        "inode_size": _int(lv.get("inode_size")),
        "inode_nums": _int(usage.get("inodes_total")),
        "block_size": block_size,
        "block_count": block_count,
    }
    return {k: v for k, v in entry.items() if v is not None}


def volume_groups(storage, warnings=None) -> list:
    lvm = storage.get("lvm") if isinstance(storage.get("lvm"), dict) else {}
    lvs = [lv for lv in lvm.get("lvs") or [] if isinstance(lv, dict)]
    result = []
    for vg in lvm.get("vgs") or []:
        if not isinstance(vg, dict):
            continue
        members = [lv for lv in lvs if lv.get("vg") == vg.get("name")]
        entry = {
            "name": vg.get("name"),
            "size": _int(vg.get("size_bytes")),
            "free_size": _int(vg.get("free_bytes")),
            "components": LIST_SEPARATOR.join(vg.get("pv_paths") or []),
            "logical_volumes": [logical_volume(lv, warnings) for lv in members],
        }
        result.append({k: v for k, v in entry.items() if v is not None})
    if lvm.get("available") is False and _has_lvm_members(storage) and warnings is not None:
        warnings.append("LVM physical volumes exist but the LVM report was not available (not root, or no lvm2): "
                        "volume_groups is empty")
    return result


def _has_lvm_members(storage) -> bool:
    for disk in storage.get("disks") or []:
        if disk.get("lvm_pv") or any(p.get("lvm_pv") or p.get("fstype") == "LVM2_member"
                                     for p in disk.get("partitions") or []):
            return True
    return False


def _mount_path(mountpoints) -> str:
    path = _mount_point(mountpoints)
    return path or UNMOUNTED_SUBVOLUME


def btrfs_list(storage, warnings=None) -> list:
    """``BtrfsFileSystem`` entries, with the sub-volume list under the key ``subvolumn``."""
    result = []
    for fs in storage.get("btrfs") or []:
        if not isinstance(fs, dict):
            continue
        paths = [d.get("path") for d in fs.get("devices") or [] if isinstance(d, dict) and d.get("path")]
        profiles = fs.get("profiles") or {}
        reserve = fs.get("global_reserve") or {}
        default = fs.get("default_subvolume") or {}
        subvolumes = fs.get("subvolumes")
        if subvolumes is None and warnings is not None:
            warnings.append("btrfs %s is not mounted: its sub-volumes cannot be listed" % fs.get("fsid"))
        entry = {
            "name": paths[0] if paths else fs.get("fsid"),
            "label": fs.get("label") or "",
            "uuid": fs.get("fsid"),
            "device": LIST_SEPARATOR.join(paths),
            "size": _int(fs.get("used_bytes")),
            "nodesize": _int(fs.get("nodesize")),
            "sectorsize": _int(fs.get("sectorsize")),
            "data_profile": profiles.get("data"),
            "metadata_profile": profiles.get("metadata"),
            "system_profile": profiles.get("system"),
            "global_reserve1": str(reserve["total_bytes"]) if _int(reserve.get("total_bytes")) is not None else None,
            "g_vol_used_size": _int(reserve.get("used_bytes")),
            "default_subvolid": str(default["id"]) if default.get("id") is not None else None,
            "default_subvol_name": default.get("path") if default.get("id") is not None else None,
            "default_subvol_mountpath": _mount_path(default.get("mountpoints")) if default.get("id") is not None else None,
            "subvolumn": [_subvolume(fs.get("fsid"), sub) for sub in subvolumes or [] if isinstance(sub, dict)],
        }
        result.append({k: v for k, v in entry.items() if v is not None})
    return result


def _subvolume(fsid, sub) -> dict:
    entry = {
        "uuid": fsid,
        "is_snapshot": "true" if sub.get("is_snapshot") else "false",
        "subvol_id": str(sub.get("id")),
        "parent_id": str(sub.get("parent_id")) if sub.get("parent_id") is not None else None,
        "subvol_name": sub.get("path"),
        "subvol_mount_path": _mount_path(sub.get("mountpoints")),
    }
    return {k: v for k, v in entry.items() if v is not None}


# ---------------------------------------------------------------------------------------------
# Validation against the documented limits (sms-api.md 2.1, 2.2; Go SDK integer widths)


class _Spec:
    def __init__(self, kind, lo=None, hi=None, choices=None, fields=None, item=None, min_items=0,
                 max_items=65535, ip=None):
        self.kind, self.lo, self.hi, self.choices = kind, lo, hi, choices
        self.fields, self.item, self.min_items, self.max_items, self.ip = fields, item, min_items, max_items, ip


def _str(lo=0, hi=255, choices=None, ip=None):
    return _Spec("str", lo, hi, choices=choices, ip=ip)


_TEXT, _PATH, _LONG = _str(), _str(hi=4096), _str(hi=65535)
_BOOL = _Spec("bool")
_INT32, _INT64 = _Spec("int", 0, INT32_MAX), _Spec("int", 0, INT64_MAX)

_SUBVOLUMN = _Spec("obj", fields={
    "uuid": _TEXT, "is_snapshot": _str(choices=("true", "false")), "subvol_id": _TEXT, "parent_id": _TEXT,
    "subvol_name": _PATH, "subvol_mount_path": _PATH})
_BTRFS = _Spec("obj", fields={
    "name": _TEXT, "label": _TEXT, "uuid": _TEXT, "device": _LONG, "size": _INT64, "nodesize": _INT64,
    "sectorsize": _INT32, "data_profile": _TEXT, "system_profile": _TEXT, "metadata_profile": _TEXT,
    "global_reserve1": _TEXT, "g_vol_used_size": _INT64, "default_subvolid": _TEXT, "default_subvol_name": _PATH,
    "default_subvol_mountpath": _PATH, "subvolumn": _Spec("list", item=_SUBVOLUMN)})
_PHYSICAL_VOLUME = _Spec("obj", fields={
    "device_use": _TEXT, "file_system": _TEXT, "index": _INT32, "mount_point": _PATH, "name": _TEXT,
    "size": _INT64, "used_size": _INT64, "inode_size": _INT32, "inode_nums": _INT64, "uuid": _TEXT,
    "size_per_cluster": _INT32})
_DISK = _Spec("obj", fields={
    "name": _TEXT, "partition_style": _TEXT, "device_use": _TEXT, "size": _INT64, "used_size": _INT64,
    "physical_volumes": _Spec("list", item=_PHYSICAL_VOLUME), "os_disk": _BOOL, "relation_name": _TEXT,
    "inode_size": _INT32})
_LOGICAL_VOLUME = _Spec("obj", fields={
    "block_count": _INT32, "block_size": _INT64, "file_system": _TEXT, "inode_size": _INT32, "inode_nums": _INT64,
    "device_use": _TEXT, "mount_point": _PATH, "name": _TEXT, "size": _INT64, "used_size": _INT64,
    "free_size": _INT64})
_VOLUME_GROUP = _Spec("obj", fields={
    "components": _LONG, "free_size": _INT64, "logical_volumes": _Spec("list", item=_LOGICAL_VOLUME),
    "name": _TEXT, "size": _INT64})
_NETWORK = _Spec("obj", fields={
    "name": _TEXT, "ip": _str(ip=4), "ipv6": _str(ip=6), "netmask": _TEXT, "gateway": _TEXT, "mtu": _INT32,
    "mac": _TEXT, "id": _TEXT})
_BODY = _Spec("obj", fields={
    "id": _TEXT, "ip": _str(ip=4), "ipv6": _str(ip=6), "name": _str(1, MAX_NAME_LENGTH),
    "hostname": _str(1, MAX_NAME_LENGTH), "os_type": _str(choices=("WINDOWS", "LINUX")), "os_version": _str(1),
    "linux_block_check": _LONG, "firmware": _str(choices=("BIOS", "UEFI")), "cpu_quantity": _Spec("int", 0, 65535),
    "memory": _INT64, "disks": _Spec("list", item=_DISK), "btrfs_list": _Spec("list", item=_BTRFS),
    "networks": _Spec("list", item=_NETWORK, min_items=1), "domain_id": _TEXT, "has_rsync": _BOOL,
    "paravirtualization": _BOOL, "raw_devices": _LONG, "driver_files": _BOOL, "system_services": _BOOL,
    "account_rights": _BOOL, "boot_loader": _TEXT, "system_dir": _PATH,
    "volume_groups": _Spec("list", item=_VOLUME_GROUP), "agent_version": _str(1), "kernel_version": _TEXT,
    "migration_cycle": _str(choices=("cutovering", "cutovered", "checking", "setting", "replicating", "syncing")),
    "state": _str(choices=(
        "unavailable", "waiting", "initialize", "replicate", "syncing", "stopping", "stopped", "skipping",
        "deleting", "clearing", "cleared", "clearfailed", "premigready", "premiging", "premiged", "premigfailed",
        "cloning", "cutovering", "finished", "error")),
    "oem_system": _BOOL, "start_type": _TEXT, "io_read_wait": _Spec("float", 0), "has_tc": _BOOL,
    "platform": _str(choices=PLATFORM_VALUES)})

REQUIRED = ("name", "os_type", "os_version", "networks", "agent_version")
LINUX_REQUIRED = ("btrfs_list", "volume_groups", "has_rsync", "paravirtualization", "raw_devices", "boot_loader",
                  "has_tc")
_TYPE_NAMES = {"str": "a string", "int": "an integer", "float": "a number", "bool": "a boolean", "list": "a list",
               "obj": "a dict"}


def validate_payload(body) -> list:
    """Check ``body`` against the documented limits; return warnings, raise PayloadError on the first error."""
    if not isinstance(body, dict):
        raise PayloadError("body", "must be a dict")
    for key in REQUIRED:
        if body.get(key) in (None, "", []):
            raise PayloadError(key, "is required by SMS")
    if not body.get("ip") and not body.get("ipv6"):
        raise PayloadError("ip", "one of ip or ipv6 is required (discovery found no primary address; "
                                 "set overrides.ip)")
    if body.get("os_type") == "LINUX":
        missing = [key for key in LINUX_REQUIRED if body.get(key) is None]
        if missing:
            raise PayloadError(missing[0], "is required for Linux sources (SMS environment check)")
    _check(body, _BODY, "")
    if not body["networks"][0].get("mac"):
        raise PayloadError("networks[0].mac", "the first network entry must have a MAC address")
    problem = rules.boot_loader_problem(body["boot_loader"]) if body.get("os_type") == "LINUX" else None
    if problem:
        raise PayloadError("boot_loader", problem)
    warnings = []
    size = len(json.dumps(body, separators=(",", ":")).encode("utf-8"))
    if size > LEGACY_BODY_LIMIT:
        warnings.append("the registration body is %d bytes, over the legacy SMS limit of %d bytes; if SMS rejects "
                        "it, leave out virtual interfaces or unneeded disks" % (size, LEGACY_BODY_LIMIT))
    return warnings


def _check(value, spec, path):
    field = path or "body"
    if spec.kind == "int" and not (isinstance(value, int) and not isinstance(value, bool)):
        raise PayloadError(field, "must be %s, got %s %r" % (_TYPE_NAMES["int"], type(value).__name__, value))
    if spec.kind == "float" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise PayloadError(field, "must be %s, got %s %r" % (_TYPE_NAMES["float"], type(value).__name__, value))
    expected = {"str": str, "bool": bool, "list": list, "obj": dict}.get(spec.kind)
    if expected is not None and not isinstance(value, expected):
        raise PayloadError(field, "must be %s, got %s %r" % (_TYPE_NAMES[spec.kind], type(value).__name__, value))
    if spec.kind in ("int", "float"):
        if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
            raise PayloadError(field, "%r is out of range %s..%s" % (value, spec.lo, spec.hi))
    elif spec.kind == "str":
        _check_str(value, spec, field)
    elif spec.kind == "list":
        if not spec.min_items <= len(value) <= spec.max_items:
            raise PayloadError(field, "must have %d to %d entries, has %d" % (spec.min_items, spec.max_items, len(value)))
        for position, item in enumerate(value):
            _check(item, spec.item, "%s[%d]" % (path, position))
    elif spec.kind == "obj":
        for key, item in value.items():
            sub = "%s.%s" % (path, key) if path else key
            if key not in spec.fields:
                hint = " (did you mean 'subvolumn'?)" if key == "subvolume" or key == "subvolumes" else ""
                raise PayloadError(sub, "unknown field%s" % hint)
            if item is not None:
                _check(item, spec.fields[key], sub)


def _check_str(value, spec, field):
    if not spec.lo <= len(value) <= spec.hi:
        raise PayloadError(field, "must be %d to %d characters, has %d" % (spec.lo, spec.hi, len(value)))
    if spec.choices and value not in spec.choices:
        raise PayloadError(field, "%r is not one of %s" % (value, ", ".join(spec.choices)))
    if spec.ip and value:
        try:
            parsed = ipaddress.ip_address(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.version != spec.ip:
            raise PayloadError(field, "%r is not a valid IPv%d address" % (value, spec.ip))


# ---------------------------------------------------------------------------------------------
# Idempotent comparison with GET /v3/sources/{id}

_LIST_KEYS = ("subvol_id", "name", "id")
_NUMERIC = re.compile(r"^-?\d+$")
# File-system usage moves on a live host between two runs (logs, temporary files): a drift below
# max(USAGE_TOLERANCE_BYTES, USAGE_TOLERANCE_RATIO * size) is not a change worth re-reporting.
USAGE_KEYS = frozenset(("used_size", "free_size", "g_vol_used_size"))
USAGE_TOLERANCE_BYTES = 64 * MIB
USAGE_TOLERANCE_RATIO = 0.01


def normalise(value):
    """Scalars as SMS may echo them: ``"256"`` -> 256, ``None`` -> ``""``, ``2.0`` -> 2."""
    if value is None:
        return ""
    if isinstance(value, str) and _NUMERIC.match(value.strip()):
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _list_key(desired, current):
    items = list(desired) + list(current)
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    return next((key for key in _LIST_KEYS if all(i.get(key) not in (None, "") for i in items)), None)


def _within_tolerance(after, before, size) -> bool:
    if not (isinstance(after, int) and isinstance(before, int)):
        return False
    reference = size if isinstance(size, int) and size > 0 else max(after, before)
    return abs(after - before) <= max(USAGE_TOLERANCE_BYTES, USAGE_TOLERANCE_RATIO * reference)


def _project(desired, current, usage_keys=USAGE_KEYS):
    """``(after, before)``: both normalised and restricted to what ``current`` returns.

    Usage fields within the tolerance take the current value, so they neither count as a
    difference nor show up in a diff.
    """
    if isinstance(desired, dict) and isinstance(current, dict):
        keys = [k for k in desired if current.get(k) is not None]
        pairs = {k: _project(desired[k], current[k], usage_keys) for k in keys}
        after, before = {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
        size = normalise(desired.get("size")) if "size" not in usage_keys else None
        for key in usage_keys & set(after):
            if _within_tolerance(after[key], before[key], size):
                after[key] = before[key]
        return after, before
    if isinstance(desired, list) and isinstance(current, list):
        key = _list_key(desired, current)
        if key is None:
            after = sorted((_normalise_deep(d) for d in desired), key=_sort_key)
            before = sorted((_normalise_deep(c) for c in current), key=_sort_key)
            return after, before
        have = {str(normalise(c[key])): c for c in current}
        want = {str(normalise(d[key])): d for d in desired}
        desired_fields = set().union(*[d.keys() for d in desired]) if desired else set()
        current_fields = set().union(*[c.keys() for c in current]) if current else set()
        after, before = [], []
        for ident in sorted(set(have) | set(want)):
            if ident in want and ident in have:
                a, b = _project(want[ident], have[ident], usage_keys)
                after.append(a)
                before.append(b)
            elif ident in want:
                after.append(_normalise_deep({k: v for k, v in want[ident].items() if k in current_fields or not current}))
            else:
                before.append(_normalise_deep({k: v for k, v in have[ident].items() if k in desired_fields}))
        return after, before
    return normalise(desired), normalise(current)


def _normalise_deep(value):
    if isinstance(value, dict):
        return {k: _normalise_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise_deep(v) for v in value]
    return normalise(value)


def _sort_key(value):
    return json.dumps(value, sort_keys=True, default=str)


def differences(desired, current) -> dict:
    """``{field: {"before": ..., "after": ...}}`` for top-level fields that differ.

    Only fields ``GET /v3/sources/{id}`` returned are compared (sms-api.md 2.4): the server
    does not echo ``has_rsync``, ``boot_loader``, ``platform``, ... Values are normalised
    (numeric strings, ``null``), lists of records are matched by ``name`` (``subvol_id`` for
    sub-volumes) regardless of order, usage (``used_size``, ``free_size``, btrfs ``size``)
    drifting less than max(64 MiB, 1 % of the size) is not a change, and ``memory`` also
    matches when the server reports it in MiB (the documentation says MB, the API stores bytes).
    """
    changed = {}
    for key, wanted in desired.items():
        if key == "id" or current.get(key) is None:
            continue
        # In btrfs_list, ``size`` is the space the file system uses: usage, not capacity.
        after, before = _project(wanted, current[key], USAGE_KEYS | {"size"} if key == "btrfs_list" else USAGE_KEYS)
        if after == before:
            continue
        if key == "memory" and isinstance(wanted, int) and before == wanted // MIB:
            continue
        changed[key] = {"before": before, "after": after}
    return changed
