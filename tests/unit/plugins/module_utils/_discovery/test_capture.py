"""The capture stream (SMSCAP/1) and the CaptureContext that answers the collectors from it.

Synthetic streams built record by record (the unit boundary); the script itself is covered by
the integration tests (tests/integration/test_shell_*.py). Also: the script asks for exactly
what the collectors use (argv, file lists, defaults), and hostile streams never raise anything
but CaptureError.
"""

import os
import random
import re
import shutil
import subprocess

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import (
    blkid, btrfs, capture, dmi, facts, lvm, osrelease, storage, system,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.runner import DiscoveryTimeout

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..'))
SCRIPT = os.path.join(ROOT, 'scripts', 'sms-capture.sh')
NONCE = '@0123abcd'


def record(kind, key='', payload='', status='0'):
    head = '%s B %s' % (NONCE, kind) + (' ' + key if key else '')
    return '%s\n%s\n%s E %s\n' % (head, payload, NONCE, status)


def command(argv, stdout='', status='0', stderr=''):
    return (record('cmd', str(len(argv)), '\n'.join(argv) + '\n' + stdout, status)
            + record('stderr', '', stderr))


def stream(*records, **kwargs):
    text = 'SMSCAP/1 %s\n' % NONCE + ''.join(records)
    if kwargs.get('complete', True):
        text += record('end')
    return text


def context(text, **kwargs):
    return capture.CaptureContext(capture.parse_capture(text), **kwargs)


def test_files_dirs_and_links_resolve_like_sysfs():
    ctx = context(stream(
        record('dir', '/sys/block', 'sda\n'),
        record('file', '/sys/block/sda/size', '2048\n'),
        record('dir', '/sys/block/sda', 'size\nsda1\nholders\n'),
        record('file', '/sys/block/sda/sda1/partition', '1\n'),
        record('links', '', '/sys/block:\nlrwxrwxrwx 1 root root 0 Dec  6 08:00 sda -> ../devices/pci0/block/sda\n'
                            '/sys/class/block:\nlrwxrwxrwx 1 root root 0 Dec  6 08:00 sda1 -> '
                            '../../devices/pci0/block/sda/sda1\n'),
        record('stat', '', '- /etc/lilo.conf\nf /boot/grub/grub.cfg\n'),
    ))
    assert ctx.read('/sys/block/sda/size') == '2048\n'
    assert ctx.listdir('/sys/block') == ['sda']
    assert ctx.realpath('/sys/class/block/sda1') == '/sys/devices/pci0/block/sda/sda1'
    assert ctx.exists('/sys/class/block/sda1/partition')  # through the link, read as /sys/block/sda/sda1
    assert ctx.readlink('/sys/block/sda') == '../devices/pci0/block/sda'
    assert ctx.exists('/boot/grub/grub.cfg') and not ctx.exists('/etc/lilo.conf')
    assert ctx.read('/sys/block/sda/missing') is None and not ctx.isdir('/sys/block/sda/dm')
    assert ctx.misses == []
    assert ctx.read('/unknown/file') is None and ctx.misses == ['read /unknown/file']


def test_commands_missing_tools_and_timeouts():
    text = stream(record('which', 'ip', '/sbin/ip'), record('which', 'lvm', ''),
                  command(['ip', '-o', 'addr', 'show'], '1: lo    inet 127.0.0.1/8 scope host lo\n'),
                  command(['ip', '-4', 'route', 'show', 'table', 'all'], '', 'timeout'))
    ctx = context(text, timeout=3)
    result = ctx.run(['ip', '-o', 'addr', 'show'])
    assert result.ok and result.stdout.startswith('1: lo')
    assert ctx.run(['lvm', 'pvs']).missing and ctx.which('lvm') is None
    assert ctx.run(['ip', '-4', 'route', 'show', 'table', 'all']).timed_out
    assert ctx.warnings == ["command 'ip -4 route show table all' did not finish within 3.0 seconds"]
    with pytest.raises(DiscoveryTimeout):
        context(text, on_timeout='error').run(['ip', '-4', 'route', 'show', 'table', 'all'])
    uncaptured = ctx.run(['ip', '-6', 'route', 'show', 'table', 'all'])
    assert uncaptured.missing and 'the capture has no output' in ctx.warnings[-1]


def test_blkid_is_answered_device_by_device_with_its_stops():
    first = ('DEVNAME=/dev/sda\nPTTYPE=gpt\n\nDEVNAME=/dev/sda1\nTYPE=ext4\n', '2',
             '')  # stopped at /dev/sdb (nothing on it)
    second = ('DEVNAME=/dev/sdc\nTYPE=xfs\n', '0', '')
    ctx = context(stream(
        record('which', 'blkid', '/sbin/blkid'),
        command(blkid.ARGV + ['/dev/sda', '/dev/sda1', '/dev/sdb', '/dev/sdc'], first[0], first[1]),
        command(blkid.ARGV + ['/dev/sdc', '/dev/sdd'], second[0], '2', 'blkid: error: /dev/sdd: Permission denied\n'),
    ))
    result = ctx.run(blkid.ARGV + ['/dev/sda1', '/dev/sdc'])
    assert result.rc == 0 and sorted(blkid.parse_export(result.stdout)) == ['/dev/sda1', '/dev/sdc']
    stopped = ctx.run(blkid.ARGV + ['/dev/sdc', '/dev/sdb', '/dev/sda'])
    assert stopped.rc == 2 and list(blkid.parse_export(stopped.stdout)) == ['/dev/sdc'] and stopped.stderr == ''
    denied = ctx.run(blkid.ARGV + ['/dev/sdd'])
    assert denied.rc == 2 and blkid.errors(denied.stderr) == {'/dev/sdd': 'Permission denied'}
    assert ctx.misses == []


def test_statfs_results_timeouts_and_errors():
    ctx = context(stream(
        record('statfs', '3', '/\n/data\n/hang\n4096 4096 100 50 40 1000 900 255 /\n- /data\n', 'timeout'),
        record('statfs', '1', '/after\n1024 4096 10 5 4 100 90 255 /after\n'),
    ))
    results = ctx.statvfs_many(['/', '/data', '/hang', '/after', '/never'])
    assert results[0] == ('ok', (4096, 4096, 100, 50, 40, 1000, 900, 900, 0, 255))
    assert [status for status, _value in results] == ['ok', 'error', 'timeout', 'ok', 'error']
    assert storage.usage_from_statvfs(results[3][1])['total_bytes'] == 10240
    assert 'statvfs of /hang did not finish within 10.0 seconds' in ctx.warnings
    assert ctx.misses == ['statvfs /never']


def test_raw_regions_serve_sub_ranges_and_short_reads():
    data = bytes(range(256)) * 4
    hex_text = '\n'.join(' '.join('%02x' % b for b in data[i:i + 16]) for i in range(0, len(data), 16))
    ctx = context(stream(record('hex', '0 2048 /dev/sda', hex_text), record('hex', '0 512 /dev/sdb', '', '1')))
    assert ctx.read_bytes('/dev/sda', 0, 512) == data[:512]
    assert ctx.read_bytes_many([('/dev/sda', 1000, 100)]) == [data[1000:1024]]  # the device ends at 1024
    assert ctx.read_bytes('/dev/sdb', 0, 512) is None and ctx.misses == []  # unreadable on the host


def test_host_facts_come_from_the_capture():
    ctx = context(stream(
        record('meta', '', 'format=1\neuid=0\nmachine=aarch64\nLANG=de_DE.UTF-8\nLC_ALL=\n'),
        record('file', '/proc/sys/kernel/hostname', 'db01.example.com\n'),
        record('file', '/proc/sys/kernel/osrelease', '3.10.0-1160.el7.x86_64\n'),
        record('file', '/proc/sys/kernel/version', '#1 SMP\n'),
    ))
    assert ctx.uname() == ('Linux', 'db01.example.com', '3.10.0-1160.el7.x86_64', '#1 SMP', 'aarch64')
    assert ctx.euid() == 0 and ctx.getenv('LANG') == 'de_DE.UTF-8' and ctx.getenv('LC_ALL') is None
    result = system.collect(ctx)
    assert result['hostname'] == 'db01' and result['fqdn'] == 'db01.example.com' and result['is_root']
    assert result['architecture'] == 'aarch64' and result['locale'] == 'de_DE.UTF-8'


def test_discover_marks_the_method_and_incomplete_captures():
    discovery = capture.discover(stream(complete=False), sections=['system'])
    assert discovery['provenance']['method'] == 'shell'
    assert any('ends before its end record' in w for w in discovery['warnings'])


@pytest.mark.parametrize('data, message', [
    (b'', 'no "SMSCAP/<n> <nonce>" header'),
    (b'#!/bin/sh\nrm -rf /\n', 'no "SMSCAP/<n> <nonce>" header'),
    (b'SMSCAP/2 @abc\n', 'capture format 2 is not supported'),
    (b'x' * (capture.MAX_PREAMBLE_BYTES + 10) + b'\nSMSCAP/1 @abc\n', 'no "SMSCAP/<n> <nonce>" header'),
])
def test_not_a_capture_is_a_clear_error(data, message):
    with pytest.raises(capture.CaptureError, match=re.escape(message)):
        capture.parse_capture(data)


def test_size_is_bounded():
    with pytest.raises(capture.CaptureError, match='more than the 100 allowed'):
        capture.parse_capture(b'SMSCAP/1 @a\n' + b'x' * 200, max_bytes=100)


def test_hostile_streams_never_raise():
    base = stream(
        record('which', 'blkid', '/sbin/blkid'), record('dir', '/sys/block', 'sda\n'),
        record('file', '/sys/block/sda/size', '2048\n'),
        record('file', '/proc/self/mountinfo', '1 0 8:1 / / rw - ext4 /dev/sda1 rw\n'),
        command(blkid.ARGV + ['/dev/sda'], 'DEVNAME=/dev/sda\nTYPE=ext4\n'),
        record('statfs', '1', '/\n4096 4096 100 50 40 1000 900 255 /\n'),
        record('hex', '1024 1024 /dev/sda', '00 ' * 1024),
        record('links', '', 'lrwxrwxrwx 1 r r 0 D 6 0 /sys/block/sda -> ../sda\n'),
    ).encode()
    rng = random.Random(12)
    pieces = [b'\n', b' ', b'\x00', b'\xff', NONCE.encode(), b' B ', b' E ', b'cmd 99999', b'hex -5 x',
              b'statfs 0', b'..', b'/', b'-> /', b'99999999999999999999']
    for _round in range(300):
        data = bytearray(base)
        for _edit in range(rng.randint(1, 8)):
            position = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[position:position] = rng.choice(pieces)
            else:
                del data[position:position + rng.randint(1, 40)]
        try:
            discovery = capture.discover(bytes(data))
        except capture.CaptureError:
            continue
        assert set(facts.SECTIONS) <= set(discovery)


# -- the script asks for what the collectors use ------------------------------------------------
def script_text():
    with open(SCRIPT) as handle:
        return handle.read()


def test_script_runs_the_collectors_commands():
    text = script_text()
    assert ' '.join(blkid.ARGV[1:]) in text
    for _kind, argv in lvm.REPORTS:
        assert argv[-1] in text and ' '.join(argv[1:argv.index('--noheadings')]) in text
    assert "--noheadings --nosuffix --units b --nameprefixes -o" in text
    for argv in btrfs.SHOW_ARGV + btrfs.DF_ARGV + (btrfs.LIST_ARGV, btrfs.SNAPSHOTS_ARGV, btrfs.DEFAULT_ARGV):
        assert 'run %s' % ' '.join(argv) in text, argv
    for argv in (['ip', '-o', 'addr', 'show'], ['ip', '-4', 'route', 'show', 'table', 'all'],
                 ['ip', '-6', 'route', 'show', 'table', 'all']):
        assert 'run %s' % ' '.join(argv) in text


def test_script_reads_the_collectors_files_and_defaults():
    text = script_text()
    defaults = re.search(r"^X='([^']*)'", text, re.M).group(1).split(',')
    assert defaults == storage.DEFAULT_EXCLUDE_FSTYPES
    for path in osrelease.OS_RELEASE_FILES + osrelease.LEGACY_RELEASE_FILES:
        assert path + ' ' in text or path + '\n' in text, path
    for path, _variables in system.LOCALE_FILES:
        assert path in text
    which = re.search(r'^which_record (.*)$', text, re.M).group(1).split()
    assert set(system.TOOLS) <= set(which) and {'grub2-probe', 'grub-probe', 'lvm', 'btrfs', 'blkid'} <= set(which)
    for field in dmi.DMI_FIELDS + dmi.DMI_EXTRA_FIELDS:
        assert re.search(r'\b%s\b' % field, text), field


@pytest.mark.skipif(not shutil.which('shellcheck'), reason='shellcheck is not installed')
def test_script_is_shellcheck_clean():
    proc = subprocess.run(['shellcheck', '-s', 'sh', SCRIPT], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout
