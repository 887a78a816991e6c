"""Distribution parsing: os-release of every supported distribution and the legacy release files."""

from __future__ import annotations

import os

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import osrelease
from tests.fixtures.system.fakeroot import HERE, debian_capture_dirs, load_json, release_files

OS_DIR = os.path.join(HERE, 'os')

# fixture folder -> the distribution facts a migration engineer expects for that release.
EXPECTED = {
    'centos7': dict(id='centos', version='7.9.2009', version_id='7', major=7, minor=9, service_pack=None,
                    like=['rhel', 'fedora'], codename='Core', source='/etc/os-release'),
    'rhel7': dict(id='rhel', version='7.9', version_id='7.9', major=7, minor=9, service_pack=None,
                  codename='Maipo', name='Red Hat Enterprise Linux Server'),
    'rhel8': dict(id='rhel', version='8.10', version_id='8.10', major=8, minor=10, codename='Ootpa'),
    'sles12sp2': dict(id='sles', version='12.2', version_id='12.2', major=12, minor=2, service_pack=2,
                      pretty_name='SUSE Linux Enterprise Server 12 SP2'),
    'sles15': dict(id='sles', version='15', major=15, minor=None, service_pack=0, like=['suse']),
    'sles15sp5': dict(id='sles', version='15.5', major=15, minor=5, service_pack=5, source='/usr/lib/os-release'),
    'sles11sp4': dict(id='sles', version='11.4', version_id='11.4', major=11, minor=4, service_pack=4,
                      source='/etc/SuSE-release', name='SUSE Linux Enterprise Server 11'),
    'opensuse-leap155': dict(id='opensuse-leap', major=15, minor=5, service_pack=None),
    'ubuntu1604': dict(id='ubuntu', version='16.04.7', version_id='16.04', major=16, minor=4, codename='xenial',
                       like=['debian'], source='/etc/os-release'),
    'ubuntu1804': dict(id='ubuntu', version='18.04.6', major=18, minor=4, codename='bionic'),
    'ubuntu2004': dict(id='ubuntu', version='20.04.6', major=20, minor=4, codename='focal'),
    'ubuntu2204': dict(id='ubuntu', version='22.04.4', major=22, minor=4, codename='jammy'),
    'ubuntu2404': dict(id='ubuntu', version='24.04.1', major=24, minor=4, codename='noble'),
    'ubuntu1204-lsb': dict(id='ubuntu', version='12.04', major=12, minor=4, codename='precise',
                           source='/etc/lsb-release', pretty_name='Ubuntu 12.04.5 LTS'),
    'debian8': dict(id='debian', version='8.11', version_id='8', major=8, minor=11, codename='jessie'),
    'debian9': dict(id='debian', version='9.13', major=9, minor=13, codename='stretch'),
    'debian-testing': dict(id='debian', version=None, version_id=None, major=None, minor=None, codename='trixie'),
    'centos6': dict(id='centos', version='6.10', major=6, minor=10, codename='Final', source='/etc/centos-release'),
    'rhel6': dict(id='rhel', version='6.10', major=6, minor=10, codename='Santiago', source='/etc/redhat-release',
                  name='Red Hat Enterprise Linux Server'),
}


@pytest.mark.parametrize('folder', sorted(EXPECTED))
def test_distribution_of_each_release(folder):
    distribution = osrelease.distribution_from_files(release_files(os.path.join(OS_DIR, folder)))
    for key, value in EXPECTED[folder].items():
        assert distribution[key] == value, key
    assert set(distribution) == set(osrelease.empty_distribution())


def test_every_fixture_folder_has_an_expectation():
    assert sorted(os.listdir(OS_DIR)) == sorted(EXPECTED.keys() | {'debian12'})


def test_this_machines_debian_release_matches_debian_version():
    files = release_files(os.path.join(OS_DIR, 'debian12'))
    distribution = osrelease.distribution_from_files(files)
    point_release = files['/etc/debian_version'].strip()
    assert distribution['id'] == 'debian'
    assert distribution['major'] == 12
    assert distribution['version'] == point_release
    assert distribution['minor'] == int(point_release.split('.')[1])
    assert distribution['codename'] == 'bookworm'


@pytest.mark.parametrize('directory', debian_capture_dirs('os'))
def test_captured_debian_chroots(directory):
    meta = load_json(directory, 'meta.json')
    distribution = osrelease.distribution_from_files(release_files(directory))
    assert distribution['id'] == 'debian'
    assert distribution['major'] == meta['debian']
    assert distribution['codename'] == meta['suite']
    debian_version = release_files(directory)['/etc/debian_version'].strip()
    if debian_version[:1].isdigit():
        assert distribution['version'] == debian_version


