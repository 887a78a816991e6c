# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``network`` section: interfaces (sysfs), addresses and default routes (iproute2).

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. One ``ip -o addr show`` and one ``ip -4|-6 route show table all`` each; without
``ip`` the kernel's /proc/net tables give routes and IPv6 addresses (IPv4 addresses are then
unknown). No packet is sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import iproute
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_lines

SYS_NET = '/sys/class/net'
# include/uapi/linux/if_arp.h
ARPHRD_TYPES = {1: 'ether', 32: 'infiniband', 512: 'ppp', 772: 'loopback',
                768: 'tunnel', 769: 'tunnel', 776: 'tunnel', 778: 'tunnel', 823: 'tunnel'}
IFF_TAP = 0x0002
# Interfaces that docker, podman, CNI plugins, libvirt, LXC/LXD and Kubernetes networking create.
CONTAINER_RUNTIME_NAME = re.compile(
    r'^(docker\d*|br-[0-9a-f]{12}|cni\d*|cni-.*|podman\d*|virbr\d+(-nic)?|vnet\d+|lxcbr\d+|lxdbr\d+'
    r'|cali.*|flannel\..*|cilium_.*|weave|kube-bridge|veth.*)$')


def interface_kind(attributes):
    """Kind of an interface from its sysfs attributes (pure).

    ``attributes``: ``arp_type`` (int), ``bridge``, ``bonding`` (bool: those sysfs dirs exist),
    ``devtype`` (uevent ``DEVTYPE``), ``tun_flags`` (int or None), ``device`` (bool: backed
    by a bus device), ``ifindex``, ``iflink`` (int or None), ``lower`` (bool: a ``lower_*`` link).
    A virtual interface whose link is another interface but which has no lower device is the
    end of a veth pair (macvlan, vlan and the like have a ``lower_*`` link).
    """
    if attributes.get('arp_type') == 772:
        return 'loopback'
    if attributes.get('bridge'):
        return 'bridge'
    if attributes.get('bonding'):
        return 'bond'
    if attributes.get('devtype'):
        return attributes['devtype']
    if attributes.get('tun_flags') is not None:
        return 'tap' if attributes['tun_flags'] & IFF_TAP else 'tun'
    if attributes.get('device'):
        return 'physical'
    ifindex, iflink = attributes.get('ifindex'), attributes.get('iflink')
    if ifindex is not None and iflink is not None and ifindex != iflink and not attributes.get('lower'):
        return 'veth'
    return 'virtual'


def _int(text, base=10):
    try:
        return int((text or '').strip(), base)
    except ValueError:
        return None


def _mac(text):
    mac = (text or '').strip().lower()
    if not mac or not mac.replace(':', '').strip('0'):
        return None
    return mac


def _uevent_devtype(text):
    for line in split_lines(text):
        if line.startswith('DEVTYPE='):
            return line[len('DEVTYPE='):].strip() or None
    return None


def _link_basename(ctx, path):
    target = ctx.readlink(path)
    return os.path.basename(target.rstrip('/')) if target else None


def read_interface(ctx, name):
    """One interface from ``/sys/class/net/<name>`` (addresses are added later)."""
    base = '%s/%s' % (SYS_NET, name)
    entries = ctx.listdir(base)
    tun_flags = ctx.read_stripped(base + '/tun_flags')
    arp_type = _int(ctx.read_stripped(base + '/type'))
    attributes = {
        'arp_type': arp_type,
        'bridge': 'bridge' in entries,
        'bonding': 'bonding' in entries,
        'devtype': _uevent_devtype(ctx.read(base + '/uevent')),
        'tun_flags': _int(tun_flags, 16) if tun_flags else None,
        'device': ctx.readlink(base + '/device') is not None,
        'ifindex': _int(ctx.read_stripped(base + '/ifindex')),
        'iflink': _int(ctx.read_stripped(base + '/iflink')),
        'lower': any(entry.startswith('lower_') for entry in entries),
    }
    kind = interface_kind(attributes)
    return {
        'name': name,
        'ifindex': attributes['ifindex'],
        'mac': _mac(ctx.read(base + '/address')),
        'mtu': _int(ctx.read_stripped(base + '/mtu')),
        'state': ctx.read_stripped(base + '/operstate'),
        'type': ARPHRD_TYPES.get(arp_type, 'other') if arp_type is not None else None,
        'kind': kind,
        'virtual': not attributes['device'],
        'container_runtime': False,
        'driver': _link_basename(ctx, base + '/device/driver'),
        'master': _link_basename(ctx, base + '/master'),
        'ipv4': [],
        'ipv6': [],
    }


