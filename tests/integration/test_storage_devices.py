"""Storage discovery against real devices: loop disks with GPT and MBR tables, ext4, XFS, vfat,
swap, a whole-disk ext4, a 4K-sector disk, a raw disk, Btrfs with subvolumes, a read-only snapshot
and a non-default default subvolume mounted by ``subvol=``, and an LVM PV + VG with inactive LVs
(this kernel has no device-mapper). The facts come from the real module run by the ``ansible``
command line and are checked against what the test built and against the tools themselves
(blkid, lvm, btrfs, statvfs, dumpe2fs). Root only; everything is removed afterwards."""

import json
import os
import sys

import pytest

from shell_helpers import comparable, differences
from source_facts_helpers import run_adhoc
from storage_helpers import LoopLab, missing_tools, sh

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason='needs root to build loop devices'),
    pytest.mark.skipif(bool(missing_tools()), reason='missing tools: %s' % ', '.join(missing_tools())),
]

MIB = 1 << 20
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    lab = LoopLab(tmp_path_factory.mktemp('storage'))
    try:
        yield build(lab)
    finally:
        lab.cleanup()


def build(lab):
    built = {'lab': lab}
    gpt = lab.disk(512, name='gpt')
    parts = lab.sgdisk(gpt, '-n1:1M:+40M', '-t1:ef00', '-c1:EFI System', '-n2:0:+48M', '-t2:8300',
                       '-n3:0:+300M', '-t3:8300', '-n4:0:+16M', '-t4:8200', '-n5:0:0', '-t5:8e00')
    built.update(gpt=gpt, gpt_parts=parts)
    built['uuids'] = {
        parts[0]: lab.mkfs(parts[0], 'vfat', 'ESP'),  # this kernel cannot mount vfat: probed only
        parts[1]: lab.mkfs(parts[1], 'ext4', 'data fs'),
        parts[2]: lab.mkfs(parts[2], 'xfs', 'cold'),
        parts[3]: lab.mkfs(parts[3], 'swap', 'swp'),
    }
    built['vg'] = lab.vg('vg', parts[4])
    lab.lv(built['vg'], 'data', '8M')
    built['ext4_mount'] = lab.mount(parts[1], 'ext4 mount')
    built['xfs_mount'] = lab.mount(parts[2], 'xfs')
    lab.swapon(parts[3])

    dos = lab.disk(400, name='dos')
    built.update(dos=dos, dos_parts=lab.sfdisk(dos, 'label: dos\n,16M,83,*\n,,5\n,300M,83\n,,83\n'))
    built['uuids'][built['dos_parts'][0]] = lab.mkfs(built['dos_parts'][0], 'ext4')
    built['uuids'][built['dos_parts'][2]] = lab.mkfs(built['dos_parts'][2], 'xfs')

    built['whole'] = lab.disk(32, name='whole')
    built['uuids'][built['whole']] = lab.mkfs(built['whole'], 'ext4', 'whole')
    built['whole_mount'] = lab.mount(built['whole'], 'whole\ttab')

    built['four_k'] = lab.disk(64, sector_size=4096, name='4k')
    built['four_k_parts'] = lab.sgdisk(built['four_k'], '-n1:0:+20M', '-t1:8300')
    built['uuids'][built['four_k_parts'][0]] = lab.mkfs(built['four_k_parts'][0], 'ext4')

    members = [lab.disk(300, name='btrfs-a'), lab.disk(300, name='btrfs-b')]
    built['btrfs_members'] = members
    built['fsid'] = lab.mkfs(members, 'btrfs', 'lab btrfs', '-d', 'raid1', '-m', 'raid1')
    top = lab.mount(members[0], 'btrfs top', options='subvolid=5')
    for name in ('@', '@home'):
        sh('btrfs', 'subvolume', 'create', os.path.join(top, name))
    sh('btrfs', 'subvolume', 'snapshot', '-r', os.path.join(top, '@'), os.path.join(top, '@snap'))
    built['subvolume_ids'] = dict((line.split()[-1], int(line.split()[1]))
                                  for line in sh('btrfs', 'subvolume', 'list', top).splitlines())
    sh('btrfs', 'subvolume', 'set-default', built['subvolume_ids']['@'], top)
    built['btrfs_mounts'] = {'top': top, 'home': lab.mount(members[0], 'home', options='subvol=@home'),
                             'default': lab.mount(members[1], 'default')}
    built['raw'] = lab.disk(16, name='raw')
    return built


@pytest.fixture(scope='module')
def facts(lab, tmp_path_factory):
    rc, status, result, output = run_adhoc(tmp_path_factory.mktemp('ansible'),
                                           {'exclude_devices': [], 'sections': ['storage']})
    assert rc == 0 and status == 'SUCCESS', output
    discovery = result['ansible_facts']['sms_discovery']
    assert discovery['sections'] == ['storage']
    return discovery


def devices(storage):
    found = {}
    for disk in storage['disks']:
        found[disk['path']] = disk
        for part in disk['partitions']:
            found[part['path']] = part
    return found


