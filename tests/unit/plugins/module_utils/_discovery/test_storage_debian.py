"""Storage parsers on the real outputs of Debian 11, 12 and 13 tools (util-linux 2.36/2.38/2.41,
lvm2 2.03.11/16/31, btrfs-progs 5.10/6.2/6.14), captured in debootstrap roots against loop
devices (tests/fixtures/debian1N, see tests/fixtures/README.md), checked against the ground
truth in each case's meta.json and against the tools' own JSON/dump outputs."""

import json
import os

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import (
    blkid, blockdev, btrfs, lvm, mountinfo, superblock,
)
from storage_replay import FIXTURES

SUITES = [suite for suite in ('debian11', 'debian12', 'debian13')
          if os.path.exists(os.path.join(FIXTURES, '..', suite, 'storage', 'meta.json'))]
pytestmark = pytest.mark.skipif(not SUITES, reason='no Debian captures in tests/fixtures/debian1N')


def folder(suite, case):
    return os.path.normpath(os.path.join(FIXTURES, '..', suite, case))


def text(suite, case, name):
    with open(os.path.join(folder(suite, case), name), 'rb') as handle:
        return handle.read().decode('utf-8')


def meta(suite, case='storage'):
    return json.loads(text(suite, case, 'meta.json'))


def command(suite, case, stdout):
    return next(c for c in meta(suite, case)['commands'] if c['stdout'] == stdout)


@pytest.fixture(params=SUITES)
def suite(request):
    return request.param


def test_blkid_per_device_matches_the_scene(suite):
    scene = meta(suite)['scene']
    for entry in meta(suite)['commands']:
        if entry['argv'][:4] != blkid.ARGV or len(entry['argv']) != 5:
            continue
        device = entry['argv'][4]
        probes = blkid.parse_export(text(suite, 'storage', entry['stdout']))
        expected = scene['filesystems'].get(device)
        if expected is None:
            continue
        assert blkid.filesystem(probes[device]) == {
            'fstype': expected['type'], 'uuid': expected['uuid'], 'label': expected['label']}, device
    for disk in scene['disks'].values():
        probes = blkid.parse_export(text(suite, 'storage', command_for(suite, disk['device'])))
        assert blkid.partition_table(probes.get(disk['device'], {}))[0] == disk['pttype']
        for number, part in disk['partitions'].items():
            entry = blkid.partition_entry(blkid.parse_export(
                text(suite, 'storage', command_for(suite, part['device'])))[part['device']])
            assert (entry['number'], entry['start_bytes']) == (int(number), part['start_bytes'])
            if part['partuuid']:
                assert entry['partuuid'] == part['partuuid']
            if part['name']:
                assert entry['partlabel'] == part['name']


def command_for(suite, device):
    return next(c['stdout'] for c in meta(suite)['commands'] if c['argv'] == blkid.ARGV + [device])


def test_blkid_stops_at_the_first_device_without_signature(suite):
    """The one-call form stops at the raw disk: resume_point finds it (real util-linux behaviour)."""
    entry = next(c for c in meta(suite)['commands'] if c['argv'][:4] == blkid.ARGV and len(c['argv']) > 5)
    pending = entry['argv'][4:]
    probes = blkid.parse_export(text(suite, 'storage', entry['stdout']))
    stop = blkid.resume_point(pending, probes, entry['rc'])
    raw = meta(suite)['scene']['disks']['disk-raw']['device']
    assert pending[stop] == raw and all(path in probes for path in pending[:stop])
    assert not any(path in probes for path in pending[stop:])


