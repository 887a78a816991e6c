"""Every distribution family SMS supports, from its real release files to os_version and SMS support.

Cases live in tests/fixtures/distributions/<case>/etc/... (README there names the source of each).
Expected values: os-release ID, major, minor, service pack, the os_version sent to SMS (x86_64)
and the verdict of the SMS supported OS list (FAQ 4.1 Tables 4-2/4-3, in _sms/rules.py).
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import osrelease
from ansible_collections.hwcloud.sms.plugins.module_utils._sms import rules

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'fixtures')
DISTRIBUTIONS = os.path.join(FIXTURES, 'distributions')

CASES = [
    # case, id, major, minor, service pack, os_version, SMS supported OS list, file that identified it
    ('almalinux-8.3', 'almalinux', 8, 3, None, 'ALMALINUX_8_3_64BIT', 'ok', '/etc/os-release'),
    ('amazon-2', 'amzn', 2, None, None, 'AMAZON_2_64BIT', 'ok', '/etc/os-release'),
    ('amazon-2018.03', 'amzn', 2018, 3, None, 'AMAZON_2018_3_64BIT', 'ok', '/etc/os-release'),
    ('amazon-2023', 'amzn', 2023, None, None, 'AMAZON_2023_64BIT', 'ok', '/etc/os-release'),
    ('centos-5.11', 'centos', 5, 11, None, 'CENTOS_5_11_64BIT', 'warn', '/etc/centos-release'),
    ('centos-6.7', 'centos', 6, 7, None, 'CENTOS_6_7_64BIT', 'ok', '/etc/redhat-release'),
    ('centos-7.1', 'centos', 7, 1, None, 'CENTOS_7_1_64BIT', 'ok', '/etc/os-release'),
    ('centos-8.1', 'centos', 8, 1, None, 'CENTOS_8_1_64BIT', 'ok', '/etc/os-release'),
    ('centos-stream-8', 'centos', 8, None, None, 'CENTOS_8_0_64BIT', 'ok', '/etc/os-release'),
    ('centos-stream-9', 'centos', 9, None, None, 'CENTOS_9_0_64BIT', 'ok', '/etc/os-release'),
    ('debian-10.11', 'debian', 10, 11, None, 'DEBIAN_10_11_64BIT', 'ok', '/etc/os-release'),
    ('debian-13.1', 'debian', 13, 1, None, 'DEBIAN_13_1_64BIT', 'warn', '/etc/os-release'),
    ('debian-6.0.10', 'debian', 6, 0, None, 'DEBIAN_6_0_64BIT', 'ok', '/etc/debian_version'),
    ('debian-7.9', 'debian', 7, 9, None, 'DEBIAN_7_9_64BIT', 'ok', '/etc/os-release'),
    ('debian-8.2', 'debian', 8, 2, None, 'DEBIAN_8_2_64BIT', 'ok', '/etc/os-release'),
    ('debian-9.13', 'debian', 9, 13, None, 'DEBIAN_9_13_64BIT', 'ok', '/etc/os-release'),
    ('euleros-2.0-sp5', 'euleros', 2, 0, 5, 'EULEROS_2_5_64BIT', 'ok', '/etc/os-release'),
    ('euleros-2.0-sp8', 'euleros', 2, 0, 8, 'EULEROS_2_8_64BIT', 'warn', '/etc/os-release'),
    ('euleros-2.0-sp9', 'euleros', 2, 0, 9, 'EULEROS_2_9_64BIT', 'warn', '/etc/os-release'),
    ('kylin-v10-sp1', 'kylin', 10, None, 1, 'KYLIN_10_64BIT_SP1', 'ok', '/etc/os-release'),
    ('kylin-v10-sp2', 'kylin', 10, None, 2, 'KYLIN_10_64BIT_SP2', 'ok', '/etc/os-release'),
    ('kylin-v10-sp3', 'kylin', 10, None, 3, 'KYLIN_10_64BIT_SP3', 'ok', '/etc/os-release'),
    ('kylin-v10-sp3-2403', 'kylin', 10, None, 3, 'KYLIN_10_64BIT_SP3', 'ok', '/etc/os-release'),
    ('kylin-v10-sword', 'kylin', 10, None, 2, 'KYLIN_10_64BIT_SP2', 'ok', '/etc/os-release'),
    ('ol-5.11', 'ol', 5, 11, None, 'ORACLE_5_11_64BIT', 'warn', '/etc/oracle-release'),
    ('ol-5.5-enterprise-in-redhat-release', 'ol', 5, 5, None, 'ORACLE_5_5_64BIT', 'warn', '/etc/enterprise-release'),
    ('ol-6.4', 'ol', 6, 4, None, 'ORACLE_6_4_64BIT', 'ok', '/etc/oracle-release'),
    ('ol-7.5', 'ol', 7, 5, None, 'ORACLE_7_5_64BIT', 'ok', '/etc/os-release'),
    ('ol-8.8', 'ol', 8, 8, None, 'ORACLE_8_8_64BIT', 'ok', '/etc/os-release'),
    ('ol-9.3', 'ol', 9, 3, None, 'ORACLE_9_3_64BIT', 'ok', '/etc/os-release'),
    ('openeuler-20.03', 'openeuler', 20, 3, None, 'OPENEULER_20_3_64BIT', 'ok', '/etc/os-release'),
    ('openeuler-22.03-sp2', 'openeuler', 22, 3, 2, 'OPENEULER_22_3_64BIT', 'warn', '/etc/os-release'),
    ('opensuse-leap-15.0', 'opensuse-leap', 15, 0, None, 'OPENSUSE_15_0_64BIT', 'ok', '/etc/os-release'),
    ('opensuse-leap-15.2', 'opensuse-leap', 15, 2, None, 'OPENSUSE_15_2_64BIT', 'ok', '/etc/os-release'),
    ('rhel-5.11', 'rhel', 5, 11, None, 'REDHAT_5_11_64BIT', 'warn', '/etc/redhat-release'),
    ('rhel-6.5', 'rhel', 6, 5, None, 'REDHAT_6_5_64BIT', 'ok', '/etc/redhat-release'),
    ('rhel-7.0', 'rhel', 7, 0, None, 'REDHAT_7_0_64BIT', 'ok', '/etc/os-release'),
    ('rhel-8.10', 'rhel', 8, 10, None, 'REDHAT_8_10_64BIT', 'ok', '/etc/os-release'),
    ('rhel-9.6', 'rhel', 9, 6, None, 'REDHAT_9_6_64BIT', 'ok', '/etc/os-release'),
    ('rocky-8.3', 'rocky', 8, 3, None, 'ROCKY_8_3_64BIT', 'ok', '/etc/os-release'),
    ('rocky-9.3', 'rocky', 9, 3, None, 'ROCKY_9_3_64BIT', 'ok', '/etc/os-release'),
    ('sles-11-sp1', 'sles', 11, 1, 1, 'SUSE11_64BIT_SP1', 'warn', '/etc/SuSE-release'),
    ('sles-11-sp2', 'sles', 11, 2, 2, 'SUSE11_64BIT_SP2', 'warn', '/etc/SuSE-release'),
    ('sles-11-sp3', 'sles', 11, 3, 3, 'SUSE11_64BIT_SP3', 'ok', '/etc/SuSE-release'),
    ('sles-11-sp4', 'sles', 11, 4, 4, 'SUSE11_64BIT_SP4', 'ok', '/etc/os-release'),
    ('sles-12-sp0', 'sles', 12, 0, 0, 'SUSE12_64BIT', 'ok', '/etc/os-release'),
    ('sles-12-sp1', 'sles', 12, 1, 1, 'SUSE12_64BIT_SP1', 'ok', '/etc/os-release'),
    ('sles-12-sp1-s390x', 'sles', 12, 1, 1, 'SUSE12_64BIT_SP1', 'ok', '/etc/os-release'),
    ('sles-12-sp2', 'sles', 12, 2, 2, 'SUSE12_64BIT_SP2', 'ok', '/etc/os-release'),
    ('sles-12-sp3', 'sles', 12, 3, 3, 'SUSE12_64BIT_SP3', 'ok', '/etc/os-release'),
    ('sles-12-sp4', 'sles', 12, 4, 4, 'SUSE12_64BIT_SP4', 'ok', '/etc/os-release'),
    ('sles-12-sp5', 'sles', 12, 5, 5, 'SUSE12_64BIT_SP5', 'ok', '/etc/os-release'),
    ('sles-15-sp0', 'sles', 15, None, 0, 'SUSE15_64BIT', 'ok', '/etc/os-release'),
    ('sles-15-sp1', 'sles', 15, 1, 1, 'SUSE15_64BIT_SP1', 'ok', '/etc/os-release'),
    ('sles-15-sp2', 'sles', 15, 2, 2, 'SUSE15_64BIT_SP2', 'ok', '/etc/os-release'),
    ('sles-15-sp3', 'sles', 15, 3, 3, 'SUSE15_64BIT_SP3', 'ok', '/etc/os-release'),
    ('sles-15-sp4', 'sles', 15, 4, 4, 'SUSE15_64BIT_SP4', 'ok', '/etc/os-release'),
    ('sles-15-sp5', 'sles', 15, 5, 5, 'SUSE15_64BIT_SP5', 'ok', '/etc/os-release'),
    ('sles-15-sp6', 'sles', 15, 6, 6, 'SUSE15_64BIT_SP6', 'ok', '/etc/os-release'),
    ('ubuntu-12.04', 'ubuntu', 12, 4, None, 'UBUNTU_12_4_64BIT', 'ok', '/etc/os-release'),
    ('ubuntu-14.04', 'ubuntu', 14, 4, None, 'UBUNTU_14_4_64BIT', 'ok', '/etc/os-release'),
    ('ubuntu-16.04', 'ubuntu', 16, 4, None, 'UBUNTU_16_4_64BIT', 'ok', '/etc/os-release'),
    ('ubuntu-18.04', 'ubuntu', 18, 4, None, 'UBUNTU_18_4_64BIT', 'ok', '/etc/os-release'),
    ('ubuntu-20.04', 'ubuntu', 20, 4, None, 'UBUNTU_20_4_64BIT', 'ok', '/etc/os-release'),
    ('ubuntu-22.04', 'ubuntu', 22, 4, None, 'UBUNTU_22_4_64BIT', 'ok', '/etc/os-release'),
    ('ubuntu-24.04', 'ubuntu', 24, 4, None, 'UBUNTU_24_4_64BIT', 'ok', '/etc/os-release'),
    ('uos-20', 'uos', 20, None, None, 'UOS_20_64BIT', 'warn', '/etc/os-release'),
    # Captured on this machine from debootstrap roots (tests/fixtures/debian1x/os).
    ('debian11', 'debian', 11, 11, None, 'DEBIAN_11_11_64BIT', 'ok', '/etc/os-release'),
    ('debian12', 'debian', 12, 15, None, 'DEBIAN_12_15_64BIT', 'warn', '/etc/os-release'),
]


def release_files(case):
    """``{'/etc/os-release': text, ...}`` of one case, as the system collector reads them."""
    if case.startswith('debian1') and '-' not in case:
        base = os.path.join(FIXTURES, case, 'os')
        return {'/' + name.replace('-', '/', 1): open(os.path.join(base, name), encoding='utf-8').read()
                for name in os.listdir(base) if name.startswith(('etc-', 'usr-'))}
    base = os.path.join(DISTRIBUTIONS, case)
    files = {}
    for directory, _dirs, names in os.walk(base):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, encoding='utf-8', newline='') as handle:
                files['/' + os.path.relpath(path, base)] = handle.read()
    return files


def test_every_fixture_is_in_the_table_and_the_collector_reads_every_file():
    assert sorted(c[0] for c in CASES if '-' in c[0]) == sorted(
        name for name in os.listdir(DISTRIBUTIONS) if os.path.isdir(os.path.join(DISTRIBUTIONS, name)))
    read = set(osrelease.OS_RELEASE_FILES + osrelease.LEGACY_RELEASE_FILES)
    identifying = set()
    for case in CASES:
        identifying.add(case[7])
    assert identifying <= read


@pytest.mark.parametrize('case, distro_id, major, minor, service_pack, os_version, support, source', CASES,
                         ids=[c[0] for c in CASES])
def test_distribution_os_version_and_sms_support(case, distro_id, major, minor, service_pack, os_version, support,
                                                 source):
    files = release_files(case)
    read = dict((path, text) for path, text in files.items()
                if path in osrelease.OS_RELEASE_FILES + osrelease.LEGACY_RELEASE_FILES)
    distribution = osrelease.distribution_from_files(read)
    assert (distribution['id'], distribution['major'], distribution['minor'], distribution['service_pack'],
            distribution['source']) == (distro_id, major, minor, service_pack, source)
    warnings = []
    assert rules.os_version({'distribution': distribution, 'architecture': 'x86_64'}, warnings) == os_version
    assert warnings == []  # every family is in the os_version table
    status, message = rules.os_support(distribution)
    assert status == support, message
    assert rules.os_version({'distribution': distribution, 'architecture': 'i686'}, []).replace('32BIT', '64BIT') == \
        os_version


def test_old_releases_without_os_release_are_the_ones_the_issue_names():
    old = sorted(c[0] for c in CASES if '/etc/os-release' not in release_files(c[0])
                 and '/usr/lib/os-release' not in release_files(c[0]))
    assert old == ['centos-5.11', 'centos-6.7', 'debian-6.0.10', 'ol-5.11', 'ol-5.5-enterprise-in-redhat-release',
                   'ol-6.4', 'rhel-5.11', 'rhel-6.5', 'sles-11-sp1', 'sles-11-sp2', 'sles-11-sp3']


def test_oracle_line_in_redhat_release_alone_is_oracle_linux():
    files = release_files('ol-5.5-enterprise-in-redhat-release')
    del files['/etc/enterprise-release']
    distribution = osrelease.distribution_from_files(files)
    assert (distribution['id'], distribution['major'], distribution['minor']) == ('ol', 5, 5)
    assert rules.os_version({'distribution': distribution, 'architecture': 'x86_64'}) == 'ORACLE_5_5_64BIT'


def test_oracle_linux_5_is_not_registered_as_red_hat():
    # redhat-release says "Red Hat Enterprise Linux Server release 5.11 (Tikanga)" on OL 5.
    files = release_files('ol-5.11')
    assert files['/etc/redhat-release'].startswith('Red Hat Enterprise Linux')
    assert osrelease.distribution_from_files(files)['id'] == 'ol'
    del files['/etc/oracle-release']
    assert osrelease.distribution_from_files(files)['id'] == 'ol'  # enterprise-release alone


@pytest.mark.parametrize('version_id, expected', [
    ('V10', (10, None)), ('v10', (10, None)), ('20', (20, None)), ('2018.03', (2018, 3)), ('22.03', (22, 3)),
    ('V10 (SP1)', (10, None)), ('trixie/sid', (None, None)), ('', (None, None)), (None, (None, None)),
])
def test_non_numeric_version_ids(version_id, expected):
    assert osrelease.split_version(version_id) == expected


def test_kylin_service_pack_from_productinfo_wins_over_the_codename():
    files = release_files('kylin-v10-sp1')
    assert osrelease.distribution_from_files(files)['service_pack'] == 1
    files['/etc/.productinfo'] = files['/etc/.productinfo'].replace('(SP1)', '(SP3)')
    assert osrelease.distribution_from_files(files)['service_pack'] == 3
    del files['/etc/.productinfo']  # codename Tercel
    assert osrelease.distribution_from_files(files)['service_pack'] == 1


def test_an_openeuler_host_is_reported_supported():
    distribution = osrelease.distribution_from_files(release_files('openeuler-20.03'))
    results = {r['name']: r for r in rules.evaluate_readiness({'system': {'distribution': distribution}})}
    assert results['operating_system']['status'] == 'ok', results['operating_system']['message']
    assert results['operating_system']['message'] == 'openEuler 20.03 (LTS) is in the SMS supported OS list'


def test_supported_os_table_parses_and_every_family_has_an_os_name():
    for distro_id in rules.SUPPORTED_OS:
        ranges = rules.supported_ranges(distro_id)
        assert ranges and all(low <= high for low, high in ranges), distro_id
        assert distro_id in rules.OS_NAMES, distro_id
