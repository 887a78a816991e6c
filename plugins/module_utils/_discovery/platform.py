# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``platform`` section: hypervisor, Xen paravirtualization, cloud, DMI.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. Reads DMI (``/sys/class/dmi/id``), ``/sys/hypervisor``, ``/proc/xen``,
``/proc/cpuinfo`` and container markers; the decisions are made by the pure ``dmi`` module.
No network call (no metadata service).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import dmi as dmi_rules
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.system import detect_container
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.lines import split_lines

DMI_DIR = '/sys/class/dmi/id'


def parse_cpuinfo(text):
    """``(flags, model)`` of the first CPU in ``/proc/cpuinfo``; flags None when the
    architecture prints no x86 ``flags`` line (the hypervisor flag is then unknown)."""
    flags = None
    model = None
    for line in split_lines(text):
        key, _sep, value = line.partition(':')
        key = key.strip()
        if key == 'flags' and flags is None:
            flags = value.split()
        elif key == 'model name' and model is None:
            model = value.strip()
        if flags is not None and model is not None:
            break
    return flags, model


def read_dmi(ctx):
    """DMI strings, empty or unreadable ones as None (``product_uuid``/``product_serial`` need root)."""
    values = {}
    for field in dmi_rules.DMI_FIELDS + dmi_rules.DMI_EXTRA_FIELDS:
        value = ctx.read_stripped('%s/%s' % (DMI_DIR, field))
        values[field] = value or None
    return values


def collect(ctx, options=None):
    """Collect the ``platform`` section (see docs/discovery.md)."""
    dmi = read_dmi(ctx)
    if not ctx.isdir(DMI_DIR):
        ctx.warn('platform: no DMI tables (%s missing): cloud from sysfs markers only' % DMI_DIR)
    flags, model = parse_cpuinfo(ctx.read('/proc/cpuinfo'))
    markers = {
        'dmi': dmi,
        'hypervisor_type': ctx.read_stripped('/sys/hypervisor/type'),
        'hypervisor_uuid': ctx.read_stripped('/sys/hypervisor/uuid'),
        'xen_guest_type': ctx.read_stripped('/sys/hypervisor/guest_type'),
        'proc_xen': ctx.exists('/proc/xen'),
        'xen_capabilities': ctx.read('/proc/xen/capabilities'),
        'cpu_flags': flags,
        'cpu_model': model,
        'hyperv_kvp': ctx.exists('/var/lib/hyperv/.kvp_pool_3'),
        'proc_vz': ctx.exists('/proc/vz'),
        'proc_bc': ctx.exists('/proc/bc/0'),
        'kvm_device': ctx.exists('/sys/devices/virtual/misc/kvm'),
        'container': detect_container(ctx),
    }
    facts = dmi_rules.classify(markers)
    facts['dmi'] = dict((field, dmi[field]) for field in dmi_rules.DMI_FIELDS)
    return facts
