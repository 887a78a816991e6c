# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capture-backed acquisition: the discovery collectors run over a ``sms-capture.sh`` stream.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+ (it runs on the controller, but lives with the collectors it feeds).

``parse_capture(data)`` reads the SMSCAP/1 stream that ``scripts/sms-capture.sh`` writes
(docs/capture.md) into a :class:`Capture`; :class:`CaptureContext` is a ``DiscoveryContext``
whose reads, listings, symlinks, commands, statfs results and raw sector reads are answered
from it. The same collectors and parsers then run as on the target, so ``method: shell`` and
``method: python`` agree by construction. Whatever the capture lacks is answered the way a host
without it would answer (file absent, command missing, statfs failed, device unreadable) and
listed in ``CaptureContext.misses``. Hostile input never raises anything but CaptureError.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import posixpath
import re

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import blkid, facts
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_lines
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.runner import CommandResult, DiscoveryContext

FORMAT = 1
MAGIC = b'SMSCAP/'
MAX_CAPTURE_BYTES = 64 * 1024 * 1024
MAX_RECORDS = 500000
# Leading noise tolerated before the header (a login banner, a shell's motd).
MAX_PREAMBLE_BYTES = 64 * 1024
_HEADER = re.compile(br'SMSCAP/(\d+) (@[0-9A-Za-z]{1,64})\r?\n')
_LS_LINK = re.compile(r'^l\S*\s.*?(\S+) -> (.*)$')
_STATFS_LINE = re.compile(r'^(\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (.*)$')
_MAX_LINK_DEPTH = 40


class CaptureError(Exception):
    """The data is not a usable capture (no header, unsupported format, too large)."""


def _text(data):
    if str is bytes:  # Python 2
        return data.decode('utf-8', 'replace').encode('utf-8')
    return data.decode('utf-8', 'surrogateescape')


def _int(text, default=None):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def _norm(path):
    path = posixpath.normpath('/' + (path or '').lstrip('/'))
    return '/' + path.lstrip('/')


class Capture(object):
    """The parsed records of one capture, keyed as the script wrote them (not yet resolved)."""

    def __init__(self):
        self.format = None
        self.complete = False
        self.meta = {}
        self.files = {}       # path -> text
        self.dirs = {}        # path -> set of names
        self.stats = {}       # path -> 'd', 'f', 'o' or '-'
        self.which = {}       # name -> path or None
        self.commands = []    # dicts: argv, rc, stdout, stderr, timed_out, missing
        self.statfs = []      # (paths, output lines, status)
        self.regions = {}     # path -> [(offset, length, bytes or None)]
        self.links = {}       # path -> target
        self.warnings = []
        self.nprocessors = None

    def _add(self, kind, key, payload, status):
        if kind == 'file':
            self.files[_norm(key)] = _text(payload)
        elif kind == 'dir':
            self.dirs[_norm(key)] = set(name for name in split_lines(_text(payload)) if name not in ('', '.', '..'))
        elif kind == 'stat':
            for line in split_lines(_text(payload)):
                kind_char, _sep, path = line.partition(' ')
                if path and kind_char in ('d', 'f', 'o', '-'):
                    self.stats[_norm(path)] = kind_char
        elif kind == 'which':
            self.which[key] = _text(payload).strip() or None
        elif kind == 'cmd':
            self._command(key, payload, status)
        elif kind == 'stderr' and self.commands:
            self.commands[-1]['stderr'] = _text(payload)
        elif kind == 'statfs':
            self._statfs(key, payload, status)
        elif kind == 'hex':
            self._hex(key, payload, status)
        elif kind == 'links':
            for line in split_lines(_text(payload)):
                self._link_line(line)
        elif kind == 'meta':
            for line in split_lines(_text(payload)):
                name, sep, value = line.partition('=')
                if sep:
                    self.meta[name] = value
        elif kind == 'nprocessors':
            self.nprocessors = _int(_text(payload).strip())
        elif kind == 'uname':
            parts = split_lines(_text(payload)) + ['', '', '']
            for name, value in zip(('hostname', 'osrelease', 'version'), parts):
                self.files['/proc/sys/kernel/' + name] = value + '\n'
        elif kind == 'warning':
            self.warnings.append(_text(payload)[:500])
        elif kind == 'end':
            self.complete = True

    def _command(self, key, payload, status):
        argc = _int(key, -1)
        if argc < 1 or argc > 100000:
            return
        pieces = payload.split(b'\n', argc)
        if len(pieces) <= argc:
            return
        argv = [_text(piece) for piece in pieces[:argc]]
        self.commands.append({
            'argv': argv,
            'rc': _int(status),
            'stdout': _text(pieces[argc]),
            'stderr': '',
            'timed_out': status == 'timeout',
            'missing': status == 'missing',
        })

    def _statfs(self, key, payload, status):
        count = _int(key, -1)
        if count < 1 or count > 100000:
            return
        lines = split_lines(_text(payload))
        if len(lines) < count:
            return
        self.statfs.append((lines[:count], lines[count:], status))

    def _hex(self, key, payload, status):
        offset, _sep, rest = key.partition(' ')
        length, _sep, path = rest.partition(' ')
        offset, length = _int(offset), _int(length)
        if offset is None or length is None or not path:
            return
        data = None
        if status == '0':
            try:
                data = binascii.unhexlify(b''.join(payload.split()))
            except (TypeError, ValueError, binascii.Error):
                data = None
        self.regions.setdefault(_norm(path), []).append((offset, length, data))

    def _link_line(self, line):
        if line.endswith(':') and line.startswith('/'):
            self._ls_dir = line[:-1]
            return
        match = _LS_LINK.match(line)
        if not match:
            return
        name, target = match.group(1), match.group(2)
        path = name if name.startswith('/') else posixpath.join(getattr(self, '_ls_dir', '/'), name)
        self.links[_norm(path)] = target