@pytest.mark.parametrize('case', ['storage', 'lvm-duplicate-vg'])
def test_lvm_reports_match_the_json_reports(suite, case):
    reports, oracle = {}, {}
    for kind in ('pvs', 'vgs', 'lvs'):
        reports[kind] = lvm.parse_report(text(suite, case, 'lvm-%s.txt' % kind))
        oracle[kind] = json.loads(text(suite, case, 'lvm-%s-json.txt' % kind))['report'][0][kind[:-1]]
    facts = lvm.build(reports['pvs'], reports['vgs'], reports['lvs'])
    assert sorted((pv['path'], pv['size_bytes'], pv['free_bytes']) for pv in facts['pvs']) == sorted(
        (pv['pv_name'], int(pv['pv_size']), int(pv['pv_free'])) for pv in oracle['pvs'])
    assert sorted((vg['uuid'], vg['size_bytes'], vg['free_bytes']) for vg in facts['vgs']) == sorted(
        (vg['vg_uuid'], int(vg['vg_size']), int(vg['vg_free'])) for vg in oracle['vgs'])
    visible = [lv for lv in oracle['lvs'] if not lv['lv_name'].startswith('[')]
    assert sorted((lv['lv_uuid'], lv['size_bytes']) for lv in facts['lvs']) == sorted(
        (lv['lv_uuid'], int(lv['lv_size'])) for lv in visible)


def test_lvm_scene(suite):
    reports = dict((kind, lvm.parse_report(text(suite, 'storage', 'lvm-%s.txt' % kind))) for kind in ('pvs', 'vgs', 'lvs'))
    facts = lvm.build(reports['pvs'], reports['vgs'], reports['lvs'])
    for vg in meta(suite)['scene']['lvm']['vgs']:
        found, = [v for v in facts['vgs'] if v['uuid'] == vg['uuid']]
        assert (found['name'], sorted(found['pv_paths'])) == (vg['name'], sorted(vg['pvs']))
        for name, lv in vg['lvs'].items():
            if name.startswith('['):
                assert not any(f['name'] == name for f in facts['lvs'])
                continue
            got, = [f for f in facts['lvs'] if f['lv_uuid'] == lv['uuid']]
            assert (got['key'], got['size_bytes'], got['segment_type'], got['pool']) == (
                '%s/%s' % (vg['name'], name), lv['size_bytes'], lv['segtype'], lv['pool'])
            assert got['pv_paths'] and set(got['pv_paths']) <= set(vg['pvs'])


def test_duplicate_vg_names(suite):
    case = meta(suite, 'lvm-duplicate-vg')
    reports = dict((kind, lvm.parse_report(text(suite, 'lvm-duplicate-vg', 'lvm-%s.txt' % kind)))
                   for kind in ('pvs', 'vgs', 'lvs'))
    facts = lvm.build(reports['pvs'], reports['vgs'], reports['lvs'])
    for expected in case['lvm']['duplicate_vgs']:
        vg, = [v for v in facts['vgs'] if v['uuid'] == expected['uuid']]
        assert vg['duplicate_name'] and vg['pv_paths'] == expected['pvs']
        for name, lv in expected['lvs'].items():
            got, = [f for f in facts['lvs'] if f['lv_uuid'] == lv['uuid']]
            assert (got['key'], got['vg_uuid'], got['size_bytes']) == ('%s/%s' % (vg['name'], name), vg['uuid'],
                                                                       lv['size_bytes'])


def test_btrfs_show_raw_and_human(suite):
    scene = meta(suite)['scene']['btrfs']
    raw = dict((fs['fsid'], fs) for fs in btrfs.parse_show(text(suite, 'storage', 'btrfs-fi-show-raw.txt')))
    human = dict((fs['fsid'], fs) for fs in btrfs.parse_show(text(suite, 'storage', 'btrfs-fi-show.txt')))
    for expected in scene.values():
        fs = raw[expected['fsid']]
        assert fs['exact'] and fs['label'] == expected['label']
        assert dict((str(d['devid']), d['path']) for d in fs['devices']) == expected['devices']
        approximate = human[expected['fsid']]
        assert not approximate['exact']
        for exact_device, rounded in zip(fs['devices'], approximate['devices']):
            assert abs(exact_device['size_bytes'] - rounded['size_bytes']) <= exact_device['size_bytes'] // 100


