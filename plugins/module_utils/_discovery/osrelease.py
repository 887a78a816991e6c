# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parsers of the distribution release files (os-release and the older ``/etc/*-release``).

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. Text in, dicts out; nothing here touches the system.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_lines

OS_RELEASE_FILES = ('/etc/os-release', '/usr/lib/os-release')
# Read only when os-release is missing, or to refine a version os-release leaves short.
# Oracle Linux 5 and early 6 name the product only in oracle-release / enterprise-release
# (their redhat-release may say "Red Hat Enterprise Linux"), so those are read first.
RED_HAT_STYLE_RELEASE_FILES = ('/etc/oracle-release', '/etc/enterprise-release', '/etc/centos-release',
                               '/etc/redhat-release')
# Kylin V10 names its service pack only in /etc/.productinfo ("release V10 (SP2) /(Sword)-...").
LEGACY_RELEASE_FILES = RED_HAT_STYLE_RELEASE_FILES + ('/etc/SuSE-release', '/etc/lsb-release',
                                                      '/etc/debian_version', '/etc/.productinfo')
SUSE_ENTERPRISE_IDS = ('sles', 'sled', 'sles_sap', 'sle-micro', 'sle_hpc')

# Kylin writes its version "V10" (VERSION_ID="V10"): a leading V is not part of the number.
_LEADING_VERSION = re.compile(r'^[Vv]?(\d+(?:\.\d+)*)')
# "2.0 (SP5)" (EulerOS), "22.03 (LTS-SP2)" (openEuler), "release V10 (SP2) /(Sword)-x86_64-..." and
# "release V10 SP3 2403/(Halberd)-..." (Kylin /etc/.productinfo).
_SERVICE_PACK = re.compile(r'(?:^|[\s(-])SP(\d+)\b')
# Kylin V10 codenames -> service pack, for hosts without /etc/.productinfo (os-release "V10 (Sword)").
KYLIN_CODENAME_SERVICE_PACKS = {'tercel': 1, 'sword': 2, 'lance': 3, 'halberd': 3}
_PARENTHESES = re.compile(r'\(([^)]*)\)')
_RELEASE_LINE = re.compile(r'^(?P<name>.*?)\s+release\s+(?P<version>\d[\w.]*)(?:\s*\((?P<codename>[^)]*)\))?')
# Product names of /etc/redhat-release style lines -> os-release ID.
_RELEASE_NAME_IDS = (
    ('red hat enterprise linux', 'rhel'),
    ('centos', 'centos'),
    ('rocky', 'rocky'),
    ('almalinux', 'almalinux'),
    ('oracle', 'ol'),
    ('enterprise linux enterprise linux', 'ol'),  # OL 5: "Enterprise Linux Enterprise Linux Server"
    ('scientific', 'scientific'),
    ('fedora', 'fedora'),
    ('euleros', 'euleros'),
    ('openeuler', 'openeuler'),
)


