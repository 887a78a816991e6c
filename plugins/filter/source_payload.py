# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``hwcloud.sms.source_payload``: ``sms_discovery`` facts -> ``POST /v3/sources`` body.

Documentation: source_payload.yml next to this file.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import (
    DEFAULT_AGENT_VERSION,
    PayloadError,
    build_payload,
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


class FilterModule:
    def filters(self):
        return {"source_payload": source_payload}
