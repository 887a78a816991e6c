# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Acquisition layer of the discovery: bounded commands, file reads and statvfs.

This module util is PRIVATE to the hwcloud.sms collection. It runs on the target and uses the
standard library only (Python 2.7 and 3.6+). Nothing here parses: it only fetches text and
numbers, each call bounded in time, and records what happened in a DiscoveryContext.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import errno
import json
import os
import select
import signal
import subprocess
import threading
import time

SEARCH_PATH = ('/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin')
C_LOCALE_ENV = {'LC_ALL': 'C', 'LANG': 'C', 'LANGUAGE': 'C'}
# How long a killed command gets to close its pipes before it is abandoned.
KILL_GRACE_SECONDS = 2.0


class DiscoveryTimeout(Exception):
    """A command or statvfs did not finish within its deadline and on_timeout is 'error'."""


class CommandResult(object):
    """Outcome of one external command."""

    __slots__ = ('argv', 'rc', 'stdout', 'stderr', 'timed_out', 'missing', 'seconds')

    def __init__(self, argv, rc=None, stdout='', stderr='', timed_out=False, missing=False, seconds=0.0):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out
        self.missing = missing
        self.seconds = seconds

    @property
    def ok(self):
        return self.rc == 0 and not self.timed_out and not self.missing


def _to_text(data):
    if data is None:
        return ''
    if isinstance(data, bytes):
        return data.decode('utf-8', 'surrogateescape' if str is not bytes else 'replace')
    return data


class _Job(object):
    """A command started by DiscoveryContext._start and not yet finished."""

    def __init__(self, argv, proc=None, deadline=0.0, result=None):
        self.argv = argv
        self.proc = proc
        self.deadline = deadline
        self.result = result
        self.started = time.time()
        self.killed = False
        self.out = self.err = None
        self.timer = self.worker = None

    def kill(self):
        self.killed = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass


def find_binary(name, extra_paths=SEARCH_PATH):
    """Return the absolute path of an executable, searching PATH and the sbin directories."""
    paths = os.environ.get('PATH', '').split(os.pathsep) + list(extra_paths)
    seen = set()
    for directory in paths:
        if not directory or directory in seen:
            continue
        seen.add(directory)
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


