#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: source
short_description: Register a server with Huawei Cloud SMS, idempotently
version_added: 1.0.0
description:
  - Registers, updates or deletes a source server in Huawei Cloud Server Migration Service (SMS)
    through C(POST /v3/sources), from the C(sms_discovery) facts of M(hwcloud.sms.source_facts)
    or from a ready body.
  - The source is looked up first (by O(source_id), else by exact O(match) keys over the list API).
    The desired body is compared with what C(GET /v3/sources/{id}) returns, on the fields that
    call returns, normalised (numeric strings, list order, unknown values). Equal means no write
    at all; a difference sends the body again with the source's C(id); a missing source is
    registered.
  - A source whose migration is under way (state past V(waiting)/V(unavailable), a migration task,
    or a migration cycle) is neither overwritten nor deleted unless O(force=true).
  - After a registration fails ambiguously (timeout, dropped connection, HTTP 5xx) the module looks
    the source up again before sending anything twice, so retries never create duplicates.
  - Runs on the controller; use C(delegate_to) V(localhost) when the hosts of the play are the
    servers being registered.
author:
  - hwcloud.sms contributors (@hwcloud)
options:
  state:
    description:
      - V(present) registers or updates the source, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  discovery:
    description:
      - The C(sms_discovery) facts of the server, as returned by M(hwcloud.sms.source_facts) in
        C(ansible_facts['sms_discovery']). The body is built from them (see the
        P(hwcloud.sms.source_payload#filter) filter, which uses the same code).
      - With O(state=present) one of O(discovery) or O(payload) is required.
    type: dict
  payload:
    description:
      - A ready C(POST /v3/sources) body, for example built with the
        P(hwcloud.sms.source_payload#filter) filter and edited. It is validated before it is sent.
    type: dict
  name:
    description:
      - Name of the source in SMS (1 to 64 characters; longer names are truncated with a warning).
      - Defaults to the host name in O(discovery), or the name in O(payload).
    type: str
  agent_version:
    description:
      - The SMS agent version the registration claims (C(agent_version) field). SMS needs an agent
        of at least 25.5.0 for migration drills.
    type: str
    default: 25.5.0
  overrides:
    description:
      - Top-level body fields that replace the built ones, for example C(os_version) when the
        distribution is not in the mapping table, or C(ip). A V(null) value removes the field.
    type: dict
  include_virtual_interfaces:
    description:
      - Also report interfaces created by container runtimes (docker, podman, CNI, libvirt).
        Loopback is never reported.
    type: bool
    default: false
  source_id:
    description:
      - Id of the source in SMS. When given the source is looked up by id instead of by O(match);
        with O(state=present) it must exist.
    type: str
  match:
    description:
      - Fields that identify the source in the list API, compared exactly. A source matches when
        all listed fields are equal. More than one match is an error that lists the ids.
    type: list
    elements: str
    choices: [name, ip]
    default: [name, ip]
  force:
    description:
      - Overwrite or delete the source even when its migration is under way.
    type: bool
    default: false
extends_documentation_fragment:
  - hwcloud.sms.sms
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
    support: full
  action_group:
    description: Use C(group/hwcloud.sms.sms) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - hwcloud.sms.sms
seealso:
  - module: hwcloud.sms.source_facts
  - module: hwcloud.sms.source_info
  - plugin: hwcloud.sms.source_payload
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Discover the servers
  hwcloud.sms.source_facts:

- name: Register every server with SMS (AK/SK from HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK)
  hwcloud.sms.source:
    discovery: "{{ ansible_facts['sms_discovery'] }}"
    name: "{{ inventory_hostname }}"
  delegate_to: localhost

- name: Register with explicit credentials and an OS name the table does not know
  hwcloud.sms.source:
    discovery: "{{ ansible_facts['sms_discovery'] }}"
    overrides:
      os_version: KYLIN_10_64BIT
    access_key: "{{ sms_ak }}"
    secret_key: "{{ sms_sk }}"
    project_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
  delegate_to: localhost

- name: Use module_defaults for the whole play
  hosts: all
  module_defaults:
    group/hwcloud.sms.sms:
      endpoint: https://sms.ap-southeast-3.myhuaweicloud.com
      region: ap-southeast-3
  tasks:
    - name: Register
      hwcloud.sms.source:
        discovery: "{{ ansible_facts['sms_discovery'] }}"
      delegate_to: localhost

- name: Remove a source by id
  hwcloud.sms.source:
    state: absent
    source_id: 1a6d1e0b-62e5-4376-b59f-ff2fd5690001
  delegate_to: localhost
"""

RETURN = r"""
source_id:
  description: Id of the source in SMS (none when it does not exist, or in check mode before creation).
  returned: success
  type: str
  sample: 1a6d1e0b-62e5-4376-b59f-ff2fd5690001
source:
  description:
    - The source as C(GET /v3/sources/{id}) returns it after the change (before it for V(absent)).
  returned: when the source exists
  type: dict
  sample:
    id: 1a6d1e0b-62e5-4376-b59f-ff2fd5690001
    name: web01
    ip: 192.168.0.10
    state: waiting
    os_version: CENTOS_7_9_64BIT
payload:
  description: The validated C(POST /v3/sources) body (without C(id)).
  returned: when O(state=present)
  type: dict
  sample:
    name: web01
    os_type: LINUX
    os_version: CENTOS_7_9_64BIT
    ip: 192.168.0.10
    agent_version: 25.5.0
action:
  description: What happened.
  returned: success
  type: str
  choices: [created, updated, unchanged, skipped, deleted, absent]
  sample: created
diff:
  description: Before and after of the fields that differ (normalised), with C(--diff).
  returned: when changed and in diff mode
  type: dict
  sample:
    before:
      memory: 4294967296
    after:
      memory: 8589934592
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.module import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import (
    DEFAULT_AGENT_VERSION,
    apply_overrides,
    build_payload,
    fit_payload,
    validate_payload,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.registration import (
    ensure_absent,
    ensure_present,
    match_values,
)


def desired_body(params, warnings) -> dict:
    if params["payload"] is not None:
        body = dict(params["payload"])
        if params["name"]:
            body["name"] = params["name"]
        body = fit_payload(apply_overrides(body, params["overrides"]), warnings)
        warnings.extend(validate_payload(body))
        return body
    return build_payload(params["discovery"], agent_version=params["agent_version"], name=params["name"],
                         overrides=params["overrides"],
                         include_virtual_interfaces=params["include_virtual_interfaces"], warnings=warnings)


def identity(params) -> dict:
    """``name``/``ip`` (as selected by ``match``) to find the source by, for ``state: absent``."""
    payload = params["payload"] or {}
    discovery = params["discovery"] or {}
    name = params["name"] or payload.get("name") or (discovery.get("system") or {}).get("hostname")
    ip = payload.get("ip") or (discovery.get("network") or {}).get("primary_ipv4")
    keys = match_values(fit_payload({"name": name, "ip": ip}), params["match"])
    return {"name": keys.get("name"), "ip": keys.get("ip")}


def run(sms) -> dict:
    params = sms.params
    warnings = []
    result = {}
    if params["state"] == "present":
        body = desired_body(params, warnings)
        outcome = ensure_present(sms.client, body, source_id=params["source_id"], match=params["match"],
                                 force=params["force"], check_mode=sms.check_mode)
        result["payload"] = body
    else:
        keys = {} if params["source_id"] else identity(params)
        if not params["source_id"] and not any(keys.values()):
            sms.module.fail_json(msg="state=absent needs source_id, name, discovery or payload to find the source")
        outcome = ensure_absent(sms.client, source_id=params["source_id"], force=params["force"],
                                check_mode=sms.check_mode, **keys)
    for warning in warnings + outcome.warnings:
        sms.module.warn(warning)
    result.update(changed=outcome.changed, action=outcome.action, source_id=outcome.source_id)
    if outcome.source is not None:
        result["source"] = outcome.source
    if sms.diff_mode and outcome.changed:
        result["diff"] = outcome.diff
    return result


def main():
    sms = SmsModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            discovery=dict(type="dict"),
            payload=dict(type="dict"),
            name=dict(type="str"),
            agent_version=dict(type="str", default=DEFAULT_AGENT_VERSION),
            overrides=dict(type="dict"),
            include_virtual_interfaces=dict(type="bool", default=False),
            source_id=dict(type="str"),
            match=dict(type="list", elements="str", choices=["name", "ip"], default=["name", "ip"]),
            force=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("discovery", "payload")],
        required_if=[("state", "present", ("discovery", "payload"), True)],
        supports_check_mode=True,
    )
    sms.run(run)


if __name__ == "__main__":
    main()
