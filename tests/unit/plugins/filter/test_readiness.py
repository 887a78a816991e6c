# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the hwcloud.sms.readiness filter: one healthy host, then one defect per check."""

from __future__ import annotations

import copy

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hwcloud.sms.plugins.filter.readiness import CHECK_NAMES, FilterModule, readiness

GIB = 1024 ** 3
MIB = 1024 ** 2


def _fs(fstype, mountpoints=(), available=None):
    usage = None if available is None else {'available_bytes': available, 'total_bytes': 10 * GIB}
    return {'fstype': fstype, 'uuid': 'u-' + fstype, 'label': None, 'mountpoints': list(mountpoints),
            'usage': usage, 'inode_size': 256}


def healthy():
    """A CentOS 7 VM on KVM with one 40 GiB disk (/boot ext4 + LVM with xfs /) and a data VG."""
    root_lv = dict(_fs('xfs', ['/'], 30 * GIB), key='centos/root', vg='centos', name='root',
                   path='/dev/centos/root', segment_type='linear', pool=None, active=True, pv_paths=['/dev/sda2'])
    return {
        'schema_version': 1,
        'system': {
            'architecture': 'x86_64', 'has_rsync': True, 'has_tc': True, 'container': None,
            'locale': 'en_US.UTF-8', 'locale_is_utf8': True,
            'distribution': {'id': 'centos', 'major': 7, 'minor': 9, 'service_pack': None,
                             'pretty_name': 'CentOS Linux 7 (Core)'},
        },
        'firmware': {'boot_mode': 'bios', 'secure_boot': None,
                     'boot_loader': {'name': 'grub2', 'evidence': ['/boot/grub2/grub.cfg'], 'method': 'config-file'}},
        'platform': {'paravirtualized': False, 'virtualization_type': 'kvm', 'xen_guest_type': None},
        'storage': {
            'disks': [{
                'name': 'sda', 'path': '/dev/sda', 'type': 'disk', 'size_bytes': 40 * GIB, 'roles': ['root', 'boot'],
                'filesystem': None, 'partition_table': 'dos',
                'partitions': [
                    dict(_fs('ext4', ['/boot'], 800 * MIB), name='sda1', path='/dev/sda1', number=1, roles=['boot']),
                    dict(_fs('LVM2_member'), name='sda2', path='/dev/sda2', number=2, roles=['root'], lvm_pv=True),
                ],
            }, {
                'name': 'sdb', 'path': '/dev/sdb', 'type': 'disk', 'size_bytes': 100 * GIB, 'roles': [],
                'filesystem': _fs('ext4', ['/data'], 90 * GIB), 'partition_table': None, 'partitions': [],
            }, {
                'name': 'loop0', 'path': '/dev/loop0', 'type': 'loop', 'size_bytes': GIB, 'roles': [],
                'filesystem': _fs('squashfs', ['/snap/core/1']), 'partitions': [],
            }],
            'mounts': [
                {'mountpoint': '/', 'fstype': 'xfs', 'device': '/dev/mapper/centos-root', 'options': ['rw'],
                 'usage': {'available_bytes': 30 * GIB}},
                {'mountpoint': '/boot', 'fstype': 'ext4', 'device': '/dev/sda1', 'options': ['rw'],
                 'usage': {'available_bytes': 800 * MIB}},
            ],
            'lvm': {'available': True,
                    'pvs': [{'path': '/dev/sda2', 'vg': 'centos'}],
                    'vgs': [{'name': 'centos', 'duplicate_name': False}],
                    'lvs': [root_lv]},
            'btrfs': [],
            'raw_devices': [],
            'tmp': {'mountpoint': '/', 'noexec': False, 'available_bytes': 30 * GIB},
        },
    }


def by_name(results):
    return {result['name']: result for result in results}


def broken(mutate):
    facts = healthy()
    mutate(facts)
    return by_name(readiness(facts))


def test_healthy_host_passes_every_check_in_order():
    results = readiness(healthy())
    assert [r['name'] for r in results] == list(CHECK_NAMES)
    assert {r['status'] for r in results} == {'ok'}
    assert all(r['fix'] == '' for r in results)
    checks = by_name(results)
    assert checks['filesystems']['message'] == 'file systems ext4, xfs'  # squashfs on the loop device ignored
    assert checks['disk_count']['message'] == '2 disks (at most 23)'
    assert checks['system_disk_size']['message'] == 'system disk /dev/sda is 40.0 GiB (at most 1.0 TiB)'
    assert checks['root_free_space']['message'] == '/ has 30.0 GiB available (at least 200.0 MiB)'


def test_filter_is_registered_under_its_documented_name():
    assert FilterModule().filters() == {'readiness': readiness}


