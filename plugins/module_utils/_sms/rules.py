# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SMS's rules for Linux sources, each defined once with the SMS reference it rests on.

This module util is PRIVATE: its interface may change without notice.

What SMS supports (OS list and ``os_version`` naming, boot loader, storage limits, layouts it
cannot migrate, free space, tools, locale) lives here and nowhere else. ``_sms/payload.py``
uses it to name the OS, to fail on a boot loader SMS rejects and to warn about blockers; the
``hwcloud.sms.readiness`` filter is a thin wrapper around ``evaluate_readiness``. References:
"FAQ" = Server Migration Service FAQs, Issue 70, 2025-11-05 (sms-api.md "FAQ-PDF"); "SMS.nnnn"
= SMS error codes (sms-api.md section 9).

Interface for callers outside the collection's filters (e.g. the report role on the controller)::

    evaluate_readiness(discovery, skip=(), severity=None, limits=None, uefi_supported=()) -> list

``discovery`` is one host's ``ansible_facts['sms_discovery']`` (a dict; anything else raises
``ReadinessOptionsError``). Returns one dict per evaluated rule, in the order of ``RULES``::

    {"name": "rsync", "status": "ok" | "warn" | "error",
     "message": "<what was found (why)>", "fix": "<what to do; '' when ok>",
     "reference": "<SMS error code or FAQ section>"}

