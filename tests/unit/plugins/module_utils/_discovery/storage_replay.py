"""Record a real storage discovery into a fixture folder, and replay it in unit tests.

A case folder ``tests/fixtures/storage/<case>/`` holds:

- the files the collector read, at their paths (``sys/...``, ``proc/self/mountinfo``,
  ``proc/swaps``) and the directories it listed or tested (an empty one holds a ``.keep`` file,
  which listings ignore); symlinks it followed are in ``links.json`` (ansible-test sanity
  forbids symlinks to directories and ``:`` in file names, both common in sysfs);
- ``dev/<name>``: sparse images holding only the bytes read from each device (first sectors,
  superblocks), at their offsets;
- ``commands.json``: every command run, in order: argv, exit code, stdout file under ``cmd/``,
  stderr; ``which.json``: binary lookups; ``exists.json``: existence checks of device nodes. In
  hand-made cases ``"emulate": "blkid"`` marks a ``blkid -p -o export`` whose stdout holds one
  block per device: the replay answers any device list the way blkid does (in argv order,
  stopping with exit 2 at the first device without a block, with an ``error:`` line for the
  devices in ``"errors"``);
- ``statvfs.json``: mount point -> the 10 statvfs fields (f_bsize, f_frsize, f_blocks, f_bfree,
  f_bavail, f_files, f_ffree, f_favail, f_flag, f_namemax), ``"timeout"`` or ``"error"``.

``RecordingContext`` (used by ``tests/fixtures/storage/capture.py``, as root, on a live system)
passes everything through to the real system and writes what it saw; ``ReplayContext`` is a
``DiscoveryContext`` rooted at the case folder whose commands and statvfs come from the JSON
files (the unit boundary: no subprocess, no real statvfs).
"""

import json
import os
import re
import shutil

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.runner import CommandResult, DiscoveryContext

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'fixtures', 'storage')
FIXTURES = os.path.normpath(FIXTURES)
KEEP = '.keep'
# Listings whose entries matter by name only (symlinks in sysfs): recorded as empty directories.
PLACEHOLDER_PARENTS = ('/sys/block', '/sys/fs/btrfs', 'holders', 'slaves', 'devices')


def _slug(argv):
    words = [os.path.basename(a) if a.startswith('/dev/') else a for a in argv[:6]]
    return re.sub(r'[^A-Za-z0-9]+', '-', ' '.join(words)).strip('-')[:60]


class ReplayContext(DiscoveryContext):
    """A DiscoveryContext over a recorded case folder."""

    def __init__(self, case, timeout=5.0, on_timeout='warn'):
        root = case if os.path.isabs(case) else os.path.join(FIXTURES, case)
        DiscoveryContext.__init__(self, timeout=timeout, on_timeout=on_timeout, root=root)
        self.commands = self._json('commands.json', [])
        self.binaries = self._json('which.json', {})
        self.statvfs_results = self._json('statvfs.json', {})
        self.links = self._json('links.json', {})
        self.existence = self._json('exists.json', {})
        self.options = self._json('options.json', {})
        self.built = self._json('built.json', {})
        self.ran = []
        self.stats = []

    def _json(self, name, default):
        path = os.path.join(self.root, name)
        if not os.path.exists(path):
            return default
        with open(path) as handle:
            return json.load(handle)

    def which(self, name):
        return self.binaries.get(name)

    def listdir(self, path):
        return [name for name in DiscoveryContext.listdir(self, path) if name != KEEP]

    def readlink(self, path):
        return self.links.get('readlink', {}).get(path)

    def realpath(self, path):
        return self.path(self.links.get('realpath', {}).get(path, path))

    def run_many(self, argvs, timeout=None):
        return [self.run(argv, timeout) for argv in argvs]

    def run(self, argv, timeout=None, stdin_data=None):
        self.ran.append(list(argv))
        for command in self.commands:
            recorded = command['argv']
            if command.get('emulate') == 'blkid' and list(argv[:len(recorded)]) == recorded:
                return self._blkid(command, argv)
            if recorded == list(argv):
                if command.get('missing'):
                    return CommandResult(argv, missing=True)
                with open(os.path.join(self.root, command['stdout'])) as handle:
                    stdout = handle.read()
                result = CommandResult(argv, rc=command['rc'], stdout=stdout, stderr=command.get('stderr', ''),
                                       timed_out=command.get('timed_out', False))
                if result.timed_out:
                    self.timed_out('command %r' % ' '.join(argv))
                return result
        raise AssertionError('command not recorded in %s: %r' % (self.root, argv))

    def _blkid(self, command, argv):
        """Answer like util-linux blkid -p: devices in order, stop at the first one not reported."""
        with open(os.path.join(self.root, command['stdout'])) as handle:
            blocks = dict((block.split('\n', 1)[0][len('DEVNAME='):], block.strip('\n') + '\n')
                          for block in handle.read().split('\n\n') if block.strip())
        printed = []
        for device in argv[len(command['argv']):]:
            if device not in blocks:
                reason = command.get('errors', {}).get(device)
                stderr = 'blkid: error: %s: %s\n' % (device, reason) if reason else ''
                return CommandResult(argv, rc=2, stdout='\n'.join(printed), stderr=stderr)
            printed.append(blocks[device])
        return CommandResult(argv, rc=0, stdout='\n'.join(printed))

    def exists(self, path):
        recorded = self.existence.get(path)
        return DiscoveryContext.exists(self, path) if recorded is None else recorded

    def statvfs_many(self, paths, timeout=None):
        results = []
        for path in paths:
            self.stats.append(path)
            value = self.statvfs_results.get(path, 'error')
            if value == 'timeout':
                self.timed_out('statvfs of %s' % path)
            results.append(('ok', tuple(value)) if isinstance(value, list) else (value, None))
        return results

    def read_bytes_many(self, requests, timeout=None):
        return [self.read_bytes(path, offset, length) for path, offset, length in requests]


