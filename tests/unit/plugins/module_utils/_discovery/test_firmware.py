"""The firmware collector: boot mode, Secure Boot, boot loader, boot disks."""

from __future__ import annotations

import os

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import firmware
from tests.fixtures.system.fakeroot import CannedContext, Link, write_tree

EFIVAR = '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c'
OLD_EFIVAR = '/sys/firmware/efi/vars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c/data'
ATTRIBUTES = b'\x06\x00\x00\x00'  # BOOTSERVICE_ACCESS | RUNTIME_ACCESS
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason='the MBR of a boot disk is only read as root')


def collect(tmp_path, files, binaries=()):
    ctx = CannedContext(write_tree(tmp_path, files), binaries=list(binaries))
    return firmware.collect(ctx, {}), ctx


def test_bios_machine_has_no_secure_boot(tmp_path):
    facts, ctx = collect(tmp_path, {'/boot/grub2/grub.cfg': 'set default=0\n'})
    assert facts == {'boot_mode': 'bios', 'secure_boot': None,
                     'boot_loader': {'name': 'grub2', 'method': 'config-file', 'evidence': ['/boot/grub2/grub.cfg']}}
    assert ctx.warnings == []


@pytest.mark.parametrize('files, expected', [
    ({EFIVAR: ATTRIBUTES + b'\x01'}, True),
    ({EFIVAR: ATTRIBUTES + b'\x00'}, False),
    ({OLD_EFIVAR: b'\x01'}, True),
    ({OLD_EFIVAR: b'\x00'}, False),
])
def test_secure_boot_states(tmp_path, files, expected):
    files['/boot/efi/EFI/debian/grub.cfg'] = 'configfile $prefix/grub.cfg\n'
    facts, ctx = collect(tmp_path, files)
    assert (facts['boot_mode'], facts['secure_boot']) == ('uefi', expected)
    assert ctx.warnings == []


def test_secure_boot_unreadable_variable_is_unknown_with_a_warning(tmp_path):
    facts, ctx = collect(tmp_path, {EFIVAR: ATTRIBUTES})  # truncated: attributes without a value
    assert (facts['boot_mode'], facts['secure_boot']) == ('uefi', None)
    assert 'firmware: Secure Boot state unknown: %s is not readable' % EFIVAR in ctx.warnings


def test_secure_boot_without_efivarfs_is_unknown_with_a_warning(tmp_path):
    facts, ctx = collect(tmp_path, {'/sys/firmware/efi/efivars': None})
    assert (facts['boot_mode'], facts['secure_boot']) == ('uefi', None)
    assert any('no SecureBoot EFI variable' in warning for warning in ctx.warnings)


@pytest.mark.parametrize('data, attribute_bytes, expected', [
    (ATTRIBUTES + b'\x01', 4, True), (ATTRIBUTES + b'\x00', 4, False), (ATTRIBUTES, 4, None),
    (b'\x01', 0, True), (b'', 0, None), (None, 4, None), (ATTRIBUTES + b'\x02', 4, False),
])
def test_parse_secure_boot(data, attribute_bytes, expected):
    assert firmware.parse_secure_boot(data, attribute_bytes) is expected


