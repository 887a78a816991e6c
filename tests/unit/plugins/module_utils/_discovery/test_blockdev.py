"""sysfs walk on recorded trees: real loop devices (loop-lab: partitions added with partx, a
4K-sector loop) and hand-made NVMe / eMMC / md / multipath / dm-crypt trees (synthetic-*)."""

import os

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import blockdev
from storage_replay import ReplayContext

MIB = 1 << 20


def test_real_loop_devices_and_4k_sectors():
    ctx = ReplayContext('loop-lab')
    devices = blockdev.walk(ctx)
    built = ctx.built
    gpt = devices[os.path.basename(built['gpt']['disk'])]
    assert [p['name'] for p in gpt['partitions']] == [os.path.basename(p) for p in built['gpt']['partitions']]
    assert [p['number'] for p in gpt['partitions']] == [1, 2, 3, 4, 5]
    assert gpt['size_bytes'] == 512 * MIB and gpt['partitions'][0]['start_bytes'] == 1 * MIB
    assert gpt['partitions'][1]['major_minor'].startswith('259:')  # loop partitions live in the extended range
    four_k = devices[os.path.basename(built['4k']['disk'])]
    assert (four_k['logical_sector_size'], four_k['size_bytes']) == (4096, 64 * MIB)
    assert four_k['partitions'][0]['start_bytes'] == 1 * MIB  # sysfs start is in 512-byte units
    assert devices['vda']['serial'] is not None and devices['vda']['dm_uuid'] is None


def test_nvme_mmc_md_and_lvm_tree():
    devices = blockdev.walk(ReplayContext('synthetic-nvme-md-lvm'))
    assert [p['name'] for p in devices['nvme0n1']['partitions']] == ['nvme0n1p1', 'nvme0n1p2', 'nvme0n1p3']
    assert devices['nvme0n1']['partitions'][2]['holders'] == ['md0']
    assert [p['name'] for p in devices['mmcblk0']['partitions']] == ['mmcblk0p1']
    assert devices['mmcblk0boot0']['partitions'] == []  # a separate block device, not a partition
    assert devices['md0']['md_level'] == 'raid1' and devices['md0']['slaves'] == ['nvme0n1p3', 'nvme1n1p1']
    assert devices['dm-0']['dm_name'] == 'vg0-root' and blockdev.dm_kind(devices['dm-0']['dm_uuid']) == 'lvm'
    assert (devices['sda']['logical_sector_size'], devices['sda']['vendor']) == (4096, 'SEAGATE')
    assert devices['nbd1']['size_bytes'] == 0 and devices['sr0']['removable']


@pytest.mark.parametrize('uuid, kind, number', [
    ('mpath-3600508b400105e210000900000490000', 'mpath', None),
    ('part1-mpath-3600508b400105e210000900000490000', 'partition', 1),
    ('part12-mpath-x', 'partition', 12),
    ('CRYPT-LUKS2-7a8b9c0d1e2f4a5b8c6d7e8f9a0b1c2d-luks-data', 'crypt', None),
    ('LVM-ZpQ8rGnVmRk0ht6UuUoyA0vXH7zWsI3kYxq9y0HtSoyQ2tm1fHfJ6dRrTnBfV8kq', 'lvm', None),
    ('', 'dm', None),
    (None, 'dm', None),
])
def test_dm_kinds(uuid, kind, number):
    assert blockdev.dm_kind(uuid) == kind
    assert blockdev.dm_partition_number(uuid) == number


def test_multipath_tree():
    devices = blockdev.walk(ReplayContext('synthetic-multipath-crypt-btrfs'))
    assert devices['dm-0']['slaves'] == ['sdb', 'sdc'] and devices['sdb']['holders'] == ['dm-0']
    assert devices['dm-1']['dm_name'] == 'mpatha1' and devices['dm-2']['slaves'] == ['dm-1']
    assert devices['dm-0']['serial'] is None  # no serial lookup on device-mapper devices


def test_kernel_name_from_sys_dev_block_link():
    ctx = ReplayContext('loop-lab')
    ctx.links = {'readlink': {'/sys/dev/block/8:1': '../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/'
                                                    '0:0:0:0/block/sda/sda1'}}
    assert blockdev.kernel_name(ctx, '8:1') == 'sda1'
    assert blockdev.kernel_name(ctx, '0:45') is None and blockdev.kernel_name(ctx, '9:9') is None