def test_debian_point_release_from_os_release_alone():
    files = {'/etc/os-release': 'ID=debian\nVERSION_ID="13"\nVERSION_CODENAME=trixie\nDEBIAN_VERSION_FULL=13.8\n'}
    distribution = osrelease.distribution_from_files(files)
    assert (distribution['version'], distribution['major'], distribution['minor']) == ('13.8', 13, 8)


def test_os_release_wins_over_legacy_files_and_usr_lib_is_the_fallback():
    files = {'/usr/lib/os-release': 'ID=fedora\nVERSION_ID=40\n', '/etc/redhat-release': 'CentOS release 6.10 (Final)'}
    distribution = osrelease.distribution_from_files(files)
    assert (distribution['id'], distribution['major'], distribution['source']) == ('fedora', 40, '/usr/lib/os-release')
    files['/etc/os-release'] = 'ID="rocky"\nVERSION_ID="9.4"\n'
    assert osrelease.distribution_from_files(files)['id'] == 'rocky'


def test_empty_os_release_falls_back_to_legacy_files():
    files = {'/etc/os-release': '\n', '/etc/redhat-release': 'Red Hat Enterprise Linux Server release 6.10 (Santiago)\n'}
    assert osrelease.distribution_from_files(files)['source'] == '/etc/redhat-release'


def test_nothing_identifies_the_distribution():
    assert osrelease.distribution_from_files({}) is None
    assert osrelease.distribution_from_files({'/etc/os-release': '# nothing\n'}) is None


def test_suse_service_pack_from_suse_release_when_os_release_is_short():
    files = {'/etc/os-release': 'ID="sles"\nVERSION="12"\nVERSION_ID="12"\n',
             '/etc/SuSE-release': 'SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 3\n'}
    distribution = osrelease.distribution_from_files(files)
    assert (distribution['minor'], distribution['service_pack']) == (3, 3)


def test_centos_release_of_another_major_is_ignored():
    files = {'/etc/os-release': 'ID="centos"\nVERSION_ID="8"\n', '/etc/centos-release': 'CentOS Linux release 7.9.2009 (Core)'}
    distribution = osrelease.distribution_from_files(files)
    assert (distribution['version'], distribution['minor']) == ('8', None)


@pytest.mark.parametrize('text, expected', [
    ('A=1\nB="two words"\n', {'A': '1', 'B': 'two words'}),
    ("C='single'\n# comment=1\n\nnot a pair\n", {'C': 'single'}),
    ('D="say \\"hi\\" \\$HOME \\\\"\n', {'D': 'say "hi" $HOME \\'}),
    ('export LANG=de_DE.UTF-8\nLANG=en_US.UTF-8\n', {'LANG': 'en_US.UTF-8'}),
    ('  SPACED = "x" \n', {'SPACED': 'x'}),
    ('EMPTY=\n', {'EMPTY': ''}),
    ('', {}),
    (None, {}),
])
def test_parse_key_values(text, expected):
    assert osrelease.parse_key_values(text) == expected


@pytest.mark.parametrize('version, expected', [
    ('12.2', (12, 2)), ('7', (7, None)), ('16.04', (16, 4)), ('7.9.2009', (7, 9)),
    ('trixie/sid', (None, None)), ('', (None, None)), (None, (None, None)), ('15-SP5', (15, None)),
])
def test_split_version(version, expected):
    assert osrelease.split_version(version) == expected


@pytest.mark.parametrize('line, expected', [
    ('CentOS Linux release 7.9.2009 (Core)', ('centos', '7.9.2009', 'Core')),
    ('CentOS Stream release 8', ('centos', '8', None)),
    ('Rocky Linux release 8.9 (Green Obsidian)', ('rocky', '8.9', 'Green Obsidian')),
    ('Oracle Linux Server release 7.9', ('ol', '7.9', None)),
    ('EulerOS release 2.0 (SP8)', ('euleros', '2.0', 'SP8')),
    ('Something else entirely', None),
    ('', None),
])
def test_parse_release_line(line, expected):
    parsed = osrelease.parse_release_line(line)
    assert (parsed and (parsed['id'], parsed['version'], parsed['codename'])) == expected


def test_parse_suse_release_variants():
    desktop = osrelease.parse_suse_release('SUSE Linux Enterprise Desktop 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 0\n')
    assert (desktop['id'], desktop['version'], desktop['patchlevel']) == ('sled', '11', 0)
    opensuse = osrelease.parse_suse_release('openSUSE 13.2 (x86_64)\nVERSION = 13.2\nCODENAME = Harlequin\n')
    assert (opensuse['id'], opensuse['version'], opensuse['patchlevel']) == ('opensuse', '13.2', None)
    assert osrelease.parse_suse_release('') is None
