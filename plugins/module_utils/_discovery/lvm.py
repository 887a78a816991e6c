# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LVM report commands and their pure parsers.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+.

One ``pvs``, one ``vgs`` and one ``lvs -a`` call (``REPORTS``), not ``lvm fullreport`` or
``--reportformat json``: those exist only since lvm2 2.02.158 (CentOS 7.0-7.2 ship older 2.02.x),
while ``--nameprefixes --units b --nosuffix --noheadings`` work on every lvm2 2.02 and 2.03 and
give exact bytes. ``--nameprefixes`` prints ``LVM2_FIELD='value'`` with the value unescaped
between single quotes (libdm ``libdm-report.c`` ``_output_field``), so values with spaces parse
safely. ``lvs`` prints one row per segment when a segment field (``devices``) is asked for;
rows are merged per LV. ``-a`` lists the hidden sub-LVs (``[pool_tdata]``, ``[lv_rimage_0]``)
so that the PVs under thin pools and RAID LVs can be followed; hidden LVs are not reported.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_lines

_COMMON = ['--noheadings', '--nosuffix', '--units', 'b', '--nameprefixes']
PV_FIELDS = 'pv_name,vg_name,vg_uuid,pv_size,pv_free,pv_uuid,pv_fmt,dev_size'
VG_FIELDS = 'vg_name,vg_uuid,vg_size,vg_free,vg_extent_size,pv_count,lv_count,vg_attr'
LV_FIELDS = ('vg_name,vg_uuid,lv_name,lv_uuid,lv_size,segtype,pool_lv,lv_attr,'
             'lv_kernel_major,lv_kernel_minor,devices,lv_path')

REPORTS = (
    ('pvs', ['lvm', 'pvs'] + _COMMON + ['-o', PV_FIELDS]),
    ('vgs', ['lvm', 'vgs'] + _COMMON + ['-o', VG_FIELDS]),
    ('lvs', ['lvm', 'lvs', '-a'] + _COMMON + ['-o', LV_FIELDS]),
)

_FIELD = re.compile(r"LVM2_([A-Z0-9_]+)=(?:'(.*?)'|(\S*))(?=\s+LVM2_|\s*$)")
_DEVICE = re.compile(r'^(.*)\((\d+)\)$')


def parse_report(text):
    """Rows of a ``--nameprefixes`` report as dicts with lower-case field names (``pv_name``)."""
    rows = []
    for line in split_lines(text):
        line = line.strip()
        if not line.startswith('LVM2_'):
            continue
        row = {}
        for match in _FIELD.finditer(line):
            value = match.group(2) if match.group(2) is not None else match.group(3)
            row[match.group(1).lower()] = value
        rows.append(row)
    return rows


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text(value):
    return value if value else None


def mapper_name(vg, lv):
    """Device-mapper name of an LV: dashes doubled, joined by one dash (lvm2 ``dm_build_dm_name``)."""
    return '%s-%s' % (vg.replace('-', '--'), lv.replace('-', '--'))


def _devices(value):
    """``/dev/sda1(0),/dev/sdb1(512)`` or ``pool_tdata(0)`` -> list of names without extents."""
    names = []
    for item in (value or '').split(','):
        item = item.strip()
        match = _DEVICE.match(item)
        name = match.group(1) if match else item
        if name and name not in names:
            names.append(name)
    return names