``warn`` means a caveat or missing data (unknown is never ``ok``); ``error`` means SMS documents
the condition as blocking. ``skip`` (rule names), ``severity`` ({name: status} replacing a
non-ok status), ``limits`` (keys of ``DEFAULT_LIMITS``) and ``uefi_supported`` (``"<id>"`` or
``"<id> <major>"`` strings) are validated; a bad value raises ``ReadinessOptionsError``.
Pure: no I/O, no Ansible imports.
"""

from __future__ import annotations

import hashlib
import re
from collections import namedtuple

MIB = 1024 ** 2
TIB = 1024 ** 4
MAX_NAME_LENGTH = 64
STATUSES = ("ok", "warn", "error")

DEFAULT_LIMITS = {
    "min_root_free_bytes": 200 * MIB,   # FAQ 4.1 "at least 200 MB free on /"
    "min_tmp_free_bytes": 100 * MIB,    # FAQ 6.15 "/tmp needs more than 100 MB"
    "max_disks": 23,                    # FAQ 4.1
    "max_system_disk_bytes": TIB,       # SMS.6537 "system disk larger than 1 TB"
}


class ReadinessOptionsError(ValueError):
    """An option of ``evaluate_readiness`` is not valid."""


# ---------------------------------------------------------------------------------------------
# Operating systems: os_version naming and the supported list

# os-release ID -> the OS name in ``os_version``. SMS publishes no enum (sms-api.md 5.2); the
# names follow the v1 documentation examples (CENTOS_7_2_64BIT, REDHAT_5_3_32BIT), Terraform's
# UBUNTU_20_4_64BIT and the SUSE12_64BIT_SP2 sample. Names without an observed example are our
# choice, made the same way: the distribution's own upper-case short name.
OS_NAMES = {
    "almalinux": "ALMALINUX",
    "alinux": "ALIBABA",
    "amzn": "AMAZON",
    "centos": "CENTOS",
    "debian": "DEBIAN",
    "euleros": "EULEROS",
    "fedora": "FEDORA",
    "hce": "HCE",
    "kylin": "KYLIN",
    "ol": "ORACLE",
    "openeuler": "OPENEULER",
    "opensuse": "OPENSUSE",
    "opensuse-leap": "OPENSUSE",
    "rhcos": "REDHAT_COREOS",
    "rhel": "REDHAT",
    "rocky": "ROCKY",
    "sled": "SUSE",
    "sles": "SUSE",
    "sles_sap": "SUSE",
    "tencentos": "TENCENTOS",
    "ubuntu": "UBUNTU",
    "uos": "UOS",
}
# Distributions whose service pack is the version SMS names (EulerOS 2.0 SP5 is "EulerOS 2.5"
# in the supported list) or that the os_version names with an _SP<n> suffix (SUSE's sample;
# Kylin V10 SP<n> is written the same way, our choice: SMS documents only "Kylin V10").
SERVICE_PACK_IS_MINOR = ("euleros",)
SERVICE_PACK_SUFFIX = ("SUSE", "KYLIN")
_32BIT_ARCHES = ("i386", "i486", "i586", "i686", "x86", "armv7l", "armv6l")

# The SMS supported OS list for Linux (FAQ 4.1, Tables 4-2/4-3). "N.x" is every minor of N,
# "N SPm" a SUSE service pack; CentOS Stream is identified as N.0 (FAQ 4.1).
SUPPORTED_OS = {
    "rhel": "6.0-6.10, 7.0-7.9, 8.0-8.10, 9.0-9.6",
    "rhcos": "4.15",
    "centos": "6.x, 7.x, 8.0-8.5, 9.0",
    "ol": "6.x, 7.x, 8.0-8.8, 9.0-9.3",
    "sles": "11 SP3-11 SP4, 12 SP0-12 SP5, 15 SP0-15 SP6",
    "sles_sap": "11 SP3-11 SP4, 12 SP0-12 SP5, 15 SP0-15 SP6",
    "ubuntu": "12.04-24.04",
    "debian": "6.0-12.11",
    "fedora": "23.x-39.x",
    "euleros": "2.2, 2.3, 2.5",
    "amzn": "2.x, 2018.03, 2023.x",
    "alinux": "2.x, 3.x",
    "almalinux": "8.3-9.4",
    "rocky": "8.3-9.4",
    "tencentos": "2.4, 3.1",
    "kylin": "10.x",
    "openeuler": "20.03, 21.09",
    "opensuse-leap": "15.0-15.5",
    "opensuse": "15.0-15.5",
}
_ANY_MINOR = 10 ** 6
_SPEC_VERSION = re.compile(r"^(\d+)(?:\.(\d+|x)| SP(\d+))?$")


def _spec_version(text, high):
    match = _SPEC_VERSION.match(text.strip())
    major, minor, service_pack = match.groups()
    if minor == "x" or (minor is None and service_pack is None):
        return int(major), _ANY_MINOR if high else 0
    return int(major), int(minor if minor is not None else service_pack)


def supported_ranges(distro_id) -> list:
    """``[((major, minor), (major, minor)), ...]`` of ``SUPPORTED_OS[distro_id]`` ([] if absent)."""
    ranges = []
    for part in (SUPPORTED_OS.get(distro_id) or "").split(","):
        if part.strip():
            low, _sep, high = part.partition("-")
            ranges.append((_spec_version(low, False), _spec_version(high or low, True)))
    return ranges


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def distribution_version(distro) -> tuple:
    """``(id, major, minor)`` as SMS counts versions: SUSE and EulerOS by service pack, CentOS
    Stream as N.0 (FAQ 4.1). ``minor`` is None when unknown."""
    distro_id = str(distro.get("id") or "").lower() or None
    major, minor = _int(distro.get("major")), _int(distro.get("minor"))
    service_pack = _int(distro.get("service_pack"))
    if distro_id in ("sles", "sles_sap", "sled") or distro_id in SERVICE_PACK_IS_MINOR:
        minor = service_pack if service_pack is not None else minor
    if minor is None and distro_id == "centos" and "stream" in str(distro.get("name") or "").lower():
        minor = 0
    return distro_id, major, minor


def os_support(distro) -> tuple:
    """``(status, message)`` of the distribution against the SMS supported OS list."""
    distro_id, major, minor = distribution_version(distro)
    label = distro.get("pretty_name") or distro.get("name") or distro_id
    if not distro_id:
        return "warn", "operating system unknown"
    ranges = supported_ranges(distro_id)
    if not ranges:
        return "warn", "%s is not in the SMS supported OS list" % label
    if major is None:
        return "warn", "%s: major version unknown" % label
    if minor is None:
        inside = any(low[0] <= major <= high[0] for low, high in ranges)
    else:
        inside = any(low <= (major, minor) <= high for low, high in ranges)
    if inside:
        return "ok", "%s is in the SMS supported OS list" % label
    return "warn", "%s is not in the SMS supported OS list (%s: %s)" % (label, distro_id, SUPPORTED_OS[distro_id])


def os_version(system, warnings=None) -> str | None:
    """The ``os_version`` of a host: ``CENTOS_7_9_64BIT``, ``SUSE12_64BIT_SP2``, ``KYLIN_10_64BIT_SP1``.

    None (and a warning) when the distribution or its major version is unknown; an ID missing
    from ``OS_NAMES`` is sent upper-cased with a warning.
    """
    distro = system.get("distribution") or {}
    distro_id, major, minor = distribution_version(distro)
    if not distro_id or major is None:
        if warnings is not None:
            warnings.append("the distribution is unknown: set overrides.os_version (e.g. CENTOS_7_9_64BIT)")
        return None
    name = OS_NAMES.get(distro_id)
    if name is None:
        name = re.sub(r"[^A-Z0-9]+", "_", distro_id.upper()).strip("_")
        if warnings is not None:
            warnings.append("distribution %r is not in the os_version table: sending %r; SMS may not "
                            "recognise it, set overrides.os_version if needed" % (distro_id, name))
    bits = "32BIT" if str(system.get("architecture") or "").lower() in _32BIT_ARCHES else "64BIT"
    if name in SERVICE_PACK_SUFFIX:
        service_pack = _int(distro.get("service_pack"))
        if name == "SUSE" and service_pack is None:
            service_pack = minor
        return "%s%s_%s%s" % (name, major if name == "SUSE" else "_%d" % major, bits,
                              "_SP%d" % service_pack if service_pack else "")
    return "_".join([name, str(major)] + ([str(minor)] if minor is not None else []) + [bits])


# ---------------------------------------------------------------------------------------------
# Boot loader (sms-api.md 2.1: since SDK 3.1.185 boot_loader "only allows GRUB"; SMS.6564)

GRUB_LOADERS = ("grub", "grub2")
BOOT_LOADER_OVERRIDE = "overrides: {boot_loader: GRUB}"


def boot_loader_value(loader) -> str:
    """The ``boot_loader`` field for discovery's ``firmware.boot_loader``: ``GRUB`` for GRUB
    legacy or 2, else the detected name upper-cased, ``UNKNOWN`` when nothing was identified."""
    name = loader.get("name") if isinstance(loader, dict) else loader
    name = str(name or "").lower()
    if name in GRUB_LOADERS:
        return "GRUB"
    return name.upper() or "UNKNOWN"


def boot_loader_problem(value) -> str | None:
    """Why SMS will reject the ``boot_loader`` value (None for ``GRUB``): the same words for the
    payload validation (before any request, check mode too) and the readiness rule."""
    if value == "GRUB":
        return None
    if value in (None, "", "UNKNOWN"):
        return ("discovery could not identify the boot loader and SMS accepts only GRUB; if the host boots "
                "with GRUB, set %s" % BOOT_LOADER_OVERRIDE)
    return ("the host boots with %s but SMS accepts only GRUB (SMS.6564); install GRUB 2, or if detection "
            "was wrong set %s" % (value, BOOT_LOADER_OVERRIDE))


# ---------------------------------------------------------------------------------------------
# Source name (sms-api.md 2.1: name and hostname are 1-64 characters)

def fit_name(value, key="name", warnings=None):
    """``value`` if it fits 64 characters, else a deterministic unique shortening.

    The first 55 characters, ``-`` and 8 hex characters of the SHA-256 of the whole name: two
    long names that share their first 64 (or 55) characters still get two SMS names. A warning
    names the original and the result.
    """
    if not isinstance(value, str) or len(value) <= MAX_NAME_LENGTH:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]
    fitted = "%s-%s" % (value[:MAX_NAME_LENGTH - 9], digest)
    if warnings is not None:
        warnings.append("%s %r is longer than %d characters: sent as %r (first %d characters and a hash of "
                        "the whole name)" % (key, value, MAX_NAME_LENGTH, fitted, MAX_NAME_LENGTH - 9))
    return fitted


# ---------------------------------------------------------------------------------------------
# Readiness rules

SUPPORTED_FILESYSTEMS = frozenset(("ext2", "ext3", "ext4", "vfat", "xfs"))   # FAQ 4.1, SMS.6509
CAVEAT_FILESYSTEMS = frozenset(("btrfs",))  # FAQ 10.2: migrated without consistency verification
# Block-device signatures that are containers, not file systems; judged by other rules or
# carrying no data to copy (swap).
NOT_FILESYSTEMS = frozenset(("swap", "LVM2_member", "linux_raid_member"))
NETWORK_FILESYSTEMS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "glusterfs", "ceph", "fuse.sshfs")
# (ID, major, service pack) whose Btrfs SMS cannot migrate (FAQ Table 4-2).
BTRFS_UNSUPPORTED_OS = frozenset((("sles", 12, 0), ("sles_sap", 12, 0)))
COUNTED_DISK_TYPES = frozenset(("disk", "mpath"))


def _dig(data, *keys):
    """``data[k1][k2]...`` or None when any level is missing or not a dict."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _size(num):
    """Human-readable binary size: 200.0 MiB, 1.5 TiB."""
    value = float(num)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return ("%d %s" if unit == "B" else "%.1f %s") % (value, unit)
        value /= 1024
    return str(num)  # pragma: no cover