def blkid_value(device, key):
    return sh('blkid', '-p', '-o', 'value', '-s', key, device).strip() or None


def test_disks_and_partition_tables(lab, facts):
    found = devices(facts['storage'])
    lab_disks = sorted(lab['lab'].loops)
    assert sorted(d['path'] for d in facts['storage']['disks'] if d['path'] in lab_disks) == lab_disks
    gpt = found[lab['gpt']]
    assert (gpt['type'], gpt['size_bytes'], gpt['partition_table']) == ('loop', 512 * MIB, 'gpt')
    assert gpt['partition_table_uuid'] == blkid_value(lab['gpt'], 'PTUUID')
    sizes = [40 * MIB, 48 * MIB, 300 * MIB, 16 * MIB]
    assert [p['size_bytes'] for p in gpt['partitions'][:4]] == sizes
    assert [p['number'] for p in gpt['partitions']] == [1, 2, 3, 4, 5]
    assert gpt['partitions'][0]['start_bytes'] == 1 * MIB
    assert gpt['partitions'][0]['type_id'] == 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b'
    assert found[lab['dos']]['partition_table'] == 'dos'
    assert [p['number'] for p in found[lab['dos']]['partitions']] == [1, 2, 5, 6]
    four_k = found[lab['four_k']]
    assert (four_k['logical_sector_size'], four_k['partition_table'], four_k['size_bytes']) == (4096, 'gpt', 64 * MIB)
    assert four_k['partitions'][0]['start_bytes'] == 1 * MIB and four_k['partitions'][0]['size_bytes'] == 20 * MIB


def test_file_systems_match_blkid(lab, facts):
    found = devices(facts['storage'])
    for device, fs_uuid in lab['uuids'].items():
        entry = found[device]['filesystem'] if device == lab['whole'] else found[device]
        assert entry['uuid'] == fs_uuid and entry['fstype'] == blkid_value(device, 'TYPE'), device
        assert entry['label'] == blkid_value(device, 'LABEL'), device
        if device != lab['whole']:
            assert entry['partuuid'] == blkid_value(device, 'PART_ENTRY_UUID'), device
    assert found[lab['gpt_parts'][0]]['fstype'] == 'vfat'
    assert found[lab['gpt_parts'][4]]['lvm_pv'] and found[lab['gpt_parts'][4]]['fstype'] == 'LVM2_member'


def test_mounted_usage_matches_statvfs_and_inode_size_dumpe2fs(lab, facts):
    found = devices(facts['storage'])
    ext4 = found[lab['gpt_parts'][1]]
    assert ext4['mountpoints'] == [lab['ext4_mount']]
    stat = os.statvfs(lab['ext4_mount'])
    assert ext4['usage']['total_bytes'] == stat.f_frsize * stat.f_blocks
    assert ext4['usage']['inodes_total'] == stat.f_files and ext4['usage']['source'] == 'statvfs'
    dumpe2fs = sh('dumpe2fs', '-h', lab['gpt_parts'][1])
    inode_size = int(next(line.split(':')[1] for line in dumpe2fs.splitlines() if line.startswith('Inode size')))
    assert ext4['inode_size'] == inode_size
    assert found[lab['gpt_parts'][2]]['inode_size'] == 512 and found[lab['gpt_parts'][2]]['mountpoints'] == [lab['xfs_mount']]
    whole = found[lab['whole']]['filesystem']
    assert whole['mountpoints'] == [lab['whole_mount']] and whole['usage']['source'] == 'statvfs'
    unmounted_xfs = found[lab['dos_parts'][2]]
    assert unmounted_xfs['mountpoints'] == [] and unmounted_xfs['usage']['source'] == 'superblock'
    assert unmounted_xfs['usage']['total_bytes'] == 300 * MIB


def test_btrfs_subvolumes_snapshot_and_default(lab, facts):
    fs, = [f for f in facts['storage']['btrfs'] if f['fsid'] == lab['fsid']]
    ids = lab['subvolume_ids']
    mounts = lab['btrfs_mounts']
    assert [d['path'] for d in fs['devices']] == lab['btrfs_members'] and fs['total_bytes'] == 600 * MIB
    assert (fs['label'], fs['profiles']['data'], fs['profiles']['metadata']) == ('lab btrfs', 'RAID1', 'RAID1')
    shown = sh('btrfs', 'filesystem', 'show', '--raw', mounts['top'])
    assert 'FS bytes used %d' % fs['used_bytes'] in shown or fs['used_bytes'] > 0
    assert fs['default_subvolume'] == {'id': ids['@'], 'path': '@', 'mountpoints': [mounts['default']]}
    subvolumes = dict((s['path'], s) for s in fs['subvolumes'])
    assert dict((path, s['id']) for path, s in subvolumes.items()) == ids
    assert [path for path, s in subvolumes.items() if s['is_snapshot']] == ['@snap']
    assert subvolumes['@snap']['parent_uuid'] == subvolumes['@']['uuid']
    assert subvolumes['@home']['mountpoints'] == [mounts['home']]
    assert sorted(fs['mountpoints']) == sorted(mounts.values())
    mount = next(m for m in facts['storage']['mounts'] if m['mountpoint'] == mounts['home'])
    assert (mount['subvol'], mount['subvolid'], mount['device']) == ('/@home', ids['@home'], lab['btrfs_members'][0])