def parse_capture(data, max_bytes=MAX_CAPTURE_BYTES):
    """Parse a capture (bytes or text) into a :class:`Capture`; CaptureError when unusable."""
    if not isinstance(data, bytes):
        data = data.encode('utf-8', 'surrogateescape') if str is not bytes else data.encode('utf-8')
    if len(data) > max_bytes:
        raise CaptureError('capture is %d bytes, more than the %d allowed' % (len(data), max_bytes))
    header = _HEADER.search(data, 0, MAX_PREAMBLE_BYTES + 200)
    if header is None or header.start() > MAX_PREAMBLE_BYTES:
        raise CaptureError('not an sms-capture stream (no "SMSCAP/<n> <nonce>" header line)')
    capture = Capture()
    capture.format = int(header.group(1))
    if capture.format != FORMAT:
        raise CaptureError('capture format %d is not supported (this collection reads format %d)'
                           % (capture.format, FORMAT))
    nonce = header.group(2)
    begin = re.compile(re.escape(nonce) + br' B ([^\n]*)\n')
    end_marker = b'\n' + nonce + b' E '
    position = header.end()
    for _count in range(MAX_RECORDS):
        match = begin.search(data, position)
        if match is None:
            break
        end = data.find(end_marker, match.end())
        if end < 0:
            capture.warnings.append('capture truncated inside a record')
            break
        line_end = data.find(b'\n', end + len(end_marker))
        line_end = len(data) if line_end < 0 else line_end
        status = _text(data[end + len(end_marker):line_end]).strip()
        kind, _sep, key = _text(match.group(1)).partition(' ')
        payload = data[match.end():max(end, match.end())]
        capture._add(kind, key, payload, status)
        position = line_end
    return capture