def _disks(discovery):
    return [disk for disk in _dig(discovery, "storage", "disks") or [] if isinstance(disk, dict)]


def _volumes(discovery):
    """Everything that can hold a file system: non-loop disks, their partitions, LVs."""
    for disk in _disks(discovery):
        if disk.get("type") == "loop":
            continue
        yield disk.get("path"), disk.get("filesystem") or {}
        for part in disk.get("partitions") or []:
            if isinstance(part, dict):
                yield part.get("path"), part
    for lv in _dig(discovery, "storage", "lvm", "lvs") or []:
        if isinstance(lv, dict):
            yield lv.get("path") or lv.get("key"), lv


def _flag(value, unknown, if_true, if_false):
    """A yes/no fact: ``warn`` with ``unknown`` when it is null, else the verdict for its value."""
    if value is None:
        return "warn", unknown
    return if_true if value else if_false


# Each evaluator takes (discovery, options) and returns (status, message).

def _architecture(discovery, options):
    arch = _dig(discovery, "system", "architecture")
    if not arch:
        return "warn", "CPU architecture unknown"
    if arch in ("x86_64", "amd64"):
        return "ok", "architecture %s" % arch
    return "error", "architecture %s: SMS migrates x86_64 servers only" % arch


def _operating_system(discovery, options):
    return os_support(_dig(discovery, "system", "distribution") or {})