@pytest.mark.parametrize('case', ['btrfs-single', 'btrfs-single-home', 'btrfs-raid1'])
def test_btrfs_per_mount_commands(suite, case):
    expected = meta(suite, case)['btrfs']
    exact = btrfs.parse_df(text(suite, case, 'btrfs-fi-df-raw.txt'))
    assert btrfs.parse_df(text(suite, case, 'btrfs-fi-df-b.txt')) == exact
    rounded = btrfs.parse_df(text(suite, case, 'btrfs-fi-df.txt'))
    assert rounded['profiles'] == exact['profiles'] and not rounded['exact']
    assert exact['profiles']['data'] == expected['profiles']['data']
    assert exact['profiles']['metadata'] == expected['profiles']['metadata']
    assert exact['global_reserve']['total_bytes'] > 0
    default = btrfs.parse_get_default(text(suite, case, 'btrfs-subvolume-get-default.txt'))
    assert default['id'] == expected['default_subvolume']['id']
    listed = btrfs.parse_subvolume_list(text(suite, case, 'btrfs-subvolume-list-puq.txt'))
    mounted = mountinfo_subvolid(suite, case)
    absolute = dict((s['id'], s) for s in btrfs.absolute_paths(listed, mounted))
    assert dict((s['id'], s['path']) for s in absolute.values()) == dict(
        (s['id'], s['path']) for s in expected['subvolumes'])
    snapshots = btrfs.parse_snapshot_ids(text(suite, case, 'btrfs-subvolume-list-s.txt'))
    assert snapshots == set(s['id'] for s in expected['subvolumes'] if s['snapshot_of'])
    for subvolume in expected['subvolumes']:
        assert absolute[subvolume['id']]['uuid'] == subvolume['uuid']
        if subvolume['snapshot_of']:
            origin = next(s for s in expected['subvolumes'] if s['path'] == subvolume['snapshot_of'])
            assert absolute[subvolume['id']]['parent_uuid'] == origin['uuid']


def mountinfo_subvolid(suite, case):
    """The subvolume the per-mount commands ran on (from the storage scene's mountinfo)."""
    point = meta(suite, case)['mountpoint']
    mounts = mountinfo.parse_mountinfo(text(suite, 'storage', 'proc-self-mountinfo'))[0]
    return next(m['subvolid'] for m in mounts if m['mountpoint'].endswith(point))


def test_btrfs_missing_device(suite):
    case = meta(suite, 'btrfs-raid1-degraded')['btrfs']
    for name in ('btrfs-fi-show-raw.txt', 'btrfs-fi-show.txt'):
        fs = next(f for f in btrfs.parse_show(text(suite, 'btrfs-raid1-degraded', name)) if f['fsid'] == case['fsid'])
        present = [d for d in fs['devices'] if not d['missing']]
        assert [d['path'] for d in present] == [case['devices']['1']]
        assert fs['some_missing'] or [d['devid'] for d in fs['devices'] if d['missing']] == [case['missing']['devid']]


def test_mountinfo_and_swaps(suite):
    scene = meta(suite)['scene']
    mounts = mountinfo.parse_mountinfo(text(suite, 'storage', 'proc-self-mountinfo'))[0]
    points = [m['mountpoint'] for m in mounts]
    for expected in scene['mounts']:
        assert any(point.endswith(expected['mountpoint']) for point in points), expected['mountpoint']
    home = next(m for m in mounts if m['mountpoint'].endswith('/home') and m['fstype'] == 'btrfs')
    assert home['subvol'] == '/@home' and home['root'] == '/@home'
    swaps = mountinfo.parse_swaps(text(suite, 'storage', 'proc-swaps'))
    assert [s['size_bytes'] for s in swaps if s['path'].endswith(scene['swaps'][0].split('/')[-1])] == [
        scene['disks']['disk-gpt']['partitions']['4']['size_bytes'] - 4096]


