"""mountinfo and /proc/swaps parsers on real captures (tests/fixtures/storage/loop-lab)."""

import json
import os

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import mountinfo
from storage_replay import FIXTURES

LAB = os.path.join(FIXTURES, 'loop-lab')


def _read(*parts):
    with open(os.path.join(*parts)) as handle:
        return handle.read()


def _built():
    return json.loads(_read(LAB, 'built.json'))


def test_octal_escapes_in_real_mount_points_are_decoded():
    mounts, errors = mountinfo.parse_mountinfo(_read(LAB, 'proc', 'self', 'mountinfo'))
    built = _built()
    points = [m['mountpoint'] for m in mounts]
    assert errors == []
    assert built['ext4_mount'] in points  # space (\040)
    assert built['whole_mount'] in points  # tab (\011), backslash (\134), newline (\012)
    assert built['whole_mount'].endswith('tab\there\\back\nslash')
    bind = next(m for m in mounts if m['mountpoint'] == built['bind_mount'])
    assert bind['root'] == '/sub dir'
    assert bind['major_minor'] == next(m for m in mounts if m['mountpoint'] == built['ext4_mount'])['major_minor']


def test_btrfs_subvolume_options_are_extracted():
    mounts = mountinfo.parse_mountinfo(_read(LAB, 'proc', 'self', 'mountinfo'))[0]
    btrfs = _built()['btrfs']
    home = next(m for m in mounts if m['mountpoint'] == btrfs['home'])
    top = next(m for m in mounts if m['mountpoint'] == btrfs['top'])
    default = next(m for m in mounts if m['mountpoint'] == btrfs['default'])
    assert (home['subvol'], home['subvolid'], home['root']) == ('/@home', btrfs['ids']['@home'], '/@home')
    assert (top['subvol'], top['subvolid']) == ('/', 5)
    assert default['subvolid'] == btrfs['ids']['@']  # mounted without options: the default subvolume
    assert home['major'] == 0 and home['major_minor'] == top['major_minor']  # anonymous device, one per FS
    assert home['fstype'] == 'btrfs' and home['source'].startswith('/dev/loop')


def test_optional_fields_and_merged_options():
    text = ('36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 - ext3 /dev/root rw,errors=continue\n'
            '37 35 0:40 / /srv/nfs\\040share rw,relatime - nfs4 server:/export rw,vers=4.2,addr=10.0.0.1\n')
    mounts, errors = mountinfo.parse_mountinfo(text)
    assert errors == []
    first, second = mounts
    assert first['optional_fields'] == ['master:1', 'shared:7']
    assert first['options'] == ['rw', 'noatime', 'errors=continue']
    assert (first['source'], first['root'], first['mountpoint']) == ('/dev/root', '/mnt1', '/mnt2')
    assert first['subvol'] is None and first['subvolid'] is None
    assert second['mountpoint'] == '/srv/nfs share' and second['source'] == 'server:/export'


def test_malformed_lines_are_reported_not_fatal():
    mounts, errors = mountinfo.parse_mountinfo('garbage line\n22 27 0:21 / /proc rw - proc proc rw\n')
    assert [m['mountpoint'] for m in mounts] == ['/proc']
    assert errors == ['garbage line']


def test_swaps_from_real_capture():
    swaps = mountinfo.parse_swaps(_read(LAB, 'proc', 'swaps'))
    swap_partition = _built()['gpt']['partitions'][3]
    assert {'path': swap_partition, 'type': 'partition', 'size_bytes': 16380 * 1024, 'used_bytes': 0,
            'priority': -2} in swaps  # a 16 MiB partition: mkswap keeps one 4 KiB page for its header
    assert all(swap['type'] == 'partition' and swap['size_bytes'] % 1024 == 0 for swap in swaps)


def test_swaps_escaped_file_name():
    text = 'Filename\tType\tSize\tUsed\tPriority\n/swap\\040file file 1048572 0 -3\n'
    assert mountinfo.parse_swaps(text)[0]['path'] == '/swap file'


# Real kernel lines for names holding characters the kernel does not escape (README there).
UNESCAPED = os.path.join(os.path.dirname(FIXTURES), 'system', 'proc', 'unescaped-names')
UNESCAPED_CHARACTERS = ['\r', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029']


def _read_kernel_text(name):
    # JSON-escaped: a raw \r in a fixture trips ansible-test's line-endings check.
    with open(os.path.join(UNESCAPED, 'kernel-text.json')) as handle:
        return json.load(handle)[name]


def test_mount_points_with_characters_the_kernel_does_not_escape():
    text = _read_kernel_text('mountinfo')
    assert len(text.splitlines()) > 10  # str.splitlines() would cut these lines
    mounts, errors = mountinfo.parse_mountinfo(text)
    assert errors == [] and len(mounts) == 10
    for char in UNESCAPED_CHARACTERS:
        suffix = '/mnt-U+%04X-%s-end' % (ord(char), char)
        assert len([m for m in mounts if m['mountpoint'].endswith(suffix)]) == 1, repr(char)
    assert {m['fstype'] for m in mounts} == {'ext4'}


def test_swap_files_with_characters_the_kernel_does_not_escape():
    swaps = mountinfo.parse_swaps(_read_kernel_text('swaps'))
    assert len(swaps) == 9
    for char in UNESCAPED_CHARACTERS:
        suffix = '/swap-U+%04X-%s-end' % (ord(char), char)
        assert len([s for s in swaps if s['path'].endswith(suffix)]) == 1, repr(char)
    assert {(s['type'], s['size_bytes'], s['used_bytes']) for s in swaps} == {('file', 248 * 1024, 0)}