def _boot_mode(discovery, options):
    mode = _dig(discovery, "firmware", "boot_mode")
    if mode == "bios":
        return "ok", "boots in BIOS mode"
    if mode != "uefi":
        return "warn", "boot mode unknown"
    dist = _dig(discovery, "system", "distribution") or {}
    dist_id, major = str(dist.get("id") or "").lower(), dist.get("major")
    label = dist.get("pretty_name") or dist.get("name") or dist_id
    confirmed = set(options["uefi_supported"])
    if dist_id and (dist_id in confirmed or "%s %s" % (dist_id, major) in confirmed):
        return "ok", "boots in UEFI mode, supported for %s" % label
    return "warn", "boots in UEFI mode: SMS supports UEFI only for some OS versions (%s)" % label


def _boot_loader(discovery, options):
    value = boot_loader_value(_dig(discovery, "firmware", "boot_loader"))
    problem = boot_loader_problem(value)
    return ("error", problem) if problem else ("ok", "boot loader %s" % value)


def _rsync(discovery, options):
    return _flag(_dig(discovery, "system", "has_rsync"), "unknown whether rsync is installed",
                 ("ok", "rsync installed"),
                 ("error", "rsync is not installed: the agent will not start"))


def _paravirtualization(discovery, options):
    return _flag(_dig(discovery, "platform", "paravirtualized"), "unknown whether the host is paravirtualized",
                 ("error", "this host is a Xen paravirtualized (PV) guest: SMS cannot migrate it"),
                 ("ok", "not paravirtualized"))


