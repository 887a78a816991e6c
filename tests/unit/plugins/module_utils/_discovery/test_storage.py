"""The storage collector end to end on recorded cases (tests/fixtures/storage/<case>): real ones
captured from loop devices on this machine (loop-lab, lvm-oddities, btrfs-degraded) and
hand-made sysfs trees for layouts that cannot be built here (synthetic-*). Only the commands and
statvfs are replayed (storage_replay.ReplayContext); sysfs, /proc and device bytes are read from
the case folder by the real DiscoveryContext code."""

import collections
import os

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import blkid, storage
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.runner import CommandResult
from storage_replay import ReplayContext

GIB = 1 << 30
MIB = 1 << 20


def collect(case, ctx=None, **options):
    ctx = ctx or ReplayContext(case)
    merged = dict(ctx.options)
    merged.update(options)
    return ctx, storage.collect(ctx, merged)


def by_name(facts):
    found = {}
    for disk in facts['disks']:
        found[disk['name']] = disk
        for part in disk['partitions']:
            found[part['name']] = part
    return found


def name(path):
    return os.path.basename(path)


# -- loop-lab: real loop devices --------------------------------------------------------------

@pytest.fixture(scope='module')
def lab():
    ctx, facts = collect('loop-lab')
    return ctx, facts, ctx.built


def test_lab_lists_exactly_the_lab_disks(lab):
    ctx, facts, built = lab
    listed = [d['path'] for d in facts['disks']]
    assert sorted(p for p in listed if p.startswith('/dev/loop')) == sorted(built['lab_loops'])
    assert all(d['type'] == 'loop' for d in facts['disks'] if d['path'].startswith('/dev/loop'))
    assert all('/dev/vda' in w for w in ctx.warnings)  # the sandbox may refuse to open the root disk


def test_lab_gpt_disk_and_partitions(lab):
    _ctx, facts, built = lab
    devices = by_name(facts)
    disk = devices[name(built['gpt']['disk'])]
    assert (disk['partition_table'], disk['size_bytes'], disk['logical_sector_size']) == ('gpt', 512 * MIB, 512)
    assert [p['number'] for p in disk['partitions']] == [1, 2, 3, 4, 5]
    esp, ext4, xfs, swap, pv = disk['partitions']
    assert (esp['start_bytes'], esp['size_bytes'], esp['fstype'], esp['uuid'], esp['label']) == (
        1 * MIB, 40 * MIB, 'vfat', built['esp_uuid'], 'ESP')
    assert esp['type_id'] == 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b' and esp['partlabel'] == 'EFI System'
    assert ext4['start_bytes'] == esp['start_bytes'] + esp['size_bytes'] and ext4['size_bytes'] == 48 * MIB
    assert (ext4['fstype'], ext4['uuid'], ext4['label']) == ('ext4', built['ext4_uuid'], 'root fs')
    assert ext4['mountpoints'] == [built['ext4_mount'], built['bind_mount']]
    assert ext4['usage']['source'] == 'statvfs' and ext4['inode_size'] == 256
    assert ext4['usage']['used_bytes'] == ext4['usage']['total_bytes'] - ext4['usage']['free_bytes']
    assert (xfs['fstype'], xfs['uuid'], xfs['mountpoints'], xfs['inode_size']) == ('xfs', built['xfs_uuid'], [], 512)
    assert xfs['usage']['source'] == 'superblock' and xfs['usage']['total_bytes'] == 300 * MIB
    assert (swap['fstype'], swap['uuid']) == ('swap', built['swap_uuid'])
    assert (pv['fstype'], pv['lvm_pv'], pv['holders']) == ('LVM2_member', True, [])  # LVs inactive: no holders
    assert not any(p['lvm_pv'] for p in (esp, ext4, xfs, swap)) and not disk['lvm_pv']


