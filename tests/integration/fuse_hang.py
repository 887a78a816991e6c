"""A minimal FUSE file system in pure Python whose ``statfs`` never answers (no libfuse needed).

``HangingFuse(mountpoint)`` opens ``/dev/fuse``, mounts it with mount(2) (``fd=N,rootmode=40000,
user_id=0,group_id=0``) and serves the device from a thread: it answers FUSE_INIT, GETATTR of
the root directory, LOOKUP (ENOENT) and everything else with ENOSYS, except FUSE_STATFS, which
it swallows: any ``statfs``/``statvfs`` of the mount blocks in the kernel until the connection
is aborted. ``close()`` detaches the mount (``umount -l``), aborts the connection (through
``/sys/fs/fuse/connections/<dev>/abort`` when fusectl is mounted, and by closing the last
reference to the device file), so blocked callers get ENOTCONN and return.

Wire format: linux ``include/uapi/linux/fuse.h`` (struct fuse_in_header, fuse_out_header,
fuse_init_out, fuse_attr_out).
"""

import ctypes
import errno
import os
import select
import struct
import subprocess
import threading
import time

FUSE_LOOKUP, FUSE_FORGET, FUSE_GETATTR, FUSE_STATFS, FUSE_INIT, FUSE_INTERRUPT = 1, 2, 3, 17, 26, 36
FUSE_BATCH_FORGET = 42
NO_REPLY = (FUSE_FORGET, FUSE_BATCH_FORGET, FUSE_INTERRUPT)
IN_HEADER = struct.Struct('<IIQQIIIHH')     # len, opcode, unique, nodeid, uid, gid, pid, total_extlen, padding
OUT_HEADER = struct.Struct('<IiQ')          # len, error, unique
INIT_IN = struct.Struct('<IIII')            # major, minor, max_readahead, flags (the rest ignored)
INIT_OUT = struct.Struct('<IIIIHHIIHHII24x')  # 64 bytes: major .. flags2, max_stack_depth, unused[6]
ATTR_OUT = struct.Struct('<QII' + 'QQQQQQ' + 'IIIIIIIIII')  # attr_valid, nsec, dummy, struct fuse_attr


class HangingFuse(object):
    def __init__(self, mountpoint):
        self.mountpoint = mountpoint
        self.requests = []          # opcodes received, in order
        self.fd = os.open('/dev/fuse', os.O_RDWR | os.O_NONBLOCK)
        self._stop = threading.Event()
        self._libc = ctypes.CDLL(None, use_errno=True)
        options = 'fd=%d,rootmode=40000,user_id=0,group_id=0' % self.fd
        if self._libc.mount(b'hang', mountpoint.encode(), b'fuse', 0, options.encode()) != 0:
            error = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(error, 'mount -t fuse %s: %s' % (mountpoint, os.strerror(error)))
        self._thread = threading.Thread(target=self._serve, name='hanging-fuse', daemon=True)
        self._thread.start()

    # -- server ------------------------------------------------------------------------------
    def _reply(self, unique, error=0, body=b''):
        try:
            os.write(self.fd, OUT_HEADER.pack(OUT_HEADER.size + len(body), -error, unique) + body)
        except OSError:
            pass  # the request was interrupted or the connection is going away

    def _serve(self):
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        while not self._stop.is_set():
            if not poller.poll(100):
                continue
            try:
                data = os.read(self.fd, 1 << 20)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EINTR, errno.ENOENT):
                    continue
                return  # ENODEV: unmounted/aborted
            _length, opcode, unique, _nodeid = IN_HEADER.unpack_from(data)[:4]
            self.requests.append(opcode)
            body = data[IN_HEADER.size:]
            if opcode == FUSE_INIT:
                major, minor, readahead, _flags = INIT_IN.unpack_from(body)
                self._reply(unique, body=INIT_OUT.pack(7, min(minor, 31), readahead, 0, 16, 12, 65536, 1, 0, 0, 0, 0))
            elif opcode == FUSE_GETATTR:
                attr = (1, 0, 0, 0, 0, 0) + (0, 0, 0, 0o40755, 2, 0, 0, 0, 4096, 0)
                self._reply(unique, body=ATTR_OUT.pack(1, 0, 0, *attr))
            elif opcode == FUSE_LOOKUP:
                self._reply(unique, errno.ENOENT)
            elif opcode == FUSE_STATFS or opcode in NO_REPLY:
                continue  # statfs: never answered, that is the point
            else:
                self._reply(unique, errno.ENOSYS)

    def wait_initialised(self, timeout=5.0):
        """Wait until the kernel's FUSE_INIT was answered (the mount is then usable)."""
        deadline = time.time() + timeout
        while FUSE_INIT not in self.requests and time.time() < deadline:
            self._stop.wait(0.05)
        return FUSE_INIT in self.requests

    def connection(self):
        """``/sys/fs/fuse/connections/<minor>`` of this mount (named after its anonymous device)."""
        with open('/proc/self/mountinfo') as handle:
            for line in handle:
                fields = line.split()
                if fields[4] == self.mountpoint.replace(' ', '\\040'):
                    return os.path.join('/sys/fs/fuse/connections', fields[2].split(':')[1])
        return None

    # -- teardown ----------------------------------------------------------------------------
    def close(self):
        connection = self.connection()
        if connection and os.path.exists(os.path.join(connection, 'abort')):  # fusectl mounted
            with open(os.path.join(connection, 'abort'), 'w') as handle:
                handle.write('1')
        subprocess.run(['umount', '-l', self.mountpoint], capture_output=True, check=False)
        self._stop.set()
        self._thread.join(5)
        os.close(self.fd)  # the last reference: the kernel aborts the connection, blocked statfs return
