# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``hwcloud.sms.readiness`` filter: SMS migration prerequisites checked against discovery facts."""

from __future__ import annotations

DOCUMENTATION = r"""
name: readiness
short_description: Check a host's discovery facts against the SMS migration prerequisites
version_added: 1.0.0
author: hwcloud.sms contributors
description:
  - Evaluates C(ansible_facts['sms_discovery']) (see C(docs/discovery.md)) against the documented
    prerequisites of Huawei Cloud Server Migration Service for Linux sources and returns one
    result per check.
  - Each result has a O(ignore:status) of V(ok), V(warn) or V(error). V(warn) marks a caveat
    or missing data (an unknown value is never reported as V(ok)); V(error) marks a condition
    that SMS documents as blocking the migration or the agent.
  - "Checks, in order: C(architecture) (x86_64 only, SMS.0206); C(operating_system) (the SMS
    supported OS list); C(boot_mode) (BIOS, or UEFI where the OS version supports it);
    C(boot_loader) (GRUB, SMS.6564); C(rsync) (SMS.6517); C(paravirtualization) (Xen PV
    guests are not supported); C(container) (a container is not a server SMS can migrate);
    C(filesystems) (ext2/3/4, vfat, xfs; Btrfs with caveats; SMS.6509); C(raw_devices) (must
    be none); C(software_raid); C(lvm_thin_pools); C(duplicate_vg_names); C(disk_count) (at
    most 23 disks); C(system_disk_size) (at most 1 TiB, SMS.6537); C(root_free_space) (at
    least 200 MiB available on C(/)); C(tmp_free_space) (more than 100 MiB on C(/tmp));
    C(tmp_noexec) (SMS.5102); C(locale) (UTF-8)."
  - The thresholds, the check list and the severity of each check can be adjusted with the
    options below; the checks themselves are one table in the plugin.
options:
  _input:
    description: The discovery facts, C(ansible_facts['sms_discovery']).
    type: dict
    required: true
  skip:
    description: Names of checks not to evaluate. An unknown name is an error.
    type: list
    elements: str
    default: []
  severity:
    description:
      - "Per-check status to report instead of V(warn) or V(error), for example
        C({'raw_devices': 'warn'}) to accept a data disk that is not formatted yet."
      - A check that passes stays V(ok).
    type: dict
    default: {}
  limits:
    description:
      - Overrides of the numeric limits. Keys are C(min_root_free_bytes) (default 200 MiB),
        C(min_tmp_free_bytes) (default 100 MiB, C(/tmp) must have more), C(max_disks)
        (default 23) and C(max_system_disk_bytes) (default 1 TiB).
    type: dict
    default: {}
  uefi_supported:
    description:
      - Operating systems for which UEFI boot is known to be supported by SMS, as
        C(<os-release ID>) or C(<ID> <major version>) strings (for example V(centos 7) or
        V(ubuntu)). SMS flags UEFI support per OS version in its supported OS list; a UEFI host
        whose OS is not listed here is reported as V(warn) so that someone checks that list.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Evaluate the readiness of a host
  ansible.builtin.set_fact:
    sms_readiness: "{{ ansible_facts['sms_discovery'] | hwcloud.sms.readiness }}"

- name: Accept raw data disks, require 1 GiB free on /, skip the locale check
  ansible.builtin.set_fact:
    sms_readiness: >-
      {{ ansible_facts['sms_discovery'] | hwcloud.sms.readiness(
           skip=['locale'],
           severity={'raw_devices': 'warn'},
           limits={'min_root_free_bytes': 1073741824}) }}

- name: Show what blocks the migration
  ansible.builtin.debug:
    msg: "{{ sms_readiness | selectattr('status', 'equalto', 'error') | map(attribute='message') }}"
"""

RETURN = r"""
_value:
  description: One result per evaluated check, in a fixed order.
  type: list
  elements: dict
  contains:
    name:
      description: Check name, for example C(rsync) or C(tmp_noexec).
      type: str
    status:
      description: V(ok), V(warn) or V(error).
      type: str
    message:
      description: What was found, with the measured value and the requirement.
      type: str
    fix:
      description: What to do about it; empty when the status is V(ok).
      type: str
"""

from collections import namedtuple