def _container(discovery, options):
    runtime = _dig(discovery, "system", "container")
    if runtime:
        return "error", "discovery ran inside a %s container: SMS migrates whole servers, not containers" % runtime
    return "ok", "not a container"


def _filesystems(discovery, options):
    found = {}
    for path, volume in _volumes(discovery):
        fstype = volume.get("fstype")
        if fstype and fstype not in NOT_FILESYSTEMS:
            found.setdefault(fstype, []).append(path)
    network = sorted(set(
        "%s (%s)" % (mount.get("mountpoint"), mount.get("fstype"))
        for mount in _dig(discovery, "storage", "mounts") or []
        if isinstance(mount, dict) and str(mount.get("fstype") or "").startswith(NETWORK_FILESYSTEMS)))
    unsupported = sorted(set(found) - SUPPORTED_FILESYSTEMS - CAVEAT_FILESYSTEMS)
    caveats = sorted(set(found) & CAVEAT_FILESYSTEMS)

    def listing(fstypes):
        return "; ".join("%s on %s" % (fstype, ", ".join(sorted(map(str, found[fstype])))) for fstype in fstypes)

    if unsupported:
        return "error", "unsupported file systems: %s" % listing(unsupported)
    dist = _dig(discovery, "system", "distribution") or {}
    if caveats and (dist.get("id"), dist.get("major"), dist.get("service_pack")) in BTRFS_UNSUPPORTED_OS:
        return "error", "Btrfs on %s cannot be migrated: %s" % (dist.get("pretty_name") or "SLES 12 SP0",
                                                                listing(caveats))
    notes = []
    if caveats:
        notes.append("Btrfs is not in the current SMS file-system list and is migrated without consistency "
                     "verification: %s" % listing(caveats))
    if network:
        notes.append("network file systems are not migrated: %s" % ", ".join(network))
    if notes:
        return "warn", "; ".join(notes)
    if not found:
        return "warn", "no file systems found on block devices"
    return "ok", "file systems %s" % ", ".join(sorted(found))


def _raw_devices(discovery, options):
    raw = _dig(discovery, "storage", "raw_devices")
    if raw is None:
        return "warn", "raw devices unknown"
    if raw:
        return "error", "raw devices (no partition table, file system or LVM) are not supported: %s" % (
            ", ".join(sorted(map(str, raw))))
    return "ok", "no raw devices"


def _software_raid(discovery, options):
    arrays = sorted(str(disk.get("path") or disk.get("name")) for disk in _disks(discovery) if disk.get("type") == "md")
    if arrays:
        return "error", "software RAID (md) is not supported: %s" % ", ".join(arrays)
    return "ok", "no software RAID"


def _lvm_thin_pools(discovery, options):
    lvs = [lv for lv in _dig(discovery, "storage", "lvm", "lvs") or [] if isinstance(lv, dict)]
    thin = sorted(str(lv.get("key")) for lv in lvs if str(lv.get("segment_type") or "").startswith("thin"))
    if thin:
        return "error", "LVM thin provisioning is not supported: %s" % ", ".join(thin)
    return "ok", "no LVM thin pools"


def _duplicate_vg_names(discovery, options):
    vgs = [vg for vg in _dig(discovery, "storage", "lvm", "vgs") or [] if isinstance(vg, dict)]
    duplicates = sorted(set(str(vg.get("name")) for vg in vgs if vg.get("duplicate_name")))
    if duplicates:
        return "error", "volume group names used more than once break SMS's disk collection: %s" % (
            ", ".join(duplicates))
    return "ok", "volume group names are unique"


def _disk_count(discovery, options):
    count = len([disk for disk in _disks(discovery) if disk.get("type") in COUNTED_DISK_TYPES])
    limit = options["limits"]["max_disks"]
    text = "%d disk%s" % (count, "" if count == 1 else "s")
    if count > limit:
        return "error", "%s: SMS migrates at most %d" % (text, limit)
    return "ok", "%s (at most %d)" % (text, limit)