class DiscoveryContext(object):
    """Shared state of one discovery run: limits, warnings, provenance and the probes.

    ``timeout`` bounds every command and every statvfs (seconds). ``on_timeout`` is ``warn``
    (warning, partial data), ``error`` (raise DiscoveryTimeout) or ``ignore`` (partial data only).
    ``root`` prefixes every file path read (tests point it at a captured tree; default ``/``).
    """

    def __init__(self, timeout=10.0, on_timeout='warn', root='/'):
        self.timeout = float(timeout)
        self.on_timeout = on_timeout
        self.root = root
        self.warnings = []
        self.sources = []
        self._binaries = {}

    # -- bookkeeping -------------------------------------------------------------------------
    def warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)

    def _record(self, source):
        if source not in self.sources:
            self.sources.append(source)

    def timed_out(self, what):
        """Apply the on_timeout policy to something that ran out of time."""
        message = '%s did not finish within %s seconds' % (what, self.timeout)
        if self.on_timeout == 'error':
            raise DiscoveryTimeout(message)
        if self.on_timeout == 'warn':
            self.warn(message)

    # -- files -------------------------------------------------------------------------------
    def path(self, path):
        if self.root in ('/', '', None):
            return path
        return os.path.join(self.root, path.lstrip('/'))

    def read(self, path, default=None):
        """Read a text file (sysfs, procfs, /etc); None or ``default`` when unreadable.

        Opened non-blocking so that a FIFO or an odd device node cannot hang the read.
        """
        full = self.path(path)
        try:
            fd = os.open(full, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0))
        except (IOError, OSError):
            return default
        chunks = []
        try:
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except (IOError, OSError) as exc:
                    if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                        break
                    return default
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(fd)
        self._record(path)
        return _to_text(b''.join(chunks))

    def read_stripped(self, path, default=None):
        value = self.read(path)
        if value is None:
            return default
        return value.strip()

    def listdir(self, path):
        try:
            return sorted(os.listdir(self.path(path)))
        except (IOError, OSError):
            return []

    def exists(self, path):
        return os.path.exists(self.path(path))

    def isdir(self, path):
        return os.path.isdir(self.path(path))

    def realpath(self, path):
        return os.path.realpath(self.path(path))

    def readlink(self, path):
        try:
            return os.readlink(self.path(path))
        except (IOError, OSError):
            return None

    # -- host --------------------------------------------------------------------------------
    def uname(self):
        """``(sysname, nodename, release, version, machine)`` of the host."""
        return tuple(os.uname())

    def euid(self):
        return os.geteuid()

    def getenv(self, name):
        """A variable of the environment discovery runs in (the locale fallback)."""
        return os.environ.get(name) or None

    def online_cpus(self):
        """``sysconf(_SC_NPROCESSORS_ONLN)``, None when unknown."""
        try:
            return os.sysconf('SC_NPROCESSORS_ONLN')
        except (ValueError, OSError, AttributeError):
            return None

    # -- commands ----------------------------------------------------------------------------
    def which(self, name):
        if name not in self._binaries:
            self._binaries[name] = find_binary(name)
        return self._binaries[name]

    def run(self, argv, timeout=None, stdin_data=None):
        """Run ``argv`` (argv[0] is looked up) in the C locale, killed after ``timeout`` seconds.

        Never raises for a missing binary or a failure; raises DiscoveryTimeout only under
        on_timeout=error.
        """
        return self._finish(self._start(argv, timeout, stdin_data))

    def run_many(self, argvs, timeout=None):
        """Run independent commands side by side; their results in the same order."""
        return [self._finish(job) for job in [self._start(argv, timeout) for argv in argvs]]

    def _start(self, argv, timeout=None, stdin_data=None):
        """Spawn one command; its pipes are drained by a daemon thread and a timer kills it."""
        binary = self.which(argv[0]) if not os.path.isabs(argv[0]) else argv[0]
        if binary is None:
            return _Job(argv, result=CommandResult(argv, missing=True))
        deadline = self.timeout if timeout is None else float(timeout)
        env = dict(os.environ)
        env.update(C_LOCALE_ENV)
        try:
            with open(os.devnull, 'rb') as devnull:
                proc = subprocess.Popen(
                    [binary] + list(argv[1:]),
                    stdin=subprocess.PIPE if stdin_data is not None else devnull,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=env,
                    close_fds=True,
                    preexec_fn=os.setsid,
                )
        except (IOError, OSError) as exc:
            return _Job(argv, result=CommandResult(argv, rc=None, stderr=str(exc),
                                                   missing=exc.errno == errno.ENOENT))
        job = _Job(argv, proc=proc, deadline=deadline)
        # communicate() runs in a daemon thread: a command stuck in uninterruptible I/O (a dead
        # disk) survives SIGKILL and keeps its pipes open, and must not hold the module with it.

        def _communicate():
            job.out, job.err = proc.communicate(stdin_data.encode('utf-8') if stdin_data is not None else None)

        job.timer = threading.Timer(deadline, job.kill)
        job.timer.daemon = True
        job.timer.start()
        job.worker = threading.Thread(target=_communicate, name='run %s' % argv[0])
        job.worker.daemon = True
        job.worker.start()
        return job

    def _finish(self, job):
        """Wait for a started command (bounded) and account for it."""
        if job.result is not None:
            return job.result
        job.worker.join(max(0.0, job.started + job.deadline - time.time()) + KILL_GRACE_SECONDS)
        job.timer.cancel()
        if job.worker.is_alive():
            job.kill()
        self._record(' '.join(job.argv))
        result = CommandResult(job.argv, rc=job.proc.returncode, stdout=_to_text(job.out),
                               stderr=_to_text(job.err), timed_out=job.killed,
                               seconds=time.time() - job.started)
        if result.timed_out:
            self.timed_out('command %r' % ' '.join(job.argv))
        return result

    # -- bounded kernel calls ----------------------------------------------------------------
    def bounded(self, what, function, timeout=None):
        """Run ``function()`` in a daemon thread; (finished, value or None).

        A statvfs on a dead hard NFS mount, or a read of a dead block device, blocks in the kernel
        and cannot be interrupted, so the thread is abandoned (it is a daemon and does not keep
        the module alive). An exception inside ``function`` counts as finished with None.
        """
        deadline = self.timeout if timeout is None else float(timeout)
        box = {}

        def _call():
            try:
                box['value'] = function()
            except (IOError, OSError) as exc:
                box['error'] = exc

        worker = threading.Thread(target=_call, name=what)
        worker.daemon = True
        worker.start()
        worker.join(deadline)
        if worker.is_alive():
            self.timed_out(what)
            return False, None
        return True, box.get('value')

    def statvfs(self, path, timeout=None):
        """statvfs ``path`` in a daemon thread; None when it fails or runs out of time."""
        return self.statvfs_status(path, timeout)[1]

    def statvfs_status(self, path, timeout=None):
        """Like statvfs, but says why there is no result: (``ok``/``timeout``/``error``, value)."""
        finished, value = self.bounded('statvfs of %s' % path, lambda: os.statvfs(self.path(path)), timeout)
        if not finished:
            return 'timeout', None
        return ('ok' if value is not None else 'error'), value

    def read_bytes(self, path, offset, length, timeout=None):
        """Read ``length`` bytes at ``offset`` of a file or block device; None when unreadable.

        Used for partition tables and file-system superblocks (root only for block devices).
        Returns fewer bytes when the file is shorter. Bounded like statvfs.
        """
        full = self.path(path)
        data = self.bounded('read of %s' % path, lambda: _read_region(full, offset, length), timeout)[1]
        if data is not None:
            self._record(path)
        return data

    # -- batches in a helper process -----------------------------------------------------------
    def bounded_batch(self, describe, function, items, timeout=None):
        """``function(item)`` for each item, in a forked helper process, each bounded by ``timeout``.

        Returns ``[(status, value)]`` in item order, status ``ok``, ``error`` (an exception) or
        ``timeout``; ``value`` must be JSON-serialisable. Why a process and not a thread: a statfs
        on a FUSE mount whose daemon hangs (or a read of a dead device) sleeps uninterruptibly;
        a thread stuck like that keeps the module's stdout open, so the process never ends and
        Ansible waits for ever. The helper closes every descriptor but its result pipe, so a stuck
        helper costs an orphan, not a hang. After a timeout the helper is killed (if it can be)
        and a new one takes the remaining items: one process per batch plus one per timeout.
        ``describe(item)`` names the item in the timeout warning.
        """
        deadline = self.timeout if timeout is None else float(timeout)
        results = []
        pending = list(items)
        while pending:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the helper process
                _run_batch_child(function, pending, read_fd, write_fd)
            os.close(write_fd)
            answered, stalled = _read_batch_answers(read_fd, len(pending), deadline)
            os.close(read_fd)
            results.extend(answered)
            if not stalled:
                _reap(pid, wait=True)
                pending = pending[len(answered):]
                continue
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            _reap(pid, wait=False)
            stuck = pending[len(answered)]
            results.append(('timeout', None))
            pending = pending[len(answered) + 1:]
            self.timed_out(describe(stuck))
        return results

    def statvfs_many(self, paths, timeout=None):
        """statvfs of each path in one helper process: ``[(status, 10-tuple or None)]``.

        The tuple is ``(f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail,
        f_flag, f_namemax)``; status ``ok``, ``error`` or ``timeout`` (see bounded_batch).
        """
        results = self.bounded_batch(lambda path: 'statvfs of %s' % path,
                                     lambda path: list(os.statvfs(self.path(path))[:10]), paths, timeout)
        return [(status, tuple(value) if value is not None else None) for status, value in results]

    def read_bytes_many(self, requests, timeout=None):
        """``[(path, offset, length)]`` -> bytes (or None when unreadable) each, in one helper process."""
        def _read(request):
            path, offset, length = request
            return base64.b64encode(_read_region(self.path(path), offset, length)).decode('ascii')

        results = self.bounded_batch(lambda request: 'read of %s' % request[0], _read, requests, timeout)
        for (path, _offset, _length), (status, _value) in zip(requests, results):
            if status == 'ok':
                self._record(path)
        return [base64.b64decode(value) if status == 'ok' else None for status, value in results]


