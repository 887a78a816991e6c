# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Orchestrator of the discovery: runs the sections and assembles ``sms_discovery``.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. Each section runs timed and isolated: an unexpected exception in one becomes a
warning and a null section, never a traceback. Only DiscoveryTimeout (``on_timeout: error``)
propagates.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import (
    firmware, network, platform, storage, system,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.runner import (
    DiscoveryContext, DiscoveryTimeout,
)

SCHEMA_VERSION = 1
# Canonical order: the order sections run and are listed in, whatever order was asked.
SECTIONS = ('storage', 'network', 'firmware', 'system', 'platform')
COLLECTORS = {
    'storage': storage.collect,
    'network': network.collect,
    'firmware': firmware.collect,
    'system': system.collect,
    'platform': platform.collect,
}


METHODS = ('auto', 'python', 'shell')


def argument_spec(exclude_devices, exclude_fstypes):
    """The options of ``source_facts``, shared by the module and its action plugin."""
    return dict(
        sections=dict(type='list', elements='str', choices=list(SECTIONS), default=list(SECTIONS)),
        exclude_devices=dict(type='list', elements='str', default=list(exclude_devices)),
        exclude_fstypes=dict(type='list', elements='str', default=list(exclude_fstypes)),
        timeout=dict(type='float', default=10.0),
        on_timeout=dict(type='str', choices=['warn', 'error', 'ignore'], default='warn'),
        method=dict(type='str', choices=list(METHODS), default='auto'),
    )


def _utc_now():
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


def run_section(ctx, name, collector, options):
    """``(value, provenance)`` of one section; an unexpected exception -> (None, …) + warning.

    Every warning the section raised is prefixed with its name (``network: …``).
    """
    ctx.sources = []
    first_warning = len(ctx.warnings)
    started = time.time()
    try:
        value = collector(ctx, options)
    except DiscoveryTimeout as exc:
        raise DiscoveryTimeout('%s: %s' % (name, exc))
    except Exception as exc:  # pylint: disable=broad-except  # isolation is the point
        ctx.warn('internal error: %s: %s' % (type(exc).__name__, exc))
        value = None
    prefix = name + ': '
    for index in range(first_warning, len(ctx.warnings)):
        if not ctx.warnings[index].startswith(prefix):
            ctx.warnings[index] = prefix + ctx.warnings[index]
    provenance = {'sources': list(ctx.sources), 'seconds': round(time.time() - started, 3)}
    return value, provenance


def collect(sections=None, options=None, ctx=None, collectors=None):
    """Run ``sections`` (default all) and return the ``sms_discovery`` dict.

    ``options`` is passed to every collector (``exclude_devices``, ``exclude_fstypes``…).
    ``ctx`` defaults to a DiscoveryContext built from ``options['timeout']`` and
    ``options['on_timeout']``. ``collectors`` replaces COLLECTORS (tests).
    """
    options = dict(options or {})
    collectors = collectors or COLLECTORS
    if ctx is None:
        ctx = DiscoveryContext(timeout=options.get('timeout', 10.0), on_timeout=options.get('on_timeout', 'warn'))
    wanted = set(SECTIONS if sections is None else sections)
    unknown = sorted(wanted - set(SECTIONS))
    if unknown:
        raise ValueError('unknown discovery sections: %s' % ', '.join(unknown))
    result = {
        'schema_version': SCHEMA_VERSION,
        'collected_at': _utc_now(),
        'sections': [name for name in SECTIONS if name in wanted],
        'warnings': ctx.warnings,
        'provenance': {},
    }
    for name in result['sections']:
        result[name], result['provenance'][name] = run_section(ctx, name, collectors[name], options)
    result['warnings'] = list(ctx.warnings)
    return result
