# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parsers of the kernel's mount and swap tables (``/proc/self/mountinfo``, ``/proc/swaps``).

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. Text in, dicts out; nothing here touches the system.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_fields, split_lines

# The kernel escapes space, tab, newline and backslash in paths as 3-digit octal
# (fs/proc_namespace.c: seq_path(..., " \t\n\\")). Only these four are ever produced.
_OCTAL_ESCAPE = re.compile(r'\\([0-7]{3})')


def unescape(field):
    """Decode the kernel's octal escapes (``\\040`` space, ``\\011`` tab, ``\\012`` newline, ``\\134`` backslash)."""
    return _OCTAL_ESCAPE.sub(lambda match: chr(int(match.group(1), 8)), field)


def _options(text):
    return [option for option in text.split(',') if option]


def _option_value(options, name):
    prefix = name + '='
    for option in options:
        if option.startswith(prefix):
            return option[len(prefix):]
    return None


def parse_mountinfo(text):
    """Parse ``/proc/<pid>/mountinfo`` (Documentation/filesystems/proc.rst, "3.5 /proc/<pid>/mountinfo").

    Line: ``36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue``:
    mount id, parent id, major:minor, root, mount point, mount options, zero or more optional
    fields, ``-``, fs type, source, super options. Returns a list of dicts in file order with
    ``mount_id``, ``parent_id``, ``major``, ``minor``, ``major_minor``, ``root``, ``mountpoint``,
    ``options`` (per-mount plus super options, without duplicates), ``optional_fields``,
    ``fstype``, ``source``, ``subvol``, ``subvolid`` (Btrfs). Malformed lines are skipped and
    reported in ``errors`` (second return value).
    """
    mounts = []
    errors = []
    for line in split_lines(text):
        if not line.strip():
            continue
        fields = line.split(' ')
        try:
            separator = fields.index('-', 6)
            major, minor = fields[2].split(':')
            mount = {
                'mount_id': int(fields[0]),
                'parent_id': int(fields[1]),
                'major': int(major),
                'minor': int(minor),
                'root': unescape(fields[3]),
                'mountpoint': unescape(fields[4]),
                'optional_fields': fields[6:separator],
                'fstype': fields[separator + 1],
                'source': unescape(fields[separator + 2]),
            }
            mount_options = _options(fields[5])
            super_options = _options(fields[separator + 3]) if len(fields) > separator + 3 else []
        except (ValueError, IndexError):
            errors.append(line)
            continue
        mount['major_minor'] = '%d:%d' % (mount['major'], mount['minor'])
        mount['options'] = mount_options + [o for o in super_options if o not in mount_options]
        subvolid = _option_value(super_options, 'subvolid')
        mount['subvol'] = _option_value(super_options, 'subvol') if mount['fstype'] == 'btrfs' else None
        mount['subvolid'] = int(subvolid) if mount['fstype'] == 'btrfs' and subvolid and subvolid.isdigit() else None
        mounts.append(mount)
    return mounts, errors


def parse_swaps(text):
    """Parse ``/proc/swaps`` (mm/swapfile.c swap_show): sizes are KiB, the path is octal-escaped.

    ``Filename  Type  Size  Used  Priority``; returns dicts ``path``, ``type``, ``size_bytes``,
    ``used_bytes``, ``priority``.
    """
    swaps = []
    for line in split_lines(text)[1:]:
        fields = split_fields(line)
        if len(fields) < 5:
            continue
        try:
            swaps.append({
                'path': unescape(fields[0]),
                'type': fields[1],
                'size_bytes': int(fields[2]) * 1024,
                'used_bytes': int(fields[3]) * 1024,
                'priority': int(fields[4]),
            })
        except ValueError:
            continue
    return swaps
