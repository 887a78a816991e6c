# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Line and field splitting for kernel tables (``/proc``, ``/sys``) and line-oriented tool output.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+.

The kernel ends every record with ``\\n`` and separates fields with spaces or tabs; it escapes
only space, tab, newline and backslash in paths. ``str.splitlines()`` and ``str.split()`` also
break at ``\\r``, ``\\v``, ``\\f``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028 and U+2029, which a
mount point, a swap file or a sub-volume may contain, so every parser splits with these two.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_FIELD_SEPARATOR = re.compile(r'[ \t]+')


def split_lines(text):
    """Records of ``text`` split at ``\\n`` only (a trailing newline adds no empty record)."""
    records = (text or '').split('\n')
    if records[-1] == '':
        records.pop()
    return records


def split_fields(line):
    """Fields of one record split at runs of ASCII spaces and tabs only (no empty fields)."""
    return [field for field in _FIELD_SEPARATOR.split(line) if field]
