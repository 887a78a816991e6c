"""Pure partition-table and superblock readers on real first sectors (tests/fixtures/storage/
loop-lab-sectors), checked against dumpe2fs, xfs_db and btrfs inspect-internal dump-super run on
the same devices at capture time (``*.oracle.txt``)."""

import os
import re

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import superblock
from storage_replay import FIXTURES

SECTORS = os.path.join(FIXTURES, 'loop-lab-sectors')


def _bytes(name, offset=0, length=None):
    with open(os.path.join(SECTORS, name + '.bin'), 'rb') as handle:
        data = handle.read()
    return data[offset:offset + length if length else None]


def _oracle(name, separator):
    values = {}
    with open(os.path.join(SECTORS, name + '.oracle.txt')) as handle:
        for line in handle:
            key, sep, value = line.partition(separator)
            if sep:
                values[key.strip()] = value.strip()
    return values


@pytest.mark.parametrize('name, sector, expected', [
    ('gpt', 512, 'gpt'),
    ('hybrid', 512, 'gpt'),        # sgdisk -h: 0xEE plus real MBR entries
    ('4k-gpt', 4096, 'gpt'),       # GPT header at LBA 1 = byte 4096
    ('dos', 512, 'dos'),
    ('whole-ext4', 512, None),     # no 0x55AA
    ('vfat-esp', 512, None),       # FAT boot sector carries 0x55AA but is no partition table
    ('raw', 512, None),
])
def test_partition_table(name, sector, expected):
    offset, length = superblock.partition_table_region(sector)
    assert superblock.partition_table(_bytes(name, offset, length), sector) == expected


def test_4k_gpt_is_not_found_at_512_bytes():
    assert superblock.partition_table(_bytes('4k-gpt', 0, 1024), 512) is None


@pytest.mark.parametrize('name', ['ext4-1k', '4k-ext4'])
def test_ext4_matches_dumpe2fs(name):
    oracle = _oracle(name, ':')
    parsed = superblock.parse_ext(_bytes(name, *superblock.REGIONS['ext']))
    block_size = int(oracle['Block size'])
    usage = parsed['usage']
    assert parsed['inode_size'] == int(oracle['Inode size'])
    assert usage['block_size'] == block_size
    assert usage['total_bytes'] == int(oracle['Block count']) * block_size
    assert usage['free_bytes'] == int(oracle['Free blocks']) * block_size
    assert usage['available_bytes'] == (int(oracle['Free blocks']) - int(oracle['Reserved block count'])) * block_size
    assert usage['used_bytes'] == usage['total_bytes'] - usage['free_bytes']
    assert (usage['inodes_total'], usage['inodes_free']) == (int(oracle['Inode count']), int(oracle['Free inodes']))
    assert usage['inodes_used'] == usage['inodes_total'] - usage['inodes_free']
    assert parsed['label'] == (None if oracle['Filesystem volume name'] == '<none>' else oracle['Filesystem volume name'])
    assert usage['source'] == 'superblock'


def test_xfs_matches_xfs_db():
    oracle = _oracle('xfs', '=')
    parsed = superblock.parse_xfs(_bytes('xfs', *superblock.REGIONS['xfs']))
    block_size = int(oracle['blocksize'])
    assert parsed['inode_size'] == int(oracle['inodesize'])
    assert parsed['usage']['total_bytes'] == int(oracle['dblocks']) * block_size
    assert parsed['usage']['free_bytes'] == parsed['usage']['available_bytes'] == int(oracle['fdblocks']) * block_size
    assert (parsed['usage']['inodes_total'], parsed['usage']['inodes_free']) == (int(oracle['icount']), int(oracle['ifree']))
    assert parsed['label'] == re.sub(r'(\\000)+', '', oracle['fname'].strip('"'))


def test_btrfs_matches_dump_super():
    oracle = _oracle('btrfs', '\t')
    parsed = superblock.parse_btrfs(_bytes('btrfs', *superblock.REGIONS['btrfs']))
    assert parsed['fsid'] == oracle['fsid']
    assert parsed['label'] == oracle['label']
    assert (parsed['total_bytes'], parsed['used_bytes']) == (int(oracle['total_bytes']), int(oracle['bytes_used']))
    assert (parsed['sectorsize'], parsed['nodesize']) == (int(oracle['sectorsize']), int(oracle['nodesize']))
    assert parsed['num_devices'] == int(oracle['num_devices'])
    assert parsed['device'] == {'devid': int(oracle['dev_item.devid']),
                                'size_bytes': int(oracle['dev_item.total_bytes']),
                                'used_bytes': int(oracle['dev_item.bytes_used'])}


def test_wrong_or_short_data_is_not_a_superblock():
    ext4 = _bytes('ext4-1k', *superblock.REGIONS['ext'])
    assert superblock.parse_ext(ext4[:100]) is None
    assert superblock.parse_xfs(ext4) is None
    assert superblock.parse_btrfs(None) is None
    assert superblock.parse_ext(b'\0' * 1024) is None
    assert superblock.family('ext3') == 'ext' and superblock.family('vfat') is None
