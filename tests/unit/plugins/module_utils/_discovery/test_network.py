"""The network collector on fake sysfs trees with canned iproute2 output."""

from __future__ import annotations

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import network
from tests.fixtures.system.fakeroot import CannedContext, Link, debian_capture_dirs, load_json, read_fixture, write_tree

IP_ADDR = ('ip', '-o', 'addr', 'show')
IP4_ROUTE = ('ip', '-4', 'route', 'show', 'table', 'all')
IP6_ROUTE = ('ip', '-6', 'route', 'show', 'table', 'all')


def interface(name, ifindex, mac='02:00:5e:00:00:01', mtu=1500, operstate='up', arp_type=1, iflink=None,
              device=None, driver=None, devtype=None, master=None, bridge=False, bonding=False, tun_flags=None,
              lower=None):
    """sysfs files of one interface, as the kernel lays them out."""
    base = '/sys/class/net/' + name
    uevent = 'INTERFACE=%s\nIFINDEX=%d\n' % (name, ifindex)
    if devtype:
        uevent = 'DEVTYPE=%s\n' % devtype + uevent
    files = {
        base + '/address': mac + '\n', base + '/mtu': '%d\n' % mtu, base + '/operstate': operstate + '\n',
        base + '/type': '%d\n' % arp_type, base + '/ifindex': '%d\n' % ifindex,
        base + '/iflink': '%d\n' % (iflink if iflink is not None else ifindex), base + '/uevent': uevent,
    }
    if device:
        files[base + '/device'] = Link('/sys/devices/pci0000:00/' + device)
        if driver:
            files['/sys/devices/pci0000:00/%s/driver' % device] = Link('/sys/bus/pci/drivers/' + driver)
    if master:
        files[base + '/master'] = Link('/sys/devices/virtual/net/' + master)
        files[base + '/brport'] = None
    if bridge:
        files[base + '/bridge'] = None
        files[base + '/brif'] = None
    if bonding:
        files[base + '/bonding'] = None
    if tun_flags is not None:
        files[base + '/tun_flags'] = '0x%x\n' % tun_flags
    if lower:
        files[base + '/lower_' + lower] = Link('/sys/devices/virtual/net/' + lower)
    return files


def tree(*interfaces):
    files = {}
    for entry in interfaces:
        files.update(entry)
    return files


SERVER = tree(
    interface('lo', 1, mac='00:00:00:00:00:00', mtu=65536, operstate='unknown', arp_type=772),
    interface('eth0', 2, mac='FA:16:3E:00:00:02', device='0000:00:03.0', driver='virtio_net'),
    interface('eth1', 3, mac='fa:16:3e:00:00:03', device='0000:00:04.0', driver='ixgbe', master='bond0'),
    interface('eth2', 4, mac='fa:16:3e:00:00:03', device='0000:00:05.0', driver='ixgbe', master='bond0'),
    interface('bond0', 5, mac='fa:16:3e:00:00:03', bonding=True, devtype='bond'),
    interface('bond0.100', 6, mac='fa:16:3e:00:00:03', devtype='vlan', iflink=5, lower='bond0'),
    interface('docker0', 7, mac='02:42:ac:11:00:01', operstate='down', bridge=True, devtype='bridge'),
    interface('veth1a2b3c', 8, mac='8a:00:00:00:00:08', iflink=9, master='docker0'),
    interface('virbr0', 10, mac='52:54:00:00:00:0a', bridge=True, devtype='bridge'),
    interface('vnet0', 11, mac='fe:54:00:00:00:0b', tun_flags=0x1002, master='virbr0'),
    interface('dummy0', 12, mac='02:00:5e:00:00:0c', operstate='unknown'),
    interface('tun0', 13, mac='', arp_type=65534, operstate='unknown', tun_flags=0x1001),
    interface('ib0', 14, mac='80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c', mtu=2044,
              arp_type=32, device='0000:00:06.0', driver='mlx4_core'),
    interface('eth4', 15, mac='fa:16:3e:00:00:0f', device='0000:00:07.0', driver='virtio_net'),
    interface('br0', 16, mac='fa:16:3e:00:00:10', bridge=True, devtype='bridge'),
)
SERVER_ADDR = '\n'.join((
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    '1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever',
    '2: eth0    inet 192.0.2.10/24 brd 192.0.2.255 scope global dynamic eth0\\       valid_lft 86000sec',
    '2: eth0    inet6 fe80::f816:3eff:fe00:2/64 scope link \\       valid_lft forever preferred_lft forever',
    '5: bond0    inet 198.51.100.10/24 brd 198.51.100.255 scope global bond0\\       valid_lft forever',
    '6: bond0.100    inet 203.0.113.10/25 brd 203.0.113.127 scope global bond0.100\\       valid_lft forever',
    '7: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\\       valid_lft forever',
    '10: virbr0    inet 192.168.122.1/24 brd 192.168.122.255 scope global virbr0\\       valid_lft forever',
    '15: eth4    inet6 2001:db8:4::15/64 scope global \\       valid_lft forever preferred_lft forever',
    '15: eth4    inet6 fe80::f816:3eff:fe00:f/64 scope link \\       valid_lft forever preferred_lft forever',
    '',
))
SERVER_ROUTE4 = '\n'.join((
    'default via 198.51.100.1 dev bond0 table 100 metric 10 ',
    'default via 192.0.2.1 dev eth0 proto dhcp src 192.0.2.10 metric 100 ',
    'default via 203.0.113.1 dev bond0.100 proto static metric 200 ',
    '192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.10 ',
    '',
))
SERVER_ROUTE6 = 'default via fe80::1 dev eth4 proto ra metric 1024 expires 1799sec hoplimit 64 pref medium\n'