class RecordingContext(DiscoveryContext):
    """A real DiscoveryContext that also writes everything it sees into ``case``."""

    def __init__(self, case, timeout=10.0):
        DiscoveryContext.__init__(self, timeout=timeout)
        self.case = case
        if os.path.exists(case):
            shutil.rmtree(case)
        os.makedirs(os.path.join(case, 'cmd'))
        self.commands = []
        self.binaries = {}
        self.statvfs_results = {}
        self.links = {'readlink': {}, 'realpath': {}}
        self.existence = {}

    def _in_case(self, path):
        return os.path.join(self.case, path.lstrip('/'))

    def _mkdir(self, path):
        target = self._in_case(path)
        if not os.path.isdir(target):
            os.makedirs(target)

    def read(self, path, default=None):
        value = DiscoveryContext.read(self, path, default)
        if value is not None and value is not default:
            self._mkdir(os.path.dirname(path))
            with open(self._in_case(path), 'wb') as handle:
                handle.write(value.encode('utf-8', 'surrogateescape'))
        return value

    def listdir(self, path):
        names = DiscoveryContext.listdir(self, path)
        if names or os.path.isdir(path):
            self._mkdir(path)
        if os.path.basename(path) in PLACEHOLDER_PARENTS or path in PLACEHOLDER_PARENTS:
            for name in names:
                self._mkdir(os.path.join(path, name))
        return names

    def isdir(self, path):
        value = DiscoveryContext.isdir(self, path)
        if value:
            self._mkdir(path)
        return value

    def exists(self, path):
        value = DiscoveryContext.exists(self, path)
        self.existence[path] = value
        return value

    def readlink(self, path):
        value = DiscoveryContext.readlink(self, path)
        self.links['readlink'][path] = value
        return value

    def realpath(self, path):
        value = DiscoveryContext.realpath(self, path)
        self.links['realpath'][path] = value
        return value

    def which(self, name):
        value = DiscoveryContext.which(self, name)
        self.binaries[name] = value
        return value

    def run_many(self, argvs, timeout=None):
        return [self.run(argv, timeout) for argv in argvs]

    def run(self, argv, timeout=None, stdin_data=None):
        result = DiscoveryContext.run(self, argv, timeout, stdin_data)
        stdout = 'cmd/%02d-%s.txt' % (len(self.commands) + 1, _slug(argv))
        with open(os.path.join(self.case, stdout), 'wb') as handle:
            handle.write(result.stdout.encode('utf-8', 'surrogateescape'))
        self.commands.append({'argv': list(argv), 'rc': result.rc, 'stdout': stdout, 'stderr': result.stderr,
                              'missing': result.missing, 'timed_out': result.timed_out})
        return result

    def statvfs_many(self, paths, timeout=None):
        results = DiscoveryContext.statvfs_many(self, paths, timeout)
        for path, (status, value) in zip(paths, results):
            self.statvfs_results[path] = list(value) if status == 'ok' else status
        return results

    def read_bytes_many(self, requests, timeout=None):
        results = DiscoveryContext.read_bytes_many(self, requests, timeout)
        for (path, offset, _length), data in zip(requests, results):
            if data is not None:
                self._mkdir(os.path.dirname(path))
                target = self._in_case(path)
                with open(target, 'r+b' if os.path.exists(target) else 'wb') as handle:
                    handle.seek(offset)
                    handle.write(data)
        return results

    def save(self):
        for directory, subdirs, files in os.walk(self.case):
            if not subdirs and not files:
                open(os.path.join(directory, KEEP), 'w').close()
        for name, value in (('commands.json', self.commands), ('which.json', self.binaries),
                            ('statvfs.json', self.statvfs_results), ('links.json', self.links),
                            ('exists.json', self.existence)):
            with open(os.path.join(self.case, name), 'w') as handle:
                json.dump(value, handle, indent=1, sort_keys=True)
                handle.write('\n')