def test_lab_dos_whole_disk_4k_and_hybrid(lab):
    _ctx, facts, built = lab
    devices = by_name(facts)
    dos = devices[name(built['dos']['disk'])]
    assert dos['partition_table'] == 'dos'
    assert [(p['number'], p['type_id']) for p in dos['partitions']] == [(1, '0x83'), (2, '0x5'), (5, '0x83'), (6, '0x83')]
    assert dos['partitions'][0]['uuid'] == built['dos_ext4_uuid'] and dos['partitions'][2]['fstype'] == 'xfs'
    whole = devices[name(built['whole']['disk'])]
    assert whole['partition_table'] is None and whole['partitions'] == []
    assert (whole['filesystem']['fstype'], whole['filesystem']['uuid']) == ('ext4', built['whole']['uuid'])
    assert whole['filesystem']['mountpoints'] == [built['whole_mount']]  # tab, backslash and newline in it
    four_k = devices[name(built['4k']['disk'])]
    assert (four_k['logical_sector_size'], four_k['partition_table'], four_k['size_bytes']) == (4096, 'gpt', 64 * MIB)
    assert four_k['partitions'][0]['start_bytes'] == 1 * MIB and four_k['partitions'][0]['size_bytes'] == 20 * MIB
    assert devices[name(built['hybrid']['disk'])]['partition_table'] == 'gpt'


def test_lab_raw_devices(lab):
    _ctx, facts, built = lab
    assert sorted(facts['raw_devices']) == sorted([
        built['raw'], built['4k']['partitions'][1], built['dos']['partitions'][3]] + built['hybrid']['partitions'])


def test_lab_btrfs(lab):
    _ctx, facts, built = lab
    expected = built['btrfs']
    fs, = [f for f in facts['btrfs'] if f['fsid'] == expected['fsid']]
    assert [d['path'] for d in fs['devices']] == expected['devices'] and fs['total_bytes'] == 600 * MIB
    assert (fs['label'], fs['nodesize'], fs['sectorsize']) == ('bt lab', 16384, 4096)
    assert fs['profiles'] == {'data': 'RAID1', 'metadata': 'RAID1', 'system': 'RAID1'}
    assert sorted(fs['mountpoints']) == sorted([expected['top'], expected['home'], expected['default']])
    assert fs['default_subvolume'] == {'id': expected['ids']['@'], 'path': '@', 'mountpoints': [expected['default']]}
    subvolumes = dict((s['path'], s) for s in fs['subvolumes'])
    assert dict((p, s['id']) for p, s in subvolumes.items()) == expected['ids']
    assert [p for p, s in subvolumes.items() if s['is_snapshot']] == ['@/snaps/s1']
    assert subvolumes['@home']['mountpoints'] == [expected['home']]
    assert subvolumes['@/snaps/s1']['parent_uuid'] == subvolumes['@']['uuid']
    devices = by_name(facts)
    first, second = (devices[name(d)]['filesystem'] for d in expected['devices'])
    assert first['mountpoints'] == second['mountpoints'] == fs['mountpoints']
    assert first['usage'] == second['usage'] and first['usage']['source'] == 'statvfs'


def test_lab_mounts_stat_each_file_system_once(lab):
    ctx, facts, built = lab
    assert len(ctx.stats) == len(set(ctx.stats))
    stated = [m for m in facts['mounts'] if m['usage'] is not None]
    assert len(set(m['major_minor'] for m in stated)) == len(ctx.stats)
    bind = next(m for m in facts['mounts'] if m['mountpoint'] == built['bind_mount'])
    ext4 = next(m for m in facts['mounts'] if m['mountpoint'] == built['ext4_mount'])
    assert bind['usage'] == ext4['usage'] and bind['root'] == '/sub dir' and bind['device'] == built['gpt']['partitions'][1]
    top = next(m for m in facts['mounts'] if m['mountpoint'] == built['btrfs']['top'])
    assert (top['subvol'], top['subvolid'], top['device']) == ('/', 5, built['btrfs']['devices'][0])
    assert all(m['skipped'] == 'excluded fstype' for m in facts['mounts'] if m['fstype'] in ('proc', 'sysfs'))