def _set(*path_and_value):
    *path, key, value = path_and_value

    def mutate(facts):
        target = facts
        for step in path:
            target = target[step]
        target[key] = value
    return mutate


@pytest.mark.parametrize('name, mutate, status, needle', [
    ('architecture', _set('system', 'architecture', 'aarch64'), 'error', 'SMS.0206'),
    ('operating_system', _set('system', 'distribution', 'id', 'gentoo'), 'warn', 'not in the SMS supported OS'),
    ('operating_system', _set('system', 'distribution', 'major', 5), 'warn', 'supported OS list (centos: 6.x, 7.x'),
    ('boot_mode', _set('firmware', 'boot_mode', 'uefi'), 'warn', 'only for some OS versions'),
    ('boot_loader', _set('firmware', 'boot_loader', 'name', 'systemd-boot'), 'error', 'SMS.6564'),
    ('boot_loader', _set('firmware', 'boot_loader', 'name', 'none'), 'error', 'SMS accepts only GRUB'),
    ('boot_loader', _set('firmware', 'boot_loader', None), 'error', 'overrides: {boot_loader: GRUB}'),
    ('rsync', _set('system', 'has_rsync', False), 'error', 'SMS.6517'),
    ('paravirtualization', _set('platform', 'paravirtualized', True), 'error', 'paravirtualized'),
    ('container', _set('system', 'container', 'docker'), 'error', 'inside a docker container'),
    ('raw_devices', _set('storage', 'raw_devices', ['/dev/sdc', '/dev/sdb']), 'error', '/dev/sdb, /dev/sdc'),
    ('tmp_noexec', _set('storage', 'tmp', 'noexec', True), 'error', 'SMS.5102'),
    ('tmp_free_space', _set('storage', 'tmp', 'available_bytes', 100 * MIB), 'error', 'more than 100.0 MiB'),
    ('locale', _set('system', 'locale_is_utf8', False), 'error', 'not UTF-8'),
])
def test_each_defect_is_reported_by_its_check(name, mutate, status, needle):
    checks = broken(mutate)
    assert checks[name]['status'] == status
    assert needle in '%s (%s)' % (checks[name]['message'], checks[name]['reference'])
    assert checks[name]['fix']
    assert [n for n, r in checks.items() if r['status'] != 'ok'] == [name]


@pytest.mark.parametrize('name, mutate', [
    ('architecture', _set('system', 'architecture', None)),
    ('rsync', _set('system', 'has_rsync', None)),
    ('paravirtualization', _set('platform', 'paravirtualized', None)),
    ('boot_mode', _set('firmware', 'boot_mode', None)),
    ('raw_devices', _set('storage', 'raw_devices', None)),
    ('tmp_noexec', _set('storage', 'tmp', None)),
    ('tmp_free_space', _set('storage', 'tmp', 'available_bytes', None)),
    ('locale', _set('system', 'locale_is_utf8', None)),
    ('root_free_space', _set('storage', 'mounts', [])),
    ('operating_system', _set('system', 'distribution', {})),
])
def test_unknown_data_is_a_warning_never_ok(name, mutate):
    assert broken(mutate)[name]['status'] == 'warn'


def test_missing_sections_give_warnings_not_exceptions():
    results = by_name(readiness({'schema_version': 1, 'sections': []}))
    assert results['rsync']['status'] == 'warn'
    assert results['system_disk_size']['status'] == 'warn'
    assert results['disk_count']['status'] == 'ok'


def test_uefi_is_ok_when_confirmed_for_the_os():
    facts = healthy()
    facts['firmware']['boot_mode'] = 'uefi'
    assert by_name(readiness(facts, uefi_supported=['centos 7']))['boot_mode']['status'] == 'ok'
    assert by_name(readiness(facts, uefi_supported=['centos']))['boot_mode']['status'] == 'ok'
    assert by_name(readiness(facts, uefi_supported=['centos 8']))['boot_mode']['status'] == 'warn'


def test_unsupported_and_encrypted_filesystems_are_errors():
    def mutate(facts):
        facts['storage']['disks'][1]['filesystem'] = _fs('reiserfs', ['/data'])
        facts['storage']['lvm']['lvs'][0]['fstype'] = 'crypto_LUKS'
    check = broken(mutate)['filesystems']
    assert check['status'] == 'error'
    assert check['message'] == 'unsupported file systems: crypto_LUKS on /dev/centos/root; reiserfs on /dev/sdb'
    assert 'SMS.6509' in check['reference']