class CaptureContext(DiscoveryContext):
    """A DiscoveryContext answered from a :class:`Capture` (controller side of ``method: shell``)."""

    def __init__(self, capture, timeout=10.0, on_timeout='warn'):
        DiscoveryContext.__init__(self, timeout=timeout, on_timeout=on_timeout)
        self.capture = capture
        self.misses = []
        self._links = {}
        for path in sorted(capture.links, key=lambda p: p.count('/')):
            self._links[self._canon(posixpath.dirname(path)).rstrip('/') + '/' + posixpath.basename(path)] = \
                capture.links[path]
        self._files = dict((self._canon(p), v) for p, v in capture.files.items())
        self._dirs = dict((self._canon(p), v) for p, v in capture.dirs.items())
        self._stats = dict((self._canon(p), v) for p, v in capture.stats.items())
        self._regions = {}
        for path, regions in capture.regions.items():
            self._regions.setdefault(self._canon(path), []).extend(regions)
        self._statfs = self._statfs_table(capture.statfs)
        self._blkid_reported, self._blkid_stops = self._blkid_table(capture.commands)

    # -- path resolution ---------------------------------------------------------------------
    def _canon(self, path, depth=0):
        """The path with every captured symlink along it resolved (a virtual realpath)."""
        resolved = '/'
        for part in _norm(path).split('/')[1:]:
            if not part:
                continue
            candidate = posixpath.join(resolved, part)
            target = self._links.get(candidate)
            if target is not None and depth < _MAX_LINK_DEPTH:
                candidate = self._canon(posixpath.join(resolved, target), depth + 1)
            resolved = candidate
        return resolved

    def _miss(self, what):
        if what not in self.misses:
            self.misses.append(what)

    def _known(self, path):
        """True/False when the capture says whether ``path`` exists, None when it cannot tell."""
        canon = self._canon(path)
        if canon in self._files or canon in self._dirs or canon in self._regions:
            return True
        if canon in self._stats:
            return self._stats[canon] != '-'
        parent = self._canon(posixpath.dirname(_norm(path)))
        if parent in self._dirs:
            return posixpath.basename(_norm(path)) in self._dirs[parent]
        if parent != '/' and self._known(parent) is False:
            return False
        return None

    # -- files -------------------------------------------------------------------------------
    def read(self, path, default=None):
        canon = self._canon(path)
        if canon in self._files:
            self._record(path)
            return self._files[canon]
        data = self._region(canon, 0, None)
        if data is not None:
            self._record(path)
            return _text(data)
        if self._known(path) is None:
            self._miss('read ' + path)
        return default

    def listdir(self, path):
        canon = self._canon(path)
        if canon in self._dirs:
            return sorted(self._dirs[canon])
        if self._known(path) is None:
            self._miss('listdir ' + path)
        return []

    def exists(self, path):
        known = self._known(path)
        if known is None:
            self._miss('exists ' + path)
        return bool(known)

    def isdir(self, path):
        canon = self._canon(path)
        if canon in self._dirs or self._stats.get(canon) == 'd':
            return True
        known = self._known(path)
        if known is None or (known and canon not in self._stats and canon not in self._files):
            self._miss('isdir ' + path)
        return False

    def realpath(self, path):
        return self._canon(path)

    def readlink(self, path):
        norm = _norm(path)
        key = self._canon(posixpath.dirname(norm)).rstrip('/') + '/' + posixpath.basename(norm)
        if key in self._links:
            return self._links[key]
        if self._known(path) is None:
            self._miss('readlink ' + path)
        return None

    # -- host --------------------------------------------------------------------------------
    def uname(self):
        def _kernel(name):
            return (self._files.get('/proc/sys/kernel/' + name) or '').strip()
        return ('Linux', _kernel('hostname'), _kernel('osrelease'), _kernel('version'),
                self.capture.meta.get('machine', ''))

    def euid(self):
        return _int(self.capture.meta.get('euid'), -1)

    def getenv(self, name):
        return self.capture.meta.get(name) or None

    def online_cpus(self):
        return self.capture.nprocessors

    # -- commands ----------------------------------------------------------------------------
    def which(self, name):
        if name not in self.capture.which:
            self._miss('which ' + name)
        return self.capture.which.get(name)

    def run(self, argv, timeout=None, stdin_data=None):
        argv = list(argv)
        if argv[:len(blkid.ARGV)] == blkid.ARGV and len(argv) > len(blkid.ARGV):
            result = self._blkid(argv)
        else:
            result = None
            for command in self.capture.commands:
                if command['argv'] == argv:
                    result = CommandResult(argv, rc=command['rc'], stdout=command['stdout'],
                                           stderr=command['stderr'], timed_out=command['timed_out'],
                                           missing=command['missing'])
                    break
            if result is None:
                if self.which(argv[0]) is not None:
                    self._miss('run ' + ' '.join(argv))
                    self.warn('the capture has no output of %r (captured by another version of '
                              'sms-capture.sh?)' % ' '.join(argv))
                result = CommandResult(argv, missing=True)
        if not result.missing:
            self._record(' '.join(argv))
        if result.timed_out:
            self.timed_out('command %r' % ' '.join(argv))
        return result

    def run_many(self, argvs, timeout=None):
        return [self.run(argv, timeout) for argv in argvs]

    @staticmethod
    def _blkid_table(commands):
        """Per device: the block blkid printed for it, or why a run stopped at it."""
        reported, stops = {}, {}
        for command in commands:
            argv = command['argv']
            if argv[:len(blkid.ARGV)] != blkid.ARGV or command['missing'] or command['timed_out']:
                continue
            blocks = {}
            for block in command['stdout'].split('\n\n'):
                first = block.strip('\n').split('\n', 1)[0]
                if first.startswith('DEVNAME='):
                    blocks[first[len('DEVNAME='):]] = block.strip('\n') + '\n'
            reported.update(blocks)
            if command['rc'] in (2, 8):
                stop = next((device for device in argv[len(blkid.ARGV):] if device not in blocks), None)
                if stop is not None:
                    lines = [line for line in split_lines(command['stderr']) if stop in line]
                    stops[stop] = (command['rc'], '\n'.join(lines) + ('\n' if lines else ''))
        return reported, stops

    def _blkid(self, argv):
        """Answer ``blkid -p -o export DEVICES`` the way blkid would, device by device."""
        if self.which('blkid') is None:
            return CommandResult(argv, missing=True)
        printed = []
        for device in argv[len(blkid.ARGV):]:
            if device in self._blkid_reported:
                printed.append(self._blkid_reported[device])
                continue
            if device in self._blkid_stops:
                rc, stderr = self._blkid_stops[device]
            else:
                self._miss('blkid ' + device)
                rc, stderr = 2, 'blkid: error: %s: not probed by the capture\n' % device
            return CommandResult(argv, rc=rc, stdout='\n'.join(printed), stderr=stderr)
        return CommandResult(argv, rc=0, stdout='\n'.join(printed))

    # -- statfs --------------------------------------------------------------------------------
    @staticmethod
    def _statfs_table(records):
        table = {}
        for paths, lines, status in records:
            index = 0
            for line in lines:
                # "<8 numbers> <path>" from stat(1), or "- <path>" when it failed
                match = _STATFS_LINE.match(line)
                name = match.group(9) if match else (line[2:] if line.startswith('- ') else None)
                if name is None:
                    continue
                while index < len(paths) and paths[index] != name:
                    table.setdefault(paths[index], 'error')
                    index += 1
                if index == len(paths):
                    break
                if match:
                    frsize, bsize, blocks, bfree, bavail, files, ffree, namemax = [int(v) for v in match.groups()[:8]]
                    table[name] = (bsize, frsize, blocks, bfree, bavail, files, ffree, ffree, 0, namemax)
                else:
                    table.setdefault(name, 'error')
                index += 1
            if index < len(paths):
                table.setdefault(paths[index], 'timeout' if status == 'timeout' else 'error')
                if status != 'timeout':
                    for path in paths[index + 1:]:
                        table.setdefault(path, 'error')
        return table

    def statvfs_many(self, paths, timeout=None):
        results = []
        for path in paths:
            value = self._statfs.get(path)
            if value is None:
                self._miss('statvfs ' + path)
                value = 'error'
            if value == 'timeout':
                self.timed_out('statvfs of %s' % path)
            results.append(('ok', value) if isinstance(value, tuple) else (value, None))
        return results

    def statvfs_status(self, path, timeout=None):
        return self.statvfs_many([path], timeout)[0]

    def statvfs(self, path, timeout=None):
        return self.statvfs_status(path, timeout)[1]

    # -- raw reads -------------------------------------------------------------------------------
    def _region(self, canon, offset, length):
        """Captured bytes [offset, offset + length) of a path (length None: all from offset)."""
        for start, size, data in self._regions.get(canon, ()):
            if data is None or offset < start:
                continue
            stop = start + len(data)
            hit_end = len(data) < size
            if length is None:
                if offset == start:
                    return data
                continue
            if offset + length <= stop or (hit_end and offset <= stop):
                return data[offset - start:offset - start + length]
        return None

    def read_bytes(self, path, offset, length, timeout=None):
        canon = self._canon(path)
        data = self._region(canon, offset, length)
        if data is not None:
            self._record(path)
        elif not any(region[2] is None for region in self._regions.get(canon, ())):
            self._miss('read %s at %d+%d' % (path, offset, length))
        return data

    def read_bytes_many(self, requests, timeout=None):
        return [self.read_bytes(path, offset, length, timeout) for path, offset, length in requests]

    def bounded_batch(self, describe, function, items, timeout=None):
        raise NotImplementedError('a capture answers only the acquisition calls of DiscoveryContext')


def capture_warnings(capture, ctx):
    """Warnings about the capture itself (incomplete stream, notes written by the script)."""
    found = ['capture: ' + warning for warning in capture.warnings]
    if not capture.complete:
        found.append('capture: the stream ends before its end record (interrupted or truncated): results are partial')
    return found


def discover(data, sections=None, options=None, method='shell'):
    """``sms_discovery`` from capture ``data``, exactly as the module would collect it.

    Raises CaptureError for data that is not a capture, DiscoveryTimeout when the capture
    recorded a timeout and ``options['on_timeout']`` is ``error``.
    """
    options = dict(options or {})
    capture = parse_capture(data)
    ctx = CaptureContext(capture, timeout=options.get('timeout', 10.0), on_timeout=options.get('on_timeout', 'warn'))
    discovery = facts.collect(sections=sections, options=options, ctx=ctx)
    discovery['warnings'].extend(capture_warnings(capture, ctx))
    discovery['provenance']['method'] = method
    return discovery