def build(pv_rows, vg_rows, lv_rows):
    """Assemble the ``lvm`` facts (without ``available``) from the three parsed reports.

    VGs are keyed by uuid (two VGs may share a name: both get ``duplicate_name: true``); LVs
    by ``vg/lv`` plus ``vg_uuid``. Each LV has ``kernel_major_minor`` (``253:0`` or None) so the
    caller can attach mounts and ``blkid`` results of the active dm device.
    """
    pvs = []
    pv_paths_by_vg = {}
    for row in pv_rows:
        pv = {
            'path': row.get('pv_name'),
            'vg': _text(row.get('vg_name')),
            'vg_uuid': _text(row.get('vg_uuid')),
            'size_bytes': _int(row.get('pv_size')),
            'free_bytes': _int(row.get('pv_free')),
            'uuid': _text(row.get('pv_uuid')),
            'format': _text(row.get('pv_fmt')),
            'device_size_bytes': _int(row.get('dev_size')),
        }
        pvs.append(pv)
        if pv['vg_uuid']:
            pv_paths_by_vg.setdefault(pv['vg_uuid'], []).append(pv['path'])

    name_counts = {}
    for row in vg_rows:
        name_counts[row.get('vg_name')] = name_counts.get(row.get('vg_name'), 0) + 1
    vgs = []
    for row in vg_rows:
        vgs.append({
            'name': row.get('vg_name'),
            'uuid': _text(row.get('vg_uuid')),
            'size_bytes': _int(row.get('vg_size')),
            'free_bytes': _int(row.get('vg_free')),
            'extent_size_bytes': _int(row.get('vg_extent_size')),
            'pv_count': _int(row.get('pv_count')),
            'pv_paths': pv_paths_by_vg.get(row.get('vg_uuid'), []),
            'lv_count': _int(row.get('lv_count')),
            'attr': _text(row.get('vg_attr')),
            'duplicate_name': name_counts[row.get('vg_name')] > 1,
        })

    merged = {}
    order = []
    for row in lv_rows:
        identity = (row.get('vg_uuid'), row.get('lv_uuid'))
        if identity not in merged:
            merged[identity] = dict(row, devices=[])
            order.append(identity)
        for device in _devices(row.get('devices')):
            if device not in merged[identity]['devices']:
                merged[identity]['devices'].append(device)

    by_name = {}
    for identity in order:
        row = merged[identity]
        by_name[(row.get('vg_uuid'), row.get('lv_name', '').strip('[]'))] = row

    def _pv_paths(row, seen):
        """PVs under an LV, through hidden sub-LVs (``pool_tdata``, ``lv_rimage_0``) and its pool."""
        paths = []
        for device in row['devices'] + ([row['pool_lv']] if row.get('pool_lv') else []):
            if device.startswith('/'):
                found = [device]
            elif device in seen or (row.get('vg_uuid'), device) not in by_name:
                found = []
            else:
                found = _pv_paths(by_name[(row.get('vg_uuid'), device)], seen | set([device]))
            paths.extend(path for path in found if path not in paths)
        return paths

    lvs = []
    for identity in order:
        row = merged[identity]
        name = row.get('lv_name', '')
        if name.startswith('['):
            continue
        vg = row.get('vg_name')
        attr = row.get('lv_attr') or ''
        major, minor = _int(row.get('lv_kernel_major')), _int(row.get('lv_kernel_minor'))
        state = attr[4:5]
        lvs.append({
            'key': '%s/%s' % (vg, name),
            'vg': vg,
            'vg_uuid': _text(row.get('vg_uuid')),
            'name': name,
            'path': _text(row.get('lv_path')) or '/dev/%s/%s' % (vg, name),
            'mapper': '/dev/mapper/' + mapper_name(vg, name),
            'lv_uuid': _text(row.get('lv_uuid')),
            'size_bytes': _int(row.get('lv_size')),
            'segment_type': _text(row.get('segtype')),
            'pool': _text(row.get('pool_lv')),
            'attr': attr or None,
            # lv_attr bit 5: a(ctive), -/s/I/d/i/h...: not active, X: unknown (no device-mapper)
            'active': None if state in ('', 'X') else state == 'a',
            'pv_paths': _pv_paths(row, set([name])),
            'kernel_major_minor': '%d:%d' % (major, minor) if major is not None and major >= 0 else None,
        })
    return {'pvs': pvs, 'vgs': vgs, 'lvs': lvs}
