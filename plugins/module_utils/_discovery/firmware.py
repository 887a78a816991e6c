# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``firmware`` section: boot mode (BIOS/UEFI), Secure Boot, boot loader.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. Only files are read (sysfs, efivars, /boot, /etc and, as root, the first 512 bytes
of the boot disks); no command is run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import mountinfo
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.osrelease import parse_key_values

EFI_DIR = '/sys/firmware/efi'
SECURE_BOOT_GUID = '8be4df61-93ca-11d2-aa0d-00e098032b8c'
# efivarfs prefixes the value with 4 bytes of attributes; the old sysfs interface does not.
SECURE_BOOT_FILES = (
    ('/sys/firmware/efi/efivars/SecureBoot-%s' % SECURE_BOOT_GUID, 4),
    ('/sys/firmware/efi/vars/SecureBoot-%s/data' % SECURE_BOOT_GUID, 0),
)
GRUB2_CONFIGS = ('/boot/grub2/grub.cfg', '/boot/grub/grub.cfg')
GRUB_LEGACY_CONFIGS = ('/boot/grub/menu.lst', '/boot/grub/grub.conf')
LILO_CONFIG = '/etc/lilo.conf'
SYSTEMD_BOOT_ENTRIES = '/boot/loader/entries'
SYSTEMD_BOOT_LOADER_CONFS = ('/boot/loader/loader.conf', '/boot/efi/loader/loader.conf', '/efi/loader/loader.conf')
# Where an EFI system partition is mounted, each holding EFI/<vendor>/ directories.
ESP_MOUNTPOINTS = ('/boot/efi', '/boot', '/efi')
SYSTEMD_BOOT_BINARIES = ('systemd-bootx64.efi', 'systemd-bootaa64.efi', 'systemd-bootia32.efi')
GRUB_EFI_BINARIES = ('grubx64.efi', 'grubaa64.efi', 'grubia32.efi', 'shimx64.efi', 'shimaa64.efi', 'shimia32.efi')
SUSE_BOOTLOADER = '/etc/sysconfig/bootloader'
# /etc/sysconfig/bootloader LOADER_TYPE (SUSE; values listed by ReaR 445_guess_bootloader.sh).
SUSE_LOADER_TYPES = {'grub2': 'grub2', 'grub2-efi': 'grub2', 'grub2-bls': 'grub2', 'grub': 'grub',
                     'systemd-boot': 'systemd-boot', 'lilo': 'lilo', 'elilo': 'lilo', 'none': 'none'}
MBR_SIZE = 512


def parse_secure_boot(data, attribute_bytes):
    """True/False from the SecureBoot variable (value byte 1/0), None when too short."""
    if data is None or len(data) <= attribute_bytes:
        return None
    return bytearray(data)[attribute_bytes] == 1


def mbr_signature(data):
    """``'GRUB'``, ``'LILO'`` or None from the first 512 bytes of a disk."""
    head = bytes(data or b'')[:MBR_SIZE]
    for marker in ('GRUB', 'LILO'):
        if marker.encode('ascii') in head:
            return marker
    return None


def decide_boot_loader(markers):
    """``{'name', 'evidence', 'method'}`` from the markers the collector found (pure).

    ``markers``: ``loader_type`` (SUSE LOADER_TYPE or None), ``files`` (paths that exist),
    ``mbr`` (list of ``(disk path, first bytes or None)``), ``grub2_tools`` (bool: grub-probe
    or grub2-probe installed, which tells GRUB 2 from legacy GRUB in an MBR).
    Precedence: explicit SUSE setting, configuration files, EFI binaries, MBR signature.
    ``name`` is ``none`` only when a boot disk was read and holds no signature, else None
    (unknown) when nothing could be looked at.
    """
    loader_type = (markers.get('loader_type') or '').strip().lower()
    if loader_type in SUSE_LOADER_TYPES:
        return {'name': SUSE_LOADER_TYPES[loader_type], 'method': 'sysconfig',
                'evidence': ['%s LOADER_TYPE=%s' % (SUSE_BOOTLOADER, loader_type)]}
    files = markers.get('files') or []
    grub2 = [path for path in files if os.path.basename(path) == 'grub.cfg']
    entries = SYSTEMD_BOOT_ENTRIES in files
    systemd_binaries = [path for path in files if os.path.basename(path) in SYSTEMD_BOOT_BINARIES]
    loader_confs = [path for path in files if path in SYSTEMD_BOOT_LOADER_CONFS]
    legacy = [path for path in files if path in GRUB_LEGACY_CONFIGS]
    if grub2:
        return {'name': 'grub2', 'method': 'config-file', 'evidence': grub2}
    if entries and (systemd_binaries or loader_confs):
        return {'name': 'systemd-boot', 'method': 'efi-entry' if systemd_binaries else 'config-file',
                'evidence': [SYSTEMD_BOOT_ENTRIES] + systemd_binaries + loader_confs}
    if legacy:
        return {'name': 'grub', 'method': 'config-file', 'evidence': legacy}
    if LILO_CONFIG in files:
        return {'name': 'lilo', 'method': 'config-file', 'evidence': [LILO_CONFIG]}
    if systemd_binaries:
        return {'name': 'systemd-boot', 'method': 'efi-entry', 'evidence': systemd_binaries}
    grub_binaries = [path for path in files if os.path.basename(path) in GRUB_EFI_BINARIES]
    if grub_binaries:
        return {'name': 'grub2', 'method': 'efi-entry', 'evidence': grub_binaries}
    read = [(disk, data) for disk, data in markers.get('mbr') or [] if data is not None]
    for disk, data in read:
        signature = mbr_signature(data)
        if signature == 'LILO':
            return {'name': 'lilo', 'method': 'mbr-signature', 'evidence': ['%s: LILO in MBR' % disk]}
        if signature == 'GRUB':
            name = 'grub2' if markers.get('grub2_tools') else 'grub'
            return {'name': name, 'method': 'mbr-signature', 'evidence': ['%s: GRUB in MBR' % disk]}
    if read:
        return {'name': 'none', 'method': 'mbr-signature',
                'evidence': ['%s: no GRUB or LILO signature in MBR' % disk for disk, _data in read]}
    return {'name': None, 'method': None, 'evidence': []}


