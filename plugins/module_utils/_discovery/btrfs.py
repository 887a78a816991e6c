# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Btrfs commands and pure parsers of their text output (btrfs-progs 0.19 to 6.x).

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+.

Formats (btrfs-progs ``cmds/filesystem.c``, ``cmds/subvolume.c``, ``cmds/subvolume-list.c``):

- ``filesystem show``: ``Label: 'x'  uuid: <fsid>`` (or ``Label: none``), ``Total devices N FS
  bytes used S``, one ``devid N size S used S path P`` line per device; a missing device is a
  ``devid`` line with ``MISSING``/``***MISSING***`` or ``<missing disk>``, or only
  ``*** Some devices missing``. ``--raw`` (btrfs-progs >= 3.18) prints bytes; without it sizes
  are base-1024 with ``B``, ``KiB``..``EiB`` suffixes (``KB``..``TB`` in 0.19/0.20), rounded to
  two decimals, so they are approximate.
- ``filesystem df``: ``<Type>, <profile>: total=S, used=S`` (``Data: total=..`` without a
  profile in 0.19), types ``Data``, ``Metadata``, ``System``, ``Data+Metadata``,
  ``GlobalReserve``, profiles ``single``, ``DUP``, ``RAID0``, ``RAID1``, ``RAID1C3``..``RAID6``.
- ``subvolume list -puq``: ``ID 257 gen 8 parent 5 top level 5 parent_uuid - uuid <u> path @``.
  Paths of subvolumes BELOW the subvolume the command runs on are relative to it (``.snapshots``
  instead of ``@/.snapshots`` when run on a mount of ``@``: ``cmds/subvolume-list.c``
  ``resolve_root`` stops at ``top_id``); :func:`absolute_paths` makes them relative to the top
  level again.
- ``subvolume list -s``: ``ID 258 gen 7 cgen 7 top level 256 otime <date time> path @/s1``.
- ``subvolume get-default``: ``ID 5 (FS_TREE)`` or ``ID 256 gen 7 top level 5 path @``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_lines

TOP_LEVEL_ID = 5
TOP_LEVEL_PATH = '<FS_TREE>'

SHOW_ARGV = (['btrfs', 'filesystem', 'show', '--raw'], ['btrfs', 'filesystem', 'show'])
DF_ARGV = (['btrfs', 'filesystem', 'df', '--raw'], ['btrfs', 'filesystem', 'df', '-b'], ['btrfs', 'filesystem', 'df'])
LIST_ARGV = ['btrfs', 'subvolume', 'list', '-puq']
SNAPSHOTS_ARGV = ['btrfs', 'subvolume', 'list', '-s']
DEFAULT_ARGV = ['btrfs', 'subvolume', 'get-default']

_UNITS = {
    'B': 1, 'KIB': 1 << 10, 'MIB': 1 << 20, 'GIB': 1 << 30, 'TIB': 1 << 40, 'PIB': 1 << 50, 'EIB': 1 << 60,
    # btrfs-progs 0.19/0.20 pretty_sizes(): base 1024 with SI-looking suffixes
    'KB': 1 << 10, 'MB': 1 << 20, 'GB': 1 << 30, 'TB': 1 << 40, 'PB': 1 << 50, 'EB': 1 << 60,
}
_SIZE = re.compile(r'^(\d+(?:\.\d+)?)([A-Za-z]*)$')
_LABEL = re.compile(r"^Label:\s+(?:'(.*)'|none)\s+uuid:\s+([0-9a-fA-F-]{36})\s*$")
_TOTAL = re.compile(r'^Total devices\s+(\d+)\s+FS bytes used\s+(\S+)')
_DEVID = re.compile(r'^devid\s+(\d+)\s+size\s+(\S+)\s+used\s+(\S+)\s+path\s+(.*?)\s*$')
_MISSING_MARK = re.compile(r'(?:^|\s+)\**MISSING\**$')
_DF = re.compile(r'^([A-Za-z+]+)(?:,\s*([A-Za-z0-9]+))?:\s*total=([^,\s]+),\s*used=([^,\s]+)')
_LIST_FIELD = re.compile(r'(?:^|\s)(ID|gen|cgen|parent_uuid|received_uuid|parent|top level|uuid)\s+(\S+)')


def parse_size(text):
    """``'1048576'`` -> (1048576, True); ``'1.50GiB'`` -> (1610612736, False); bad -> (None, False)."""
    match = _SIZE.match((text or '').strip())
    if not match:
        return None, False
    number, unit = match.groups()
    if not unit and '.' not in number:
        return int(number), True
    factor = _UNITS.get(unit.upper() if unit else 'B')
    if factor is None:
        return None, False
    return int(round(float(number) * factor)), unit.upper() in ('', 'B') and '.' not in number