def server_context(tmp_path, **commands):
    answers = {IP_ADDR: SERVER_ADDR, IP4_ROUTE: SERVER_ROUTE4, IP6_ROUTE: SERVER_ROUTE6}
    answers.update(commands)
    return CannedContext(write_tree(tmp_path, SERVER), commands=answers)


def by_name(facts):
    return dict((entry['name'], entry) for entry in facts['interfaces'])


@pytest.mark.parametrize('attributes, kind', [
    ({'arp_type': 772}, 'loopback'),
    ({'arp_type': 1, 'bridge': True, 'devtype': 'bridge'}, 'bridge'),
    ({'arp_type': 1, 'bonding': True}, 'bond'),
    ({'arp_type': 1, 'devtype': 'vlan', 'ifindex': 6, 'iflink': 5, 'lower': True}, 'vlan'),
    ({'arp_type': 1, 'devtype': 'vxlan'}, 'vxlan'),
    ({'arp_type': 1, 'devtype': 'wlan', 'device': True}, 'wlan'),
    ({'arp_type': 1, 'tun_flags': 0x1802}, 'tap'),
    ({'arp_type': 65534, 'tun_flags': 0x1001}, 'tun'),
    ({'arp_type': 1, 'device': True, 'ifindex': 2, 'iflink': 2}, 'physical'),
    ({'arp_type': 1, 'ifindex': 3, 'iflink': 2}, 'veth'),
    ({'arp_type': 1, 'ifindex': 4, 'iflink': 3, 'lower': True}, 'virtual'),  # macvlan/ipvlan
    ({'arp_type': 1, 'ifindex': 5, 'iflink': 5}, 'virtual'),  # dummy, ifb
    ({}, 'virtual'),
])
def test_interface_kind(attributes, kind):
    assert network.interface_kind(attributes) == kind


def test_server_interfaces(tmp_path):
    ctx = server_context(tmp_path)
    facts = network.collect(ctx, {})
    interfaces = by_name(facts)
    assert [entry['name'] for entry in facts['interfaces']] == [
        'lo', 'eth0', 'eth1', 'eth2', 'bond0', 'bond0.100', 'docker0', 'veth1a2b3c', 'virbr0', 'vnet0',
        'dummy0', 'tun0', 'ib0', 'eth4', 'br0']
    summary = dict((name, (entry['kind'], entry['virtual'], entry['container_runtime'], entry['driver'], entry['master']))
                   for name, entry in interfaces.items())
    assert summary == {
        'lo': ('loopback', True, False, None, None),
        'eth0': ('physical', False, False, 'virtio_net', None),
        'eth1': ('physical', False, False, 'ixgbe', 'bond0'),
        'eth2': ('physical', False, False, 'ixgbe', 'bond0'),
        'bond0': ('bond', True, False, None, None),
        'bond0.100': ('vlan', True, False, None, None),
        'docker0': ('bridge', True, True, None, None),
        'veth1a2b3c': ('veth', True, True, None, 'docker0'),
        'virbr0': ('bridge', True, True, None, None),
        'vnet0': ('tap', True, True, None, 'virbr0'),
        'dummy0': ('virtual', True, False, None, None),
        'tun0': ('tun', True, False, None, None),
        'ib0': ('physical', False, False, 'mlx4_core', None),
        'eth4': ('physical', False, False, 'virtio_net', None),
        'br0': ('bridge', True, False, None, None),
    }
    assert interfaces['lo']['mac'] is None and interfaces['tun0']['mac'] is None
    assert interfaces['eth0']['mac'] == 'fa:16:3e:00:00:02'
    assert (interfaces['eth0']['mtu'], interfaces['lo']['mtu'], interfaces['ib0']['mtu']) == (1500, 65536, 2044)
    assert [interfaces[name]['type'] for name in ('lo', 'eth0', 'ib0', 'tun0')] == ['loopback', 'ether', 'infiniband', 'other']
    assert (interfaces['docker0']['state'], interfaces['lo']['state']) == ('down', 'unknown')
    assert interfaces['eth0']['ipv4'] == [{'address': '192.0.2.10', 'prefix': 24, 'netmask': '255.255.255.0',
                                           'broadcast': '192.0.2.255', 'scope': 'global'}]
    # interfaces without IPv4 are kept, with empty lists
    for name in ('eth1', 'eth2', 'dummy0', 'tun0', 'ib0', 'br0', 'veth1a2b3c'):
        assert interfaces[name]['ipv4'] == [], name
    assert interfaces['eth4']['ipv4'] == [] and interfaces['eth4']['ipv6'][0]['address'] == '2001:db8:4::15'
    assert ctx.warnings == []


