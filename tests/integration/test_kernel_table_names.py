"""Mount points and swap files whose names hold characters the kernel does not escape.

The kernel escapes only space, tab, newline and backslash in /proc/self/mountinfo and
/proc/swaps; ``str.splitlines()`` and ``str.split()`` also break at the characters below. This
test creates, as root, a loop device with ext4, mounts it once per character under a directory
whose name holds that character, puts one swap file per character on it and swaps it on, then
parses the kernel's own tables with the discovery parsers. Everything is undone in ``finally``.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import mountinfo
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_lines

CHARACTERS = ['\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029']
TOOLS = ('losetup', 'mkfs.ext4', 'mkswap', 'swapon', 'swapoff', 'mount', 'umount')

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason='loop devices, mounts and swapon need root'),
    pytest.mark.skipif(any(shutil.which(tool) is None for tool in TOOLS), reason='util-linux/e2fsprogs missing'),
]


def _run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True, timeout=60).stdout


def _read_proc(path):
    # Bytes decoded like the discovery runner does: no newline translation.
    with open(path, 'rb') as handle:
        return handle.read().decode('utf-8', 'surrogateescape')


def _name(prefix, char):
    return '%s-U+%04X-%s-end' % (prefix, ord(char), char)


@pytest.fixture
def kernel_tables(tmp_path):
    """(mountinfo text, swaps text, mount points, swap files) with one name per character."""
    image = tmp_path / 'disk.img'
    with open(image, 'wb') as handle:
        handle.truncate(64 * 1024 * 1024)
    loop = _run('losetup', '--find', '--show', str(image)).strip()
    mounted, swapped = [], []
    try:
        _run('mkfs.ext4', '-q', '-F', loop)
        base = tmp_path / 'fs'
        base.mkdir()
        _run('mount', loop, str(base))
        mounted.append(str(base))
        points = []
        for char in CHARACTERS:
            point = str(tmp_path / _name('mnt', char))
            os.mkdir(point)
            _run('mount', loop, point)
            mounted.append(point)
            points.append(point)
        swaps = []
        for char in CHARACTERS:
            swap = str(base / _name('swap', char))
            with open(swap, 'wb') as handle:
                handle.write(b'\0' * 256 * 1024)
            os.chmod(swap, 0o600)
            _run('mkswap', swap)
            _run('swapon', swap)
            swapped.append(swap)
            swaps.append(swap)
        yield _read_proc('/proc/self/mountinfo'), _read_proc('/proc/swaps'), points, swaps
    finally:
        for swap in reversed(swapped):
            subprocess.run(['swapoff', swap], capture_output=True, timeout=60, check=False)
        for point in reversed(mounted):
            if subprocess.run(['umount', point], capture_output=True, timeout=60, check=False).returncode:
                subprocess.run(['umount', '-l', point], capture_output=True, timeout=60, check=False)
        subprocess.run(['losetup', '-d', loop], capture_output=True, timeout=60, check=False)


def test_mount_points_with_unescaped_characters_are_parsed_whole(kernel_tables):
    text, _swaps, points, _files = kernel_tables
    assert len(text.splitlines()) > len(split_lines(text))  # the old splitting really broke these lines
    mounts, errors = mountinfo.parse_mountinfo(text)
    assert errors == []
    found = [m['mountpoint'] for m in mounts]
    for point in points:
        assert found.count(point) == 1, repr(point)
        mount = next(m for m in mounts if m['mountpoint'] == point)
        assert mount['fstype'] == 'ext4' and mount['source'].startswith('/dev/loop')


def test_swap_files_with_unescaped_characters_are_parsed_whole(kernel_tables):
    _text, swaps_text, _points, files = kernel_tables
    swaps = mountinfo.parse_swaps(swaps_text)
    paths = [swap['path'] for swap in swaps]
    for path in files:
        assert paths.count(path) == 1, repr(path)
        swap = next(s for s in swaps if s['path'] == path)
        assert swap['type'] == 'file' and swap['size_bytes'] == 248 * 1024  # 256 KiB less the header page
    assert all(swap['type'] in ('file', 'partition') for swap in swaps)  # no bogus entry from a split name