def parse_show(text):
    """File systems of ``btrfs filesystem show``: list of dicts.

    Keys: ``fsid``, ``label``, ``total_devices``, ``used_bytes``, ``devices`` (``devid``,
    ``path``, ``size_bytes``, ``used_bytes``, ``missing``), ``some_missing`` (the ``*** Some
    devices missing`` line), ``exact`` (False when any size had a unit suffix).
    """
    filesystems = []
    current = None
    for raw in split_lines(text):
        line = raw.strip()
        match = _LABEL.match(line)
        if match:
            label = match.group(1)
            current = {'fsid': match.group(2).lower(), 'label': label if label else None,
                       'total_devices': None, 'used_bytes': None, 'devices': [],
                       'some_missing': False, 'exact': True}
            filesystems.append(current)
            continue
        if current is None:
            continue
        match = _TOTAL.match(line)
        if match:
            current['total_devices'] = int(match.group(1))
            current['used_bytes'], exact = parse_size(match.group(2))
            current['exact'] = current['exact'] and exact
            continue
        match = _DEVID.match(line)
        if match:
            path = match.group(4)
            missing = bool(_MISSING_MARK.search(path)) or '<missing disk>' in path
            path = _MISSING_MARK.sub('', path).strip()
            size, exact_size = parse_size(match.group(2))
            used, exact_used = parse_size(match.group(3))
            current['exact'] = current['exact'] and exact_size and exact_used
            current['devices'].append({
                'devid': int(match.group(1)),
                'path': None if path in ('', '<missing disk>') else path,
                'size_bytes': size,
                'used_bytes': used,
                'missing': missing,
            })
            continue
        if 'Some devices missing' in line:
            current['some_missing'] = True
    return filesystems


def parse_df(text):
    """``btrfs filesystem df``: ``profiles`` (data/metadata/system), ``global_reserve``, ``exact``.

    Several profiles of one type (during a balance/convert) are joined with commas, largest
    total first. ``Data+Metadata`` (mixed block groups) sets both ``data`` and ``metadata``.
    """
    groups = {}
    reserve = None
    exact = True
    for line in split_lines(text):
        match = _DF.match(line.strip())
        if not match:
            continue
        kind, profile, total_text, used_text = match.groups()
        total, exact_total = parse_size(total_text)
        used, exact_used = parse_size(used_text)
        exact = exact and exact_total and exact_used
        if kind == 'GlobalReserve':
            reserve = {'total_bytes': total, 'used_bytes': used}
            continue
        for name in kind.lower().split('+'):
            groups.setdefault(name, []).append((total or 0, profile or 'single'))
    profiles = {}
    for name in ('data', 'metadata', 'system'):
        ordered = sorted(groups.get(name, []), key=lambda item: -item[0])
        names = []
        for _total, profile in ordered:
            if profile not in names:
                names.append(profile)
        profiles[name] = ','.join(names) if names else None
    return {'profiles': profiles, 'global_reserve': reserve, 'exact': exact}


def _list_line(line):
    head, sep, path = line.partition(' path ')
    if not sep or not head.startswith('ID '):
        return None
    fields = dict((match.group(1), match.group(2)) for match in _LIST_FIELD.finditer(head))
    return fields, path


def _uuid(value):
    return None if value in (None, '-') else value


def parse_subvolume_list(text):
    """``btrfs subvolume list -puq``: dicts ``id``, ``parent_id``, ``top_level``, ``path``, ``uuid``, ``parent_uuid``."""
    subvolumes = []
    for line in split_lines(text):
        parsed = _list_line(line.strip())
        if parsed is None:
            continue
        fields, path = parsed
        try:
            subvolumes.append({
                'id': int(fields['ID']),
                'parent_id': int(fields['parent']) if 'parent' in fields else None,
                'top_level': int(fields['top level']) if 'top level' in fields else None,
                'path': path,
                'uuid': _uuid(fields.get('uuid')),
                'parent_uuid': _uuid(fields.get('parent_uuid')),
            })
        except (KeyError, ValueError):
            continue
    return subvolumes


def absolute_paths(subvolumes, mounted_id):
    """Rewrite the paths ``subvolume list`` printed relative to subvolume ``mounted_id``.

    A subvolume whose chain of ``top_level`` ids reaches ``mounted_id`` before the top level
    (5) was printed relative to it; it gets the mounted subvolume's own (absolute) path in front.
    Returns new dicts; the input is not changed.
    """
    by_id = dict((subvolume['id'], subvolume) for subvolume in subvolumes)
    mounted = by_id.get(mounted_id)
    if mounted_id in (None, TOP_LEVEL_ID) or mounted is None:
        return [dict(subvolume) for subvolume in subvolumes]

    def _below_mounted(subvolume):
        seen = set()
        current = subvolume['top_level']
        while current not in (None, TOP_LEVEL_ID) and current not in seen:
            if current == mounted_id:
                return True
            seen.add(current)
            current = by_id[current]['top_level'] if current in by_id else None
        return False

    fixed = []
    for subvolume in subvolumes:
        copy = dict(subvolume)
        if subvolume['id'] != mounted_id and _below_mounted(subvolume):
            copy['path'] = '%s/%s' % (mounted['path'], subvolume['path'])
        fixed.append(copy)
    return fixed


def parse_snapshot_ids(text):
    """Subvolume ids printed by ``btrfs subvolume list -s`` (the authoritative snapshot list)."""
    ids = set()
    for line in split_lines(text):
        parsed = _list_line(line.strip())
        if parsed is not None and parsed[0].get('ID', '').isdigit():
            ids.add(int(parsed[0]['ID']))
    return ids


def parse_get_default(text):
    """``btrfs subvolume get-default``: {``id``, ``path``} (``<FS_TREE>`` for id 5) or None."""
    for line in split_lines(text):
        line = line.strip()
        if not line.startswith('ID '):
            continue
        if '(FS_TREE)' in line:
            return {'id': TOP_LEVEL_ID, 'path': TOP_LEVEL_PATH}
        parsed = _list_line(line)
        if parsed is not None and parsed[0].get('ID', '').isdigit():
            return {'id': int(parsed[0]['ID']), 'path': parsed[1]}
    return None