def _mark_container_runtime(interfaces):
    """Runtime-made by name or as veth; a port of a runtime bridge is runtime plumbing too."""
    runtime = set()
    for interface in interfaces:
        if interface['virtual'] and (interface['kind'] == 'veth'
                                     or CONTAINER_RUNTIME_NAME.match(interface['name'])):
            runtime.add(interface['name'])
    for interface in interfaces:
        if interface['virtual'] and interface['master'] in runtime:
            runtime.add(interface['name'])
    for interface in interfaces:
        interface['container_runtime'] = interface['name'] in runtime


def _is_global(address):
    return address.get('scope') in ('global', None)


def preferred_default(routes, family):
    """The default route traffic takes: main table first, then the lowest metric."""
    candidates = [(route['table'] not in ('main', None), route['metric'] or 0, index, route)
                  for index, route in enumerate(routes) if route['family'] == family and route['interface']]
    return min(candidates)[3] if candidates else None


def primary_address(interfaces, default_interface, family):
    """First global address of the default-route interface, else of a non-virtual interface."""
    def first_global(interface):
        for address in interface.get(family) or []:
            if _is_global(address):
                return address['address']
        return None

    for interface in interfaces:
        if interface['name'] == default_interface:
            found = first_global(interface)
            if found:
                return found
    for interface in interfaces:
        if not interface['virtual'] and interface['kind'] != 'loopback':
            found = first_global(interface)
            if found:
                return found
    return None


def _ip_output(ctx, argv):
    """stdout of an ``ip`` command, or None (warned) when it could not run."""
    result = ctx.run(argv)
    if result.ok:
        return result.stdout
    if not result.missing and not result.timed_out:
        ctx.warn('network: %s failed (rc=%s): %s' % (' '.join(argv), result.rc, result.stderr.strip()[:200]))
    return None


def _addresses(ctx, has_ip):
    """``({name: {'ipv4': [...], 'ipv6': [...]}}, ipv4_known)``."""
    text = _ip_output(ctx, ['ip', '-o', 'addr', 'show']) if has_ip else None
    if text is not None:
        addresses, errors = iproute.parse_ip_addr_oneline(text)
        for line in errors:
            ctx.warn('network: unparsed ip addr line: %s' % line[:200])
        return addresses, True
    reason = 'no ip command' if not has_ip else 'ip -o addr show failed'
    ctx.warn('network: %s: IPv4 addresses unknown, IPv6 addresses from /proc/net/if_inet6' % reason)
    addresses = {}
    for name, ipv6 in iproute.parse_proc_if_inet6(ctx.read('/proc/net/if_inet6')).items():
        addresses[name] = {'ipv4': None, 'ipv6': ipv6}
    return addresses, False


def _default_routes(ctx, has_ip):
    routes = []
    for family, flag, proc_path, proc_parser in (
            ('ipv4', '-4', '/proc/net/route', iproute.parse_proc_net_route),
            ('ipv6', '-6', '/proc/net/ipv6_route', iproute.parse_proc_ipv6_route)):
        text = _ip_output(ctx, ['ip', flag, 'route', 'show', 'table', 'all']) if has_ip else None
        if text is not None:
            routes.extend(iproute.parse_ip_route(text, family))
        else:
            routes.extend(proc_parser(ctx.read(proc_path)))
    return routes


def collect(ctx, options=None):
    """Collect the ``network`` section (see docs/discovery.md)."""
    has_ip = ctx.which('ip') is not None
    names = ctx.listdir(SYS_NET)
    if not names:
        ctx.warn('network: %s is empty or unreadable; interfaces from ip only' % SYS_NET)
    interfaces = [read_interface(ctx, name) for name in names]
    addresses, ipv4_known = _addresses(ctx, has_ip)
    for name in sorted(set(addresses) - set(names)):
        # Seen by ip but not in sysfs (sysfs hidden in some containers): nothing else is known.
        interfaces.append(dict(read_interface(ctx, name), kind=None, virtual=None))
    for interface in interfaces:
        found = addresses.get(interface['name'], {})
        interface['ipv4'] = found.get('ipv4', []) if ipv4_known else None
        interface['ipv6'] = found.get('ipv6', [])
    interfaces.sort(key=lambda interface: (interface['ifindex'] is None, interface['ifindex'], interface['name']))
    _mark_container_runtime(interfaces)

    routes = _default_routes(ctx, has_ip)
    default_ipv4 = preferred_default(routes, 'ipv4')
    default_ipv6 = preferred_default(routes, 'ipv6')
    default_interface = default_ipv4['interface'] if default_ipv4 else None
    return {
        'interfaces': interfaces,
        'default_routes': routes,
        'default_interface': default_interface,
        'default_gateway': default_ipv4['gateway'] if default_ipv4 else None,
        'primary_ipv4': primary_address(interfaces, default_interface, 'ipv4'),
        'primary_ipv6': primary_address(interfaces, default_ipv6['interface'] if default_ipv6 else None, 'ipv6'),
    }