from ansible.errors import AnsibleFilterError

MIB = 1024 ** 2
TIB = 1024 ** 4

DEFAULT_LIMITS = {
    'min_root_free_bytes': 200 * MIB,
    'min_tmp_free_bytes': 100 * MIB,
    'max_disks': 23,
    'max_system_disk_bytes': TIB,
}
STATUSES = ('ok', 'warn', 'error')

SUPPORTED_FILESYSTEMS = frozenset(('ext2', 'ext3', 'ext4', 'vfat', 'xfs'))
CAVEAT_FILESYSTEMS = frozenset(('btrfs',))
# Block-device signatures that are containers, not file systems; they are judged elsewhere
# (LVM checks, software_raid) or carry no data to copy (swap).
NOT_FILESYSTEMS = frozenset(('swap', 'LVM2_member', 'linux_raid_member'))
NETWORK_FILESYSTEMS = ('nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'glusterfs', 'ceph', 'fuse.sshfs')
# (ID, major, service pack) whose Btrfs SMS cannot migrate (FAQ, Table 4-2).
BTRFS_UNSUPPORTED_OS = frozenset((('sles', 12, 0), ('sles_sap', 12, 0)))
GRUB_LOADERS = frozenset(('grub', 'grub2'))
COUNTED_DISK_TYPES = frozenset(('disk', 'mpath'))

# Linux distributions in the SMS supported OS list (FAQ, Tables 4-2/4-3, 2025-11):
# os-release ID -> (lowest major, highest major).
SUPPORTED_OS = {
    'rhel': (6, 9), 'centos': (6, 9), 'ol': (6, 9), 'rocky': (8, 9), 'almalinux': (8, 9),
    'sles': (11, 15), 'sles_sap': (11, 15), 'opensuse-leap': (15, 15),
    'ubuntu': (12, 24), 'debian': (6, 12), 'fedora': (23, 39),
    'euleros': (2, 2), 'openEuler': (20, 21), 'kylin': (10, 10),
    'amzn': (2, 2023), 'alinux': (2, 3), 'tencentos': (2, 3),
}


def _dig(data, *keys):
    """``data[k1][k2]...`` or None when any level is missing or not a dict."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _size(num):
    """Human-readable binary size: 200 MiB, 1.5 TiB."""
    value = float(num)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if abs(value) < 1024 or unit == 'TiB':
            return ('%d %s' if unit == 'B' else '%.1f %s') % (value, unit)
        value /= 1024
    return str(num)  # pragma: no cover


def _disks(discovery):
    return [disk for disk in _dig(discovery, 'storage', 'disks') or [] if isinstance(disk, dict)]


def _volumes(discovery):
    """Everything that can hold a file system: non-loop disks, their partitions, LVs."""
    for disk in _disks(discovery):
        if disk.get('type') == 'loop':
            continue
        yield disk.get('path'), disk.get('filesystem') or {}
        for part in disk.get('partitions') or []:
            yield part.get('path'), part
    for lv in _dig(discovery, 'storage', 'lvm', 'lvs') or []:
        yield lv.get('path') or lv.get('key'), lv


def _distribution(discovery):
    dist = _dig(discovery, 'system', 'distribution') or {}
    return dist.get('id'), dist.get('major'), dist.get('pretty_name') or dist.get('name') or dist.get('id')


# Each evaluator takes (discovery, options) and returns (status, message).

def _architecture(discovery, options):
    arch = _dig(discovery, 'system', 'architecture')
    if not arch:
        return 'warn', 'CPU architecture unknown'
    if arch in ('x86_64', 'amd64'):
        return 'ok', 'architecture %s' % arch
    return 'error', 'architecture %s: SMS migrates x86_64 servers only (SMS.0206)' % arch


def _operating_system(discovery, options):
    dist_id, major, label = _distribution(discovery)
    if not dist_id:
        return 'warn', 'operating system unknown'
    known = SUPPORTED_OS.get(dist_id)
    if known is None:
        return 'warn', '%s is not in the SMS supported OS list known to this collection' % label
    if not isinstance(major, int):
        return 'warn', '%s: major version unknown' % label
    if known[0] <= major <= known[1]:
        return 'ok', '%s is in the SMS supported OS list' % label
    return 'warn', '%s: supported versions of %s are %d to %d' % (label, dist_id, known[0], known[1])


def _boot_mode(discovery, options):
    mode = _dig(discovery, 'firmware', 'boot_mode')
    if mode == 'bios':
        return 'ok', 'boots in BIOS mode'
    if mode != 'uefi':
        return 'warn', 'boot mode unknown'
    dist_id, major, label = _distribution(discovery)
    confirmed = set(options['uefi_supported'])
    if dist_id and (dist_id in confirmed or '%s %s' % (dist_id, major) in confirmed):
        return 'ok', 'boots in UEFI mode, supported for %s' % label
    return 'warn', 'boots in UEFI mode: SMS supports UEFI only for some OS versions (%s)' % label


def _boot_loader(discovery, options):
    loader = _dig(discovery, 'firmware', 'boot_loader', 'name')
    if loader in GRUB_LOADERS:
        return 'ok', 'boot loader %s' % loader
    if not loader:
        return 'warn', 'boot loader unknown'
    return 'error', 'boot loader %s: SMS needs GRUB on the source (SMS.6564)' % loader


def _flag(value, unknown, if_true, if_false):
    """A yes/no fact: ``warn`` with ``unknown`` when it is null, else the verdict for its value."""
    if value is None:
        return 'warn', unknown
    return if_true if value else if_false


def _rsync(discovery, options):
    return _flag(_dig(discovery, 'system', 'has_rsync'), 'unknown whether rsync is installed',
                 ('ok', 'rsync installed'),
                 ('error', 'rsync is not installed: the agent will not start (SMS.6517)'))


def _paravirtualization(discovery, options):
    return _flag(_dig(discovery, 'platform', 'paravirtualized'), 'unknown whether the host is paravirtualized',
                 ('error', 'Xen paravirtualized (PV) guest: SMS cannot migrate it'),
                 ('ok', 'not paravirtualized'))


def _container(discovery, options):
    runtime = _dig(discovery, 'system', 'container')
    if runtime:
        return 'error', 'discovery ran inside a %s container: SMS migrates whole servers, not containers' % runtime
    return 'ok', 'not a container'


def _filesystems(discovery, options):
    found = {}
    for path, volume in _volumes(discovery):
        fstype = volume.get('fstype')
        if fstype and fstype not in NOT_FILESYSTEMS:
            found.setdefault(fstype, []).append(path)
    network = sorted(set(
        '%s (%s)' % (mount.get('mountpoint'), mount.get('fstype'))
        for mount in _dig(discovery, 'storage', 'mounts') or []
        if str(mount.get('fstype') or '').startswith(NETWORK_FILESYSTEMS)))
    unsupported = sorted(set(found) - SUPPORTED_FILESYSTEMS - CAVEAT_FILESYSTEMS)
    caveats = sorted(set(found) & CAVEAT_FILESYSTEMS)

    def listing(fstypes):
        return '; '.join('%s on %s' % (fstype, ', '.join(sorted(map(str, found[fstype])))) for fstype in fstypes)

    if unsupported:
        return 'error', 'unsupported file systems (SMS.6509): %s' % listing(unsupported)
    dist = _dig(discovery, 'system', 'distribution') or {}
    if caveats and (dist.get('id'), dist.get('major'), dist.get('service_pack')) in BTRFS_UNSUPPORTED_OS:
        return 'error', 'Btrfs on %s cannot be migrated: %s' % (dist.get('pretty_name') or 'SLES 12 SP0', listing(caveats))
    notes = []
    if caveats:
        notes.append('Btrfs is not in the current SMS file-system list and is migrated without consistency '
                     'verification: %s' % listing(caveats))
    if network:
        notes.append('network file systems are not migrated: %s' % ', '.join(network))
    if notes:
        return 'warn', '; '.join(notes)
    if not found:
        return 'warn', 'no file systems found on block devices'
    return 'ok', 'file systems %s' % ', '.join(sorted(found))


def _raw_devices(discovery, options):
    raw = _dig(discovery, 'storage', 'raw_devices')
    if raw is None:
        return 'warn', 'raw devices unknown'
    if raw:
        return 'error', 'raw devices (no partition table, file system or LVM): %s' % ', '.join(sorted(raw))
    return 'ok', 'no raw devices'


def _software_raid(discovery, options):
    arrays = sorted(disk.get('path') or disk.get('name') for disk in _disks(discovery) if disk.get('type') == 'md')
    if arrays:
        return 'error', 'software RAID is not supported: %s' % ', '.join(arrays)
    return 'ok', 'no software RAID'


def _lvm_thin_pools(discovery, options):
    lvs = _dig(discovery, 'storage', 'lvm', 'lvs') or []
    thin = sorted(lv.get('key') for lv in lvs if lv.get('segment_type') in ('thin-pool', 'thin'))
    if thin:
        return 'error', 'LVM thin provisioning is not supported: %s' % ', '.join(thin)
    return 'ok', 'no LVM thin pools'


def _duplicate_vg_names(discovery, options):
    vgs = _dig(discovery, 'storage', 'lvm', 'vgs') or []
    duplicates = sorted(set(vg.get('name') for vg in vgs if vg.get('duplicate_name')))
    if duplicates:
        return 'error', 'volume group names used more than once: %s' % ', '.join(duplicates)
    return 'ok', 'volume group names are unique'


def _disk_count(discovery, options):
    count = len([disk for disk in _disks(discovery) if disk.get('type') in COUNTED_DISK_TYPES])
    limit = options['limits']['max_disks']
    text = '%d disk%s' % (count, '' if count == 1 else 's')
    if count > limit:
        return 'error', '%s: SMS migrates at most %d' % (text, limit)
    return 'ok', '%s (at most %d)' % (text, limit)


def _system_disk_size(discovery, options):
    system = [disk for disk in _disks(discovery) if 'root' in (disk.get('roles') or [])]
    if not system or any(not isinstance(disk.get('size_bytes'), int) for disk in system):
        return 'warn', 'system disk (the disk holding /) unknown'
    limit = options['limits']['max_system_disk_bytes']
    largest = max(system, key=lambda disk: disk['size_bytes'])
    text = 'system disk %s is %s' % (largest.get('path'), _size(largest['size_bytes']))
    if largest['size_bytes'] > limit:
        return 'error', '%s: at most %s is supported (SMS.6537)' % (text, _size(limit))
    return 'ok', '%s (at most %s)' % (text, _size(limit))


def _root_mount(discovery):
    for mount in _dig(discovery, 'storage', 'mounts') or []:
        if mount.get('mountpoint') == '/':
            return mount
    return {}


def _root_free_space(discovery, options):
    available = _dig(_root_mount(discovery), 'usage', 'available_bytes')
    if not isinstance(available, int):
        return 'warn', 'free space on / unknown'
    needed = options['limits']['min_root_free_bytes']
    text = '/ has %s available' % _size(available)
    if available < needed:
        return 'error', '%s, SMS needs at least %s' % (text, _size(needed))
    return 'ok', '%s (at least %s)' % (text, _size(needed))


def _tmp_free_space(discovery, options):
    available = _dig(discovery, 'storage', 'tmp', 'available_bytes')
    if not isinstance(available, int):
        return 'warn', 'free space on /tmp unknown'
    needed = options['limits']['min_tmp_free_bytes']
    text = '/tmp has %s available' % _size(available)
    if available <= needed:
        return 'error', '%s, SMS needs more than %s' % (text, _size(needed))
    return 'ok', '%s (more than %s)' % (text, _size(needed))


def _tmp_noexec(discovery, options):
    return _flag(_dig(discovery, 'storage', 'tmp', 'noexec'), 'mount options of /tmp unknown',
                 ('error', '/tmp is mounted noexec (SMS.5102)'),
                 ('ok', '/tmp allows execution'))


def _locale(discovery, options):
    locale = _dig(discovery, 'system', 'locale')
    return _flag(_dig(discovery, 'system', 'locale_is_utf8'), 'system locale unknown',
                 ('ok', 'UTF-8 locale %s' % locale),
                 ('error', 'system locale %s is not UTF-8' % locale))


Check = namedtuple('Check', 'name evaluate fix')

CHECKS = (
    Check('architecture', _architecture, 'SMS cannot migrate this server; rebuild it on an x86_64 host.'),
    Check('operating_system', _operating_system,
          'Check the OS version in the SMS supported OS list; migrate unsupported systems by rebuilding them.'),
    Check('boot_mode', _boot_mode,
          'Check the UEFI column of the SMS supported OS list for this version; when supported, list the OS in '
          'sms_discover_uefi_supported.'),
    Check('boot_loader', _boot_loader, 'Install GRUB 2 (grub2-pc / grub-pc) as the boot loader.'),
    Check('rsync', _rsync, 'Install rsync with the OS package manager (the hwcloud.sms.agent role does it).'),
    Check('paravirtualization', _paravirtualization,
          'Convert the guest to HVM (install PV-on-HVM drivers) before migrating it.'),
    Check('container', _container, 'Run the discovery and the agent on the server itself, not in a container.'),
    Check('filesystems', _filesystems,
          'Move the data to ext4 or xfs, or leave those volumes out of the migration; migrate network file '
          'systems separately.'),
    Check('raw_devices', _raw_devices,
          'Partition and format the raw disks, detach them, or set their severity to warn if they are not to be '
          'migrated.'),
    Check('software_raid', _software_raid, 'Migrate the data of RAID arrays with a file-level tool instead.'),
    Check('lvm_thin_pools', _lvm_thin_pools, 'Convert thin volumes to regular (linear) logical volumes.'),
    Check('duplicate_vg_names', _duplicate_vg_names, 'Rename the duplicate volume groups (vgrename by UUID).'),
    Check('disk_count', _disk_count, 'Detach the disks that do not need to be migrated.'),
    Check('system_disk_size', _system_disk_size, 'Shrink the system disk or move data off it to a data disk.'),
    Check('root_free_space', _root_free_space, 'Free space on the root file system.'),
    Check('tmp_free_space', _tmp_free_space, 'Free space in /tmp or mount a larger /tmp.'),
    Check('tmp_noexec', _tmp_noexec, 'Remount /tmp without noexec while the agent runs (mount -o remount,exec /tmp).'),
    Check('locale', _locale, 'Set a UTF-8 system locale, for example LANG=en_US.UTF-8 (localectl set-locale).'),
)
CHECK_NAMES = tuple(check.name for check in CHECKS)


def _options(skip, severity, limits, uefi_supported):
    unknown = sorted(set(skip or ()).union(severity or {}) - set(CHECK_NAMES))
    if unknown:
        raise AnsibleFilterError('readiness: unknown check names %s (known: %s)' % (unknown, ', '.join(CHECK_NAMES)))
    bad = sorted('%s=%s' % item for item in (severity or {}).items() if item[1] not in STATUSES)
    if bad:
        raise AnsibleFilterError('readiness: severity must be one of %s, got %s' % ('/'.join(STATUSES), ', '.join(bad)))
    merged = dict(DEFAULT_LIMITS)
    for key, value in (limits or {}).items():
        if key not in DEFAULT_LIMITS:
            raise AnsibleFilterError('readiness: unknown limit %r (known: %s)' % (key, ', '.join(sorted(DEFAULT_LIMITS))))
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise AnsibleFilterError('readiness: limit %s must be a non-negative integer, got %r' % (key, value))
        merged[key] = value
    return {'skip': set(skip or ()), 'severity': dict(severity or {}), 'limits': merged,
            'uefi_supported': [str(item) for item in uefi_supported or ()]}


def readiness(discovery, skip=None, severity=None, limits=None, uefi_supported=None):
    """Evaluate every check on the discovery facts; see DOCUMENTATION."""
    if not isinstance(discovery, dict):
        raise AnsibleFilterError('readiness: expected the sms_discovery facts (a dict), got %s' % type(discovery).__name__)
    options = _options(skip, severity, limits, uefi_supported)
    results = []
    for check in CHECKS:
        if check.name in options['skip']:
            continue
        status, message = check.evaluate(discovery, options)
        if status != 'ok':
            status = options['severity'].get(check.name, status)
        results.append({'name': check.name, 'status': status, 'message': message,
                        'fix': '' if status == 'ok' else check.fix})
    return results


class FilterModule:
    """hwcloud.sms readiness filter."""

    def filters(self):
        return {'readiness': readiness}
