# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parser of ``blkid -p -o export`` (low-level probing, no cache, no udev).

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+.

``-o export`` prints one ``KEY=value`` block per device, blocks separated by an empty line,
each starting with ``DEVNAME=``. Values go through util-linux ``misc-utils/blkid.c``
``safe_print``: a backslash before each of `` \\"'$`<>`` (``LABEL=my\\ label``), bytes >= 128
as ``M-`` plus the byte minus 128 (UTF-8 labels!), control characters as ``^X``. The parser
undoes the backslashes and the ``M-`` notation when the result is valid UTF-8 (a literal
``M-`` in a label stays as it is); ``^X`` is left alone (a literal ``^`` is not escaped, so it
cannot be told apart). On whole disks ``-p`` gives
``PTTYPE``/``PTUUID``, on partitions ``PART_ENTRY_*`` (scheme, number, offset and size in
512-byte sectors, type, uuid, name) and on anything with a signature ``TYPE``, ``UUID``,
``LABEL``, ``USAGE``.

With several devices, ``blkid -p`` STOPS at the first one it cannot report: nothing found (exit
2), ambivalent (exit 8) or unreadable (``misc-utils/blkid.c`` ``main()``: ``err =
lowprobe_device(...); if (err) break;``). Partitions always report their ``PART_ENTRY_*`` keys
and partitioned disks their ``PTTYPE``, so the caller lists those first, and
:func:`resume_point` tells where to start the next call: one extra call per empty or unreadable
device, not per device.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_lines

ARGV = ['blkid', '-p', '-o', 'export']
OK_EXIT_CODES = (0, 2, 8)  # 2: nothing found on the last device tried, 8: ambivalent

_ERROR = re.compile(r'error: (/dev/\S+?): (.*)$', re.M)
_AMBIVALENT = re.compile(r'(/dev/\S+?): ambivalent result', re.M)

_ESCAPED = re.compile(r'\\(.)')
_META = re.compile(r'M-(\^.|.)', re.DOTALL)


def _unescape(value):
    value = _ESCAPED.sub(lambda match: match.group(1), value)
    if 'M-' not in value:
        return value
    pieces = []
    position = 0
    for match in _META.finditer(value):
        pieces.append(value[position:match.start()].encode('utf-8'))
        char = match.group(1)
        byte = ord(char[1]) ^ 0x40 if len(char) == 2 else ord(char)
        pieces.append(bytearray([(byte + 128) & 0xFF]))
        position = match.end()
    pieces.append(value[position:].encode('utf-8'))
    try:
        return b''.join(bytes(piece) for piece in pieces).decode('utf-8')
    except UnicodeDecodeError:
        return value


def parse_export(text):
    """Map each ``DEVNAME`` to a dict of its ``KEY: value`` pairs (unescaped strings)."""
    devices = {}
    current = None
    for line in split_lines(text):
        if not line.strip():
            current = None
            continue
        key, sep, value = line.partition('=')
        if not sep:
            continue
        value = _unescape(value)
        if key == 'DEVNAME':
            current = devices.setdefault(value, {})
        elif current is not None:
            current[key] = value
    return devices


def errors(stderr):
    """``{device path: reason}`` from blkid's stderr (open errors and ambivalent results)."""
    found = dict(_ERROR.findall(stderr or ''))
    for path in _AMBIVALENT.findall(stderr or ''):
        found[path] = 'ambivalent result (several signatures)'
    return found


def resume_point(pending, probes, rc):
    """Index in ``pending`` of the device a ``blkid -p`` run stopped at, or None if it got through.

    The devices before it were all reported (``probes``: parsed output keyed by path); the run
    stopped at the one right after the last reported device.
    """
    if rc == 0:
        return None
    reported = [index for index, path in enumerate(pending) if path in probes]
    stop = reported[-1] + 1 if reported else 0
    return stop if stop < len(pending) else None


def partition_table(probe):
    """Partition-table facts of a whole-device probe: (``gpt``/``dos``/other or None, uuid)."""
    return probe.get('PTTYPE'), probe.get('PTUUID')


def filesystem(probe):
    """File-system facts of a probe: ``fstype``, ``uuid``, ``label`` (None when absent).

    ``UUID_SUB`` (Btrfs device uuid) and partition-entry keys are not file-system keys.
    """
    return {
        'fstype': probe.get('TYPE'),
        'uuid': probe.get('UUID'),
        'label': probe.get('LABEL'),
    }


def partition_entry(probe):
    """Partition-entry facts of a probe: ``type_id``, ``partuuid``, ``partlabel``, ``number``, ``start_bytes``.

    ``PART_ENTRY_TYPE`` is a GPT type GUID or an MBR type code (``0x83``); offsets are in
    512-byte sectors regardless of the device's sector size (libblkid ``blkid_partition_get_start``).
    """
    def _int(key, scale=1):
        value = probe.get(key)
        return int(value) * scale if value is not None and value.isdigit() else None

    return {
        'type_id': probe.get('PART_ENTRY_TYPE'),
        'partuuid': probe.get('PART_ENTRY_UUID'),
        'partlabel': probe.get('PART_ENTRY_NAME'),
        'number': _int('PART_ENTRY_NUMBER'),
        'start_bytes': _int('PART_ENTRY_OFFSET', 512),
        'scheme': probe.get('PART_ENTRY_SCHEME'),
    }