def _system_disk_size(discovery, options):
    system = [disk for disk in _disks(discovery) if "root" in (disk.get("roles") or [])]
    if not system or any(_int(disk.get("size_bytes")) is None for disk in system):
        return "warn", "system disk (the disk holding /) unknown"
    limit = options["limits"]["max_system_disk_bytes"]
    largest = max(system, key=lambda disk: disk["size_bytes"])
    text = "system disk %s is %s" % (largest.get("path"), _size(largest["size_bytes"]))
    if largest["size_bytes"] > limit:
        return "error", "%s: at most %s is supported" % (text, _size(limit))
    return "ok", "%s (at most %s)" % (text, _size(limit))


def _root_free_space(discovery, options):
    root = [mount for mount in _dig(discovery, "storage", "mounts") or []
            if isinstance(mount, dict) and mount.get("mountpoint") == "/"]
    available = _dig(root[0] if root else {}, "usage", "available_bytes")
    if _int(available) is None:
        return "warn", "free space on / unknown"
    needed = options["limits"]["min_root_free_bytes"]
    text = "/ has %s available" % _size(available)
    if available < needed:
        return "error", "%s, SMS needs at least %s" % (text, _size(needed))
    return "ok", "%s (at least %s)" % (text, _size(needed))


def _tmp_free_space(discovery, options):
    available = _dig(discovery, "storage", "tmp", "available_bytes")
    if _int(available) is None:
        return "warn", "free space on /tmp unknown"
    needed = options["limits"]["min_tmp_free_bytes"]
    text = "/tmp has %s available" % _size(available)
    if available <= needed:
        return "error", "%s, SMS needs more than %s" % (text, _size(needed))
    return "ok", "%s (more than %s)" % (text, _size(needed))


def _tmp_noexec(discovery, options):
    return _flag(_dig(discovery, "storage", "tmp", "noexec"), "mount options of /tmp unknown",
                 ("error", "/tmp is mounted noexec: the agent cannot run its checks"),
                 ("ok", "/tmp allows execution"))


def _locale(discovery, options):
    locale = _dig(discovery, "system", "locale")
    return _flag(_dig(discovery, "system", "locale_is_utf8"), "system locale unknown",
                 ("ok", "UTF-8 locale %s" % locale),
                 ("error", "system locale %s is not UTF-8" % locale))


Rule = namedtuple("Rule", "name reference evaluate remedy")

RULES = (
    Rule("architecture", "SMS.0206", _architecture,
         "SMS cannot migrate this server; rebuild it on an x86_64 host."),
    Rule("operating_system", "FAQ 4.1 (Tables 4-2, 4-3); v1 SMS.2206", _operating_system,
         "Check the OS version in the SMS supported OS list; migrate unsupported systems by rebuilding them."),
    Rule("boot_mode", "FAQ 4.1 (UEFI column of Tables 4-2, 4-3); FAQ 5.3", _boot_mode,
         "Check the UEFI column of the SMS supported OS list for this version; when supported, list the OS in "
         "sms_discover_uefi_supported."),
    Rule("boot_loader", "SMS.6564; sms-api.md 2.1 (boot_loader only GRUB)", _boot_loader,
         "Install GRUB 2 (grub2-pc / grub-pc) as the boot loader; if the host already boots with GRUB, register "
         "it with " + BOOT_LOADER_OVERRIDE + "."),
    Rule("rsync", "SMS.6517", _rsync,
         "Install rsync with the OS package manager (the hwcloud.sms.agent role does it)."),
    Rule("paravirtualization", "FAQ 5.3 (Table 5-2)", _paravirtualization,
         "Convert the guest to HVM (install PV-on-HVM drivers) before migrating it."),
    Rule("container", "FAQ 4.1 (SMS migrates servers)", _container,
         "Run the discovery and the agent on the server itself, not in a container."),
    Rule("filesystems", "SMS.6509; FAQ 4.1, 10.2", _filesystems,
         "Move the data to ext4 or xfs, or leave those volumes out of the migration; migrate network file "
         "systems separately."),
    Rule("raw_devices", "FAQ 5.3 (Table 5-2)", _raw_devices,
         "Partition and format the raw disks, detach them, or set their severity to warn if they are not to be "
         "migrated."),
    Rule("software_raid", "FAQ 4.1", _software_raid,
         "Migrate the data of RAID arrays with a file-level tool instead."),
    Rule("lvm_thin_pools", "FAQ 4.1", _lvm_thin_pools,
         "Convert thin volumes to regular (linear) logical volumes."),
    Rule("duplicate_vg_names", "FAQ 6.16", _duplicate_vg_names,
         "Rename the duplicate volume groups (vgrename by UUID)."),
    Rule("disk_count", "FAQ 4.1", _disk_count,
         "Detach the disks that do not need to be migrated."),
    Rule("system_disk_size", "SMS.6537", _system_disk_size,
         "Shrink the system disk or move data off it to a data disk."),
    Rule("root_free_space", "FAQ 4.1", _root_free_space,
         "Free space on the root file system."),
    Rule("tmp_free_space", "FAQ 6.15", _tmp_free_space,
         "Free space in /tmp or mount a larger /tmp."),
    Rule("tmp_noexec", "SMS.5102", _tmp_noexec,
         "Remount /tmp without noexec while the agent runs (mount -o remount,exec /tmp)."),
    Rule("locale", "FAQ 6.13", _locale,
         "Set a UTF-8 system locale, for example LANG=en_US.UTF-8 (localectl set-locale)."),
)
RULE_NAMES = tuple(rule.name for rule in RULES)
# Checked by payload validation on the final body (overrides included) instead of as a warning.
VALIDATED_IN_PAYLOAD = ("boot_loader",)


