# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parsers of iproute2 output and of the kernel's /proc/net routing and address tables.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. Text in, dicts out; nothing here touches the system.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import struct

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_fields, split_lines

# Route attributes printed as "<keyword> <value>" by iproute2 (ip/iproute.c print_route).
_ROUTE_KEYWORDS = frozenset((
    'via', 'dev', 'table', 'proto', 'scope', 'src', 'metric', 'nhid', 'weight', 'expires',
    'mtu', 'advmss', 'hoplimit', 'pref', 'realm', 'realms', 'from', 'tos', 'dsfield', 'type',
    'rtt', 'rttvar', 'window', 'cwnd', 'initcwnd', 'initrwnd', 'quickack', 'features', 'ssthresh',
    'reordering', 'congctl', 'fastopen_no_cookie', 'ttl-propagate', 'encap', 'id', 'nexthop',
))
# Route types that are not forwarding routes (no gateway to reach anything through).
_NON_FORWARDING = frozenset(('unreachable', 'blackhole', 'prohibit', 'throw', 'local', 'broadcast',
                             'multicast', 'anycast', 'nat'))
_IPV4_DEFAULTS = ('default', '0.0.0.0/0')
_IPV6_DEFAULTS = ('default', '::/0')
# /proc/net/ipv6_route flags (include/uapi/linux/route.h).
_RTF_UP = 0x0001
_RTF_REJECT = 0x0200


def prefix_to_netmask(prefix):
    """24 -> ``'255.255.255.0'``."""
    bits = (0xffffffff << (32 - prefix)) & 0xffffffff if prefix else 0
    return socket.inet_ntoa(struct.pack('!I', bits))


def _split_address(text, default_prefix):
    """``'192.0.2.1/24'`` -> ``('192.0.2.1', 24)``; a bare address gets ``default_prefix``."""
    if '/' in text:
        address, prefix = text.split('/', 1)
        return address, int(prefix)
    return text, default_prefix


def _link_name(field):
    """``eth0.10@eth0`` / ``veth1@if7`` -> ``eth0.10`` / ``veth1`` (iproute2 appends the link)."""
    return field.rstrip(':').split('@', 1)[0]


def parse_ip_addr_oneline(text):
    """Parse ``ip -o addr show``: one line per address.

    ``2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global dynamic eth0\\       valid_lft ...``
    ``3: ppp0    inet 10.0.0.1 peer 10.0.0.2/32 scope global ppp0``
    ``2: eth0    inet6 fe80::1/64 scope link \\       valid_lft forever preferred_lft forever``

    Returns ``{interface: {'ipv4': [...], 'ipv6': [...]}}`` in the order met, and the list of
    lines that could not be parsed.
    """
    addresses = {}
    errors = []
    for line in split_lines(text):
        line = line.split('\\', 1)[0]
        tokens = split_fields(line)
        if not tokens:
            continue
        try:
            name = _link_name(tokens[1])
            family = tokens[2]
            if family not in ('inet', 'inet6'):
                continue
            attributes = _address_attributes(tokens[4:])
            if family == 'inet':
                address, prefix = _split_address(tokens[3], 32)
                if 'peer' in attributes:
                    prefix = _split_address(attributes['peer'], 32)[1]
                entry = {'address': address, 'prefix': prefix, 'netmask': prefix_to_netmask(prefix),
                         'broadcast': attributes.get('brd'), 'scope': attributes.get('scope')}
                addresses.setdefault(name, {'ipv4': [], 'ipv6': []})['ipv4'].append(entry)
            else:
                address, prefix = _split_address(tokens[3], 128)
                entry = {'address': address, 'prefix': prefix, 'scope': attributes.get('scope')}
                addresses.setdefault(name, {'ipv4': [], 'ipv6': []})['ipv6'].append(entry)
        except (IndexError, ValueError):
            errors.append(line)
    return addresses, errors


def _address_attributes(tokens):
    """``['brd', 'x', 'scope', 'global', 'dynamic']`` -> ``{'brd': 'x', 'scope': 'global'}``."""
    values = {}
    index = 0
    while index < len(tokens):
        if tokens[index] in ('brd', 'scope', 'peer', 'metric', 'label') and index + 1 < len(tokens):
            values[tokens[index]] = tokens[index + 1]
            index += 2
        else:
            index += 1
    return values


def _parse_route_attributes(tokens):
    """Keyword/value pairs of one route or nexthop, and its bare flags (``onlink``, ``linkdown``)."""
    values = {}
    flags = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == 'via' and index + 2 < len(tokens) and tokens[index + 1] in ('inet', 'inet6'):
            values['via'] = tokens[index + 2]  # "via inet6 fe80::1": IPv4 route over an IPv6 gateway
            index += 3
        elif token in _ROUTE_KEYWORDS and index + 1 < len(tokens):
            values[token] = tokens[index + 1]
            index += 2
        else:
            flags.append(token)
            index += 1
    return values, flags