@pytest.mark.parametrize('files, name, method, evidence', [
    ({'/boot/grub2/grub.cfg': ''}, 'grub2', 'config-file', ['/boot/grub2/grub.cfg']),
    ({'/boot/grub/grub.cfg': '', '/boot/grub/menu.lst': ''}, 'grub2', 'config-file', ['/boot/grub/grub.cfg']),
    ({'/boot/efi/EFI/centos/grub.cfg': '', '/boot/efi/EFI/centos/shimx64.efi': b'MZ'}, 'grub2', 'config-file',
     ['/boot/efi/EFI/centos/grub.cfg']),
    ({'/boot/grub/menu.lst': 'default 0\n'}, 'grub', 'config-file', ['/boot/grub/menu.lst']),
    ({'/boot/grub/grub.conf': '', '/boot/grub/menu.lst': Link('/boot/grub/grub.conf', directory=False)},
     'grub', 'config-file', ['/boot/grub/menu.lst', '/boot/grub/grub.conf']),
    ({'/etc/lilo.conf': 'boot=/dev/sda\n'}, 'lilo', 'config-file', ['/etc/lilo.conf']),
    ({'/boot/loader/entries/arch.conf': '', '/boot/efi/EFI/systemd/systemd-bootx64.efi': b'MZ'},
     'systemd-boot', 'efi-entry', ['/boot/loader/entries', '/boot/efi/EFI/systemd/systemd-bootx64.efi']),
    ({'/boot/loader/entries/arch.conf': '', '/boot/loader/loader.conf': 'timeout 3\n'},
     'systemd-boot', 'config-file', ['/boot/loader/entries', '/boot/loader/loader.conf']),
    # Fedora/RHEL BLS: loader entries but GRUB 2 reads them
    ({'/boot/loader/entries/x.conf': '', '/boot/grub2/grub.cfg': ''}, 'grub2', 'config-file', ['/boot/grub2/grub.cfg']),
    ({'/boot/efi/EFI/ubuntu/grubx64.efi': b'MZ'}, 'grub2', 'efi-entry', ['/boot/efi/EFI/ubuntu/grubx64.efi']),
    ({'/boot/efi/EFI/systemd/systemd-bootaa64.efi': b'MZ'}, 'systemd-boot', 'efi-entry',
     ['/boot/efi/EFI/systemd/systemd-bootaa64.efi']),
    ({'/etc/sysconfig/bootloader': 'LOADER_TYPE="grub2-efi"\nSECURE_BOOT="yes"\n'}, 'grub2', 'sysconfig',
     ['/etc/sysconfig/bootloader LOADER_TYPE=grub2-efi']),
    ({'/etc/sysconfig/bootloader': 'LOADER_TYPE="grub"\n', '/boot/grub2/grub.cfg': ''}, 'grub', 'sysconfig',
     ['/etc/sysconfig/bootloader LOADER_TYPE=grub']),
    ({'/etc/sysconfig/bootloader': 'LOADER_TYPE="systemd-boot"\n'}, 'systemd-boot', 'sysconfig',
     ['/etc/sysconfig/bootloader LOADER_TYPE=systemd-boot']),
])
def test_boot_loader_from_files(tmp_path, files, name, method, evidence):
    facts, _ctx = collect(tmp_path, files)
    assert facts['boot_loader'] == {'name': name, 'method': method, 'evidence': evidence}


def disk_tree(root_source='/dev/sda2', root_majmin='8:2', boot=None, extra=None):
    """A machine whose / (and optionally /boot) live on sda partitions, with sysfs and /dev."""
    mounts = ['27 1 %s / / rw,relatime - ext4 %s rw' % (root_majmin, root_source)]
    if boot:
        mounts.append('30 27 8:1 / /boot rw,relatime - ext4 %s rw' % boot)
    files = {
        '/proc/self/mountinfo': '\n'.join(mounts) + '\n',
        '/sys/devices/pci0000:00/host0/block/sda/sda1/partition': '1\n',
        '/sys/devices/pci0000:00/host0/block/sda/sda2/partition': '2\n',
        '/sys/class/block/sda': Link('/sys/devices/pci0000:00/host0/block/sda'),
        '/sys/class/block/sda1': Link('/sys/devices/pci0000:00/host0/block/sda/sda1'),
        '/sys/class/block/sda2': Link('/sys/devices/pci0000:00/host0/block/sda/sda2'),
        '/sys/dev/block/8:1': Link('/sys/devices/pci0000:00/host0/block/sda/sda1'),
        '/sys/dev/block/8:2': Link('/sys/devices/pci0000:00/host0/block/sda/sda2'),
    }
    files.update(extra or {})
    return files


def test_boot_disks_of_a_partition(tmp_path):
    ctx = CannedContext(write_tree(tmp_path, disk_tree()))
    assert firmware.boot_disks(ctx) == ['sda']


def test_boot_disks_prefer_boot_and_follow_lvm_and_md(tmp_path):
    extra = {
        # / on an LV whose PVs are sda2 and an md array of sdb1 + sdc1
        '/sys/devices/virtual/block/dm-0/slaves/sda2': Link('/sys/devices/pci0000:00/host0/block/sda/sda2'),
        '/sys/devices/virtual/block/dm-0/slaves/md0': Link('/sys/devices/virtual/block/md0'),
        '/sys/devices/virtual/block/md0/slaves/sdb1': Link('/sys/devices/pci0000:00/host1/block/sdb/sdb1'),
        '/sys/devices/virtual/block/md0/slaves/sdc1': Link('/sys/devices/pci0000:00/host2/block/sdc/sdc1'),
        '/sys/devices/pci0000:00/host1/block/sdb/sdb1/partition': '1\n',
        '/sys/devices/pci0000:00/host2/block/sdc/sdc1/partition': '1\n',
        '/sys/class/block/dm-0': Link('/sys/devices/virtual/block/dm-0'),
        '/sys/class/block/md0': Link('/sys/devices/virtual/block/md0'),
        '/sys/class/block/sdb': Link('/sys/devices/pci0000:00/host1/block/sdb'),
        '/sys/class/block/sdb1': Link('/sys/devices/pci0000:00/host1/block/sdb/sdb1'),
        '/sys/class/block/sdc': Link('/sys/devices/pci0000:00/host2/block/sdc'),
        '/sys/class/block/sdc1': Link('/sys/devices/pci0000:00/host2/block/sdc/sdc1'),
        '/sys/dev/block/253:0': Link('/sys/devices/virtual/block/dm-0'),
    }
    ctx = CannedContext(write_tree(tmp_path, disk_tree('/dev/mapper/vg-root', '253:0', extra=extra)))
    assert firmware.boot_disks(ctx) == ['sda', 'sdb', 'sdc']
    files = disk_tree('/dev/mapper/vg-root', '253:0', boot='/dev/sda1', extra=extra)
    ctx = CannedContext(write_tree(tmp_path / 'b', files))
    assert firmware.boot_disks(ctx) == ['sda']