def _unquote(value):
    """Undo the shell quoting os-release allows (``"…"`` with backslash escapes, or ``'…'``)."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r'\\(["\\$`])', r'\1', value[1:-1])
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    return value


def parse_key_values(text, separator='='):
    """Parse ``KEY=value`` lines (os-release, lsb-release, locale.conf, sysconfig files).

    Comments, blank lines and lines without the separator are ignored; an ``export`` prefix is
    dropped; the last assignment of a key wins, as in a shell.
    """
    values = {}
    for line in split_lines(text):
        line = line.strip()
        if not line or line.startswith('#') or separator not in line:
            continue
        key, value = line.split(separator, 1)
        key = key.strip()
        if key.startswith('export '):
            key = key[len('export '):].strip()
        if key:
            values[key] = _unquote(value)
    return values


def split_version(version):
    """``'12.2'`` -> ``(12, 2)``, ``'7'`` -> ``(7, None)``, ``'V10'`` -> ``(10, None)``, ``'trixie/sid'`` -> ``(None, None)``."""
    match = _LEADING_VERSION.match(version or '')
    if not match:
        return None, None
    parts = match.group(1).split('.')
    return int(parts[0]), (int(parts[1]) if len(parts) > 1 else None)


def _leading_version(text):
    match = _LEADING_VERSION.match((text or '').strip())
    return match.group(1) if match else None


def empty_distribution():
    return {
        'id': None, 'name': None, 'version': None, 'version_id': None, 'major': None, 'minor': None,
        'service_pack': None, 'pretty_name': None, 'like': [], 'codename': None, 'source': None,
    }


def parse_os_release(text):
    """Distribution dict from os-release text (``man 5 os-release``)."""
    values = parse_key_values(text)
    distribution = empty_distribution()
    version = values.get('VERSION')
    codename = values.get('VERSION_CODENAME') or values.get('UBUNTU_CODENAME')
    if not codename and version:
        match = _PARENTHESES.search(version)
        codename = match.group(1) if match else None
    distribution.update({
        'id': (values.get('ID') or '').lower() or None,
        'name': values.get('NAME'),
        'version': version,
        'version_id': values.get('VERSION_ID'),
        'pretty_name': values.get('PRETTY_NAME'),
        'like': (values.get('ID_LIKE') or '').split(),
        'codename': codename or None,
    })
    return distribution


def parse_release_line(text):
    """``/etc/redhat-release``, ``/etc/centos-release``: ``CentOS Linux release 7.9.2009 (Core)``."""
    line = split_lines((text or '').strip())[0] if (text or '').strip() else ''
    match = _RELEASE_LINE.match(line)
    if not match:
        return None
    name = match.group('name').strip()
    lowered = name.lower()
    distribution_id = None
    for marker, candidate in _RELEASE_NAME_IDS:
        if marker in lowered:
            distribution_id = candidate
            break
    return {'id': distribution_id, 'name': name, 'version': match.group('version'),
            'codename': match.group('codename'), 'pretty_name': line}


def parse_suse_release(text):
    """``/etc/SuSE-release``: a product line, then ``VERSION = 11`` and ``PATCHLEVEL = 4``."""
    lines = split_lines((text or '').strip())
    if not lines:
        return None
    values = parse_key_values('\n'.join(lines[1:]))
    values = dict((key.strip(), value.strip()) for key, value in values.items())
    product = lines[0].strip()
    lowered = product.lower()
    if 'enterprise server' in lowered:
        distribution_id = 'sles'
    elif 'enterprise desktop' in lowered:
        distribution_id = 'sled'
    elif 'opensuse' in lowered:
        distribution_id = 'opensuse'
    else:
        distribution_id = None
    patchlevel = values.get('PATCHLEVEL')
    return {
        'id': distribution_id,
        'name': _PARENTHESES.sub('', product).strip(),
        'version': values.get('VERSION'),
        'patchlevel': int(patchlevel) if patchlevel and patchlevel.isdigit() else None,
        'pretty_name': product,
    }


def parse_lsb_release(text):
    """``/etc/lsb-release``: ``DISTRIB_ID``, ``DISTRIB_RELEASE``, ``DISTRIB_CODENAME``, ``DISTRIB_DESCRIPTION``."""
    values = parse_key_values(text)
    if not values.get('DISTRIB_ID'):
        return None
    return {'id': values['DISTRIB_ID'].lower(), 'name': values['DISTRIB_ID'],
            'version': values.get('DISTRIB_RELEASE'), 'codename': values.get('DISTRIB_CODENAME'),
            'pretty_name': values.get('DISTRIB_DESCRIPTION')}


def _most_precise(major, candidates):
    """The candidate version with the most components whose major matches (``7.9.2009`` over ``7``)."""
    best = None
    for candidate in candidates:
        if not candidate or split_version(candidate)[0] != major:
            continue
        if best is None or len(candidate.split('.')) > len(best.split('.')):
            best = candidate
    return best


def _from_legacy(files):
    """Distribution from the pre-os-release files, most specific first."""
    distribution = empty_distribution()
    for path in RED_HAT_STYLE_RELEASE_FILES:
        parsed = parse_release_line(files.get(path))
        if parsed:
            distribution.update(parsed)
            distribution['version_id'] = parsed['version']
            distribution['source'] = path
            return distribution
    suse = parse_suse_release(files.get('/etc/SuSE-release'))
    if suse:
        version_id = suse['version']
        if suse['patchlevel']:
            version_id = '%s.%d' % (suse['version'], suse['patchlevel'])
        distribution.update({'id': suse['id'], 'name': suse['name'], 'version': version_id,
                             'version_id': version_id, 'pretty_name': suse['pretty_name'],
                             'source': '/etc/SuSE-release'})
        return distribution
    lsb = parse_lsb_release(files.get('/etc/lsb-release'))
    if lsb:
        distribution.update(lsb)
        distribution['version_id'] = lsb['version']
        distribution['source'] = '/etc/lsb-release'
        return distribution
    debian_version = (files.get('/etc/debian_version') or '').strip()
    if debian_version:
        distribution.update({'id': 'debian', 'name': 'Debian GNU/Linux', 'version': debian_version,
                             'version_id': debian_version, 'source': '/etc/debian_version'})
        return distribution
    return None


def distribution_from_files(files):
    """Assemble ``system.distribution`` from release-file texts.

    ``files`` maps a path of OS_RELEASE_FILES / LEGACY_RELEASE_FILES to its text (absent or None
    when unreadable). os-release wins; the legacy files fill what it leaves out: the CentOS minor
    (``VERSION_ID="7"`` + ``/etc/centos-release`` ``7.9.2009``), the Debian point release, the
    SUSE service pack on SLES 12 (``/etc/SuSE-release`` ``PATCHLEVEL``). Returns None when no
    file identifies the distribution.
    """
    distribution = None
    for path in OS_RELEASE_FILES:
        parsed = parse_os_release(files.get(path))
        if parsed['id']:
            distribution = parsed
            distribution['source'] = path
            break
    if distribution is None:
        distribution = _from_legacy(files)
        if distribution is None:
            return None
    major, minor = split_version(distribution['version_id'])
    # VERSION ("16.04.7 LTS (Xenial Xerus)", "8.10 (Ootpa)"), /etc/centos-release ("7.9.2009")
    # and the Debian point release ("12.5") are often more precise than VERSION_ID.
    candidates = [distribution['version_id'], _leading_version(distribution['version'])]
    if distribution['id'] in ('centos', 'rhel', 'rocky', 'almalinux', 'ol'):
        for path in RED_HAT_STYLE_RELEASE_FILES:
            parsed = parse_release_line(files.get(path))
            if parsed:
                candidates.append(parsed['version'])
                break
    elif distribution['id'] == 'debian':
        # Debian 13+ os-release carries the point release itself (DEBIAN_VERSION_FULL=13.8).
        candidates.append(parse_key_values(files.get(distribution['source'])).get('DEBIAN_VERSION_FULL'))
        candidates.append(_leading_version(files.get('/etc/debian_version')))
    precise = _most_precise(major, candidates) if major is not None else None
    if precise:
        distribution['version'] = precise
        if minor is None:
            minor = split_version(precise)[1]
    distribution['major'], distribution['minor'] = major, minor
    if distribution['id'] in SUSE_ENTERPRISE_IDS:
        suse = parse_suse_release(files.get('/etc/SuSE-release'))
        if suse and suse['patchlevel'] is not None and distribution['minor'] is None:
            distribution['minor'] = suse['patchlevel']
        # SLE numbers service packs as the minor version: 12.2 is 12 SP2, 15 is 15 GA (SP0).
        distribution['service_pack'] = distribution['minor'] or 0
    else:
        distribution['service_pack'] = service_pack(distribution, files)
    return distribution


def service_pack(distribution, files):
    """The service pack of a non-SUSE distribution, or None.

    Kylin V10 names it only in ``/etc/.productinfo`` (``release V10 (SP2) /(Sword)-x86_64-...``),
    else its codename tells it; EulerOS and openEuler put it in VERSION (``2.0 (SP5)``,
    ``22.03 (LTS-SP2)``).
    """
    sources = [distribution.get('version'), distribution.get('pretty_name')]
    if distribution['id'] == 'kylin':
        sources.insert(0, '\n'.join(split_lines(files.get('/etc/.productinfo'))[1:2]))
    for text in sources:
        match = _SERVICE_PACK.search(text or '')
        if match:
            return int(match.group(1))
    if distribution['id'] == 'kylin':
        return KYLIN_CODENAME_SERVICE_PACKS.get((distribution.get('codename') or '').strip().lower())
    return None