def _options(skip, severity, limits, uefi_supported) -> dict:
    unknown = sorted(set(skip or ()).union(severity or {}) - set(RULE_NAMES))
    if unknown:
        raise ReadinessOptionsError("unknown check names %s (known: %s)" % (unknown, ", ".join(RULE_NAMES)))
    bad = sorted("%s=%s" % item for item in (severity or {}).items() if item[1] not in STATUSES)
    if bad:
        raise ReadinessOptionsError("severity must be one of %s, got %s" % ("/".join(STATUSES), ", ".join(bad)))
    merged = dict(DEFAULT_LIMITS)
    for key, value in (limits or {}).items():
        if key not in DEFAULT_LIMITS:
            raise ReadinessOptionsError("unknown limit %r (known: %s)" % (key, ", ".join(sorted(DEFAULT_LIMITS))))
        if _int(value) is None or value < 0:
            raise ReadinessOptionsError("limit %s must be a non-negative integer, got %r" % (key, value))
        merged[key] = value
    return {"skip": set(skip or ()), "severity": dict(severity or {}), "limits": merged,
            "uefi_supported": [str(item) for item in uefi_supported or ()]}


def evaluate_readiness(discovery, skip=(), severity=None, limits=None, uefi_supported=()) -> list:
    """Evaluate every rule on one host's ``sms_discovery``; see the module docstring."""
    if not isinstance(discovery, dict):
        raise ReadinessOptionsError("expected the sms_discovery facts (a dict), got %s" % type(discovery).__name__)
    options = _options(skip, severity, limits, uefi_supported)
    results = []
    for rule in RULES:
        if rule.name in options["skip"]:
            continue
        try:
            status, message = rule.evaluate(discovery, options)
        except (AttributeError, TypeError, KeyError, ValueError) as exc:
            status, message = "warn", "could not evaluate: the discovery facts are malformed (%s: %s)" % (
                type(exc).__name__, str(exc)[:200])
        if status != "ok":
            status = options["severity"].get(rule.name, status)
        results.append({"name": rule.name, "status": status, "message": message,
                        "fix": "" if status == "ok" else rule.remedy, "reference": rule.reference})
    return results


def payload_warning(result) -> str:
    """The payload warning for a readiness result: rule name, finding, SMS reference, what to do."""
    return "%s: %s (%s). %s" % (result["name"], result["message"], result["reference"], result["fix"])


def blocker_warnings(discovery) -> list:
    """Payload warnings for every rule SMS documents as blocking (status ``error``) on this host,
    except those the payload validation checks on the final body (``VALIDATED_IN_PAYLOAD``)."""
    return [payload_warning(result) for result in evaluate_readiness(discovery, skip=VALIDATED_IN_PAYLOAD)
            if result["status"] == "error"]
