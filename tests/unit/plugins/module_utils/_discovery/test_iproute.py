"""iproute2 and /proc/net parsers on captured and documented outputs."""

from __future__ import annotations

import ipaddress

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import iproute, network
from tests.fixtures.system.fakeroot import debian_capture_dirs, load_json, read_fixture


def _addresses(interface_addresses, family):
    return ['%s/%d' % (entry['address'], entry['prefix']) for entry in interface_addresses[family]]


@pytest.mark.parametrize('prefix', range(0, 33))
def test_prefix_to_netmask_matches_ipaddress(prefix):
    assert iproute.prefix_to_netmask(prefix) == str(ipaddress.IPv4Network('0.0.0.0/%d' % prefix).netmask)


def test_ip_addr_of_this_host():
    parsed, errors = iproute.parse_ip_addr_oneline(read_fixture('system', 'ip', 'this-host', 'ip-o-addr-show.txt'))
    assert errors == []
    assert parsed['lo']['ipv4'] == [{'address': '127.0.0.1', 'prefix': 8, 'netmask': '255.0.0.0',
                                     'broadcast': None, 'scope': 'host'}]
    assert parsed['eth0']['ipv4'] == [{'address': '192.0.2.2', 'prefix': 24, 'netmask': '255.255.255.0',
                                       'broadcast': '192.0.2.255', 'scope': 'global'}]
    assert parsed['eth0']['ipv6'] == [{'address': 'fd00::2', 'prefix': 64, 'scope': 'global'},
                                      {'address': 'fe80::fc:ff:fe00:1', 'prefix': 64, 'scope': 'link'}]


def test_ip_addr_of_older_iproute_with_peer_secondary_and_labels():
    parsed, errors = iproute.parse_ip_addr_oneline(
        read_fixture('system', 'ip', 'documented', 'ip-o-addr-show.centos7.txt'))
    assert errors == []
    assert list(parsed) == ['lo', 'eth0', 'docker0', 'ppp0', 'eth1.100', 'bond0', 'tun0']
    assert parsed['ppp0']['ipv4'][0] == {'address': '203.0.113.64', 'prefix': 32, 'netmask': '255.255.255.255',
                                         'broadcast': None, 'scope': 'global'}
    # the secondary address labelled bond0:1 belongs to bond0
    assert _addresses(parsed['bond0'], 'ipv4') == ['198.51.100.200/26', '198.51.100.201/26']
    assert parsed['eth1.100']['ipv4'][0]['netmask'] == '255.255.255.128'
    assert parsed['eth0']['ipv6'][0] == {'address': '2001:db8:1::15', 'prefix': 64, 'scope': 'global'}
    assert parsed['tun0']['ipv6'] == [] and parsed['docker0']['ipv6'] == []


def test_ip_addr_strips_the_link_suffix_and_reports_garbage():
    text = '7: veth1@if6    inet 192.0.2.7/24 scope global veth1\\       valid_lft forever\n' \
           '8: br0    inet not-an-address/xx scope global br0\n' \
           '9: x    link/ether 00:11:22:33:44:55\n\n'
    parsed, errors = iproute.parse_ip_addr_oneline(text)
    assert _addresses(parsed['veth1'], 'ipv4') == ['192.0.2.7/24']
    assert errors == ['8: br0    inet not-an-address/xx scope global br0']
    assert 'x' not in parsed


@pytest.mark.parametrize('directory', debian_capture_dirs('network'))
def test_captured_namespace_addresses_match_how_it_was_built(directory):
    """The capture's meta.json says which addresses each interface of the namespace got."""
    meta = load_json(directory, 'meta.json')
    parsed, errors = iproute.parse_ip_addr_oneline(read_fixture(directory, 'ip-o-addr-show-netns.txt'))
    assert errors == []
    for name, built in meta['network']['interfaces'].items():
        got = parsed.get(name, {'ipv4': [], 'ipv6': []})
        expected_ipv4 = [entry.split()[0] for entry in built['ipv4']]
        assert _addresses(got, 'ipv4') == expected_ipv4, name
        expected_global_ipv6 = [entry.split()[0] for entry in built['ipv6'] if not entry.startswith('fe80:')]
        got_non_link = [address for address, entry in zip(_addresses(got, 'ipv6'), got['ipv6'])
                        if entry['scope'] != 'link']
        assert got_non_link == expected_global_ipv6, name


@pytest.mark.parametrize('directory', debian_capture_dirs('network'))
def test_captured_namespace_default_routes_match_how_they_were_built(directory):
    meta = load_json(directory, 'meta.json')
    for family, flag in (('ipv4', '4'), ('ipv6', '6')):
        routes = iproute.parse_ip_route(read_fixture(directory, 'ip-%s-route-show-table-all-netns.txt' % flag), family)
        expected = [{'family': family, 'gateway': route['via'], 'interface': route['dev'],
                     'metric': route['metric'], 'table': 'main'}
                    for route in meta['network']['default_routes'][family]]
        assert routes == expected


def test_routes_of_this_host():
    ipv4 = iproute.parse_ip_route(read_fixture('system', 'ip', 'this-host', 'ip-4-route-show-table-all.txt'), 'ipv4')
    ipv6 = iproute.parse_ip_route(read_fixture('system', 'ip', 'this-host', 'ip-6-route-show-table-all.txt'), 'ipv6')
    assert ipv4 == [{'family': 'ipv4', 'gateway': '192.0.2.1', 'interface': 'eth0', 'metric': None, 'table': 'main'}]
    assert ipv6 == [{'family': 'ipv6', 'gateway': 'fd00::1', 'interface': 'eth0', 'metric': 1024, 'table': 'main'}]


