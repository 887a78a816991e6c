"""Btrfs output parsers on real btrfs-progs 6.2 captures (loop-lab: RAID1 over two devices with
subvolumes, a read-only snapshot and a non-default default subvolume; btrfs-degraded: a missing
device, both forms) and on documented btrfs-progs 3.12 / 0.20 formats."""

import glob
import json
import os

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import btrfs
from storage_replay import FIXTURES

LAB = os.path.join(FIXTURES, 'loop-lab')
DEGRADED = os.path.join(FIXTURES, 'btrfs-degraded-outputs')
DOCUMENTED = os.path.join(FIXTURES, 'documented')


def _text(*parts):
    with open(glob.glob(os.path.join(*parts))[0]) as handle:
        return handle.read()


def _built():
    return json.loads(_text(LAB, 'built.json'))['btrfs']


def test_show_raw_is_exact():
    built = _built()
    fs = next(f for f in btrfs.parse_show(_text(LAB, 'cmd', '*-btrfs-filesystem-show-raw*')) if f['fsid'] == built['fsid'])
    assert fs['label'] == 'bt lab' and fs['exact'] and fs['total_devices'] == 2
    assert [d['path'] for d in fs['devices']] == built['devices']
    assert [d['devid'] for d in fs['devices']] == [1, 2]
    assert all(d['size_bytes'] == 300 << 20 and not d['missing'] for d in fs['devices'])
    assert fs['used_bytes'] > 0 and not fs['some_missing']


def test_df_raw_profiles_and_global_reserve():
    df = btrfs.parse_df(_text(LAB, 'cmd', '*-btrfs-filesystem-df-raw*'))
    assert df['profiles'] == {'data': 'RAID1', 'metadata': 'RAID1', 'system': 'RAID1'}
    assert df['exact'] and df['global_reserve']['total_bytes'] > 0


def test_subvolume_list_snapshots_and_default():
    built = _built()
    subvolumes = btrfs.parse_subvolume_list(_text(LAB, 'cmd', '*-btrfs-subvolume-list-puq*'))
    by_path = dict((s['path'], s) for s in subvolumes)
    assert dict((path, s['id']) for path, s in by_path.items()) == built['ids']
    snapshot, origin = by_path['@/snaps/s1'], by_path['@']
    assert snapshot['parent_uuid'] == origin['uuid'] and origin['parent_uuid'] is None
    assert (snapshot['parent_id'], snapshot['top_level']) == (origin['id'], origin['id'])
    assert by_path['@home']['parent_id'] == 5
    assert btrfs.parse_snapshot_ids(_text(LAB, 'cmd', '*-btrfs-subvolume-list-s-*')) == set([snapshot['id']])
    assert btrfs.parse_get_default(_text(LAB, 'cmd', '*-btrfs-subvolume-get-default*')) == {
        'id': built['ids']['@'], 'path': '@'}


def test_missing_device_mounted_degraded():
    fs, = btrfs.parse_show(_text(DEGRADED, 'btrfs-fi-show-mounted.txt'))
    present, missing = fs['devices']
    assert not present['missing'] and present['path'].startswith('/dev/loop')
    assert missing == {'devid': 2, 'path': None, 'size_bytes': 0, 'used_bytes': 0, 'missing': True}
    assert not fs['exact'] and present['size_bytes'] == 300 << 20  # 300.00MiB


def test_missing_device_unmounted():
    fs, = btrfs.parse_show(_text(DEGRADED, 'btrfs-fi-show-raw-unmounted.txt'))  # starts with a warning line
    assert fs['some_missing'] and fs['total_devices'] == 2 and len(fs['devices']) == 1


@pytest.mark.parametrize('text, expected', [
    ('1048576', (1048576, True)), ('0', (0, True)), ('1.50GiB', (1610612736, False)),
    ('208.00KiB', (212992, False)), ('0.00B', (0, False)), ('2.00GB', (2 << 30, False)), ('0.00', (0, False)),
    ('12x', (None, False)), ('', (None, False)),
])
def test_parse_size(text, expected):
    assert btrfs.parse_size(text) == expected


def test_documented_btrfs_progs_3_12():
    folder = os.path.join(DOCUMENTED, 'btrfs-progs-3.12')
    fs, = btrfs.parse_show(_text(folder, 'btrfs-fi-show.txt'))
    assert fs['label'] == 'rootfs' and not fs['exact']
    assert [d['size_bytes'] for d in fs['devices']] == [int(19.51 * (1 << 30) + 0.5), 20 << 30]
    df = btrfs.parse_df(_text(folder, 'btrfs-fi-df.txt'))
    assert df['profiles'] == {'data': 'RAID1', 'metadata': 'RAID1', 'system': 'RAID1'} and df['global_reserve'] is None
    subvolumes = btrfs.parse_subvolume_list(_text(folder, 'btrfs-subvolume-list-puq.txt'))
    assert [s['id'] for s in subvolumes] == [257, 258, 259]
    assert btrfs.parse_get_default(_text(folder, 'btrfs-subvolume-get-default.txt'))['path'] == '@/.snapshots/1/snapshot'


def test_documented_btrfs_progs_0_20():
    folder = os.path.join(DOCUMENTED, 'btrfs-progs-0.20')
    fs, = btrfs.parse_show(_text(folder, 'btrfs-fi-show.txt'))
    assert fs['label'] is None and fs['used_bytes'] == 28 << 10 and fs['devices'][0]['size_bytes'] == 2 << 30
    df = btrfs.parse_df(_text(folder, 'btrfs-fi-df.txt'))
    assert df['profiles'] == {'data': 'single', 'metadata': 'DUP', 'system': 'DUP,single'}
    assert btrfs.parse_get_default(_text(folder, 'btrfs-subvolume-get-default.txt')) == {
        'id': 5, 'path': btrfs.TOP_LEVEL_PATH}


def test_mixed_block_groups_set_data_and_metadata():
    df = btrfs.parse_df('Data+Metadata, single: total=1073741824, used=1024\nSystem, single: total=4194304, used=4096\n')
    assert df['profiles'] == {'data': 'single', 'metadata': 'single', 'system': 'single'}
