"""LVM report parser and model on real lvm2 2.03 captures (loop-lab, lvm-oddities: duplicate VG
names, one LV name in several VGs, a two-segment LV, a thin pool) and on the documented lvm2 2.02
format (CentOS 7)."""

import glob
import json
import os

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import lvm
from storage_replay import FIXTURES


def _reports(folder, pattern='cmd/*-lvm-%s-*'):
    reports = {}
    for kind in ('pvs', 'vgs', 'lvs'):
        with open(glob.glob(os.path.join(folder, pattern % kind))[0]) as handle:
            reports[kind] = lvm.parse_report(handle.read())
    return reports


def _case(name):
    folder = os.path.join(FIXTURES, name)
    with open(os.path.join(folder, 'built.json')) as handle:
        built = json.load(handle)
    reports = _reports(folder)
    return built, lvm.build(reports['pvs'], reports['vgs'], reports['lvs'])


def test_commands_are_the_documented_ones():
    with open(os.path.join(FIXTURES, 'COMMANDS.md')) as handle:
        commands = handle.read()
    for _kind, argv in lvm.REPORTS:
        assert '`%s`' % ' '.join(argv) in commands


def test_nameprefixes_values_with_spaces_and_empty_values():
    rows = lvm.parse_report("  LVM2_PV_NAME='/dev/disk/by-id/a b' LVM2_VG_NAME='' LVM2_PV_SIZE='1'\n"
                            "  WARNING: noise\n  LVM2_PV_NAME=/dev/sdc LVM2_VG_NAME=vg\n")
    assert rows == [{'pv_name': '/dev/disk/by-id/a b', 'vg_name': '', 'pv_size': '1'},
                    {'pv_name': '/dev/sdc', 'vg_name': 'vg'}]


def test_loop_lab_vg_and_inactive_lvs():
    built, facts = _case('loop-lab')
    vg = next(v for v in facts['vgs'] if v['name'] == built['vg'])
    pv = next(p for p in facts['pvs'] if p['path'] == built['gpt']['partitions'][4])
    assert vg['pv_paths'] == [pv['path']] and pv['vg'] == vg['name'] and pv['format'] == 'lvm2'
    assert vg['size_bytes'] % vg['extent_size_bytes'] == 0 and vg['size_bytes'] <= pv['device_size_bytes']
    lvs = dict((lv['key'], lv) for lv in facts['lvs'] if lv['vg'] == vg['name'])
    assert sorted(lvs) == sorted(['%s/data' % vg['name'], '%s/logs' % vg['name']])
    data = lvs['%s/data' % vg['name']]
    assert (data['size_bytes'], data['segment_type'], data['pool']) == (8 * 1024 * 1024, 'linear', None)
    assert data['path'] == '/dev/%s/data' % vg['name'] and data['mapper'] == '/dev/mapper/%s-data' % vg['name']
    assert data['active'] is None  # attr "-wi-XX----": this kernel has no device-mapper, state unknown
    assert data['kernel_major_minor'] is None and data['pv_paths'] == [pv['path']]
    assert vg['free_bytes'] == vg['size_bytes'] - 20 * 1024 * 1024 and vg['lv_count'] == 2


def test_duplicate_vg_names_and_same_lv_name_in_several_vgs():
    built, facts = _case('lvm-oddities')
    dups = [vg for vg in facts['vgs'] if vg['name'] == built['dup_vg']]
    assert len(dups) == 2 and all(vg['duplicate_name'] for vg in dups)
    assert dups[0]['uuid'] != dups[1]['uuid']
    assert sorted(p for vg in dups for p in vg['pv_paths']) == sorted(built['dup_pvs'])
    data = [lv for lv in facts['lvs'] if lv['name'] == 'data']
    assert sorted(lv['vg'] for lv in data) == sorted([built['dup_vg'], built['dup_vg'], built['other_vg']])
    assert sorted(lv['size_bytes'] for lv in data if lv['vg'] == built['dup_vg']) == [8 << 20, 12 << 20]
    assert len(set(lv['vg_uuid'] for lv in data)) == 3
    other = next(vg for vg in facts['vgs'] if vg['name'] == built['other_vg'])
    assert not other['duplicate_name']


def test_two_segments_are_one_lv_on_two_pvs():
    built, facts = _case('lvm-oddities')
    data = next(lv for lv in facts['lvs'] if lv['vg'] == built['other_vg'])
    assert data['size_bytes'] == 12 << 20
    assert data['pv_paths'] == built['other_pvs']


def test_thin_pool_and_thin_volume():
    built, facts = _case('lvm-oddities')
    lvs = dict((lv['name'], lv) for lv in facts['lvs'] if lv['vg'] == built['thin_vg'])
    assert sorted(lvs) == ['pool', 'thin1']  # hidden [pool_tdata], [pool_tmeta], [lvol0_pmspare] left out
    assert (lvs['pool']['segment_type'], lvs['pool']['active']) == ('thin-pool', False)
    assert (lvs['thin1']['segment_type'], lvs['thin1']['pool'], lvs['thin1']['size_bytes']) == ('thin', 'pool', 32 << 20)
    assert lvs['pool']['pv_paths'] == lvs['thin1']['pv_paths'] == [built['thin_pv']]  # through pool_tdata


def test_documented_lvm2_202_format():
    reports = _reports(os.path.join(FIXTURES, 'documented', 'lvm2-2.02-centos7'), 'lvm-%s.txt')
    facts = lvm.build(reports['pvs'], reports['vgs'], reports['lvs'])
    unused = next(pv for pv in facts['pvs'] if pv['path'] == '/dev/sdb')
    assert unused['vg'] is None and unused['vg_uuid'] is None
    root = next(lv for lv in facts['lvs'] if lv['key'] == 'centos/root')
    assert root['active'] is True and root['kernel_major_minor'] == '253:0'
    assert root['mapper'] == '/dev/mapper/centos-root'
    vg = facts['vgs'][0]
    assert vg['size_bytes'] - vg['free_bytes'] == sum(lv['size_bytes'] for lv in facts['lvs'])


def test_mapper_names_double_dashes():
    assert lvm.mapper_name('vg-data', 'lv-a') == 'vg--data-lv--a'