def test_lvm_pv_and_vg_match_lvm(lab, facts):
    lvm = facts['storage']['lvm']
    assert lvm['available']
    report = sh('lvm', 'vgs', '--noheadings', '--nosuffix', '--units', 'b', '-o', 'vg_size,vg_free', lab['vg']).split()
    vg, = [v for v in lvm['vgs'] if v['name'] == lab['vg']]
    assert [vg['size_bytes'], vg['free_bytes']] == [int(x) for x in report]
    assert vg['pv_paths'] == [lab['gpt_parts'][4]] and vg['lv_count'] == 1
    pv, = [p for p in lvm['pvs'] if p['path'] == lab['gpt_parts'][4]]
    assert pv['vg'] == lab['vg'] and pv['device_size_bytes'] == devices(facts['storage'])[pv['path']]['size_bytes']
    lv, = [lv for lv in lvm['lvs'] if lv['vg'] == lab['vg']]
    assert (lv['key'], lv['size_bytes'], lv['segment_type'], lv['pv_paths']) == (
        lab['vg'] + '/data', 8 * MIB, 'linear', [pv['path']])


def test_swap_raw_devices_and_tmp(lab, facts):
    storage = facts['storage']
    swap, = [s for s in storage['swap'] if s['path'] == lab['gpt_parts'][3]]
    assert swap['type'] == 'partition' and swap['size_bytes'] == 16 * MIB - 4096
    mine = [p for p in storage['raw_devices'] if any(p == d or p.startswith(d + 'p') for d in lab['lab'].loops)]
    assert sorted(mine) == sorted([lab['raw'], lab['dos_parts'][3]])  # the unformatted logical partition
    assert storage['tmp']['mountpoint'] is not None and storage['tmp']['available_bytes'] > 0


def test_default_excludes_drop_loop_devices(lab, tmp_path):
    rc, status, result, output = run_adhoc(tmp_path, {'sections': ['storage']})
    assert rc == 0, output
    storage = result['ansible_facts']['sms_discovery']['storage']
    assert not any(d['path'].startswith('/dev/loop') for d in storage['disks'])
    assert any(m['mountpoint'] == lab['ext4_mount'] for m in storage['mounts'])  # mounts are still listed


def test_collector_process_count(lab):
    """Cost: blkid + 3 LVM reports + btrfs show + 4 per mounted Btrfs, whatever the device count."""
    sys.path.insert(0, os.path.join(ROOT, '.tmp', 'collections'))
    from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import storage
    from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.runner import DiscoveryContext

    class Counting(DiscoveryContext):
        ran = []

        def run(self, argv, timeout=None, stdin_data=None):
            self.ran.append(argv)
            return DiscoveryContext.run(self, argv, timeout, stdin_data)

        def run_many(self, argvs, timeout=None):
            self.ran.extend(argvs)
            return DiscoveryContext.run_many(self, argvs, timeout)

    ctx = Counting(timeout=20)
    mine = [os.path.basename(d) for d in lab['lab'].loops]
    others = [n for n in os.listdir('/sys/block') if n not in mine]
    result = storage.collect(ctx, {'exclude_devices': others, 'exclude_fstypes': None})
    assert sorted(d['name'] for d in result['disks']) == sorted(mine)
    blkid_calls = [tuple(argv[:3]) for argv in ctx.ran].count(('blkid', '-p', '-o'))
    assert blkid_calls in (1, 2)  # blkid -p stops at the raw disk: one more call if devices follow it
    assert len(ctx.ran) == blkid_calls + 3 + 1 + 4 * len([f for f in result['btrfs'] if f['mountpoints']])
    assert json.loads(json.dumps(result)) == result


def test_shell_method_gives_the_same_storage_facts(lab, facts, tmp_path):
    """method=shell (sms-capture.sh + the collectors on the controller) == method=python."""
    rc, status, result, output = run_adhoc(tmp_path, {'exclude_devices': [], 'sections': ['storage'],
                                                      'method': 'shell'})
    assert rc == 0 and status == 'SUCCESS', output
    shell = result['ansible_facts']['sms_discovery']
    assert shell['provenance']['method'] == 'shell' and facts['provenance']['method'] == 'python'
    found = differences(comparable(facts), comparable(shell))
    assert not found, '\n'.join(found)
    loops = [disk for disk in shell['storage']['disks'] if disk['path'].startswith('/dev/loop')]
    assert len(loops) >= 7 and any(fs['subvolumes'] for fs in shell['storage']['btrfs'])
