# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One walk of ``/sys/block``: every block device, its partitions and its stacking.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. It reads sysfs through a DiscoveryContext (so tests point it at a captured tree) and
interprets nothing beyond numbers; no udev, no ``/dev/disk/by-*``.

sysfs facts used (linux ``Documentation/ABI/stable/sysfs-block``): ``size``, ``start`` are in
512-byte units whatever the sector size; ``dev`` is ``major:minor``; ``partition`` is the
partition number; ``holders/`` and ``slaves/`` name the devices stacked above and below
(dm, md); ``dm/name``, ``dm/uuid`` (prefixes ``LVM-``, ``CRYPT-``, ``mpath-``, ``partN-``);
``md/level``; ``queue/{logical,physical}_block_size``, ``queue/rotational``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

SECTOR = 512
_PARTITION_PREFIX = re.compile(r'^part(\d+)-(.*)$')


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _bool(text):
    value = _int(text)
    return None if value is None else value != 0


def _serial(ctx, base):
    for name in ('serial', 'device/serial', 'device/wwid'):
        value = ctx.read_stripped('%s/%s' % (base, name))
        if value:
            return value
    # SCSI: VPD page 0x80 (unit serial number), a 4-byte header then the ASCII serial
    page = ctx.read('%s/device/vpd_pg80' % base)
    if page and len(page) > 4:
        return page[4:].strip('\0 \t\r\n') or None
    return None


def dm_kind(uuid):
    """Role of a device-mapper device from its ``dm/uuid`` (lvm2, cryptsetup, multipath, kpartx).

    ``lvm`` (``LVM-``), ``crypt`` (``CRYPT-``), ``mpath`` (``mpath-``), ``partition``
    (``partN-...``: a kpartx partition of a multipath map), else ``dm``.
    """
    uuid = uuid or ''
    if uuid.startswith('LVM-'):
        return 'lvm'
    if uuid.startswith('CRYPT-'):
        return 'crypt'
    if uuid.startswith('mpath-'):
        return 'mpath'
    if _PARTITION_PREFIX.match(uuid):
        return 'partition'
    return 'dm'


def dm_partition_number(uuid):
    match = _PARTITION_PREFIX.match(uuid or '')
    return int(match.group(1)) if match else None


def _partitions(ctx, disk, base):
    partitions = []
    for entry in ctx.listdir(base):
        if not entry.startswith(disk):
            continue
        path = '%s/%s' % (base, entry)
        number = _int(ctx.read_stripped(path + '/partition'))
        if number is None:
            continue
        start, size = _int(ctx.read_stripped(path + '/start')), _int(ctx.read_stripped(path + '/size'))
        partitions.append({
            'name': entry,
            'number': number,
            'major_minor': ctx.read_stripped(path + '/dev'),
            'start_bytes': None if start is None else start * SECTOR,
            'size_bytes': None if size is None else size * SECTOR,
            'read_only': _bool(ctx.read_stripped(path + '/ro')),
            'holders': ctx.listdir(path + '/holders'),
        })
    return sorted(partitions, key=lambda part: part['number'])


def read_device(ctx, name):
    """Everything sysfs says about ``/sys/block/<name>`` (numbers parsed, nothing interpreted)."""
    base = '/sys/block/' + name
    size = _int(ctx.read_stripped(base + '/size'))
    device = {
        'name': name,
        'major_minor': ctx.read_stripped(base + '/dev'),
        'size_bytes': None if size is None else size * SECTOR,
        'logical_sector_size': _int(ctx.read_stripped(base + '/queue/logical_block_size')),
        'physical_sector_size': _int(ctx.read_stripped(base + '/queue/physical_block_size')),
        'rotational': _bool(ctx.read_stripped(base + '/queue/rotational')),
        'removable': bool(_bool(ctx.read_stripped(base + '/removable'))),
        'read_only': bool(_bool(ctx.read_stripped(base + '/ro'))),
        'model': ctx.read_stripped(base + '/device/model') or None,
        'vendor': ctx.read_stripped(base + '/device/vendor') or None,
        'serial': None,
        'holders': ctx.listdir(base + '/holders'),
        'slaves': ctx.listdir(base + '/slaves'),
        'dm_name': None,
        'dm_uuid': None,
        'md_level': None,
        'partitions': _partitions(ctx, name, base),
    }
    if ctx.isdir(base + '/dm'):
        device['dm_name'] = ctx.read_stripped(base + '/dm/name')
        device['dm_uuid'] = ctx.read_stripped(base + '/dm/uuid')
    elif ctx.isdir(base + '/md'):
        device['md_level'] = ctx.read_stripped(base + '/md/level')
    elif not name.startswith(('loop', 'ram', 'zram')):
        device['serial'] = _serial(ctx, base)
    return device


def walk(ctx):
    """All block devices: ``{kernel name: device dict}`` (one sysfs walk, no subprocess)."""
    return dict((name, read_device(ctx, name)) for name in ctx.listdir('/sys/block'))


def kernel_name(ctx, major_minor):
    """Kernel name (``sda1``) of ``major:minor`` via the ``/sys/dev/block/M:m`` symlink, or None."""
    if not major_minor or major_minor.startswith('0:'):
        return None
    link = ctx.readlink('/sys/dev/block/' + major_minor)
    return os.path.basename(link) if link else None
