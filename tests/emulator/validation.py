"""Declarative schemas of the SMS request bodies (reference §2.1, §2.2, §2.5) and their validator.

Each model is one table ``{key: Field}``. Integers carry the Go SDK width as their upper bound
and 0 as their lower bound (sizes, counts and indexes are never negative); strings default to
0-255 characters. ``bool`` is never accepted where an integer is due, and strings are never
coerced. Unknown keys are rejected in strict mode and dropped otherwise; ``null`` means "absent".
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .protocol import SMS_ENUM, SMS_MISSING, SMS_RANGE, SMS_TYPE, SMS_UNKNOWN_KEY, sms_error

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Field:
    kind: str  # "str" | "int" | "float" | "bool" | "list" | "object"
    min_len: int = 0  # characters for strings, items for lists
    max_len: int | None = None
    lo: float | None = None
    hi: float | None = None
    enum: tuple[str, ...] | None = None
    enum_strict_only: bool = False  # non-strict mode accepts other values (and the checks judge them)
    fmt: str | None = None  # "ipv4" | "ipv6"; the empty string is allowed
    item: "Field | None" = None
    fields: "dict[str, Field] | None" = None
    required: bool = False
    legacy: bool = False  # removed from the SDK: accepted only in non-strict mode


def text(max_len=255, min_len=0, **kw) -> Field:
    return Field("str", min_len=min_len, max_len=max_len, **kw)


def one_of(*values, **kw) -> Field:
    return Field("str", enum=values, **kw)


def array(item: Field, max_len=65535, min_len=0, **kw) -> Field:
    return Field("list", item=item, min_len=min_len, max_len=max_len, **kw)


def obj(fields: dict) -> Field:
    return Field("object", fields=fields)


TEXT = text()
PATH = text(4096)
LONG_TEXT = text(65535)
NAME = text(64, min_len=1)
BOOL = Field("bool")
INT32 = Field("int", lo=0, hi=INT32_MAX)
INT64 = Field("int", lo=0, hi=INT64_MAX)
NUMBER = Field("float", lo=0)

OS_TYPES = ("WINDOWS", "LINUX")
FIRMWARES = ("BIOS", "UEFI")
PLATFORMS = ("hw", "ali", "aws", "azure", "gcp", "tencent", "vmware", "hyperv", "other", "default")
MIGRATION_CYCLES = ("cutovering", "cutovered", "checking", "setting", "replicating", "syncing")
CHANGESTATE_CYCLES = ("no_ready", "ready_for_test", "testing", "tested") + MIGRATION_CYCLES
_COMMON_STATES = (
    "unavailable", "waiting", "replicate", "syncing", "stopping", "stopped", "skipping", "deleting",
    "clearing", "cleared", "clearfailed", "premigready", "premiging", "premiged", "premigfailed",
    "cloning", "cutovering", "finished", "error",
)
REGISTER_STATES = _COMMON_STATES + ("initialize",)
COPY_STATES = _COMMON_STATES + ("init",)

BTRFS_SUBVOLUMN = obj({
    "uuid": TEXT, "is_snapshot": TEXT, "subvol_id": TEXT, "parent_id": TEXT,
    "subvol_name": PATH, "subvol_mount_path": PATH,
})
BTRFS_FILE_SYSTEM = obj({
    "name": TEXT, "label": TEXT, "uuid": TEXT, "device": PATH, "size": INT64, "nodesize": INT64,
    "sectorsize": INT32, "data_profile": TEXT, "system_profile": TEXT, "metadata_profile": TEXT,
    "global_reserve1": TEXT, "g_vol_used_size": INT64, "default_subvolid": TEXT,
    "default_subvol_name": PATH, "default_subvol_mountpath": PATH, "subvolumn": array(BTRFS_SUBVOLUMN),
})
PHYSICAL_VOLUME = obj({
    "device_use": TEXT, "file_system": TEXT, "index": INT32, "mount_point": PATH, "name": TEXT,
    "size": INT64, "used_size": INT64, "inode_size": INT32, "inode_nums": INT64, "uuid": TEXT,
    "size_per_cluster": INT32,
})
SERVER_DISK = obj({
    "name": TEXT, "partition_style": TEXT, "device_use": TEXT, "size": INT64, "used_size": INT64,
    "physical_volumes": array(PHYSICAL_VOLUME), "os_disk": BOOL, "relation_name": TEXT, "inode_size": INT32,
})
LOGICAL_VOLUME = obj({
    "block_count": INT32, "block_size": INT64, "file_system": TEXT, "inode_size": INT32,
    "inode_nums": INT64, "device_use": TEXT, "mount_point": PATH, "name": TEXT, "size": INT64,
    "used_size": INT64, "free_size": INT64,
})
VOLUME_GROUP = obj({
    "components": LONG_TEXT, "free_size": INT64, "logical_volumes": array(LOGICAL_VOLUME),
    "name": TEXT, "size": INT64,
})
NETWORK = obj({
    "name": TEXT, "ip": text(fmt="ipv4"), "ipv6": text(fmt="ipv6"), "netmask": TEXT, "gateway": TEXT,
    "mtu": INT32, "mac": text(required=True), "id": TEXT,
})

REGISTER_BODY = obj({
    "id": TEXT,
    "ip": text(fmt="ipv4"),
    "ipv6": text(fmt="ipv6"),
    "name": NAME,
    "hostname": text(64, min_len=1),
    "os_type": one_of(*OS_TYPES),
    "os_version": TEXT,
    "linux_block_check": LONG_TEXT,
    "firmware": one_of(*FIRMWARES),
    "cpu_quantity": Field("int", lo=0, hi=65535),
    "memory": INT64,
    "disks": array(SERVER_DISK),
    "btrfs_list": array(BTRFS_FILE_SYSTEM),
    "networks": array(NETWORK, min_len=1),
    "domain_id": TEXT,
    "has_rsync": BOOL,
    "paravirtualization": BOOL,
    "raw_devices": LONG_TEXT,
    "driver_files": BOOL,
    "system_services": BOOL,
    "account_rights": BOOL,
    "boot_loader": one_of("GRUB", enum_strict_only=True),
    "system_dir": PATH,
    "volume_groups": array(VOLUME_GROUP),
    "agent_version": TEXT,
    "kernel_version": TEXT,
    "migration_cycle": one_of(*MIGRATION_CYCLES),
    "state": one_of(*REGISTER_STATES),
    "oem_system": BOOL,
    "start_type": TEXT,  # MANUAL, AUTO, MGC, "" or anything else: not validated (reference §5.1)
    "io_read_wait": NUMBER,
    "has_tc": BOOL,
    "platform": one_of(*PLATFORMS),
    "virtualization_type": Field("str", max_len=255, legacy=True),
})

REGISTER_REQUIRED = ("name", "os_type", "os_version", "networks", "agent_version")
LINUX_REQUIRED = ("btrfs_list", "volume_groups", "has_rsync", "paravirtualization", "raw_devices", "boot_loader", "has_tc")
WINDOWS_EXPECTED = ("driver_files", "system_services", "account_rights", "system_dir")

PUT_VOLUME = obj({"id": TEXT, "need_migration": BOOL, "adjust_size": INT64})
PUT_SOURCE_BODY = obj({
    "name": NAME,
    "migprojectid": TEXT,
    "disks": array(obj({
        "id": TEXT, "need_migration": BOOL, "adjust_size": INT64, "physical_volumes": array(PUT_VOLUME),
    })),
    "volume_groups": array(obj({
        "id": TEXT, "need_migration": BOOL, "adjust_size": INT64, "logical_volumes": array(PUT_VOLUME),
    })),
})
DISK_INFO_BODY = obj({
    "disks": array(SERVER_DISK), "volumegroups": array(VOLUME_GROUP), "btrfs_list": array(BTRFS_FILE_SYSTEM),
})
CHANGE_STATE_BODY = obj({
    "copystate": one_of(*COPY_STATES, required=True),
    "migrationcycle": one_of(*CHANGESTATE_CYCLES, required=True),
})
DELETE_IDS_BODY = obj({"ids": array(text(min_len=1), min_len=1, max_len=1000, required=True)})


@dataclass(frozen=True)
class Violation:
    code: str
    path: str
    message: str


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


_PY_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "list": "array", "object": "object"}


def is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_ok(value, kind: str) -> bool:
    if kind == "int":
        return is_integer(value)
    if kind == "float":
        return is_number(value)
    return isinstance(value, {"str": str, "bool": bool, "list": list, "object": dict}[kind])


def _collect(value, spec: Field, path: str, strict: bool, out: list[Violation]):
    """Return the cleaned value, or None when it is invalid; append every violation to ``out``."""
    if not _type_ok(value, spec.kind):
        out.append(Violation(SMS_TYPE, path, f"{path} must be a {_PY_TYPES[spec.kind]}"))
        return None
    if spec.kind == "object":
        return _collect_object(value, spec.fields, path, strict, out)
    if spec.kind in ("str", "list"):
        unit = "characters" if spec.kind == "str" else "items"
        if len(value) < spec.min_len or (spec.max_len is not None and len(value) > spec.max_len):
            limit = f"{spec.min_len}-{spec.max_len}" if spec.max_len is not None else f">= {spec.min_len}"
            out.append(Violation(SMS_RANGE, path, f"{path} must have {limit} {unit}"))
            return None
    if spec.kind in ("int", "float") and not (
        (spec.lo is None or value >= spec.lo) and (spec.hi is None or value <= spec.hi)
    ):
        out.append(Violation(SMS_RANGE, path, f"{path} must be between {spec.lo} and {spec.hi}"))
        return None
    if spec.enum and value not in spec.enum and (strict or not spec.enum_strict_only):
        out.append(Violation(SMS_ENUM, path, f"{path} must be one of {', '.join(spec.enum)}"))
        return None
    if spec.fmt and value and not _ip_ok(value, spec.fmt):
        out.append(Violation(SMS_RANGE, path, f"{path} is not a valid {spec.fmt} address"))
        return None
    if spec.kind == "list":
        items = [_collect(item, spec.item, _join(path, i), strict, out) for i, item in enumerate(value)]
        return items if None not in items else None
    return value


def _collect_object(value: dict, fields: dict, path: str, strict: bool, out: list[Violation]) -> dict:
    clean = {}
    for key, item in value.items():
        spec = fields.get(key)
        where = _join(path, key)
        if spec is None or (spec.legacy and strict):
            if strict:
                out.append(Violation(SMS_UNKNOWN_KEY, where, f"{where} is not a known field"))
            continue
        if item is None:
            continue
        cleaned = _collect(item, spec, where, strict, out)
        if cleaned is not None:
            clean[key] = cleaned
    for key, spec in fields.items():
        if spec.required and value.get(key) is None:
            where = _join(path, key)
            out.append(Violation(SMS_MISSING, where, f"{where} is required"))
    return clean


def _ip_ok(value: str, fmt: str) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return address.version == (4 if fmt == "ipv4" else 6)


def _missing(body: dict, keys) -> list[Violation]:
    return [Violation(SMS_MISSING, key, f"{key} is required") for key in keys if body.get(key) is None]


def _raise(violations: list[Violation]):
    if violations:
        first = violations[0]
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        raise sms_error(400, first.code, first.message + more, [v.path for v in violations])


def _require_object(body):
    if not isinstance(body, dict):
        raise sms_error(400, SMS_TYPE, "the request body must be a JSON object", ["$"])


def validate(body, spec: Field, *, strict: bool) -> dict:
    """Validate a whole request body against ``spec``; raise an SMS 400 ApiError on violations."""
    _require_object(body)
    violations: list[Violation] = []
    clean = _collect_object(body, spec.fields, "", strict, violations)
    _raise(violations)
    return clean


def validate_register(body, *, strict: bool) -> dict:
    """``POST /v3/sources``: the schema plus the register-only and per-OS requirements.

    Without ``id`` the body registers a new source and REGISTER_REQUIRED, one of ip/ipv6 and (in
    strict mode, for LINUX) LINUX_REQUIRED apply. With ``id`` it updates and everything is
    optional. In non-strict mode missing Linux keys are left to the environment checks.
    """
    _require_object(body)
    violations: list[Violation] = []
    clean = _collect_object(body, REGISTER_BODY.fields, "", strict, violations)
    if not clean.get("id"):
        violations += _missing(body, REGISTER_REQUIRED)
        if not (body.get("ip") or body.get("ipv6")):
            violations.append(Violation(SMS_MISSING, "ip", "one of ip or ipv6 is required"))
        if strict and clean.get("os_type") == "LINUX":
            violations += _missing(body, LINUX_REQUIRED)
    networks = clean.get("networks")
    if networks and networks[0].get("mac") == "":  # absent or invalid macs are reported already
        violations.append(Violation(SMS_MISSING, "networks[0].mac", "the first network must have a non-empty mac"))
    _raise(violations)
    return clean