def test_btrfs_and_network_mounts_are_caveats():
    def mutate(facts):
        facts['storage']['disks'][1]['filesystem'] = _fs('btrfs', ['/data'])
        facts['storage']['mounts'].append({'mountpoint': '/mnt/share', 'fstype': 'nfs4'})
    check = broken(mutate)['filesystems']
    assert check['status'] == 'warn'
    assert 'without consistency verification: btrfs on /dev/sdb' in check['message']
    assert 'network file systems are not migrated: /mnt/share (nfs4)' in check['message']


def test_btrfs_on_sles_12_sp0_is_an_error():
    def mutate(facts):
        facts['system']['distribution'] = {'id': 'sles', 'major': 12, 'service_pack': 0, 'pretty_name': 'SLES 12'}
        facts['storage']['disks'][1]['filesystem'] = _fs('btrfs', ['/data'])
    check = broken(mutate)['filesystems']
    assert check['status'] == 'error'
    assert check['message'] == 'Btrfs on SLES 12 cannot be migrated: btrfs on /dev/sdb'


def test_lvm_thin_pools_raid_and_duplicate_vgs():
    def mutate(facts):
        facts['storage']['lvm']['lvs'].append({'key': 'data/pool', 'segment_type': 'thin-pool', 'fstype': None})
        facts['storage']['lvm']['vgs'] += [{'name': 'data', 'duplicate_name': True},
                                           {'name': 'data', 'duplicate_name': True}]
        facts['storage']['disks'].append({'name': 'md0', 'path': '/dev/md0', 'type': 'md', 'size_bytes': GIB,
                                          'roles': [], 'partitions': []})
    checks = broken(mutate)
    assert checks['lvm_thin_pools']['status'] == 'error'
    assert checks['lvm_thin_pools']['message'].endswith(': data/pool')
    assert checks['duplicate_vg_names']['message'] == ("volume group names used more than once break SMS's disk "
                                                       "collection: data")
    assert checks['software_raid']['message'] == 'software RAID (md) is not supported: /dev/md0'


def test_disk_count_and_system_disk_limits():
    def mutate(facts):
        disks = facts['storage']['disks']
        disks[0]['size_bytes'] = 2 * 1024 ** 4
        disks.extend({'name': 'vd%d' % i, 'path': '/dev/vd%d' % i, 'type': 'disk', 'size_bytes': GIB,
                      'roles': [], 'partitions': []} for i in range(22))
    checks = broken(mutate)
    assert checks['disk_count']['status'] == 'error'
    assert checks['disk_count']['message'] == '24 disks: SMS migrates at most 23'
    assert checks['system_disk_size']['message'] == 'system disk /dev/sda is 2.0 TiB: at most 1.0 TiB is supported'
    assert checks['system_disk_size']['reference'] == 'SMS.6537'


def test_root_free_space_boundary():
    facts = healthy()
    facts['storage']['mounts'][0]['usage']['available_bytes'] = 200 * MIB
    assert by_name(readiness(facts))['root_free_space']['status'] == 'ok'
    facts['storage']['mounts'][0]['usage']['available_bytes'] = 200 * MIB - 1
    assert by_name(readiness(facts))['root_free_space']['status'] == 'error'


def test_options_skip_severity_and_limits():
    facts = healthy()
    facts['storage']['raw_devices'] = ['/dev/sdc']
    results = readiness(facts, skip=['locale', 'container'], severity={'raw_devices': 'warn'},
                        limits={'min_root_free_bytes': 40 * GIB})
    checks = by_name(results)
    assert 'locale' not in checks and 'container' not in checks
    assert checks['raw_devices']['status'] == 'warn'
    assert checks['raw_devices']['fix']
    assert checks['root_free_space']['status'] == 'error'
    assert checks['root_free_space']['message'] == '/ has 30.0 GiB available, SMS needs at least 40.0 GiB'


def test_severity_never_turns_a_passing_check_into_a_failure():
    assert by_name(readiness(healthy(), severity={'rsync': 'error'}))['rsync']['status'] == 'ok'


@pytest.mark.parametrize('kwargs, message', [
    ({'skip': ['rsynk']}, "unknown check names ['rsynk']"),
    ({'severity': {'rsync': 'fatal'}}, 'severity must be one of ok/warn/error, got rsync=fatal'),
    ({'limits': {'max_disk': 3}}, "unknown limit 'max_disk'"),
    ({'limits': {'max_disks': '23'}}, "limit max_disks must be a non-negative integer, got '23'"),
])
def test_bad_options_are_clear_errors(kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message.replace('[', r'\[').replace(']', r'\]')):
        readiness(healthy(), **kwargs)


def test_input_must_be_the_facts_dict():
    with pytest.raises(AnsibleFilterError, match='expected the sms_discovery facts'):
        readiness(None)


def test_input_is_not_modified():
    facts = healthy()
    before = copy.deepcopy(facts)
    readiness(facts, severity={'rsync': 'warn'})
    assert facts == before