def test_server_default_routes_and_primary(tmp_path):
    facts = network.collect(server_context(tmp_path), {})
    assert [(r['family'], r['gateway'], r['interface'], r['metric'], r['table']) for r in facts['default_routes']] == [
        ('ipv4', '198.51.100.1', 'bond0', 10, '100'),
        ('ipv4', '192.0.2.1', 'eth0', 100, 'main'),
        ('ipv4', '203.0.113.1', 'bond0.100', 200, 'main'),
        ('ipv6', 'fe80::1', 'eth4', 1024, 'main'),
    ]
    # the main table wins over a lower metric in a policy-routing table
    assert (facts['default_interface'], facts['default_gateway']) == ('eth0', '192.0.2.1')
    assert facts['primary_ipv4'] == '192.0.2.10'
    assert facts['primary_ipv6'] == '2001:db8:4::15'


def test_primary_ipv4_falls_back_to_a_physical_interface(tmp_path):
    route4 = 'default via 203.0.113.1 dev bond0.100 metric 200\n'
    addr = SERVER_ADDR.replace('6: bond0.100    inet 203.0.113.10/25 brd 203.0.113.127 scope global',
                               '6: bond0.100    inet 203.0.113.10/25 scope link')
    ctx = CannedContext(write_tree(tmp_path, SERVER), commands={IP_ADDR: addr, IP4_ROUTE: route4, IP6_ROUTE: ''})
    facts = network.collect(ctx, {})
    assert facts['default_interface'] == 'bond0.100'
    # bond0.100 has only a link-scope address: the first physical interface's global IPv4 is primary
    assert facts['primary_ipv4'] == '192.0.2.10'
    assert facts['primary_ipv6'] == '2001:db8:4::15'


def test_ipv6_only_host(tmp_path):
    files = tree(interface('lo', 1, mac='00:00:00:00:00:00', arp_type=772),
                 interface('ens3', 2, device='0000:00:03.0', driver='virtio_net'))
    addr = ('1: lo    inet6 ::1/128 scope host \\       valid_lft forever\n'
            '2: ens3    inet6 2001:db8::3/64 scope global dynamic mngtmpaddr \\       valid_lft 86000sec\n')
    ctx = CannedContext(write_tree(tmp_path, files), commands={
        IP_ADDR: addr, IP4_ROUTE: '', IP6_ROUTE: 'default via fe80::1 dev ens3 proto ra metric 100 pref medium\n'})
    facts = network.collect(ctx, {})
    assert facts['default_interface'] is None and facts['default_gateway'] is None
    assert facts['primary_ipv4'] is None
    assert facts['primary_ipv6'] == '2001:db8::3'
    assert by_name(facts)['ens3']['ipv4'] == []


def test_without_ip_command_falls_back_to_proc(tmp_path):
    files = tree(interface('lo', 1, mac='00:00:00:00:00:00', arp_type=772),
                 interface('eth0', 4, device='virtio2', driver='virtio_net'))
    files['/proc/net/route'] = read_fixture('system', 'proc', 'this-host', 'proc-net-route')
    files['/proc/net/if_inet6'] = read_fixture('system', 'proc', 'this-host', 'proc-net-if_inet6')
    files['/proc/net/ipv6_route'] = read_fixture('system', 'proc', 'this-host', 'proc-net-ipv6_route')
    ctx = CannedContext(write_tree(tmp_path, files), commands={})
    facts = network.collect(ctx, {})
    interfaces = by_name(facts)
    assert interfaces['eth0']['ipv4'] is None and interfaces['lo']['ipv4'] is None  # unknown, not empty
    assert [entry['address'] for entry in interfaces['eth0']['ipv6']] == ['fd00::2', 'fe80::fc:ff:fe00:1']
    assert (facts['default_interface'], facts['default_gateway']) == ('eth0', '192.0.2.1')
    assert facts['primary_ipv4'] is None
    assert facts['primary_ipv6'] == 'fd00::2'
    assert any('no ip command: IPv4 addresses unknown' in warning for warning in ctx.warnings)
    assert ctx.ran == []
    assert '/proc/net/route' in ctx.sources