def test_ipv4_default_routes_in_many_tables():
    routes = iproute.parse_ip_route(
        read_fixture('system', 'ip', 'documented', 'ip-4-route-show-table-all.multi.txt'), 'ipv4')
    summary = [(r['gateway'], r['interface'], r['metric'], r['table']) for r in routes]
    assert summary == [
        ('192.0.2.1', 'eth0', 100, 'main'),
        ('198.51.100.1', 'eth1', 50, 'main'),      # linkdown is still a configured default
        (None, 'ppp0', 300, 'main'),               # point-to-point: no gateway
        ('192.0.2.254', 'eth0', 10, '200'),        # multipath: one entry per nexthop
        ('198.51.100.254', 'eth1', 10, '200'),
        ('203.0.113.1', 'eth2', None, '100'),
        ('192.0.2.253', 'eth0', None, '400'),      # nexthop object id
        ('fe80::1', 'eth3', None, '500'),          # RFC 5549: IPv4 over an IPv6 gateway
    ]                                              # unreachable/blackhole defaults are left out


def test_ipv6_default_routes_multipath_and_reject():
    routes = iproute.parse_ip_route(
        read_fixture('system', 'ip', 'documented', 'ip-6-route-show-table-all.multi.txt'), 'ipv6')
    summary = [(r['gateway'], r['interface'], r['metric'], r['table']) for r in routes]
    assert summary == [
        ('fe80::1', 'eth0', 100, 'main'),
        ('2001:db8:1::fe', 'eth0', 1024, 'main'),
        ('2001:db8:2::fe', 'eth1', 1024, 'main'),
        ('2001:db8:3::1', 'eth2', 1024, '100'),
    ]


def test_route_family_filters_default_spelling():
    assert iproute.parse_ip_route('0.0.0.0/0 via 192.0.2.1 dev eth0\n', 'ipv4')[0]['gateway'] == '192.0.2.1'
    assert iproute.parse_ip_route('::/0 via 2001:db8::1 dev eth0\n', 'ipv6')[0]['gateway'] == '2001:db8::1'
    assert iproute.parse_ip_route('unicast default via 192.0.2.9 dev eth0\n', 'ipv4')[0]['gateway'] == '192.0.2.9'
    assert iproute.parse_ip_route('\tnexthop via 192.0.2.1 dev eth0\n', 'ipv4') == []
    assert iproute.parse_ip_route('', 'ipv4') == [] and iproute.parse_ip_route(None, 'ipv6') == []


def test_proc_tables_of_this_host_agree_with_ip():
    """Captured at the same moment: the /proc fallback must give what ip gives."""
    from_ip4 = iproute.parse_ip_route(read_fixture('system', 'ip', 'this-host', 'ip-4-route-show-table-all.txt'), 'ipv4')
    from_proc4 = iproute.parse_proc_net_route(read_fixture('system', 'proc', 'this-host', 'proc-net-route'))
    assert [(r['gateway'], r['interface']) for r in from_proc4] == [(r['gateway'], r['interface']) for r in from_ip4]
    from_ip6 = iproute.parse_ip_route(read_fixture('system', 'ip', 'this-host', 'ip-6-route-show-table-all.txt'), 'ipv6')
    from_proc6 = iproute.parse_proc_ipv6_route(read_fixture('system', 'proc', 'this-host', 'proc-net-ipv6_route'))
    assert [(r['gateway'], r['interface'], r['metric']) for r in from_proc6] == \
        [(r['gateway'], r['interface'], r['metric']) for r in from_ip6]
    addresses, _errors = iproute.parse_ip_addr_oneline(read_fixture('system', 'ip', 'this-host', 'ip-o-addr-show.txt'))
    from_proc = iproute.parse_proc_if_inet6(read_fixture('system', 'proc', 'this-host', 'proc-net-if_inet6'))
    for name, ipv6 in from_proc.items():
        assert sorted(map(sorted, (e.items() for e in ipv6))) == \
            sorted(map(sorted, (e.items() for e in addresses[name]['ipv6'])))


def test_proc_net_route_skips_non_default_and_reject_routes():
    text = ('Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n'
            'eth1\t00000000\t0164A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n'
            'ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n'
            'lo\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0\n'
            'eth1\t0064A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n'
            'short line\n')
    assert iproute.parse_proc_net_route(text) == [
        {'family': 'ipv4', 'gateway': None, 'interface': 'ppp0', 'metric': 0, 'table': 'main'},
        {'family': 'ipv4', 'gateway': '192.168.100.1', 'interface': 'eth1', 'metric': 600, 'table': 'main'},
    ]


def test_proc_net_route_ignores_blackhole_unreachable_prohibit_and_orders_by_metric():
    # Real kernel lines (fixture README): reject routes with lower metrics than the real ones.
    text = read_fixture('system', 'proc', 'netns-reject-routes', 'proc-net-route')
    assert '*\t00000000\t00000000\t0001\t' in text  # the blackhole route is really there
    routes = iproute.parse_proc_net_route(text)
    assert [(route['gateway'], route['interface'], route['metric']) for route in routes] == [
        ('192.0.2.1', 'eth0', 100), ('192.0.2.254', 'eth0', 200)]
    assert network.preferred_default(routes, 'ipv4')['gateway'] == '192.0.2.1'


def test_proc_if_inet6_scopes():
    text = ('20010db8000000000000000000000001 02 40 00 80 eth0\n'
            'fe800000000000000000000000000001 02 40 20 80 eth0\n'
            'fec00000000000000000000000000001 02 40 40 80 eth0\n'
            'zz 02 40 00 80 eth0\n')
    parsed = iproute.parse_proc_if_inet6(text)
    assert [(e['address'], e['scope']) for e in parsed['eth0']] == [
        ('2001:db8::1', 'global'), ('fe80::1', 'link'), ('fec0::1', 'site')]
