"""The system collector on fake trees, and its small pure helpers."""

from __future__ import annotations

import os

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import system
from tests.fixtures.system.fakeroot import HERE, CannedContext, release_files, write_tree

MEMINFO = 'MemTotal:        3931016 kB\nMemFree:          123456 kB\nMemAvailable:    2000000 kB\n'


def collect(tmp_path, files, binaries=(), environ=None, monkeypatch=None):
    if monkeypatch is not None:
        for variable in ('LC_ALL', 'LANG'):
            monkeypatch.delenv(variable, raising=False)
        for variable, value in (environ or {}).items():
            monkeypatch.setenv(variable, value)
    ctx = CannedContext(write_tree(tmp_path, files), binaries=list(binaries))
    return system.collect(ctx, {}), ctx


def test_centos7_server(tmp_path, monkeypatch):
    files = dict((path, text) for path, text in release_files(os.path.join(HERE, 'os', 'centos7')).items())
    files.update({
        '/proc/meminfo': MEMINFO,
        '/sys/devices/system/cpu/online': '0-3\n',
        '/etc/locale.conf': 'LANG="en_US.UTF-8"\n',
        '/etc/hosts': '127.0.0.1 localhost\n192.0.2.10 %s.example.com %s\n' % (os.uname()[1], os.uname()[1]),
    })
    facts, ctx = collect(tmp_path, files, binaries=['rsync', 'ip', 'lvm'], monkeypatch=monkeypatch)
    distribution = facts['distribution']
    assert (distribution['id'], distribution['version'], distribution['major'], distribution['minor']) == \
        ('centos', '7.9.2009', 7, 9)
    assert facts['memory_bytes'] == 3931016 * 1024
    assert facts['cpu_count'] == 4
    assert (facts['locale'], facts['locale_source'], facts['locale_is_utf8']) == ('en_US.UTF-8', '/etc/locale.conf', True)
    assert facts['tools']['rsync'] == '/usr/sbin/rsync' and facts['tools']['tc'] is None
    assert set(facts['tools']) == set(system.TOOLS)
    assert (facts['has_rsync'], facts['has_tc']) == (True, False)
    uname = os.uname()
    assert (facts['architecture'], facts['kernel_release'], facts['kernel_version']) == (uname[4], uname[2], uname[3])
    assert facts['hostname'] == uname[1].split('.')[0]
    expected_fqdn = uname[1] if '.' in uname[1] else uname[1] + '.example.com'
    assert facts['fqdn'] == expected_fqdn
    assert facts['is_root'] == (os.geteuid() == 0)
    assert facts['os_family'] == 'linux'
    assert facts['container'] is None
    assert ctx.warnings == []
    assert '/etc/centos-release' in ctx.sources


def test_sles_locale_from_sysconfig_language_and_debian_default_locale(tmp_path, monkeypatch):
    files = {'/etc/sysconfig/language': 'RC_LANG="de_DE.UTF-8"\nROOT_USES_LANG="ctype"\n',
             '/etc/default/locale': 'LANG=fr_FR.ISO-8859-1\n'}
    facts, _ctx = collect(tmp_path, files, monkeypatch=monkeypatch)
    # /etc/default/locale comes before /etc/sysconfig/language
    assert (facts['locale'], facts['locale_source'], facts['locale_is_utf8']) == \
        ('fr_FR.ISO-8859-1', '/etc/default/locale', False)
    os.remove(os.path.join(str(tmp_path), 'etc/default/locale'))
    facts, _ctx = collect(tmp_path, {}, monkeypatch=monkeypatch)
    assert (facts['locale'], facts['locale_source']) == ('de_DE.UTF-8', '/etc/sysconfig/language')


def test_locale_from_environment_when_no_file(tmp_path, monkeypatch):
    facts, _ctx = collect(tmp_path, {}, environ={'LANG': 'C.UTF-8'}, monkeypatch=monkeypatch)
    assert (facts['locale'], facts['locale_source'], facts['locale_is_utf8']) == ('C.UTF-8', 'environment', True)
    facts, _ctx = collect(tmp_path, {}, environ={}, monkeypatch=monkeypatch)
    assert (facts['locale'], facts['locale_source'], facts['locale_is_utf8']) == (None, None, None)