def _default_route(family, route, nexthop=None):
    hop = nexthop or route
    metric = route.get('metric')
    return {
        'family': family,
        'gateway': hop.get('via'),
        'interface': hop.get('dev'),
        'metric': int(metric) if metric and metric.isdigit() else None,
        'table': route.get('table', 'main'),
    }


def parse_ip_route(text, family):
    """Default routes from ``ip -4|-6 route show table all`` (``family`` is ``ipv4`` or ``ipv6``).

    Handles several tables (``table 100``; the main table prints no ``table`` keyword),
    metrics, routes without a gateway (``default dev ppp0``), nexthop ids, ``via inet6`` and
    multipath routes whose ``nexthop`` lines follow, indented, on the next lines. Unreachable,
    blackhole and prohibit defaults are not routes to a gateway and are left out.
    """
    defaults = _IPV4_DEFAULTS if family == 'ipv4' else _IPV6_DEFAULTS
    routes = []
    current = None  # the multipath default route whose nexthop lines may follow
    for raw in split_lines(text):
        tokens = split_fields(raw)
        if not tokens:
            continue
        if raw[:1] in (' ', '\t') or tokens[0] == 'nexthop':
            if current is not None and tokens[0] == 'nexthop':
                hop, _flags = _parse_route_attributes(tokens[1:])
                routes.append(_default_route(family, current, hop))
            continue
        current = None
        if tokens[0] in _NON_FORWARDING:
            continue
        if tokens[0] == 'unicast':
            tokens = tokens[1:]
        if not tokens or tokens[0] not in defaults:
            continue
        attributes, _flags = _parse_route_attributes(tokens[1:])
        if 'via' in attributes or 'dev' in attributes:
            routes.append(_default_route(family, attributes))
        else:
            current = attributes
    return routes


def _hex_ipv4(field):
    """Little-endian hex of /proc/net/route -> dotted quad."""
    return socket.inet_ntoa(struct.pack('<I', int(field, 16)))


def _hex_ipv6(field):
    groups = [field[index:index + 4] for index in range(0, 32, 4)]
    packed = b''.join(struct.pack('!H', int(group, 16)) for group in groups)
    return socket.inet_ntop(socket.AF_INET6, packed)


def parse_proc_net_route(text):
    """Default routes from ``/proc/net/route`` (main table only; fallback when ``ip`` is missing).

    Unreachable and prohibit routes carry RTF_REJECT; a blackhole route has no device and is
    printed with the interface ``*`` (net/ipv4/fib_trie.c fib_route_seq_show). Neither leads
    anywhere, so both are left out. Routes are returned by ascending metric, the order the
    kernel prefers them in.
    """
    routes = []
    for line in split_lines(text)[1:]:
        fields = split_fields(line)
        if len(fields) < 8 or fields[0] == '*':
            continue
        try:
            destination, gateway, flags, metric, mask = (int(fields[1], 16), fields[2], int(fields[3], 16),
                                                         int(fields[6]), int(fields[7], 16))
        except ValueError:
            continue
        if destination or mask or not flags & _RTF_UP or flags & _RTF_REJECT:
            continue
        gateway_address = _hex_ipv4(gateway)
        routes.append({'family': 'ipv4', 'gateway': None if gateway_address == '0.0.0.0' else gateway_address,
                       'interface': fields[0], 'metric': metric, 'table': 'main'})
    return sorted(routes, key=lambda route: route['metric'])


def parse_proc_ipv6_route(text):
    """Default routes from ``/proc/net/ipv6_route`` (all tables, table unknown: ``None``)."""
    routes = []
    for line in split_lines(text):
        fields = split_fields(line)
        if len(fields) < 10:
            continue
        try:
            destination, prefix_length = int(fields[0], 16), int(fields[1], 16)
            metric, flags = int(fields[5], 16), int(fields[8], 16)
            gateway = _hex_ipv6(fields[4])
        except ValueError:
            continue
        if destination or prefix_length or not flags & _RTF_UP or flags & _RTF_REJECT:
            continue
        routes.append({'family': 'ipv6', 'gateway': None if gateway == '::' else gateway,
                       'interface': fields[9], 'metric': metric, 'table': None})
    return routes


_IPV6_SCOPES = {0x00: 'global', 0x10: 'host', 0x20: 'link', 0x40: 'site'}


def parse_proc_if_inet6(text):
    """``/proc/net/if_inet6``: ``address ifindex prefixlen scope flags name`` (all hex)."""
    addresses = {}
    for line in split_lines(text):
        fields = split_fields(line)
        if len(fields) < 6:
            continue
        try:
            address = _hex_ipv6(fields[0])
            prefix, scope = int(fields[2], 16), int(fields[3], 16)
        except ValueError:
            continue
        entry = {'address': address, 'prefix': prefix, 'scope': _IPV6_SCOPES.get(scope, str(scope))}
        addresses.setdefault(fields[5], []).append(entry)
    return addresses
