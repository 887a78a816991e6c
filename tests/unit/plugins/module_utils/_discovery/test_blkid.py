"""``blkid -p -o export`` parser on real captures (loop-lab: GPT, MBR with logical partitions,
4K-sector GPT, hybrid MBR, escaped labels) and on safe_print's UTF-8 notation."""

import glob
import json
import os

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import blkid
from storage_replay import FIXTURES

LAB = os.path.join(FIXTURES, 'loop-lab')


def _lab():
    with open(os.path.join(LAB, 'built.json')) as handle:
        built = json.load(handle)
    with open(glob.glob(os.path.join(LAB, 'cmd', '01-blkid-*'))[0]) as handle:
        return built, blkid.parse_export(handle.read())


def test_gpt_disk_and_partitions():
    built, probes = _lab()
    disk, parts = built['gpt']['disk'], built['gpt']['partitions']
    assert blkid.partition_table(probes[disk])[0] == 'gpt'
    esp = blkid.partition_entry(probes[parts[0]])
    assert esp['type_id'] == 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b'
    assert esp['partlabel'] == 'EFI System'  # escaped "EFI\ System"
    assert (esp['number'], esp['start_bytes'], esp['scheme']) == (1, 1024 * 1024, 'gpt')
    assert blkid.filesystem(probes[parts[0]]) == {'fstype': 'vfat', 'uuid': built['esp_uuid'], 'label': 'ESP'}
    assert blkid.filesystem(probes[parts[1]]) == {'fstype': 'ext4', 'uuid': built['ext4_uuid'], 'label': 'root fs'}
    assert blkid.filesystem(probes[parts[2]])['fstype'] == 'xfs'
    assert blkid.filesystem(probes[parts[3]]) == {'fstype': 'swap', 'uuid': built['swap_uuid'], 'label': 'swp'}
    assert blkid.filesystem(probes[parts[4]])['fstype'] == 'LVM2_member'
    assert probes[parts[4]]['VERSION'] == 'LVM2 001'


def test_dos_disk_with_extended_and_logical_partitions():
    built, probes = _lab()
    disk, parts = built['dos']['disk'], built['dos']['partitions']
    assert blkid.partition_table(probes[disk])[0] == 'dos'
    numbers = [blkid.partition_entry(probes[p])['number'] for p in parts if p in probes]
    assert numbers[:3] == [1, 2, 5]
    assert blkid.partition_entry(probes[parts[1]])['type_id'] == '0x5'
    assert blkid.partition_entry(probes[parts[2]])['type_id'] == '0x83'
    assert blkid.partition_entry(probes[parts[0]])['partuuid'].endswith('-01')  # MBR: <disk id>-<number>
    assert blkid.filesystem(probes[parts[0]])['uuid'] == built['dos_ext4_uuid']


def test_4k_sector_offsets_are_in_512_byte_units_and_hybrid_is_gpt():
    built, probes = _lab()
    first = blkid.partition_entry(probes[built['4k']['partitions'][0]])
    assert first['start_bytes'] == 1024 * 1024  # sgdisk aligns on 1 MiB = sector 256 of 4096 bytes
    assert blkid.filesystem(probes[built['4k']['partitions'][0]])['uuid'] == built['4k_ext4_uuid']
    assert blkid.partition_table(probes[built['hybrid']['disk']])[0] == 'gpt'


def test_whole_disk_file_system_and_devices_without_signature():
    built, probes = _lab()
    assert blkid.filesystem(probes[built['whole']['disk']]) == {
        'fstype': 'ext4', 'uuid': built['whole']['uuid'], 'label': 'whole disk'}
    assert blkid.partition_table(probes[built['whole']['disk']]) == (None, None)
    assert built['raw'] not in probes  # nothing found: left out of the output


def test_safe_print_notation_is_undone():
    text = ('DEVNAME=/dev/sdz1\nLABEL=dM-CM-6nnM-CM-)es\\ M-DM-^@\nUUID=1\nTYPE=ext4\n\n'
            'DEVNAME=/dev/sdz2\nLABEL=AM-FM\\ \\$HOME\\"\nTYPE=xfs\n')
    probes = blkid.parse_export(text)
    assert probes['/dev/sdz1']['LABEL'] == u'd\xf6nn\xe9es \u0100'
    assert probes['/dev/sdz2']['LABEL'] == 'AM-FM $HOME"'  # not valid UTF-8 once decoded: kept literally
