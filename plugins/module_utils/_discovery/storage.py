# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage collector: disks, partitions, mounts, LVM, Btrfs, swap, raw devices, boot devices.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. ``collect(ctx, options)`` returns the ``storage`` section of docs/discovery.md.

Cost, whatever the number of devices: one sysfs walk; one ``blkid -p`` call for all devices
(plus one after each empty or unreadable whole device, where blkid stops); one ``lvm pvs``,
``vgs`` and ``lvs``; one ``btrfs filesystem show`` and four ``btrfs`` calls per MOUNTED Btrfs
file system; one helper process for all superblock reads and one for all statvfs calls (each
item bounded by the context timeout, a new helper after a timeout). statvfs runs once per file
system (major:minor), never for excluded fstypes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import os
import re

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import (
    blkid,
    blockdev,
    btrfs,
    lvm,
    mountinfo,
    superblock,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_lines

DEFAULT_EXCLUDE_DEVICES = ['loop*', 'ram*', 'zram*', 'sr*', 'fd*', 'nbd*']
# ``nbd*`` (exactly this pattern) skips only UNUSED nbd devices: a connected one (size > 0) is
# a real disk and stays. Name it explicitly (``nbd0``) to exclude a connected nbd device.
UNUSED_NBD_PATTERN = 'nbd*'
DEFAULT_EXCLUDE_FSTYPES = [
    'nfs*', 'cifs', 'smb*', 'fuse*', 'ceph', 'glusterfs', '9p', 'autofs', 'proc', 'sysfs',
    'cgroup*', 'devpts', 'mqueue', 'debugfs', 'tracefs', 'securityfs', 'pstore', 'bpf',
    'configfs', 'binfmt_misc', 'hugetlbfs', 'rpc_pipefs', 'nsfs', 'fusectl', 'efivarfs',
    'selinuxfs', 'overlay', 'squashfs', 'devtmpfs',
]

ESP_TYPES = ('c12a7328-f81f-11d2-ba4b-00a0c93ec93b', '0xef')
# Partitions that never carry a file system by design: MBR extended containers, BIOS boot.
CONTAINER_TYPES = ('0x5', '0xf', '0x85', '21686148-6449-6e6f-744e-656564454649')
EFI_MOUNTPOINTS = ('/boot/efi', '/efi')

SKIP_EXCLUDED = 'excluded fstype'
SKIP_TIMEOUT = 'timeout'
SKIP_ERROR = 'error'
SKIP_OVERMOUNTED = 'overmounted'

_DIGITS = re.compile(r'(\d+)')
_DENIED = re.compile(r'Permission denied|Operation not permitted')


def _natural(name):
    return [int(part) if part.isdigit() else part for part in _DIGITS.split(name)]


def _matches(name, patterns):
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


# How much of each end of a device must read as zeros for it to count as blank (see blank_devices).
BLANK_REGION_BYTES = 256 * 1024


def device_excluded(name, size_bytes, patterns):
    """Whether ``exclude_devices`` drops a device; ``nbd*`` spares connected nbd devices."""
    in_use_nbd = name.startswith('nbd') and bool(size_bytes)
    return _matches(name, [p for p in patterns if not (in_use_nbd and p == UNUSED_NBD_PATTERN)])


def usage_from_statvfs(result):
    """The ``usage`` dict from statvfs fields (f_bsize, f_frsize, f_blocks, f_bfree, f_bavail,
    f_files, f_ffree, ...): total = f_frsize x f_blocks, used = total - free (like df)."""
    bsize, frsize, blocks, bfree, bavail, files, ffree = tuple(result)[:7]
    frsize = frsize or bsize
    total = frsize * blocks
    free = frsize * bfree
    return {
        'total_bytes': total,
        'used_bytes': total - free,
        'free_bytes': free,
        'available_bytes': frsize * bavail,
        'inodes_total': files,
        'inodes_used': files - ffree,
        'inodes_free': ffree,
        'block_size': frsize,
        'source': 'statvfs',
    }


def _first_line(text):
    for line in split_lines(text):
        if line.strip():
            return line.strip()
    return ''


def _command_problem(result):
    if result.missing:
        return 'not installed'
    if result.timed_out:
        return 'timed out'
    return 'exit %s: %s' % (result.rc, _first_line(result.stderr) or 'no output')


# -- stage 1: the block device tree (one sysfs walk) -------------------------------------------
class Topology(object):
    """Block devices, their kinds and stacking, and the disks to list (``exclude_devices`` applied)."""

    def __init__(self, ctx, exclude_devices):
        self.ctx = ctx
        self.devices = blockdev.walk(ctx)  # kernel name -> blockdev.read_device() dict
        self.nodes = {}           # kernel name -> {'kind', 'parent', 'slaves', 'holders'} incl. partitions
        self.by_major_minor = {}
        self.by_dm_name = {}
        for name, device in self.devices.items():
            kind = 'disk'
            if device['dm_uuid'] is not None or device['dm_name'] is not None:
                kind = blockdev.dm_kind(device['dm_uuid'])
            elif device['md_level'] is not None or name.startswith('md'):
                kind = 'md'
            parent = device['slaves'][0] if kind == 'partition' and device['slaves'] else None
            self._node(name, kind, parent, device['slaves'], device['holders'], device['major_minor'])
            if device['dm_name']:
                self.by_dm_name[device['dm_name']] = name
            for part in device['partitions']:
                self._node(part['name'], 'partition', name, [name], part['holders'], part['major_minor'])
        self.listed = self._select_disks(exclude_devices)  # kernel names of `disks`, in order

    def _node(self, name, kind, parent, slaves, holders, major_minor):
        self.nodes[name] = {'kind': kind, 'parent': parent, 'slaves': slaves, 'holders': holders}
        if major_minor:
            self.by_major_minor[major_minor] = name

    def _is_multipath_leg(self, name):
        return any(self.nodes.get(holder, {}).get('kind') == 'mpath' for holder in self.devices[name]['holders'])

    def _select_disks(self, exclude_devices):
        listed = []
        for name in sorted(self.devices, key=_natural):
            device = self.devices[name]
            if self.nodes[name]['kind'] not in ('disk', 'md', 'mpath'):
                continue
            if not device['size_bytes'] or self._is_multipath_leg(name):
                continue
            if device_excluded(name, device['size_bytes'], exclude_devices):
                continue
            listed.append(name)
        return listed

    def partitions_of(self, name):
        """Partition names of a listed disk: sysfs partitions, or kpartx dm maps of a multipath map."""
        device = self.devices[name]
        if device['partitions']:
            return [part['name'] for part in device['partitions']]
        return sorted((holder for holder in device['holders'] if self.nodes.get(holder, {}).get('kind') == 'partition'),
                      key=_natural)

    def probe_targets(self):
        """Every device worth probing: listed disks, their partitions, all dm and md devices.

        Partitioned disks and their partitions come first: blkid always reports them, and it
        stops at the first device it cannot report (see blkid.py).
        """
        partitioned, rest = [], []
        for name in self.listed:
            parts = self.partitions_of(name)
            (partitioned if parts else rest).extend([name] + parts)
        for name in sorted(self.devices, key=_natural):
            if (name not in partitioned and name not in rest and self.devices[name]['size_bytes']
                    and self.nodes[name]['kind'] in ('lvm', 'crypt', 'dm', 'md')):
                rest.append(name)
        return partitioned + rest

    def path(self, name):
        """Canonical path: ``/dev/mapper/<name>`` for device-mapper devices, else ``/dev/<kernel name>``."""
        dm_name = self.devices.get(name, {}).get('dm_name')
        return '/dev/mapper/' + dm_name if dm_name else '/dev/' + name

    def resolve(self, path):
        """Kernel name of a ``/dev/...`` path (``/dev/sda1``, ``/dev/mapper/x``, ``/dev/vg/lv``, symlinks)."""
        if not path or not path.startswith('/dev/'):
            return None
        rest = path[len('/dev/'):]
        if rest in self.nodes:
            return rest
        if rest.startswith('mapper/') and rest[len('mapper/'):] in self.by_dm_name:
            return self.by_dm_name[rest[len('mapper/'):]]
        if rest.count('/') == 1:
            vg, lv = rest.split('/')
            name = self.by_dm_name.get(lvm.mapper_name(vg, lv))
            if name:
                return name
        target = os.path.basename(self.ctx.realpath(path))
        return target if target in self.nodes else None

    def excluded(self, name):
        """Whether a device is (on) a disk dropped by ``exclude_devices`` or by being empty."""
        top = name
        while self.nodes.get(top, {}).get('parent'):
            top = self.nodes[top]['parent']
        return self.nodes.get(top, {}).get('kind') in ('disk', 'md', 'mpath') and top not in self.listed


# -- stage 2: blkid, partition tables, superblocks -------------------------------------------------
class Probes(object):
    """What ``blkid -p`` said: ``probes`` (kernel name -> keys), ``empty`` (nothing found),
    ``unprobed`` (kernel name -> why not), ``probed`` (usable output, or nothing to probe)."""

    def __init__(self):
        self.probes = {}
        self.empty = set()
        self.unprobed = {}
        self.probed = False

    def known(self, name):
        return name in self.probes or name in self.empty


def blank_devices(ctx, topology, paths):
    """The ``paths`` whose first and last BLANK_REGION_BYTES read as zeros (root only).

    Superblocks and labels sit at the start (partition tables, ext, XFS, Btrfs at 64 KiB, LVM,
    swap, LUKS, ISO 9660, the UDF anchor at sector 256) or at the end (md 0.90/1.0, backup GPT, RAID metadata).
    """
    requests, owners = [], []
    for path in paths:
        size = topology.devices.get(os.path.basename(path), {}).get('size_bytes')
        if not size or size < 2 * BLANK_REGION_BYTES:
            continue
        requests += [(path, 0, BLANK_REGION_BYTES), (path, size - BLANK_REGION_BYTES, BLANK_REGION_BYTES)]
        owners += [path, path]
    if not requests:
        return []
    verdict = {}
    for path, data in zip(owners, ctx.read_bytes_many(requests)):
        zeros = data is not None and len(data) == BLANK_REGION_BYTES and not data.strip(b'\0')
        verdict[path] = verdict.get(path, True) and zeros
    return [path for path in paths if verdict.get(path)]


def probe(ctx, topology, is_root):
    """``blkid -p`` on all targets, resumed after each device it stops at (see blkid.py)."""
    found = Probes()
    pending = ['/dev/' + name for name in topology.probe_targets()]
    nothing_to_probe = not pending
    blank_checked = False
    result = None
    for _attempt in range(len(pending)):
        if not pending:  # without devices blkid would list its cache instead
            break
        result = ctx.run(blkid.ARGV + pending)
        if result.rc not in blkid.OK_EXIT_CODES:
            break
        probes = blkid.parse_export(result.stdout)
        for path, probed in probes.items():
            found.probes[os.path.basename(path)] = probed
        stop = blkid.resume_point(pending, probes, result.rc)
        if stop is None:
            break
        reason = blkid.errors(result.stderr).get(pending[stop])
        if reason is None and not ctx.exists(pending[stop]):
            reason = 'no device node'
        if reason is None:
            found.empty.add(os.path.basename(pending[stop]))
        else:
            found.unprobed[os.path.basename(pending[stop])] = reason
            if not is_root and _DENIED.search(reason):
                found.unprobed.update((os.path.basename(path), reason) for path in pending[stop + 1:])
                break
        pending = pending[stop + 1:]
        if pending and not blank_checked:
            # Each blank device would stop blkid once more: leave out those that are provably
            # blank (zeros where every signature blkid knows lives), in one batch of reads.
            blank_checked = True
            blank = set(blank_devices(ctx, topology, pending))
            found.empty.update(os.path.basename(path) for path in blank)
            pending = [path for path in pending if path not in blank]
    found.probed = bool(found.probes or found.empty) or nothing_to_probe
    if result is not None and not found.probed and not found.unprobed:
        ctx.warn('blkid -p could not probe the block devices (%s): partition tables from the '
                 'first sectors, file-system types, UUIDs and labels unknown' % _command_problem(result))
    elif found.unprobed:
        ctx.warn('blkid -p could not probe %s: their partition table, file system and raw state are unknown'
                 % ', '.join('/dev/%s (%s)' % (name, reason) for name, reason in
                             sorted(found.unprobed.items(), key=lambda item: _natural(item[0]))))
    return found


def read_first_sectors(ctx, topology, probes):
    """Partition tables of the disks blkid did not probe, from their first sectors (one batch)."""
    names = [name for name in topology.listed if not probes.known(name)]
    sizes = [topology.devices[name]['logical_sector_size'] for name in names]
    requests = [('/dev/' + name,) + superblock.partition_table_region(size) for name, size in zip(names, sizes)]
    tables, unreadable = {}, []
    for name, size, data in zip(names, sizes, ctx.read_bytes_many(requests)):
        tables[name] = superblock.partition_table(data, size) if data is not None else None
        if data is None:
            unreadable.append(name)
    if unreadable:
        ctx.warn('cannot read the first sectors of %s (not root?): partition_table is null'
                 % ', '.join('/dev/' + name for name in unreadable))
    return tables


def partition_table(name, probes, first_sectors):
    """(table type, table uuid) of a disk: blkid's, else from its first sectors."""
    if probes.known(name):
        return blkid.partition_table(probes.probes.get(name, {}))
    return first_sectors.get(name), None


class Superblocks(object):
    """Parsed file-system superblocks by kernel name, read in bounded batches on demand."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.parsed = {}

    def read(self, names, family):
        """Read and parse the superblocks of ``names`` in one bounded batch; the unreadable ones."""
        offset, length = superblock.REGIONS[family]
        names = [name for name in names if name not in self.parsed]
        requests = [('/dev/' + name, offset, length) for name in names]
        for name, data in zip(names, self.ctx.read_bytes_many(requests)):
            self.parsed[name] = superblock.PARSERS[family](data)
        return [name for name in names if self.parsed[name] is None]

    def get(self, name):
        return self.parsed.get(name)


def read_file_system_superblocks(ctx, probes):
    """ext/XFS superblocks of every probed device (inode size, usage when unmounted).

    Btrfs superblocks are read only when ``btrfs filesystem show`` and sysfs fall short.
    """
    superblocks = Superblocks(ctx)
    unreadable = []
    for family in ('ext', 'xfs'):
        names = sorted(n for n, p in probes.probes.items() if superblock.family(p.get('TYPE')) == family)
        unreadable.extend(superblocks.read(names, family))
    if unreadable:
        ctx.warn('cannot read the superblock of %s (not root?): inode_size and the usage of '
                 'unmounted file systems unknown' % ', '.join('/dev/' + n for n in sorted(unreadable, key=_natural)))
    return superblocks


# -- stage 3: mounts -----------------------------------------------------------------------------
def read_mounts(ctx, topology):
    """``/proc/self/mountinfo`` parsed, each mount with ``name``: its kernel name or None."""
    text = ctx.read('/proc/self/mountinfo')
    if text is None:
        ctx.warn('cannot read /proc/self/mountinfo: no mounts')
        return []
    mounts, errors = mountinfo.parse_mountinfo(text)
    for line in errors:
        ctx.warn('unparseable line in /proc/self/mountinfo: %r' % line)
    for mount in mounts:
        name = topology.by_major_minor.get(mount['major_minor'])
        if name is None and mount['major']:
            name = blockdev.kernel_name(ctx, mount['major_minor'])
        if name is None and mount['major'] == 0:
            # Btrfs (and other multi-device file systems) show an anonymous 0:N device
            name = topology.resolve(mount['source'])
        mount['name'] = name if name in topology.nodes else None
    return mounts


def stat_mounts(ctx, mounts, exclude_fstypes):
    """statvfs every visible mount once per file system (major:minor), all in one bounded batch;
    sets ``usage`` and ``skipped`` of each mount.

    Excluded fstypes are never touched; a mount hidden under a later one on the same mount
    point is not stat'ed (the path leads to the upper one) unless its file system is visible
    elsewhere.
    """
    last_at = dict((mount['mountpoint'], index) for index, mount in enumerate(mounts))
    wanted = {}
    for index, mount in enumerate(mounts):
        if (last_at[mount['mountpoint']] == index and mount['major_minor'] not in wanted
                and not _matches(mount['fstype'], exclude_fstypes)):
            wanted[mount['major_minor']] = mount['mountpoint']
    keys = sorted(wanted, key=lambda key: last_at[wanted[key]])
    cache = {}
    for key, (status, result) in zip(keys, ctx.statvfs_many([wanted[key] for key in keys])):
        if status == 'ok':
            cache[key] = (usage_from_statvfs(result), None)
        else:
            cache[key] = (None, SKIP_TIMEOUT if status == 'timeout' else SKIP_ERROR)
            if status == 'error':
                ctx.warn('statvfs of %s failed' % wanted[key])
    for mount in mounts:
        if _matches(mount['fstype'], exclude_fstypes):
            mount['usage'], mount['skipped'] = None, SKIP_EXCLUDED
        else:
            mount['usage'], mount['skipped'] = cache.get(mount['major_minor'], (None, SKIP_OVERMOUNTED))


def mount_facts(topology, mounts):
    return [{
        'mountpoint': mount['mountpoint'],
        'source': mount['source'],
        'device': topology.path(mount['name']) if mount['name'] else None,
        'major_minor': mount['major_minor'],
        'fstype': mount['fstype'],
        'options': mount['options'],
        'root': mount['root'],
        'subvol': mount['subvol'],
        'subvolid': mount['subvolid'],
        'usage': mount['usage'],
        'skipped': mount['skipped'],
    } for mount in mounts]


def mount_of(mounts, path):
    """The visible mount holding ``path`` (longest matching mount point, last mounted wins)."""
    best = None
    for mount in mounts:
        point = mount['mountpoint']
        if path == point or path.startswith(point.rstrip('/') + '/'):
            if best is None or len(point) >= len(best['mountpoint']):
                best = mount
    return best


# -- stage 4: Btrfs membership -----------------------------------------------------------------
class BtrfsMembers(object):
    """Btrfs file systems found: ``members`` (fsid -> kernel names, excluded devices left out),
    ``mounts`` (fsid -> mounts) and ``shown`` (fsid -> parsed ``btrfs filesystem show``)."""

    def __init__(self, ctx, topology, probes, mounts):
        self.probes = probes
        self.members = {}
        self.mounts = {}
        self.shown = {}
        found = {}
        for name, probed in probes.probes.items():
            if probed.get('TYPE') == 'btrfs' and probed.get('UUID'):
                found.setdefault(probed['UUID'], set()).add(name)
        for fsid in ctx.listdir('/sys/fs/btrfs'):
            if ctx.isdir('/sys/fs/btrfs/%s/devices' % fsid):
                found.setdefault(fsid, set()).update(ctx.listdir('/sys/fs/btrfs/%s/devices' % fsid))
        in_use = found or any(mount['fstype'] == 'btrfs' for mount in mounts)
        if in_use and ctx.which('btrfs'):
            self.shown = _btrfs_show(ctx)
        elif in_use:
            ctx.warn('Btrfs is in use but the btrfs command is not installed: no subvolumes or profiles')
        for fsid, fs in self.shown.items():
            found.setdefault(fsid, set()).update(filter(None, (topology.resolve(d['path']) for d in fs['devices'])))
        for fsid, names in found.items():
            members = sorted((n for n in names if n in topology.nodes and not topology.excluded(n)), key=_natural)
            if members:
                self.members[fsid] = members
        for mount in mounts:
            fsid = self.fsid_of(mount['name']) if mount['fstype'] == 'btrfs' and mount['name'] else None
            if fsid in self.members:
                self.mounts.setdefault(fsid, []).append(mount)

    def fsid_of(self, name):
        probed = self.probes.probes.get(name, {})
        if probed.get('TYPE') == 'btrfs':
            return probed.get('UUID')
        for fsid, members in self.members.items():
            if name in members:
                return fsid
        return None


def _btrfs_show(ctx):
    for argv in btrfs.SHOW_ARGV:
        result = ctx.run(argv)
        if result.ok or result.missing:
            break
    if not result.ok:
        ctx.warn('btrfs filesystem show failed (%s)' % _command_problem(result))
        return {}
    shown = dict((fs['fsid'], fs) for fs in btrfs.parse_show(result.stdout))
    if any(not fs['exact'] for fs in shown.values()):
        ctx.warn('btrfs-progs without --raw: Btrfs device sizes are rounded (approximate)')
    return shown


# -- stage 5: file-system keys of each device --------------------------------------------------
class FileSystems(object):
    """The file-system keys of devices: blkid, superblocks, and mounts (a Btrfs mount counts
    for every member device)."""

    def __init__(self, probes, superblocks, mounts, members):
        self.probes = probes
        self.superblocks = superblocks
        self.mounts = mounts
        self.mountpoints = {}     # kernel name -> [mount points]
        self.usage = {}           # kernel name -> usage dict of its mounted file system
        for mount in mounts:
            names = [mount['name']] if mount['name'] else []
            if mount['fstype'] == 'btrfs' and mount['name']:
                names = members.members.get(members.fsid_of(mount['name']), names) or names
            for name in names:
                self.mountpoints.setdefault(name, []).append(mount['mountpoint'])
                if mount['usage'] is not None and name not in self.usage:
                    self.usage[name] = mount['usage']

    def of(self, name):
        """The file-system keys of a device (partition, whole disk or active LV)."""
        facts = blkid.filesystem(self.probes.probes.get(name, {}))
        sb = self.superblocks.get(name) or {}
        mountpoints = self.mountpoints.get(name, [])
        if facts['fstype'] is None and mountpoints:  # not probed (no blkid, not root): the kernel knows
            facts['fstype'] = next(m['fstype'] for m in self.mounts if m['mountpoint'] in mountpoints)
        usage = self.usage.get(name)
        if usage is None and not mountpoints and 'usage' in sb:
            usage = sb['usage']
        facts.update({'mountpoints': mountpoints, 'usage': usage, 'inode_size': sb.get('inode_size')})
        return facts


# -- stage 6: LVM ----------------------------------------------------------------------------------
def lvm_facts(ctx, topology, probes, filesystems):
    facts = {'available': False, 'pvs': [], 'vgs': [], 'lvs': []}
    signs = any(p.get('TYPE') == 'LVM2_member' for p in probes.probes.values()) or any(
        n['kind'] == 'lvm' for n in topology.nodes.values())
    if not ctx.which('lvm'):
        if signs:
            ctx.warn('LVM is in use but the lvm command is not installed: no LVM facts')
        return facts
    reports = {}
    results = ctx.run_many([argv for _kind, argv in lvm.REPORTS])
    for (kind, _argv), result in zip(lvm.REPORTS, results):
        if not result.ok:
            ctx.warn('lvm %s failed (%s): no LVM facts' % (kind, _command_problem(result)))
            return facts
        reports[kind] = lvm.parse_report(result.stdout)
    facts.update(lvm.build(reports['pvs'], reports['vgs'], reports['lvs']))
    facts['available'] = True
    for vg_name in sorted(set(vg['name'] for vg in facts['vgs'] if vg['duplicate_name'])):
        ctx.warn('several volume groups are named %s (told apart by uuid)' % vg_name)
    for pv in facts['pvs']:
        pv.pop('vg_uuid', None)
    for lv in facts['lvs']:
        name = topology.by_major_minor.get(lv.pop('kernel_major_minor') or '') or topology.by_dm_name.get(
            lvm.mapper_name(lv['vg'], lv['name']))
        if name and lv['active'] is not False:
            lv.update(filesystems.of(name))
        else:
            lv.update({'fstype': None, 'uuid': None, 'label': None, 'mountpoints': [], 'usage': None,
                       'inode_size': None})
    return facts


# -- stage 7: Btrfs file systems -------------------------------------------------------------------
def btrfs_facts(ctx, members, superblocks):
    return [_btrfs_fs(ctx, members, superblocks, fsid) for fsid in sorted(members.members)]


def _btrfs_run(ctx, argv, mountpoint):
    result = ctx.run(argv + [mountpoint])
    if not result.ok:
        ctx.warn('%s %s failed (%s)' % (' '.join(argv), mountpoint, _command_problem(result)))
        return None
    return result.stdout


def _btrfs_fs(ctx, members, superblocks, fsid):
    """One Btrfs file system from ``filesystem show``, sysfs (when mounted), else the superblock."""
    shown, mounts = members.shown.get(fsid), members.mounts.get(fsid, [])
    sysfs = '/sys/fs/btrfs/%s/' % fsid
    mounted = ctx.isdir(sysfs)

    def _sysfs_int(attribute):
        value = ctx.read_stripped(sysfs + attribute) if mounted else None
        return int(value) if value and value.isdigit() else None

    shown = shown or {}
    fs = {
        'fsid': fsid,
        'label': (ctx.read_stripped(sysfs + 'label') if mounted else None) or shown.get('label'),
        'devices': [dict(device) for device in shown.get('devices', [])],
        'total_bytes': sum(d['size_bytes'] or 0 for d in shown['devices']) if shown else None,
        'used_bytes': shown.get('used_bytes'),
        'nodesize': _sysfs_int('nodesize'),
        'sectorsize': _sysfs_int('sectorsize'),
        'profiles': {'data': None, 'metadata': None, 'system': None},
        'global_reserve': None,
        'mountpoints': [mount['mountpoint'] for mount in mounts],
        'default_subvolume': None,
        'subvolumes': None,
    }
    expected = shown.get('total_devices')
    degraded = shown.get('some_missing') or any(d['missing'] for d in fs['devices'])
    if not shown or degraded or fs['nodesize'] is None or fs['sectorsize'] is None:
        superblocks.read(members.members[fsid], 'btrfs')
        supers = [(name, superblocks.get(name)) for name in members.members[fsid] if superblocks.get(name)]
        if supers:
            first = supers[0][1]
            for key in ('label', 'total_bytes', 'used_bytes', 'nodesize', 'sectorsize'):
                fs[key] = first[key] if fs[key] is None else fs[key]
            if degraded:  # the present devices do not add up to the file system
                fs['total_bytes'] = first['total_bytes']
            if not shown:
                fs['devices'] = [dict(parsed['device'], path='/dev/' + name, missing=False) for name, parsed in supers]
                expected = first['num_devices']
    if expected and not any(d['missing'] for d in fs['devices']):
        unknown = {'devid': None, 'path': None, 'size_bytes': None, 'used_bytes': None, 'missing': True}
        fs['devices'].extend(dict(unknown) for _missing in range(max(expected - len(fs['devices']), 0)))
    if any(d['missing'] for d in fs['devices']):
        ctx.warn('Btrfs %s has missing devices' % fsid)
    if mounts and ctx.which('btrfs'):
        _btrfs_mounted(ctx, fs, mounts)
    return fs


def _btrfs_mounted(ctx, fs, mounts):
    """Profiles, subvolumes and default subvolume, asked on one mount (the top level's if any)."""
    mount = next((m for m in mounts if m['subvolid'] == btrfs.TOP_LEVEL_ID), mounts[0])
    mountpoint = mount['mountpoint']
    for argv in btrfs.DF_ARGV:
        result = ctx.run(argv + [mountpoint])
        if result.ok:
            break
    if result.ok:
        df = btrfs.parse_df(result.stdout)
        fs['profiles'], fs['global_reserve'] = df['profiles'], df['global_reserve']
        if not df['exact']:
            ctx.warn('btrfs filesystem df without --raw/-b: Btrfs allocation sizes are approximate')
    else:
        ctx.warn('btrfs filesystem df %s failed (%s)' % (mountpoint, _command_problem(result)))

    def _mounted_at(subvolume_id, path):
        return [m['mountpoint'] for m in mounts
                if m['subvolid'] == subvolume_id or (m['subvolid'] is None and m['root'].strip('/') == path)]

    listed = _btrfs_run(ctx, btrfs.LIST_ARGV, mountpoint)
    if listed is not None:
        snapshots = _btrfs_run(ctx, btrfs.SNAPSHOTS_ARGV, mountpoint)
        snapshot_ids = btrfs.parse_snapshot_ids(snapshots) if snapshots is not None else None
        subvolumes = btrfs.parse_subvolume_list(listed)
        mounted_id = mount['subvolid']
        if mounted_id is None:  # kernels before 4.2 show no subvolid: the mount root names it
            mounted_id = next((s['id'] for s in subvolumes if s['path'] == mount['root'].strip('/')),
                              btrfs.TOP_LEVEL_ID)
        subvolumes = btrfs.absolute_paths(subvolumes, mounted_id)
        for subvolume in subvolumes:
            subvolume['is_snapshot'] = (subvolume['id'] in snapshot_ids if snapshot_ids is not None
                                        else subvolume['parent_uuid'] is not None)
            subvolume['mountpoints'] = _mounted_at(subvolume['id'], subvolume['path'])
        fs['subvolumes'] = subvolumes
    default = btrfs.parse_get_default(_btrfs_run(ctx, btrfs.DEFAULT_ARGV, mountpoint))
    if default is not None:
        listed_default = [s for s in fs['subvolumes'] or [] if s['id'] == default['id']]
        default['path'] = listed_default[0]['path'] if listed_default else default['path']
        top = default['id'] == btrfs.TOP_LEVEL_ID
        default['mountpoints'] = _mounted_at(default['id'], '' if top else default['path'])
        fs['default_subvolume'] = default


# -- stage 8: disks and partitions -------------------------------------------------------------------
def partition_facts(topology, probes, filesystems, disk, name, pv_names):
    node = topology.devices.get(name)
    entry = blkid.partition_entry(probes.probes.get(name, {}))
    sysfs = dict((p['name'], p) for p in topology.devices[disk]['partitions']).get(name)
    if sysfs is None:  # kpartx partition of a multipath map
        sysfs = {'number': blockdev.dm_partition_number(node['dm_uuid']), 'start_bytes': entry['start_bytes'],
                 'size_bytes': node['size_bytes'], 'holders': node['holders']}
    facts = {
        'name': name,
        'path': topology.path(name),
        'number': sysfs['number'],
        'start_bytes': sysfs['start_bytes'],
        'size_bytes': sysfs['size_bytes'],
        'type_id': entry['type_id'],
        'partuuid': entry['partuuid'],
        'partlabel': entry['partlabel'],
    }
    facts.update(filesystems.of(name))
    facts.update({'holders': sysfs['holders'], 'lvm_pv': name in pv_names or facts['fstype'] == 'LVM2_member',
                  'roles': []})
    return facts


def disk_facts(topology, probes, first_sectors, filesystems, name, pv_names):
    device = topology.devices[name]
    kind = topology.nodes[name]['kind']
    table, table_uuid = partition_table(name, probes, first_sectors)
    whole = filesystems.of(name)
    if whole['fstype'] is None:
        whole = None
    return {
        'name': name,
        'path': topology.path(name),
        'type': 'loop' if name.startswith('loop') else kind if kind in ('md', 'mpath') else 'disk',
        'size_bytes': device['size_bytes'],
        'logical_sector_size': device['logical_sector_size'],
        'physical_sector_size': device['physical_sector_size'],
        'model': device['model'],
        'vendor': device['vendor'],
        'serial': device['serial'],
        'rotational': device['rotational'],
        'removable': device['removable'],
        'read_only': device['read_only'],
        'partition_table': table,
        'partition_table_uuid': table_uuid,
        'filesystem': whole,
        'holders': device['holders'],
        'slaves': device['slaves'],
        'lvm_pv': name in pv_names or bool(whole and whole['fstype'] == 'LVM2_member'),
        'roles': [],
        'partitions': [partition_facts(topology, probes, filesystems, name, part, pv_names)
                       for part in topology.partitions_of(name)],
    }


def raw_devices(topology, probes, disks, swaps, pv_names):
    if not probes.probed:
        return None
    known = set(probes.probes) | probes.empty
    swapped = set(topology.resolve(swap['path']) for swap in swaps)

    def _unused(entry):
        return not (entry.get('fstype') or entry['holders'] or entry['mountpoints'] or entry['name'] in swapped
                    or entry['name'] in pv_names or entry['name'] not in known)

    raw = []
    for disk in disks:
        whole = dict(disk['filesystem'] or {'fstype': None, 'mountpoints': []}, name=disk['name'],
                     holders=disk['holders'])
        if not disk['partition_table'] and not disk['partitions'] and _unused(whole):
            raw.append(disk['path'])
        raw.extend(part['path'] for part in disk['partitions']
                   if _unused(part) and (part['type_id'] or '').lower() not in CONTAINER_TYPES)
    return raw


# -- stage 9: boot devices, /tmp, swap ---------------------------------------------------------------
def lower_devices(topology, members, name, seen=None):
    """``name`` and everything below it: partitions' disks, dm/md slaves, Btrfs members."""
    seen = set() if seen is None else seen
    if name in seen or name not in topology.nodes:
        return seen
    seen.add(name)
    node = topology.nodes[name]
    if node['kind'] == 'mpath':
        return seen
    below = [node['parent']] if node['parent'] else []
    below.extend(node['slaves'])
    fsid = members.fsid_of(name)
    if fsid:
        below.extend(members.members.get(fsid, []))
    for lower in below:
        lower_devices(topology, members, lower, seen)
    return seen


def role_mounts(ctx, probes, mounts):
    efi = next((m for point in EFI_MOUNTPOINTS for m in mounts if m['mountpoint'] == point and m['name']), None)
    if efi is None:
        efi = next((m for m in mounts if m['name'] and m['fstype'] == 'vfat' and
                    (blkid.partition_entry(probes.probes.get(m['name'], {}))['type_id'] or '').lower() in ESP_TYPES),
                   None)
    boot = mount_of(mounts, '/boot') if ctx.isdir('/boot') else None
    return {'root': mount_of(mounts, '/'), 'boot': boot, 'efi': efi}


def boot_devices(ctx, topology, probes, members, mounts, disks):
    by_name = {}
    for disk in disks:
        by_name[disk['name']] = disk
        for part in disk['partitions']:
            by_name[part['name']] = part
    facts = {}
    for role, mount in sorted(role_mounts(ctx, probes, mounts).items()):
        if mount is None or not mount['name']:
            facts[role] = None
            continue
        below = lower_devices(topology, members, mount['name'])
        for name in below:
            if name in by_name and role not in by_name[name]['roles']:
                by_name[name]['roles'].append(role)
        facts[role] = {'device': topology.path(mount['name']),
                       'disks': [d['path'] for d in disks if d['name'] in below]}
    return facts


def tmp_facts(ctx, mounts):
    if not ctx.isdir('/tmp'):
        return None
    mount = mount_of(mounts, '/tmp')
    if mount is None:
        return {'mountpoint': None, 'noexec': None, 'available_bytes': None}
    usage = mount['usage']
    return {'mountpoint': mount['mountpoint'], 'noexec': 'noexec' in mount['options'],
            'available_bytes': usage['available_bytes'] if usage else None}


def swap_facts(ctx):
    text = ctx.read('/proc/swaps')
    return mountinfo.parse_swaps(text) if text is not None else []


def collect(ctx, options=None):
    """Collect the ``storage`` section (see docs/discovery.md) through ``ctx``.

    ``options``: ``exclude_devices`` (fnmatch globs on kernel names, default
    DEFAULT_EXCLUDE_DEVICES) and ``exclude_fstypes`` (globs of fstypes not stat'ed, default
    DEFAULT_EXCLUDE_FSTYPES). None means the default, ``[]`` excludes nothing.

    Each stage takes what it needs from the ones before it and nothing else, so the order is
    the data flow: devices, probes, superblocks and first sectors, mounts, Btrfs membership,
    usage, file systems, then the facts.
    """
    options = options or {}
    exclude_devices = options.get('exclude_devices')
    exclude_fstypes = options.get('exclude_fstypes')
    exclude_devices = DEFAULT_EXCLUDE_DEVICES if exclude_devices is None else list(exclude_devices)
    exclude_fstypes = DEFAULT_EXCLUDE_FSTYPES if exclude_fstypes is None else list(exclude_fstypes)

    topology = Topology(ctx, exclude_devices)
    probes = probe(ctx, topology, ctx.euid() == 0)
    superblocks = read_file_system_superblocks(ctx, probes)
    first_sectors = read_first_sectors(ctx, topology, probes)
    mounts = read_mounts(ctx, topology)
    members = BtrfsMembers(ctx, topology, probes, mounts)
    stat_mounts(ctx, mounts, exclude_fstypes)
    filesystems = FileSystems(probes, superblocks, mounts, members)
    lvm_result = lvm_facts(ctx, topology, probes, filesystems)
    pv_names = set(filter(None, (topology.resolve(pv['path']) for pv in lvm_result['pvs'])))
    swaps = swap_facts(ctx)
    disks = [disk_facts(topology, probes, first_sectors, filesystems, name, pv_names) for name in topology.listed]
    btrfs_result = btrfs_facts(ctx, members, superblocks)
    return {
        'disks': disks,
        'mounts': mount_facts(topology, mounts),
        'lvm': lvm_result,
        'btrfs': btrfs_result,
        'swap': swaps,
        'raw_devices': raw_devices(topology, probes, disks, swaps, pv_names),
        'boot_devices': boot_devices(ctx, topology, probes, members, mounts, disks),
        'tmp': tmp_facts(ctx, mounts),
    }
