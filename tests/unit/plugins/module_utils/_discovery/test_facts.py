"""The orchestrator: section selection, isolation, provenance and the top-level keys."""

from __future__ import annotations

import json
import os
import re
import time

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import facts
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.runner import DiscoveryContext, DiscoveryTimeout
from tests.fixtures.system.fakeroot import HERE, CannedContext, load_json, release_files, write_tree


def reading(path, value):
    """A collector that reads one file through the context and returns ``value``."""
    def collect(ctx, options):
        ctx.read(path)
        return value
    return collect


def failing(exception):
    def collect(ctx, options):
        raise exception
    return collect


FAKE = dict((name, reading('/etc/%s' % name, {'name': name})) for name in facts.SECTIONS)


def fake_tree(tmp_path):
    return write_tree(tmp_path, dict(('/etc/%s' % name, name) for name in facts.SECTIONS))


def test_top_level_keys_and_canonical_order(tmp_path):
    ctx = DiscoveryContext(root=fake_tree(tmp_path))
    result = facts.collect(sections=['platform', 'network', 'storage'], ctx=ctx, collectors=FAKE)
    assert result['schema_version'] == 1
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', result['collected_at'])
    assert abs(time.mktime(time.strptime(result['collected_at'], '%Y-%m-%dT%H:%M:%SZ')) -
               time.mktime(time.gmtime())) < 60
    assert result['sections'] == ['storage', 'network', 'platform']
    assert [key for key in facts.SECTIONS if key in result] == ['storage', 'network', 'platform']
    assert 'system' not in result and 'firmware' not in result
    assert result['network'] == {'name': 'network'}
    assert result['warnings'] == []
    json.dumps(result)  # plain JSON types only


def test_default_is_every_section(tmp_path):
    result = facts.collect(ctx=DiscoveryContext(root=fake_tree(tmp_path)), collectors=FAKE)
    assert result['sections'] == list(facts.SECTIONS)


def test_provenance_is_per_section(tmp_path):
    ctx = DiscoveryContext(root=fake_tree(tmp_path))
    collectors = dict(FAKE, system=reading('/etc/network', {}))  # re-reading another section's file
    result = facts.collect(sections=['network', 'system'], ctx=ctx, collectors=collectors)
    assert result['provenance']['network']['sources'] == ['/etc/network']
    assert result['provenance']['system']['sources'] == ['/etc/network']
    for name in ('network', 'system'):
        seconds = result['provenance'][name]['seconds']
        assert isinstance(seconds, float) and 0 <= seconds < 5


def test_an_exception_in_one_section_is_a_warning_and_null(tmp_path):
    ctx = DiscoveryContext(root=fake_tree(tmp_path))
    collectors = dict(FAKE, firmware=failing(KeyError('boot')), system=failing(ZeroDivisionError('division by zero')))
    result = facts.collect(ctx=ctx, collectors=collectors)
    assert result['firmware'] is None and result['system'] is None
    assert result['network'] == {'name': 'network'} and result['platform'] == {'name': 'platform'}
    assert result['warnings'] == ["firmware: internal error: KeyError: 'boot'",
                                  'system: internal error: ZeroDivisionError: division by zero']
    assert result['provenance']['firmware']['sources'] == []


def test_discovery_timeout_propagates(tmp_path):
    ctx = DiscoveryContext(root=fake_tree(tmp_path), on_timeout='error')
    with pytest.raises(DiscoveryTimeout, match='^network: ip did not finish$'):
        facts.collect(ctx=ctx, collectors=dict(FAKE, network=failing(DiscoveryTimeout('ip did not finish'))))


def test_unknown_section_is_rejected():
    with pytest.raises(ValueError, match='unknown discovery sections: disks'):
        facts.collect(sections=['disks', 'network'], collectors=FAKE)


def test_default_context_uses_the_timeout_options(monkeypatch):
    seen = {}

    def capture(ctx, options):
        seen.update(timeout=ctx.timeout, on_timeout=ctx.on_timeout, options=options)
        return {}

    facts.collect(sections=['system'], options={'timeout': 2.5, 'on_timeout': 'ignore', 'exclude_devices': []},
                  collectors={'system': capture})
    assert seen == {'timeout': 2.5, 'on_timeout': 'ignore',
                    'options': {'timeout': 2.5, 'on_timeout': 'ignore', 'exclude_devices': []}}


def test_real_collectors_on_a_fake_machine(tmp_path):
    """network, firmware, system and platform together on one fake Huawei Cloud CentOS 7 VM."""
    files = dict(release_files(os.path.join(HERE, 'os', 'centos7')))
    files.update(load_json(HERE, 'dmi', 'huaweicloud-kvm.json')['files'])
    files.update({
        '/proc/meminfo': 'MemTotal:        8008684 kB\n',
        '/sys/devices/system/cpu/online': '0-1\n',
        '/boot/grub2/grub.cfg': '',
        '/sys/class/net/eth0/address': 'fa:16:3e:00:00:01\n', '/sys/class/net/eth0/mtu': '1500\n',
        '/sys/class/net/eth0/operstate': 'up\n', '/sys/class/net/eth0/type': '1\n',
        '/sys/class/net/eth0/ifindex': '2\n', '/sys/class/net/eth0/iflink': '2\n',
    })
    ctx = CannedContext(write_tree(tmp_path, files), commands={
        ('ip', '-o', 'addr', 'show'): '2: eth0    inet 192.0.2.8/24 brd 192.0.2.255 scope global eth0\\  x\n',
        ('ip', '-4', 'route', 'show', 'table', 'all'): 'default via 192.0.2.1 dev eth0\n',
        ('ip', '-6', 'route', 'show', 'table', 'all'): '',
    })
    result = facts.collect(sections=['network', 'firmware', 'system', 'platform'], ctx=ctx)
    assert result['system']['distribution']['version'] == '7.9.2009'
    assert result['system']['memory_bytes'] == 8008684 * 1024
    assert result['platform']['cloud'] == 'huaweicloud'
    assert result['firmware']['boot_loader']['name'] == 'grub2'
    assert result['network']['primary_ipv4'] == '192.0.2.8'
    assert 'ip -o addr show' in result['provenance']['network']['sources']
    assert '/etc/os-release' in result['provenance']['system']['sources']
    assert '/sys/class/dmi/id/chassis_asset_tag' in result['provenance']['platform']['sources']
    assert not any('internal error' in warning for warning in result['warnings'])
    json.dumps(result)


def test_warnings_are_prefixed_with_their_section(tmp_path):
    def warns(ctx, options):
        ctx.warn('command \'x\' did not finish within 1 seconds')
        ctx.warn('network: already prefixed')
        return {}

    result = facts.collect(sections=['network', 'storage'], ctx=DiscoveryContext(root=str(tmp_path)),
                           collectors={'network': warns, 'storage': warns})
    assert result['warnings'] == ["storage: command 'x' did not finish within 1 seconds",
                                  'storage: network: already prefixed',
                                  "network: command 'x' did not finish within 1 seconds",
                                  'network: already prefixed']