def test_missing_files_give_nulls_and_warnings(tmp_path, monkeypatch):
    facts, ctx = collect(tmp_path, {}, monkeypatch=monkeypatch)
    assert facts['memory_bytes'] is None
    assert facts['distribution']['id'] is None and facts['distribution']['source'] is None
    assert 'system: MemTotal not found in /proc/meminfo' in ctx.warnings
    assert 'system: no os-release or release file identifies the distribution' in ctx.warnings
    # the CPU count falls back to sysconf, which always answers on Linux
    assert facts['cpu_count'] == os.sysconf('SC_NPROCESSORS_ONLN')
    assert facts['has_rsync'] is False


@pytest.mark.parametrize('text, count', [
    ('0-3\n', 4), ('0\n', 1), ('0-3,5,7-8\n', 7), ('0,2,4,6', 4), ('', None), ('garbage', None), (None, None),
])
def test_parse_cpu_list(text, count):
    assert system.parse_cpu_list(text) == count


@pytest.mark.parametrize('text, expected', [
    (MEMINFO, 3931016 * 1024), ('MemFree: 1 kB\n', None), ('', None), ('MemTotal:  0 kB\n', 0),
])
def test_parse_meminfo_total(text, expected):
    assert system.parse_meminfo_total(text) == expected


@pytest.mark.parametrize('locale, expected', [
    ('en_US.UTF-8', True), ('en_US.utf8', True), ('C.UTF-8', True), ('de_DE.UTF-8@euro', True),
    ('C', False), ('POSIX', False), ('en_US', False), ('en_US.ISO-8859-1', False), (None, None), ('', None),
])
def test_locale_is_utf8(locale, expected):
    assert system.locale_is_utf8(locale) is expected


@pytest.mark.parametrize('hostname, hosts, expected', [
    ('web1', '127.0.0.1 localhost\n127.0.1.1 web1.example.com web1\n', 'web1.example.com'),
    ('web1', '192.0.2.1 web1 web1.corp.example  # comment\n', 'web1.corp.example'),
    ('web1', '127.0.0.1 localhost localhost.localdomain\n', None),
    ('web1', '# 192.0.2.1 web1.example.com web1\n', None),
    ('web1', '192.0.2.9 web10.example.com web10\n', None),
    ('web1', None, None),
])
def test_fqdn_from_hosts(hostname, hosts, expected):
    assert system.fqdn_from_hosts(hostname, hosts) == expected


@pytest.mark.parametrize('markers, expected', [
    ({'systemd_container': 'systemd-nspawn\n'}, 'systemd-nspawn'),
    ({'systemd_container': 'lxc-libvirt\n'}, 'lxc'),
    ({'pid1_environ': 'PATH=/bin\0container=podman\0HOME=/'}, 'podman'),
    ({'pid1_environ': 'container=lxc\0'}, 'lxc'),
    ({'containerenv': True, 'dockerenv': True}, 'podman'),
    ({'dockerenv': True}, 'docker'),
    ({'pid1_cgroup': '12:pids:/docker/3f1c0a\n0::/docker/3f1c0a\n'}, 'docker'),
    ({'pid1_cgroup': '0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-1.scope\n'}, 'container'),
    ({'pid1_cgroup': '0::/machine.slice/libpod-5a.scope\n'}, 'podman'),
    ({'pid1_cgroup': '0::/lxc.payload.c1/\n'}, 'lxc'),
    ({'pid1_cgroup': '0::/init.scope\n1:name=systemd:/\n'}, None),
    ({}, None),
])
def test_container_from_markers(markers, expected):
    assert system.container_from_markers(markers) == expected


def test_detect_container_reads_the_markers_through_the_context(tmp_path):
    ctx = CannedContext(write_tree(tmp_path, {'/run/.containerenv': '', '/proc/1/cgroup': '0::/\n'}))
    assert system.detect_container(ctx) == 'podman'
    ctx = CannedContext(write_tree(tmp_path / 'b', {'/run/systemd/container': 'docker\n'}))
    assert system.detect_container(ctx) == 'docker'