def _disks_of(ctx, name, depth=0):
    """Whole disks under a block device: partition -> its disk; dm/md -> their slaves' disks."""
    base = '/sys/class/block/%s' % name
    if depth > 8 or not ctx.exists(base):
        return []
    if ctx.exists(base + '/partition'):
        parent = os.path.basename(os.path.dirname(ctx.realpath(base)))
        return _disks_of(ctx, parent, depth + 1)
    slaves = ctx.listdir(base + '/slaves')
    if slaves:
        disks = []
        for slave in slaves:
            disks.extend(_disks_of(ctx, slave, depth + 1))
        return disks
    return [name]


def boot_disks(ctx):
    """Kernel names of the disks holding /boot (else /), from mountinfo and sysfs."""
    mounts, _errors = mountinfo.parse_mountinfo(ctx.read('/proc/self/mountinfo'))
    by_mountpoint = dict((mount['mountpoint'], mount) for mount in mounts)
    mount = by_mountpoint.get('/boot') or by_mountpoint.get('/')
    if mount is None:
        return []
    name = None
    if mount['major']:
        target = ctx.realpath('/sys/dev/block/%s' % mount['major_minor'])
        if ctx.exists('/sys/dev/block/%s' % mount['major_minor']):
            name = os.path.basename(target)
    if name is None and mount['source'].startswith('/dev/'):
        # Btrfs reports an anonymous 0:N device; its source names a real one.
        name = os.path.basename(ctx.realpath(mount['source']))
    return sorted(set(_disks_of(ctx, name))) if name else []


def _existing_markers(ctx):
    candidates = list(GRUB2_CONFIGS + GRUB_LEGACY_CONFIGS + SYSTEMD_BOOT_LOADER_CONFS) + [LILO_CONFIG]
    if ctx.isdir(SYSTEMD_BOOT_ENTRIES):
        candidates.append(SYSTEMD_BOOT_ENTRIES)
    for esp in ESP_MOUNTPOINTS:
        for vendor in ctx.listdir(esp + '/EFI'):
            directory = '%s/EFI/%s' % (esp, vendor)
            candidates.append(directory + '/grub.cfg')
            candidates.extend('%s/%s' % (directory, entry) for entry in ctx.listdir(directory)
                              if entry.lower() in SYSTEMD_BOOT_BINARIES + GRUB_EFI_BINARIES)
    found = []
    for path in candidates:
        if path not in found and ctx.exists(path):
            found.append(path)
    return found


def detect_boot_loader(ctx):
    markers = {
        'loader_type': parse_key_values(ctx.read(SUSE_BOOTLOADER)).get('LOADER_TYPE'),
        'files': _existing_markers(ctx),
        'grub2_tools': bool(ctx.which('grub2-probe') or ctx.which('grub-probe')),
        'mbr': [],
    }
    decision = decide_boot_loader(markers)
    if decision['name'] is not None:
        return decision
    if ctx.euid() != 0:
        ctx.warn('firmware: boot loader unknown: no configuration file readable and the boot disk '
                 'can only be read as root')
        return decision
    disks = ['/dev/' + disk for disk in boot_disks(ctx)]
    markers['mbr'] = list(zip(disks, ctx.read_bytes_many([(disk, 0, MBR_SIZE) for disk in disks])))
    decision = decide_boot_loader(markers)
    if decision['name'] is None:
        ctx.warn('firmware: boot loader unknown: no configuration file found and the boot disk '
                 '(%s) was not readable' % (', '.join(disks) or 'not found'))
    return decision


def _secure_boot(ctx):
    for path, attribute_bytes in SECURE_BOOT_FILES:
        if not ctx.exists(path):
            continue
        value = parse_secure_boot(ctx.read_bytes(path, 0, attribute_bytes + 1), attribute_bytes)
        if value is None:
            ctx.warn('firmware: Secure Boot state unknown: %s is not readable' % path)
        return value
    ctx.warn('firmware: Secure Boot state unknown: no SecureBoot EFI variable (efivarfs not mounted?)')
    return None


def collect(ctx, options=None):
    """Collect the ``firmware`` section (see docs/discovery.md)."""
    uefi = ctx.isdir(EFI_DIR)
    return {
        'boot_mode': 'uefi' if uefi else 'bios',
        'secure_boot': _secure_boot(ctx) if uefi else None,
        'boot_loader': detect_boot_loader(ctx),
    }