def test_lab_process_count(lab):
    ctx, facts, _built = lab
    commands = collections.Counter(tuple(argv[:3]) for argv in ctx.ran)
    # blkid -p stops at each device it cannot report: one more call per empty or unreadable whole device
    stops = len([p for p in facts['raw_devices'] if p in [d['path'] for d in facts['disks']]])
    stops += len([w for w in ctx.warnings if w.startswith('blkid -p could not probe /dev/vda')])
    # (no new call after a stop at the last device: blkid is never run without devices)
    assert commands[('blkid', '-p', '-o')] in (stops, 1 + stops)
    assert all(len(argv) > len(blkid.ARGV) for argv in ctx.ran if argv[:len(blkid.ARGV)] == blkid.ARGV)
    assert [commands[('lvm', kind, '--noheadings')] + commands[('lvm', kind, '-a')] for kind in ('pvs', 'vgs', 'lvs')] == [1, 1, 1]
    assert commands[('btrfs', 'filesystem', 'show')] == 1
    assert len(ctx.ran) == commands[('blkid', '-p', '-o')] + 3 + 1 + 4 * len([f for f in facts['btrfs'] if f['mountpoints']])


def test_lab_lvm_and_swap(lab):
    _ctx, facts, built = lab
    assert facts['lvm']['available']
    vg, = [v for v in facts['lvm']['vgs'] if v['name'] == built['vg']]
    assert vg['pv_paths'] == [built['gpt']['partitions'][4]] and not vg['duplicate_name']
    lvs = [lv for lv in facts['lvm']['lvs'] if lv['vg'] == built['vg']]
    assert sorted((lv['name'], lv['size_bytes']) for lv in lvs) == [('data', 8 * MIB), ('logs', 12 * MIB)]
    assert all(lv['fstype'] is None and lv['mountpoints'] == [] and lv['lv_uuid'] for lv in lvs)
    assert any(s['path'] == built['gpt']['partitions'][3] for s in facts['swap'])
    assert facts['boot_devices']['root']['disks'] == ['/dev/vda']
    assert facts['tmp']['mountpoint'] == '/' and facts['tmp']['available_bytes'] > 0


# -- other real captures ----------------------------------------------------------------------

def test_degraded_btrfs():
    ctx, facts = collect('btrfs-degraded')
    built = ctx.built
    fs, = [f for f in facts['btrfs'] if f['fsid'] == built['fsid']]
    present, missing = fs['devices']
    assert (present['path'], present['missing']) == (built['present'], False)
    assert (missing['devid'], missing['path'], missing['missing']) == (2, None, True)
    assert fs['total_bytes'] == 600 * MIB  # from the superblock: the present device is only half of it
    assert fs['mountpoints'] == [built['mount']] and fs['default_subvolume']['id'] == 5
    assert 'Btrfs %s has missing devices' % built['fsid'] in ctx.warnings


def test_lvm_oddities_warn_about_duplicate_vg_names():
    ctx, facts = collect('lvm-oddities')
    dup = ctx.built['dup_vg']
    assert 'several volume groups are named %s (told apart by uuid)' % dup in ctx.warnings
    assert [vg['duplicate_name'] for vg in facts['lvm']['vgs'] if vg['name'] == dup] == [True, True]
    disks = dict((d['path'], d) for d in facts['disks'])
    assert all(disks[pv]['lvm_pv'] and disks[pv]['filesystem']['fstype'] == 'LVM2_member' for pv in ctx.built['dup_pvs'])
    assert not any(path in facts['raw_devices'] for path in ctx.built['dup_pvs'])


# -- synthetic: NVMe, md, active LVM, eMMC, 4K-native, nbd ------------------------------------