def _read_region(path, offset, length):
    """Read up to ``length`` bytes at ``offset`` of a file or block device (fewer at its end)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        chunks = []
        while length > 0:
            chunk = os.read(fd, length)
            if not chunk:
                break
            chunks.append(chunk)
            length -= len(chunk)
        return b''.join(chunks)
    finally:
        os.close(fd)


def _run_batch_child(function, items, read_fd, write_fd):
    """Helper process of bounded_batch: one JSON line per item on ``write_fd``, then exit."""
    try:
        os.close(read_fd)
        try:
            open_fds = [int(fd) for fd in os.listdir('/proc/self/fd')]
        except (IOError, OSError):
            open_fds = range(256)
        for fd in open_fds:
            if fd != write_fd:
                try:
                    os.close(fd)
                except OSError:
                    pass
        for item in items:
            try:
                line = json.dumps(['ok', function(item)])
            except Exception:  # pylint: disable=broad-except  # reported as an error, never raised
                line = json.dumps(['error', None])
            os.write(write_fd, (line + '\n').encode('ascii'))
    finally:
        os._exit(0)


def _read_batch_answers(read_fd, count, deadline):
    """(answers, stalled): ``(status, value)`` lines from a helper until ``count`` answers, the
    helper's end (the item it was on counts as an error) or an answer late by ``deadline``."""
    answers = []
    buffered = b''
    waited_since = time.time()
    while len(answers) < count:
        if b'\n' in buffered:
            line, buffered = buffered.split(b'\n', 1)
            status, value = json.loads(line.decode('ascii'))
            answers.append((status, value))
            waited_since = time.time()
            continue
        remaining = deadline - (time.time() - waited_since)
        if remaining <= 0 or not select.select([read_fd], [], [], remaining)[0]:
            return answers, True
        chunk = os.read(read_fd, 65536)
        if not chunk:  # the helper died: the current item failed, the rest go to a new helper
            answers.append(('error', None))
            break
        buffered += chunk
    return answers, False


def _reap(pid, wait):
    try:
        os.waitpid(pid, 0 if wait else os.WNOHANG)
    except OSError:
        pass