def test_boot_disks_of_btrfs_use_the_mount_source(tmp_path):
    extra = {'/dev/sda2': Link('/dev/sda2-node', directory=False), '/dev/sda2-node': ''}
    files = disk_tree('/dev/sda2', '0:39', extra=extra)
    files['/sys/class/block/sda2-node'] = Link('/sys/devices/pci0000:00/host0/block/sda/sda2')
    ctx = CannedContext(write_tree(tmp_path, files))
    assert firmware.boot_disks(ctx) == ['sda']


def test_boot_disks_unknown(tmp_path):
    assert firmware.boot_disks(CannedContext(str(tmp_path))) == []
    ctx = CannedContext(write_tree(tmp_path, {'/proc/self/mountinfo': '27 1 0:2 / / rw - overlay overlay rw\n'}))
    assert firmware.boot_disks(ctx) == []


@needs_root
@pytest.mark.parametrize('mbr, tools, name', [
    (b'\xeb\x63\x90' + b'\x00' * 0x17d + b'GRUB \x00Geom\x00Hard Disk\x00Read\x00 Error\r\n' + b'\x00' * 10, ['grub-probe'], 'grub2'),
    (b'\xeb\x48\x90' + b'\x00' * 0x17d + b'GRUB \x00Geom\x00Hard Disk\x00Read\x00 Error\x00' + b'\x00' * 10, [], 'grub'),
    (b'\xfa\xeb\x21\x01\xb4\x01LILO\x16\x06' + b'\x00' * 100, [], 'lilo'),
])
def test_boot_loader_from_mbr_signature(tmp_path, mbr, tools, name):
    files = disk_tree(extra={'/dev/sda': mbr + b'\x00' * (512 - len(mbr)) + b'GRUB-after-512-bytes-is-ignored'})
    facts, ctx = collect(tmp_path, files, binaries=tools)
    assert facts['boot_loader'] == {'name': name, 'method': 'mbr-signature',
                                    'evidence': ['/dev/sda: %s in MBR' % ('LILO' if name == 'lilo' else 'GRUB')]}
    assert '/dev/sda' in ctx.sources


@needs_root
def test_boot_disk_without_signature_means_none(tmp_path):
    files = disk_tree(extra={'/dev/sda': b'\x00' * 510 + b'\x55\xaa' + b'GRUB'})
    facts, ctx = collect(tmp_path, files)
    assert facts['boot_loader'] == {'name': 'none', 'method': 'mbr-signature',
                                    'evidence': ['/dev/sda: no GRUB or LILO signature in MBR']}
    assert ctx.warnings == []


@needs_root
def test_unreadable_boot_disk_leaves_the_boot_loader_unknown(tmp_path):
    facts, ctx = collect(tmp_path, disk_tree())  # no /dev/sda in the tree
    assert facts['boot_loader'] == {'name': None, 'method': None, 'evidence': []}
    assert ('firmware: boot loader unknown: no configuration file found and the boot disk (/dev/sda) '
            'was not readable') in ctx.warnings


def test_decide_boot_loader_prefers_files_over_mbr():
    markers = {'files': ['/etc/lilo.conf'], 'mbr': [('/dev/sda', b'GRUB')], 'grub2_tools': True}
    assert firmware.decide_boot_loader(markers)['name'] == 'lilo'
    assert firmware.decide_boot_loader({'mbr': [('/dev/sda', None)]})['name'] is None
    assert firmware.decide_boot_loader({'loader_type': 'unknown-thing', 'files': []})['name'] is None


def test_mbr_signature():
    assert firmware.mbr_signature(b'xxGRUBxx') == 'GRUB'
    assert firmware.mbr_signature(b'\x00' * 6 + b'LILO') == 'LILO'
    assert firmware.mbr_signature(b'\x00' * 512 + b'GRUB') is None
    assert firmware.mbr_signature(None) is None