@pytest.fixture(scope='module')
def server():
    ctx, facts = collect('synthetic-nvme-md-lvm')
    return ctx, facts


def test_server_disks_and_default_excludes(server):
    _ctx, facts = server
    assert [(d['name'], d['type']) for d in facts['disks']] == [
        ('md0', 'md'), ('mmcblk0', 'disk'), ('mmcblk0boot0', 'disk'), ('nbd0', 'disk'),
        ('nvme0n1', 'disk'), ('nvme1n1', 'disk'), ('sda', 'disk')]  # loop0, sr0, unused nbd1 excluded
    devices = by_name(facts)
    nvme = devices['nvme0n1']
    assert [p['name'] for p in nvme['partitions']] == ['nvme0n1p1', 'nvme0n1p2', 'nvme0n1p3']
    assert (nvme['serial'], nvme['model'], nvme['partition_table']) == ('S676NX0T123456', 'SAMSUNG MZVL2256HCHQ-00B00', 'gpt')
    assert nvme['partitions'][2]['holders'] == ['md0'] and nvme['partitions'][2]['fstype'] == 'linux_raid_member'
    assert [p['name'] for p in devices['mmcblk0']['partitions']] == ['mmcblk0p1']
    assert devices['mmcblk0p1']['mountpoints'] == ['/srv/sd card'] and devices['mmcblk0p1']['start_bytes'] == 4 * MIB
    md0 = devices['md0']
    assert (md0['slaves'], md0['holders'], md0['lvm_pv']) == (['nvme0n1p3', 'nvme1n1p1'], ['dm-0', 'dm-1'], True)


def test_server_4k_native_disk_unmounted_xfs(server):
    _ctx, facts = server
    sda = by_name(facts)['sda']
    assert (sda['logical_sector_size'], sda['physical_sector_size'], sda['vendor'], sda['rotational']) == (
        4096, 4096, 'SEAGATE', True)
    assert sda['size_bytes'] == 300 * MIB  # sysfs size is in 512-byte units even on a 4K disk
    assert sda['filesystem']['inode_size'] == 512 and sda['filesystem']['usage']['source'] == 'superblock'


def test_server_roles_follow_lvm_md_and_partitions(server):
    _ctx, facts = server
    boot = facts['boot_devices']
    assert boot['root'] == {'device': '/dev/mapper/vg0-root', 'disks': ['/dev/md0', '/dev/nvme0n1', '/dev/nvme1n1']}
    assert boot['boot'] == {'device': '/dev/nvme0n1p2', 'disks': ['/dev/nvme0n1']}
    assert boot['efi'] == {'device': '/dev/nvme0n1p1', 'disks': ['/dev/nvme0n1']}
    devices = by_name(facts)
    assert devices['nvme0n1']['roles'] == ['boot', 'efi', 'root'] or sorted(devices['nvme0n1']['roles']) == ['boot', 'efi', 'root']
    assert devices['nvme1n1']['roles'] == ['root'] and devices['nvme1n1p1']['roles'] == ['root']
    assert devices['nvme0n1p1']['roles'] == ['efi'] and devices['sda']['roles'] == []


def test_server_active_lvs_and_stat_once(server):
    ctx, facts = server
    lvs = dict((lv['key'], lv) for lv in facts['lvm']['lvs'])
    root = lvs['vg0/root']
    assert (root['active'], root['fstype'], root['label'], root['inode_size']) == (True, 'ext4', 'root', 256)
    assert root['mountpoints'] == ['/', '/var/lib/docker'] and root['usage']['total_bytes'] == 200 * GIB
    assert root['pv_paths'] == ['/dev/md0'] and root['mapper'] == '/dev/mapper/vg0-root'
    assert lvs['vg0/swap']['fstype'] == 'swap' and facts['swap'][0]['path'] == '/dev/dm-1'
    assert '/var/lib/docker' not in ctx.stats  # bind mount of / : same major:minor, stat'ed once
    nfs = next(m for m in facts['mounts'] if m['mountpoint'] == '/mnt/nfs')
    assert (nfs['usage'], nfs['skipped']) == (None, 'excluded fstype') and '/mnt/nfs' not in ctx.stats


