"""The network section in a private network namespace built for the test (root only).

The namespace holds a veth pair, a bridge, an interface without IPv4, an IPv6-only interface, two
IPv4 default routes with different metrics, one in another table and a multipath one, and an IPv6
default route. Only documentation addresses are used and nothing leaves the namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest

from source_facts_helpers import COLLECTIONS, VENV_BIN, ansible_env

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason='creating a network namespace needs root'),
    pytest.mark.skipif(shutil.which('ip') is None, reason='iproute2 (ip) is missing'),
]

COLLECT_NETWORK = (
    'import json\n'
    'from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import network, runner\n'
    'ctx = runner.DiscoveryContext(timeout=10)\n'
    'print(json.dumps({"facts": network.collect(ctx, {}), "warnings": ctx.warnings, "sources": ctx.sources}))\n'
)


def ip(*argv, check=True):
    return subprocess.run(['ip'] + list(argv), capture_output=True, text=True, timeout=30, check=check)


@pytest.fixture(scope='module')
def namespace():
    name = 'hwsms-net-%d-%s' % (os.getpid(), uuid.uuid4().hex[:6])
    ip('netns', 'add', name)
    try:
        def ns(*argv):
            return ip('-n', name, *argv)

        ns('link', 'set', 'lo', 'up')
        ns('link', 'add', 'vethA', 'address', '02:00:5e:10:00:0a', 'type', 'veth',
           'peer', 'name', 'vethB', 'address', '02:00:5e:10:00:0b')
        ns('link', 'add', 'br0', 'address', '02:00:5e:10:00:20', 'type', 'bridge')
        ns('link', 'set', 'vethB', 'master', 'br0')
        ns('link', 'add', 'v6only', 'address', '02:00:5e:10:00:60', 'mtu', '9000', 'type', 'veth',
           'peer', 'name', 'v6peer', 'address', '02:00:5e:10:00:61', 'mtu', '9000')
        # an interface without any IPv4: a dummy, or an ifb where the kernel has no dummy driver
        no_ipv4 = 'dummy0' if ip('-n', name, 'link', 'add', 'dummy0', 'type', 'dummy', check=False).returncode == 0 \
            else 'ifb9'
        if no_ipv4 == 'ifb9':
            ns('link', 'add', 'ifb9', 'type', 'ifb')
        ns('addr', 'add', '192.0.2.10/24', 'dev', 'vethA')
        ns('addr', 'add', '2001:db8:1::10/64', 'dev', 'vethA', 'nodad')
        ns('addr', 'add', '198.51.100.10/24', 'dev', 'br0')
        ns('addr', 'add', '2001:db8:6::10/64', 'dev', 'v6only', 'nodad')
        for link in ('vethA', 'vethB', 'br0', 'v6only', 'v6peer', no_ipv4):
            ns('link', 'set', link, 'up')
        ns('route', 'add', 'default', 'via', '192.0.2.1', 'dev', 'vethA', 'metric', '100')
        ns('route', 'add', 'default', 'via', '198.51.100.1', 'dev', 'br0', 'metric', '200')
        ns('route', 'add', 'default', 'via', '192.0.2.254', 'dev', 'vethA', 'table', '100')
        ns('route', 'add', 'default', 'table', '200', 'nexthop', 'via', '192.0.2.1', 'dev', 'vethA',
           'nexthop', 'via', '198.51.100.1', 'dev', 'br0')
        ns('-6', 'route', 'add', 'default', 'via', '2001:db8:6::1', 'dev', 'v6only', 'metric', '1024')
        yield {'name': name, 'no_ipv4': no_ipv4}
    finally:
        ip('netns', 'del', name, check=False)
    assert name not in ip('netns', 'list').stdout


@pytest.fixture(scope='module')
def collected(namespace):
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    proc = subprocess.run(['ip', 'netns', 'exec', namespace['name'], sys.executable, '-c', COLLECT_NETWORK],
                          capture_output=True, text=True, timeout=60, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def by_name(facts):
    return dict((entry['name'], entry) for entry in facts['interfaces'])


def test_every_interface_is_listed_with_its_kind(namespace, collected):
    interfaces = by_name(collected['facts'])
    no_ipv4 = namespace['no_ipv4']
    assert sorted(interfaces) == sorted(['lo', 'vethA', 'vethB', 'br0', 'v6only', 'v6peer', no_ipv4])
    kinds = dict((name, (entry['kind'], entry['virtual'], entry['container_runtime'], entry['master']))
                 for name, entry in interfaces.items())
    assert kinds == {
        'lo': ('loopback', True, False, None),
        'vethA': ('veth', True, True, None),
        'vethB': ('veth', True, True, 'br0'),
        'br0': ('bridge', True, False, None),
        'v6only': ('veth', True, True, None),
        'v6peer': ('veth', True, True, None),
        no_ipv4: ('virtual', True, False, None),
    }
    assert [interfaces[name]['mac'] for name in ('vethA', 'vethB', 'br0', 'v6only')] == \
        ['02:00:5e:10:00:0a', '02:00:5e:10:00:0b', '02:00:5e:10:00:20', '02:00:5e:10:00:60']
    assert (interfaces['v6only']['mtu'], interfaces['vethA']['mtu'], interfaces['lo']['mtu']) == (9000, 1500, 65536)
    assert interfaces['vethA']['state'] == 'up' and interfaces['lo']['mac'] is None
    assert collected['warnings'] == []
    assert 'ip -o addr show' in collected['sources']


def test_addresses(namespace, collected):
    interfaces = by_name(collected['facts'])
    assert interfaces['vethA']['ipv4'] == [{'address': '192.0.2.10', 'prefix': 24, 'netmask': '255.255.255.0',
                                            'broadcast': None, 'scope': 'global'}]
    assert [a['address'] for a in interfaces['vethA']['ipv6'] if a['scope'] == 'global'] == ['2001:db8:1::10']
    assert interfaces['br0']['ipv4'][0]['address'] == '198.51.100.10'
    # interfaces without IPv4 are kept, with an empty list
    for name in ('v6only', 'v6peer', 'vethB', namespace['no_ipv4']):
        assert interfaces[name]['ipv4'] == [], name
    assert [(a['address'], a['prefix']) for a in interfaces['v6only']['ipv6'] if a['scope'] == 'global'] == \
        [('2001:db8:6::10', 64)]


def test_default_routes_and_primary_addresses(collected):
    facts = collected['facts']
    routes = sorted((r['family'], r['table'], r['metric'] or 0, r['gateway'], r['interface'])
                    for r in facts['default_routes'])
    assert routes == [
        ('ipv4', '100', 0, '192.0.2.254', 'vethA'),
        ('ipv4', '200', 0, '192.0.2.1', 'vethA'),
        ('ipv4', '200', 0, '198.51.100.1', 'br0'),
        ('ipv4', 'main', 100, '192.0.2.1', 'vethA'),
        ('ipv4', 'main', 200, '198.51.100.1', 'br0'),
        ('ipv6', 'main', 1024, '2001:db8:6::1', 'v6only'),
    ]
    assert (facts['default_interface'], facts['default_gateway']) == ('vethA', '192.0.2.1')
    assert facts['primary_ipv4'] == '192.0.2.10'
    assert facts['primary_ipv6'] == '2001:db8:6::10'


@pytest.mark.skipif(not os.access(os.path.join(VENV_BIN, 'ansible'), os.X_OK), reason='ansible missing from .venv')
def test_the_module_inside_the_namespace(namespace, collected, tmp_path):
    """The real module through ansible, run inside the namespace, agrees with the collector."""
    proc = subprocess.run(['ip', 'netns', 'exec', namespace['name'], os.path.join(VENV_BIN, 'ansible'), 'localhost',
                           '-m', 'hwcloud.sms.source_facts', '-a', 'sections=network', '-o'],
                          capture_output=True, text=True, timeout=120, env=ansible_env(tmp_path), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.split(' => ', 1)[1])
    network = result['ansible_facts']['sms_discovery']['network']
    assert network['default_interface'] == 'vethA' and network['primary_ipv4'] == '192.0.2.10'
    assert sorted(entry['name'] for entry in network['interfaces']) == \
        sorted(entry['name'] for entry in collected['facts']['interfaces'])