def test_failing_ip_commands_warn_and_fall_back(tmp_path):
    files = tree(interface('eth0', 2, device='0000:00:03.0'))
    files['/proc/net/route'] = read_fixture('system', 'proc', 'this-host', 'proc-net-route')
    failure = (1, '', 'Cannot open netlink socket: Permission denied\n')
    ctx = CannedContext(write_tree(tmp_path, files), commands={IP_ADDR: failure, IP4_ROUTE: failure, IP6_ROUTE: failure})
    facts = network.collect(ctx, {})
    assert facts['interfaces'][0]['ipv4'] is None
    assert facts['default_gateway'] == '192.0.2.1'
    assert 'network: ip -o addr show failed (rc=1): Cannot open netlink socket: Permission denied' in ctx.warnings
    assert any(w.startswith('network: ip -o addr show failed: IPv4 addresses unknown') for w in ctx.warnings)


def test_timed_out_ip_command_is_reported_by_the_context(tmp_path):
    commands = {IP_ADDR: 'timeout', IP4_ROUTE: SERVER_ROUTE4, IP6_ROUTE: SERVER_ROUTE6}
    ctx = CannedContext(write_tree(tmp_path, SERVER), commands=commands)
    facts = network.collect(ctx, {})
    assert "command 'ip -o addr show' did not finish within 10.0 seconds" in ctx.warnings
    assert by_name(facts)['eth0']['ipv4'] is None


def test_interfaces_seen_only_by_ip_are_kept(tmp_path):
    ctx = CannedContext(str(tmp_path), commands={IP_ADDR: SERVER_ADDR, IP4_ROUTE: SERVER_ROUTE4, IP6_ROUTE: ''})
    facts = network.collect(ctx, {})
    interfaces = by_name(facts)
    assert sorted(interfaces) == sorted(['lo', 'eth0', 'bond0', 'bond0.100', 'docker0', 'virbr0', 'eth4'])
    assert interfaces['eth0']['kind'] is None and interfaces['eth0']['mac'] is None
    assert interfaces['eth0']['ipv4'][0]['address'] == '192.0.2.10'
    assert any('/sys/class/net is empty or unreadable' in warning for warning in ctx.warnings)


@pytest.mark.parametrize('directory', debian_capture_dirs('network'))
def test_captured_debian_namespace(tmp_path, directory):
    """The namespace the Debian capture built, with its real ip output and the sysfs layout
    of its interfaces (kinds as listed in its meta.json)."""
    meta = load_json(directory, 'meta.json')
    built = meta['network']['interfaces']
    files = tree(
        interface('lo', 1, mac='00:00:00:00:00:00', arp_type=772, operstate='unknown'),
        interface('veth1', 2, mac=built['veth1']['mac'], iflink=3, master='br0'),
        interface('veth0', 3, mac=built['veth0']['mac'], iflink=2),
        interface('br0', 4, mac=built['br0']['mac'], bridge=True, devtype='bridge'),
        interface('v6peer', 5, mac=built['v6peer']['mac'], iflink=6, mtu=9000),
        interface('v6only', 6, mac=built['v6only']['mac'], iflink=5, mtu=9000),
        interface('mv0', 7, mac=built['mv0']['mac'], iflink=3, lower='veth0'),
        interface('tap0', 8, mac=built['tap0']['mac'], tun_flags=0x1002, operstate='down'),
    )
    ctx = CannedContext(write_tree(tmp_path, files), commands={
        IP_ADDR: read_fixture(directory, 'ip-o-addr-show-netns.txt'),
        IP4_ROUTE: read_fixture(directory, 'ip-4-route-show-table-all-netns.txt'),
        IP6_ROUTE: read_fixture(directory, 'ip-6-route-show-table-all-netns.txt'),
    })
    facts = network.collect(ctx, {})
    interfaces = by_name(facts)
    kinds = {'veth': 'veth', 'bridge': 'bridge', 'macvlan': 'virtual', 'tun (tap)': 'tap'}
    for name, spec in built.items():
        if 'kind' in spec:
            assert interfaces[name]['kind'] == kinds[spec['kind']], name
        assert ['%s/%d' % (a['address'], a['prefix']) for a in interfaces[name]['ipv4']] == \
            [entry.split()[0] for entry in spec['ipv4']], name
        assert interfaces[name]['mac'] == spec.get('mac'), name
    assert interfaces['veth1']['master'] == 'br0'
    assert interfaces['v6only']['mtu'] == 9000
    assert facts['default_interface'] == 'veth0' and facts['default_gateway'] == '192.0.2.1'
    assert facts['primary_ipv4'] == '192.0.2.10'
    assert facts['primary_ipv6'] == '2001:db8:6::10'
    assert [r['interface'] for r in facts['default_routes']] == ['veth0', 'br0', 'v6only']