def test_server_tmp_raw_and_warnings(server):
    ctx, facts = server
    assert facts['tmp'] == {'mountpoint': '/tmp', 'noexec': True, 'available_bytes': 7000 * MIB}
    assert facts['raw_devices'] == ['/dev/mmcblk0boot0', '/dev/nbd0']
    assert ctx.warnings == ['cannot read the superblock of /dev/mmcblk0p1 (not root?): inode_size and the usage '
                            'of unmounted file systems unknown']


def test_without_blkid_the_first_sectors_give_the_table():
    ctx = ReplayContext('synthetic-nvme-md-lvm')
    replay = ctx.run
    ctx.run = lambda argv, timeout=None: CommandResult(argv, missing=True) if argv[0] == 'blkid' else replay(argv)
    _ctx, facts = collect(None, ctx)
    devices = by_name(facts)
    assert (devices['nvme0n1']['partition_table'], devices['mmcblk0']['partition_table']) == ('gpt', 'dos')
    assert devices['nvme1n1']['partition_table'] is None and facts['raw_devices'] is None
    assert devices['nvme0n1p2']['fstype'] == 'ext4'  # from mountinfo: the kernel knows what is mounted
    assert any(w.startswith('blkid -p could not probe the block devices (not installed)') for w in ctx.warnings)
    assert any(w.startswith('cannot read the first sectors of /dev/md0') for w in ctx.warnings)


def test_unprivileged_run_degrades_with_warnings(monkeypatch):
    monkeypatch.setattr(os, 'geteuid', lambda: 1000)
    ctx = ReplayContext('synthetic-nvme-md-lvm')
    calls = []

    def run(argv, timeout=None):
        calls.append(argv)
        if argv[0] == 'blkid':  # blkid stops at the first device it cannot open
            return CommandResult(argv, rc=2, stderr='blkid: error: %s: Permission denied\n' % argv[4])
        return CommandResult(argv, rc=5, stderr='  WARNING: Running as a non-root user. Functionality may be unavailable.\n')

    ctx.run = run
    ctx.read_bytes = lambda path, offset, length, timeout=None: None
    _ctx, facts = collect(None, ctx)
    assert all(d['partition_table'] is None for d in facts['disks'])
    assert facts['lvm'] == {'available': False, 'pvs': [], 'vgs': [], 'lvs': []}
    assert facts['raw_devices'] is None
    assert [d['size_bytes'] for d in facts['disks']][:1] == [ctx.built['md_size']]  # sysfs still works
    assert by_name(facts)['nvme0n1p1']['usage']['source'] == 'statvfs'
    assert any('lvm pvs failed (exit 5: WARNING: Running as a non-root user' in w for w in ctx.warnings)
    assert any('cannot read the first sectors of' in w for w in ctx.warnings)
    assert len([argv for argv in calls if argv[0] == 'blkid']) == 1  # not one call per device


def test_blkid_is_resumed_after_an_empty_device(san):
    ctx, facts = san
    blkid_calls = [argv for argv in ctx.ran if argv[0] == 'blkid']
    assert len(blkid_calls) == 2 and blkid_calls[1][4:] == blkid_calls[0][blkid_calls[0].index('/dev/sdd') + 1:]
    assert facts['raw_devices'] == ['/dev/sdd']


def test_nbd_rule():
    assert storage.device_excluded('nbd1', 0, storage.DEFAULT_EXCLUDE_DEVICES)
    assert not storage.device_excluded('nbd0', GIB, storage.DEFAULT_EXCLUDE_DEVICES)
    assert storage.device_excluded('nbd0', GIB, ['nbd0'])
    assert storage.device_excluded('loop3', GIB, storage.DEFAULT_EXCLUDE_DEVICES)
    assert not storage.device_excluded('loop3', GIB, [])


