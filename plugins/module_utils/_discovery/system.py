# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``system`` section: distribution, kernel, host name, CPU, memory, locale, tools, container.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. Files are read through the DiscoveryContext (relative to its root); kernel identity
comes from ``os.uname()``. No command is run and no DNS query is made.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import osrelease
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_lines

TOOLS = ('rsync', 'tc', 'btrfs', 'lvm', 'blkid', 'ip', 'grub2-install', 'grub-install', 'parted', 'sgdisk')
# (file, variable) in the order a system default locale is looked up.
LOCALE_FILES = (
    ('/etc/locale.conf', ('LC_ALL', 'LANG')),
    ('/etc/default/locale', ('LC_ALL', 'LANG')),
    ('/etc/sysconfig/language', ('RC_LC_ALL', 'RC_LANG')),
)
# /proc/1/cgroup path fragments -> container runtime.
_CGROUP_RUNTIMES = (('/libpod', 'podman'), ('/docker', 'docker'), ('/lxc/', 'lxc'), ('/lxc.payload', 'lxc'),
                    ('kubepods', 'container'), ('/containerd', 'container'))
_CONTAINER_NAMES = {'systemd-nspawn': 'systemd-nspawn', 'docker': 'docker', 'podman': 'podman',
                    'lxc': 'lxc', 'lxc-libvirt': 'lxc', 'oci': 'container', 'wsl': 'wsl'}


def parse_cpu_list(text):
    """``'0-3,5,7-8'`` (``/sys/devices/system/cpu/online``) -> 7; None when unparseable."""
    count = 0
    for part in (text or '').strip().split(','):
        if not part:
            continue
        try:
            if '-' in part:
                first, last = part.split('-', 1)
                count += int(last) - int(first) + 1
            else:
                int(part)
                count += 1
        except ValueError:
            return None
    return count or None


def parse_meminfo_total(text):
    """``MemTotal:  16318408 kB`` -> bytes (the kernel's "kB" is KiB)."""
    match = re.search(r'^MemTotal:\s+(\d+)\s*kB', text or '', re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None


def locale_is_utf8(locale):
    if not locale:
        return None
    codeset = locale.split('.', 1)[1] if '.' in locale else ''
    codeset = codeset.split('@', 1)[0].replace('-', '').lower()
    return codeset == 'utf8'


def fqdn_from_hosts(hostname, hosts_text):
    """The dotted canonical name of ``hostname`` in ``/etc/hosts`` text, else None."""
    short = hostname.split('.', 1)[0]
    for line in split_lines(hosts_text):
        names = line.split('#', 1)[0].split()[1:]
        if short not in names and hostname not in names:
            continue
        for name in names:
            if '.' in name and name.split('.', 1)[0] == short:
                return name
    return None


def container_from_markers(markers):
    """Container runtime from the markers read by ``detect_container`` (pure)."""
    value = (markers.get('systemd_container') or '').strip()
    if value:
        return _CONTAINER_NAMES.get(value, value)
    for entry in (markers.get('pid1_environ') or '').split('\0'):
        if entry.startswith('container='):
            value = entry[len('container='):]
            return _CONTAINER_NAMES.get(value, value or 'container')
    if markers.get('containerenv'):
        return 'podman'
    if markers.get('dockerenv'):
        return 'docker'
    for line in split_lines(markers.get('pid1_cgroup')):
        path = line.split(':', 2)[-1]
        for fragment, runtime in _CGROUP_RUNTIMES:
            if fragment in path:
                return runtime
    return None


def detect_container(ctx):
    """Container runtime we run in (``docker``, ``podman``, ``lxc``, ``systemd-nspawn``, …) or None."""
    return container_from_markers({
        'systemd_container': ctx.read('/run/systemd/container'),
        'pid1_environ': ctx.read('/proc/1/environ'),
        'containerenv': ctx.exists('/run/.containerenv'),
        'dockerenv': ctx.exists('/.dockerenv'),
        'pid1_cgroup': ctx.read('/proc/1/cgroup'),
    })


def _distribution(ctx):
    files = {}
    for path in osrelease.OS_RELEASE_FILES + osrelease.LEGACY_RELEASE_FILES:
        text = ctx.read(path)
        if text is not None:
            files[path] = text
    distribution = osrelease.distribution_from_files(files)
    if distribution is None:
        ctx.warn('system: no os-release or release file identifies the distribution')
        distribution = osrelease.empty_distribution()
    return distribution


def _locale(ctx):
    for path, variables in LOCALE_FILES:
        values = osrelease.parse_key_values(ctx.read(path))
        for variable in variables:
            if values.get(variable):
                return values[variable], path
    for variable in ('LC_ALL', 'LANG'):
        if ctx.getenv(variable):
            return ctx.getenv(variable), 'environment'
    return None, None


def _cpu_count(ctx):
    count = parse_cpu_list(ctx.read('/sys/devices/system/cpu/online'))
    if count is None:
        count = ctx.online_cpus()
    if not count or count < 1:
        ctx.warn('system: CPU count unknown (/sys/devices/system/cpu/online unreadable)')
        return None
    return count


def collect(ctx, options=None):
    """Collect the ``system`` section (see docs/discovery.md)."""
    uname = ctx.uname()
    hostname = uname[1]
    fqdn = hostname if '.' in hostname else fqdn_from_hosts(hostname, ctx.read('/etc/hosts'))
    memory_bytes = parse_meminfo_total(ctx.read('/proc/meminfo'))
    if memory_bytes is None:
        ctx.warn('system: MemTotal not found in /proc/meminfo')
    locale, locale_source = _locale(ctx)
    tools = dict((name, ctx.which(name)) for name in TOOLS)
    return {
        'os_family': 'linux',
        'distribution': _distribution(ctx),
        'architecture': uname[4],
        'kernel_release': uname[2],
        'kernel_version': uname[3],
        'hostname': hostname.split('.', 1)[0],
        'fqdn': fqdn,
        'cpu_count': _cpu_count(ctx),
        'memory_bytes': memory_bytes,
        'locale': locale,
        'locale_source': locale_source,
        'locale_is_utf8': locale_is_utf8(locale),
        'tools': tools,
        'has_rsync': tools['rsync'] is not None,
        'has_tc': tools['tc'] is not None,
        'is_root': ctx.euid() == 0,
        'container': detect_container(ctx),
    }
