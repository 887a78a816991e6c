# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure readers of on-disk structures: partition tables and ext/XFS/Btrfs superblocks.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. Bytes in, dicts out: the caller reads the bytes (``REGIONS`` says where), so usage of
unmounted file systems and inode sizes cost no subprocess (no ``dumpe2fs``, ``xfs_db``,
``btrfs inspect-internal dump-super``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct

# (offset, length) to read from the device for each structure.
REGIONS = {
    'ext': (1024, 1024),       # superblock at byte 1024 whatever the block size
    'xfs': (0, 512),           # superblock in the first sector of AG 0
    'btrfs': (65536, 4096),    # primary superblock copy at 64 KiB
}
EXT_TYPES = ('ext2', 'ext3', 'ext4', 'ext4dev')


def partition_table_region(logical_sector_size):
    """Bytes to read for :func:`partition_table`: LBA 0 (MBR) and LBA 1 (GPT header)."""
    return 0, 2 * (logical_sector_size or 512)


def _usage(block_size, blocks, free_blocks, available_blocks, inodes, free_inodes):
    total = block_size * blocks
    free = block_size * free_blocks
    return {
        'total_bytes': total,
        'used_bytes': max(total - free, 0),
        'free_bytes': free,
        'available_bytes': max(block_size * available_blocks, 0),
        'inodes_total': inodes,
        'inodes_used': None if inodes is None or free_inodes is None else inodes - free_inodes,
        'inodes_free': free_inodes,
        'block_size': block_size,
        'source': 'superblock',
    }


def parse_ext(data):
    """ext2/3/4 superblock (the 1024 bytes at device offset 1024), or None if not one.

    Layout: ``struct ext4_super_block`` in linux ``fs/ext4/ext4.h``, all little endian:
    0x00 s_inodes_count, 0x04 s_blocks_count_lo, 0x08 s_r_blocks_count_lo,
    0x0C s_free_blocks_count_lo, 0x10 s_free_inodes_count, 0x18 s_log_block_size
    (block size = 1024 << it), 0x38 s_magic 0xEF53, 0x4C s_rev_level (0 = GOOD_OLD_REV: 128-byte
    inodes), 0x58 s_inode_size, 0x60 s_feature_incompat (0x80 = INCOMPAT_64BIT), 0x68 s_uuid,
    0x78 s_volume_name[16], 0x150 s_blocks_count_hi, 0x154 s_r_blocks_count_hi,
    0x158 s_free_blocks_count_hi (the _hi words count only with INCOMPAT_64BIT).
    Free counts are updated lazily while mounted: use this for unmounted file systems only.
    """
    if data is None or len(data) < 0x15C:
        return None
    if struct.unpack_from('<H', data, 0x38)[0] != 0xEF53:
        return None
    inodes, blocks_lo, reserved_lo, free_lo, free_inodes = struct.unpack_from('<5I', data, 0x00)
    log_block_size = struct.unpack_from('<I', data, 0x18)[0]
    rev_level = struct.unpack_from('<I', data, 0x4C)[0]
    inode_size = struct.unpack_from('<H', data, 0x58)[0] if rev_level else 128
    incompat = struct.unpack_from('<I', data, 0x60)[0]
    blocks_hi, reserved_hi, free_hi = struct.unpack_from('<3I', data, 0x150) if incompat & 0x80 else (0, 0, 0)
    if log_block_size > 16:
        return None
    block_size = 1024 << log_block_size
    blocks = blocks_hi << 32 | blocks_lo
    free = free_hi << 32 | free_lo
    reserved = reserved_hi << 32 | reserved_lo
    label = data[0x78:0x88].split(b'\0', 1)[0].decode('utf-8', 'replace')
    return {
        'inode_size': inode_size,
        'label': label or None,
        'usage': _usage(block_size, blocks, free, max(free - reserved, 0), inodes, free_inodes),
    }


def parse_xfs(data):
    """XFS superblock (the first 512 bytes of the device), or None if not one.

    Layout: ``struct xfs_dsb`` in linux ``fs/xfs/libxfs/xfs_format.h``, all big endian:
    0x00 sb_magicnum "XFSB", 0x04 sb_blocksize, 0x08 sb_dblocks, 0x68 sb_inodesize,
    0x6C sb_fname[12], 0x80 sb_icount (allocated inodes), 0x88 sb_ifree (free among the
    allocated ones), 0x90 sb_fdblocks (free data blocks). XFS allocates inodes on demand, so
    ``inodes_total`` here is the allocated count, not the statvfs maximum; XFS has no
    root-reserved blocks, so available = free. Counters are lazy while mounted.
    """
    if data is None or len(data) < 0x98 or data[0:4] != b'XFSB':
        return None
    block_size = struct.unpack_from('>I', data, 0x04)[0]
    dblocks = struct.unpack_from('>Q', data, 0x08)[0]
    inode_size = struct.unpack_from('>H', data, 0x68)[0]
    icount, ifree, fdblocks = struct.unpack_from('>3Q', data, 0x80)
    label = data[0x6C:0x78].split(b'\0', 1)[0].decode('utf-8', 'replace')
    return {
        'inode_size': inode_size,
        'label': label or None,
        'usage': _usage(block_size, dblocks, fdblocks, fdblocks, icount, ifree),
    }


def _uuid(raw):
    text = ''.join('%02x' % byte for byte in bytearray(raw))
    return '-'.join((text[0:8], text[8:12], text[12:16], text[16:20], text[20:32]))


def parse_btrfs(data):
    """Btrfs primary superblock (4096 bytes at device offset 65536), or None if not one.

    Layout: ``struct btrfs_super_block`` in linux ``include/uapi/linux/btrfs_tree.h`` (before
    6.x ``fs/btrfs/ctree.h``), little endian: 0x20 fsid[16], 0x40 magic "_BHRfS_M",
    0x70 total_bytes, 0x78 bytes_used, 0x88 num_devices, 0x90 sectorsize, 0x94 nodesize,
    0xC9 dev_item (``struct btrfs_dev_item``, 98 bytes: devid at +0, total_bytes +8,
    bytes_used +16), 0x12B label[256].
    """
    if data is None or len(data) < 0x22B or data[0x40:0x48] != b'_BHRfS_M':
        return None
    total_bytes, bytes_used = struct.unpack_from('<2Q', data, 0x70)
    num_devices = struct.unpack_from('<Q', data, 0x88)[0]
    sectorsize, nodesize = struct.unpack_from('<2I', data, 0x90)
    devid, dev_total, dev_used = struct.unpack_from('<3Q', data, 0xC9)
    label = data[0x12B:0x22B].split(b'\0', 1)[0].decode('utf-8', 'replace')
    return {
        'fsid': _uuid(data[0x20:0x30]),
        'label': label or None,
        'total_bytes': total_bytes,
        'used_bytes': bytes_used,
        'num_devices': num_devices,
        'sectorsize': sectorsize,
        'nodesize': nodesize,
        'device': {'devid': devid, 'size_bytes': dev_total, 'used_bytes': dev_used},
    }


PARSERS = {'ext': parse_ext, 'xfs': parse_xfs, 'btrfs': parse_btrfs}


def family(fstype):
    """Which superblock reader applies to a blkid ``TYPE`` (``ext``, ``xfs``, ``btrfs``) or None."""
    if fstype in EXT_TYPES:
        return 'ext'
    if fstype in ('xfs', 'btrfs'):
        return fstype
    return None


# MBR partition entries (4 x 16 bytes at 446): boot flag at +0, type at +4.
_MBR_ENTRIES = 446
_PROTECTIVE_TYPE = 0xEE


def partition_table(data, logical_sector_size=512):
    """``gpt``, ``dos`` or None from LBA 0 and LBA 1 (``data`` = the first 2 logical sectors).

    linux ``block/partitions/efi.c`` and ``efi.h``: MBR signature 0xAA55 at bytes 510-511; a
    protective (or hybrid) MBR has an entry of type 0xEE (``EFI_PMBR_OSTYPE_EFI_GPT``); the GPT
    header signature "EFI PART" is at LBA 1, i.e. at the LOGICAL sector size (512 or 4096).
    A hybrid MBR (0xEE plus real entries, ``sgdisk -h``) counts as GPT. A plain MBR needs boot
    flags 0x00/0x80, one used entry, and must not be a FAT/NTFS/exFAT boot sector (those carry
    0xAA55 too; the same exclusions as libblkid ``partitions/dos.c``).
    """
    sector = logical_sector_size or 512
    if data is None or len(data) < 512 or data[510:512] != b'\x55\xaa':
        return None
    entries = [bytearray(data[_MBR_ENTRIES + 16 * index:_MBR_ENTRIES + 16 * index + 16]) for index in range(4)]
    types = [entry[4] for entry in entries]
    if _PROTECTIVE_TYPE in types:
        return 'gpt' if data[sector:sector + 8] == b'EFI PART' else None
    if any(entry[0] not in (0x00, 0x80) for entry in entries) or not any(types):
        return None
    if data[3:11] in (b'NTFS    ', b'EXFAT   ') or data[0x36:0x39] == b'FAT' or data[0x52:0x55] == b'FAT':
        return None
    return 'dos'