# -- synthetic: multipath, dm-crypt, Btrfs root, dead mounts ----------------------------------

@pytest.fixture(scope='module')
def san():
    return collect('synthetic-multipath-crypt-btrfs')


def test_multipath_map_is_one_disk(san):
    _ctx, facts = san
    assert [(d['name'], d['type'], d['path']) for d in facts['disks']] == [
        ('dm-0', 'mpath', '/dev/mapper/mpatha'), ('sda', 'disk', '/dev/sda'), ('sdd', 'disk', '/dev/sdd'),
        ('sde', 'disk', '/dev/sde')]  # legs sdb, sdc are not disks
    mpath = facts['disks'][0]
    assert (mpath['slaves'], mpath['partition_table']) == (['sdb', 'sdc'], 'dos')
    part, = mpath['partitions']
    assert (part['name'], part['path'], part['number'], part['start_bytes']) == ('dm-1', '/dev/mapper/mpatha1', 1, 1 * MIB)
    assert (part['fstype'], part['holders']) == ('crypto_LUKS', ['dm-2'])


def test_dead_mounts_time_out_or_are_not_touched(san):
    ctx, facts = san
    data = next(m for m in facts['mounts'] if m['mountpoint'] == '/data')
    assert (data['usage'], data['skipped'], data['device']) == (None, 'timeout', '/dev/mapper/luks-data')
    assert 'statvfs of /data did not finish within 5.0 seconds' in ctx.warnings
    assert '/mnt/dead nfs' not in ctx.stats
    ctx2, facts2 = collect('synthetic-multipath-crypt-btrfs', exclude_fstypes=[])
    nfs = next(m for m in facts2['mounts'] if m['mountpoint'] == '/mnt/dead nfs')
    assert (nfs['usage'], nfs['skipped']) == (None, 'timeout') and '/mnt/dead nfs' in ctx2.stats


def test_btrfs_root_roles_and_subvolumes(san):
    ctx, facts = san
    assert facts['boot_devices']['root'] == {'device': '/dev/sda2', 'disks': ['/dev/sda']}
    assert facts['boot_devices']['boot'] == {'device': '/dev/sda1', 'disks': ['/dev/sda']}
    assert facts['boot_devices']['efi'] is None
    fs, = facts['btrfs']
    assert fs['fsid'] == ctx.built['fsid'] and fs['label'] == 'system'
    assert fs['default_subvolume'] == {'id': 256, 'path': '@', 'mountpoints': ['/', '/.snapshots-view']}
    assert sorted(s['id'] for s in fs['subvolumes'] if s['is_snapshot']) == [258, 259]
    # asked on / (subvolume @): btrfs printed the snapshot below @ relative to it
    assert [s['path'] for s in fs['subvolumes']] == ['@', '@home', '@/.snapshots/1/snapshot', '@rw-copy']
    assert fs['profiles'] == {'data': 'single', 'metadata': 'DUP', 'system': 'DUP'}
    sda2 = by_name(facts)['sda2']
    assert sda2['roles'] == ['root'] and sda2['mountpoints'] == ['/', '/home', '/.snapshots-view']


def test_whole_disk_pv_inactive_lv_and_raw(san):
    _ctx, facts = san
    sde = by_name(facts)['sde']
    assert sde['lvm_pv'] and sde['filesystem']['fstype'] == 'LVM2_member' and sde['partition_table'] is None
    lv, = facts['lvm']['lvs']
    assert (lv['key'], lv['active'], lv['fstype'], lv['mapper']) == ('backup/old-data', False, None,
                                                                     '/dev/mapper/backup-old--data')
    assert facts['raw_devices'] == ['/dev/sdd']
