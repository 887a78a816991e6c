# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``hwcloud.sms.source_payload`` and ``hwcloud.sms.source_name``: the body and the SMS name of a host.

Documentation: source_payload.yml and source_name.yml next to this file.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import (
    DEFAULT_AGENT_VERSION,
    PayloadError,
    build_payload,
    source_identity,
)

display = Display()


def source_payload(discovery, agent_version=DEFAULT_AGENT_VERSION, name=None, overrides=None,
                   include_virtual_interfaces=False):
    """The validated registration body; payload warnings are shown as Ansible warnings."""
    warnings = []
    try:
        body = build_payload(discovery, agent_version=agent_version, name=name, overrides=overrides,
                             include_virtual_interfaces=include_virtual_interfaces, warnings=warnings)
    except PayloadError as exc:
        raise AnsibleFilterError("hwcloud.sms.source_payload: %s" % exc) from None
    for warning in warnings:
        display.warning("hwcloud.sms.source_payload: %s" % warning)
    return body


def source_name(discovery, name=None):
    """The name the host has in SMS (``payload.source_identity``: the one rule modules and roles share)."""
    warnings = []
    identity = source_identity(discovery if isinstance(discovery, dict) else None, name=name or None,
                               warnings=warnings)
    for warning in warnings:
        display.warning("hwcloud.sms.source_name: %s" % warning)
    if not identity["name"]:
        raise AnsibleFilterError("hwcloud.sms.source_name: no name given and no system.hostname in the discovery facts")
    return identity["name"]


class FilterModule:
    def filters(self):
        return {"source_payload": source_payload, "source_name": source_name}
