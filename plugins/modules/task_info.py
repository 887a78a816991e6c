#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: task_info
short_description: Migration tasks of Huawei Cloud SMS with their progress
version_added: 1.1.0
description:
  - Lists the migration tasks of Huawei Cloud Server Migration Service (C(GET /v3/tasks), every
    page), of one source server or of the whole project, or shows one task, each with a progress
    summary (phase, percent of bytes, speed, remaining time, current subtask, error code).
  - With O(source_id) or O(source_name) the source record is read too, so the percentage comes from
    its C(replicatesize)/C(totalsize); for a project-wide list the sources are read in one listing.
  - Polling this module (with C(until)) is the way to watch a wave of migrations without waiting
    inside M(hwcloud.sms.task).
author:
  - hwcloud.sms contributors (@hwcloud)
options:
  task_id:
    description: Show this task only. An id that does not exist returns an empty list.
    type: str
  source_id:
    description: Only the task of this source server.
    type: str
  source_name:
    description: Only the task of the source server with exactly this name.
    type: str
  state:
    description: Only tasks in this task state, for example V(RUNNING) or V(MIGRATE_FAIL).
    type: str
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
  - module: hwcloud.sms.task
"""

EXAMPLES = r"""
- name: Progress of one host's migration
  hwcloud.sms.task_info:
    source_name: web01
  delegate_to: localhost
  register: web01_task

- name: Every failed task of the project
  hwcloud.sms.task_info:
    state: MIGRATE_FAIL
  register: failed

- name: Poll until the full replication is done, one line per poll
  hwcloud.sms.task_info:
    source_name: web01
  register: polled
  until: polled['tasks'][0]['progress']['phase'] in ['replicated', 'cutover', 'failed']
  retries: 120
  delay: 60
  delegate_to: localhost
"""

RETURN = r"""
tasks:
  description: The matching tasks as SMS returns them, each with a C(progress) summary added.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0d6c8e3a-1b2f-4c5d-8e9f-0a1b2c3d4e5f
      name: migrate-web01
      state: RUNNING
      progress: {phase: replicating, percent: 62, speed_mbps: 95.5, remain_seconds: 340, subtask: MIGRATE_LINUX_FILE}
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.module import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.registration import lookup
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.tasks import list_tasks, progress, show_task


def run(sms) -> dict:
    params = sms.params
    client = sms.client
    sources = {}
    source_id = params["source_id"]
    if params["source_name"] and not source_id:
        source = lookup(client, name=params["source_name"])
        if source is None:
            return {"changed": False, "tasks": []}
        source_id = source["id"]
    if params["task_id"]:
        task = show_task(client, params["task_id"])
        tasks = [task] if task is not None else []
        tasks = [t for t in tasks if not source_id or (t.get("source_server") or {}).get("id") == source_id]
    else:
        tasks = list_tasks(client, source_id=source_id, state=params["state"])
    tasks = [t for t in tasks if not params["state"] or t.get("state") == params["state"]]
    if source_id and tasks:
        sources = {source_id: client.show_source(source_id)}
    elif tasks:
        sources = {s.get("id"): s for s in client.list_sources()}
    return {"changed": False,
            "tasks": [dict(t, progress=progress(t, sources.get((t.get("source_server") or {}).get("id"))))
                      for t in tasks]}


def main():
    sms = SmsModule(
        argument_spec=dict(
            task_id=dict(type="str"),
            source_id=dict(type="str"),
            source_name=dict(type="str"),
            state=dict(type="str"),
        ),
        mutually_exclusive=[("source_id", "source_name")],
        supports_check_mode=True,
    )
    sms.run(run)


if __name__ == "__main__":
    main()
