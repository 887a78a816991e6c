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
  - The server is identified first. A record is this server when it shares a MAC address
    (C(networks[].mac)) with the body; the candidates are the records with the same name or the
    same IP (O(match)), compared exactly. A record without MAC addresses is this server only when
    every O(match) key is equal. So a server whose IP or name changed is updated in place, and a
    record with the same name or IP but other MACs belongs to another server and is never written
    (see O(on_conflict)).
  - The desired body is compared with what C(GET /v3/sources/{id}) returns, on the fields that
    call returns, normalised (numeric strings, list order, unknown values). Equal means no write
    at all; a difference sends the body again with the source's C(id); a missing source is
    registered.
  - Several idle records of this server (same MAC) are duplicates, for example from a late
    commit or two runs at once; the oldest is kept (one under migration is preferred) and the
    others are deleted. Duplicates that cannot be proven (no MACs, or more than one under
    migration) are an error that lists them.
  - A source whose migration is under way (state past V(waiting)/V(unavailable), a migration task,
    or a migration cycle) is neither overwritten nor deleted unless O(force=true).
  - After a registration fails ambiguously (timeout, dropped connection, HTTP 5xx) the module keeps
    looking for the record for O(settle) seconds before it sends the registration again, and after
    every registration it merges the duplicates of this server, so retries never leave two records.
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
      - The record must be this server by the identity rules (a shared MAC address, or every
        O(match) key equal for a record without MACs); otherwise the module fails and writes
        nothing, unless O(force=true).
      - With O(state=absent) and neither O(discovery) nor O(payload) there is nothing to check
        against, and the id is deleted as given.
    type: str
  recorded_source_id:
    description:
      - An id remembered from an earlier run (the P(hwcloud.sms.register#role) role passes the one
        in its local fact). Used when its record is this server by the identity rules; otherwise,
        for example on a VM cloned from a registered image, it is ignored with a warning and the
        server is identified afresh. Never written to when it is not this server, even with
        O(force=true).
      - Ignored when O(source_id) is given.
    type: str
    version_added: 1.1.0
  match:
    description:
      - Fields by which candidate records are searched in the list API (compared exactly), and
        which must all be equal for a candidate without MAC addresses to count as this server.
        Candidates with MAC addresses are this server only when they share one with the body.
    type: list
    elements: str
    choices: [name, ip]
    default: [name, ip]
  on_conflict:
    description:
      - What to do when no record is this server but a record with the same name or IP (and no
        shared MAC address) exists, for example a decommissioned server whose IP was reused.
      - V(fail) fails and names that record; V(register) registers this server as a record of its
        own. The other record is never written in either case.
    type: str
    choices: [fail, register]
    default: fail
    version_added: 1.1.0
  settle:
    description:
      - Seconds to keep looking for a registration whose outcome is unknown (timeout, dropped
        connection, HTTP 5xx) before it is sent again. Looks are made after 0, 1, 3, 7, 15, 25 ...
        seconds. A commit later than O(timeout) plus O(settle) can still leave a duplicate; the next
        run merges it.
      - V(0) looks once, right after the failure.
    type: float
    default: 60
    version_added: 1.1.0
  force:
    description:
      - Overwrite or delete the source even when its migration is under way.
      - Write to a O(source_id) that is not this server by the identity rules.
    type: bool
    default: false
extends_documentation_fragment:
  - hwcloud.sms.sms
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
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

- name: Register a server whose old IP still belongs to a decommissioned server's record
  hwcloud.sms.source:
    discovery: "{{ ansible_facts['sms_discovery'] }}"
    on_conflict: register
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
matched_by:
  description:
    - How the record was identified as this server.
    - V(source_id) (the given or recorded id, checked), V(mac) (a shared MAC address), V(name/ip),
      V(name) or V(ip) (a record without MAC addresses, by the O(match) keys), V(created) (newly
      registered).
  returned: when the source exists
  type: str
  sample: mac
  version_added: 1.1.0
duplicates_removed:
  description:
    - Ids of duplicate records of this server that were deleted (in check mode, that would be
      deleted); the record in RV(source_id) was kept.
  returned: success
  type: list
  elements: str
  sample: [7c3e51a2-0d1b-4b7e-9a40-0a2f3c4d5e60]
  version_added: 1.1.0
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
    PayloadError,
    apply_overrides,
    build_payload,
    fit_payload,
    networks,
    source_identity,
    validate_payload,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.registration import (
    DEFAULT_SETTLE,
    ON_CONFLICT,
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


def absent_body(params) -> dict:
    """What identifies the server for ``state: absent``: the body, or when SMS would refuse that body
    (a boot loader it does not take, ...) just its name, IP and networks: no record stays because of it."""
    try:
        return desired_body(params, [])
    except PayloadError:
        found = source_identity(params["discovery"], params["name"], params["payload"])
        network = (params["discovery"] or {}).get("network")
        nets = ((params["payload"] or {}).get("networks")
                or networks(network if isinstance(network, dict) else {}, params["include_virtual_interfaces"]))
        return {"name": found["name"], "ip": found["ip"], "networks": nets}


def identity(params) -> dict:
    """``name``/``ip`` (as selected by ``match``) to find the source by, for ``state: absent``."""
    found = source_identity(params["discovery"], params["name"], params["payload"])
    keys = match_values({"name": found["name"], "ip": found["ip"]}, params["match"])
    return {"name": keys.get("name"), "ip": keys.get("ip")}


def run(sms) -> dict:
    params = sms.params
    warnings = []
    result = {}
    if params["state"] == "present":
        body = desired_body(params, warnings)
        outcome = ensure_present(sms.client, body, source_id=params["source_id"],
                                 recorded_source_id=params["recorded_source_id"], match=params["match"],
                                 force=params["force"], on_conflict=params["on_conflict"], settle=params["settle"],
                                 check_mode=sms.check_mode)
        result["payload"] = body
    elif params["discovery"] is not None or params["payload"] is not None:
        outcome = ensure_absent(sms.client, body=absent_body(params), source_id=params["source_id"],
                                recorded_source_id=params["recorded_source_id"], match=params["match"],
                                force=params["force"], check_mode=sms.check_mode)
    else:
        keys = {} if params["source_id"] else identity(params)
        if not params["source_id"] and not any(keys.values()):
            sms.module.fail_json(msg="state=absent needs source_id, name, discovery or payload to find the source")
        outcome = ensure_absent(sms.client, source_id=params["source_id"] or params["recorded_source_id"],
                                force=params["force"], check_mode=sms.check_mode, **keys)
    for warning in warnings + outcome.warnings:
        sms.module.warn(warning)
    result.update(changed=outcome.changed, action=outcome.action, source_id=outcome.source_id,
                  duplicates_removed=outcome.duplicates_removed)
    if outcome.source is not None:
        result["source"] = outcome.source
        result["matched_by"] = outcome.matched_by or "source_id"
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
            recorded_source_id=dict(type="str"),
            match=dict(type="list", elements="str", choices=["name", "ip"], default=["name", "ip"]),
            on_conflict=dict(type="str", choices=list(ON_CONFLICT), default="fail"),
            settle=dict(type="float", default=DEFAULT_SETTLE),
            force=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("discovery", "payload")],
        required_if=[("state", "present", ("discovery", "payload"), True)],
        supports_check_mode=True,
    )
    sms.run(run)


if __name__ == "__main__":
    main()