@pytest.mark.parametrize('region, oracle, parse', [
    ('disk-gpt-p2.bytes-1024-2047.bin', 'dumpe2fs-h.disk-gpt-p2.txt', superblock.parse_ext),
    ('disk-4k-p1.bytes-1024-2047.bin', 'dumpe2fs-h.disk-4k-p1.txt', superblock.parse_ext),
    ('disk-ext4.bytes-1024-2047.bin', 'dumpe2fs-h.disk-ext4.txt', superblock.parse_ext),
])
def test_ext_superblocks_match_dumpe2fs(suite, region, oracle, parse):
    with open(os.path.join(folder(suite, 'storage'), region), 'rb') as handle:
        parsed = parse(handle.read())
    values = dict(line.split(':', 1) for line in text(suite, 'storage', oracle).splitlines() if ':' in line)
    block_size = int(values['Block size'])
    assert parsed['inode_size'] == int(values['Inode size'])
    assert parsed['usage']['total_bytes'] == int(values['Block count']) * block_size
    assert parsed['usage']['free_bytes'] == int(values['Free blocks']) * block_size
    assert parsed['usage']['inodes_free'] == int(values['Free inodes'])


def test_xfs_and_btrfs_superblocks(suite):
    with open(os.path.join(folder(suite, 'storage'), 'disk-gpt-p3.bytes-0-511.bin'), 'rb') as handle:
        xfs = superblock.parse_xfs(handle.read())
    values = dict(line.split(' = ', 1) for line in text(suite, 'storage', 'xfs_db-sb0.disk-gpt-p3.txt').splitlines()
                  if ' = ' in line)
    assert xfs['usage']['total_bytes'] == int(values['dblocks']) * int(values['blocksize'])
    assert xfs['inode_size'] == int(values['inodesize'])
    with open(os.path.join(folder(suite, 'storage'), 'disk-btrfs.bytes-65536-69631.bin'), 'rb') as handle:
        parsed = superblock.parse_btrfs(handle.read())
    dump = dict(line.split(None, 1) for line in text(suite, 'storage', 'btrfs-inspect-dump-super.disk-btrfs.txt')
                .splitlines() if len(line.split(None, 1)) == 2)
    assert parsed['fsid'] == dump['fsid'].strip() and parsed['total_bytes'] == int(dump['total_bytes'])
    assert (parsed['nodesize'], parsed['sectorsize']) == (int(dump['nodesize']), int(dump['sectorsize']))


@pytest.mark.parametrize('region, sector, expected', [
    ('disk-gpt.bytes-0-1023.bin', 512, 'gpt'),
    ('disk-dos.bytes-0-1023.bin', 512, 'dos'),
    ('disk-hybrid.bytes-0-1023.bin', 512, 'gpt'),
])
def test_partition_tables_from_first_sectors(suite, region, sector, expected):
    with open(os.path.join(folder(suite, 'storage'), region), 'rb') as handle:
        assert superblock.partition_table(handle.read(), sector) == expected


class SysfsJson(object):
    """A context serving /sys/block from the capture's sysfs-block.json (key ``/`` = listing)."""

    def __init__(self, values):
        self.values = values

    def read_stripped(self, path, default=None):
        value = self.values.get(path[len('/sys/block/'):])
        return value.strip() if isinstance(value, str) else default

    def read(self, path, default=None):
        return self.read_stripped(path, default)

    def listdir(self, path):
        key = path[len('/sys/block/'):] + '/' if path != '/sys/block' else ''
        if key == '':
            return sorted(set(k.split('/')[0] for k in self.values))
        listed = self.values.get(key)
        if isinstance(listed, list):
            return listed
        return sorted(set(k[len(key):].split('/')[0] for k in self.values if k.startswith(key)))

    def isdir(self, path):
        key = path[len('/sys/block/'):] + '/'
        return any(k.startswith(key) for k in self.values)


def test_sysfs_walk_matches_the_scene(suite):
    scene = meta(suite)['scene']
    devices = blockdev.walk(SysfsJson(json.loads(text(suite, 'storage', 'sysfs-block.json'))))
    for disk in scene['disks'].values():
        name = os.path.basename(disk['device'])
        found = devices[name]
        assert (found['size_bytes'], found['logical_sector_size']) == (disk['size_bytes'], disk['logical_sector_size'])
        parts = dict((str(p['number']), p) for p in found['partitions'])
        assert sorted(parts) == sorted(disk['partitions'])
        for number, part in disk['partitions'].items():
            assert (parts[number]['start_bytes'], parts[number]['size_bytes']) == (part['start_bytes'], part['size_bytes'])
