#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: source_info
short_description: List or show source servers registered with Huawei Cloud SMS
version_added: 1.0.0
description:
  - Lists the source servers of Huawei Cloud Server Migration Service (C(GET /v3/sources), every
    page), optionally filtered, or shows one by id (C(GET /v3/sources/{id})).
  - O(name) and O(ip) are sent to SMS as filters and then compared exactly, because the API does
    not document whether its filters match exactly or partially.
  - List entries carry the list fields only (no C(disks) or C(networks)); O(source_id) returns the
    full record.
author:
  - hwcloud.sms contributors (@hwcloud)
options:
  source_id:
    description:
      - Show this source only. An id that does not exist returns an empty list.
    type: str
  name:
    description:
      - Only sources with exactly this name.
    type: str
  ip:
    description:
      - Only sources with exactly this IP address.
    type: str
  state:
    description:
      - Only sources in this state, for example V(waiting), V(unavailable) or V(replicate).
    type: str
  migration_cycle:
    description:
      - Only sources in this migration cycle.
    type: str
    choices: [checking, setting, replicating, syncing, cutovering, cutovered]
extends_documentation_fragment:
  - hwcloud.sms.sms
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: N/A
    details: The module does not change anything.
seealso:
  - module: hwcloud.sms.source
"""

EXAMPLES = r"""
- name: List every source server
  hwcloud.sms.source_info:
  register: all_sources

- name: Sources still waiting for a target
  hwcloud.sms.source_info:
    state: waiting
  register: waiting

- name: One source by id
  hwcloud.sms.source_info:
    source_id: 1a6d1e0b-62e5-4376-b59f-ff2fd5690001
  register: one

- name: Print their names
  ansible.builtin.debug:
    msg: "{{ all_sources['sources'] | map(attribute='name') | list }}"
"""

RETURN = r"""
sources:
  description: The matching sources, as SMS returns them.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 1a6d1e0b-62e5-4376-b59f-ff2fd5690001
      name: web01
      ip: 192.168.0.10
      state: waiting
      connected: true
      os_type: LINUX
      os_version: CENTOS_7_9_64BIT
      add_date: 1764496800000
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.module import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.registration import lookup

FILTERS = ("name", "ip", "state", "migration_cycle")


def run(sms) -> dict:
    params = sms.params
    if params["source_id"]:
        record = lookup(sms.client, source_id=params["source_id"])
        sources = [record] if record is not None else []
    else:
        sources = sms.client.list_sources({key: params[key] for key in FILTERS})
    exact = {key: params[key] for key in FILTERS if params[key]}
    sources = [s for s in sources if all(s.get(key) == value for key, value in exact.items())]
    return {"changed": False, "sources": sources}


def main():
    sms = SmsModule(
        argument_spec=dict(
            source_id=dict(type="str"),
            name=dict(type="str"),
            ip=dict(type="str"),
            state=dict(type="str"),
            migration_cycle=dict(type="str",
                                 choices=["checking", "setting", "replicating", "syncing", "cutovering", "cutovered"]),
        ),
        supports_check_mode=True,
    )
    sms.run(run)


if __name__ == "__main__":
    main()
