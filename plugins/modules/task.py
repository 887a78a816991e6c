#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: task
short_description: Migration task of one source server in Huawei Cloud SMS
version_added: 1.1.0
description:
  - Creates, starts, stops, cuts over or deletes the migration task of one source server in Huawei
    Cloud Server Migration Service (SMS) (C(/v3/tasks)). SMS allows one task per source; the task is
    found through the source, so a rerun never creates a second task and never restarts a running one.
  - The target is created by SMS from a server template (O(template)) or is an existing ECS
    (O(target_server), with O(migration_ip)).
  - The target disk layout is SMS's own recommendation for the source (C(init_target_server), that
    is disks with their physical volumes, and volume groups), plus the source's Btrfs file systems,
    unless O(target_disks), O(target_volume_groups) or O(target_btrfs_list) replace them.
  - "O(state) moves the task only where SMS allows it: V(present) (the task exists), V(started)
    (replicating or further), V(stopped) (paused), V(cutover) (target launched), V(absent) (deleted).
    Anything else is an error that says why, for example C(cannot cut over: full replication is at 62 %)."
  - With O(continuous_sync=false) SMS launches the target by itself after the full replication; with
    V(true) the task waits in continuous sync until O(state=cutover). Both follow the SMS user guide;
    the C(cutover) operation itself is not confirmed by the SDK enum (see C(docs/migrate.md)).
  - A module cannot print while it runs. With O(wait) it polls until the requested state is reached
    and returns a bounded O(ignore:progress_history) (one entry per phase or subtask change and every
    10 %, at most 20); for a live view of a whole wave poll M(hwcloud.sms.task_info) instead.
  - Runs on the controller; use C(delegate_to) V(localhost).
author:
  - hwcloud.sms contributors (@hwcloud)
options:
  source_id:
    description:
      - Id of the source server. One of O(source_id) or O(source_name) is required.
    type: str
  source_name:
    description:
      - Exact name of the source server, looked up when O(source_id) is not given.
    type: str
  state:
    description:
      - V(present) creates the task if needed and starts nothing.
      - V(started) starts a configured or stopped task (or restarts a failed one with
        O(restart_failed)); a replicating or finished task is left alone.
      - V(stopped) pauses a replicating task.
      - V(cutover) launches the target of a task in continuous sync (C(cutover) operation); a task
        still in full replication is refused with its percentage.
      - V(absent) deletes the task; a running task is refused unless O(force=true), which stops it
        first.
    type: str
    choices: [present, started, stopped, cutover, absent]
    default: present
  name:
    description:
      - Name of a new task (1-64 letters, digits, C(_), C(-); other characters become C(-)).
        Defaults to C(migrate-<source name>).
    type: str
  type:
    description:
      - Migration method. V(MIGRATE_FILE) is file-level, V(MIGRATE_BLOCK) block-level.
    type: str
    choices: [MIGRATE_FILE, MIGRATE_BLOCK]
    default: MIGRATE_FILE
  template:
    description:
      - Name or id of the server template (M(hwcloud.sms.server_template)) SMS creates the target
        from. Mutually exclusive with O(target_server).
    type: str
  target_server:
    description:
      - An existing ECS to migrate to, instead of a template. Requires O(migration_ip).
    type: dict
    suboptions:
      vm_id:
        description: Id of the ECS.
        type: str
        required: true
      name:
        description: Name of the ECS.
        type: str
        required: true
  migration_ip:
    description:
      - IP address of the target the source sends data to (the EIP for public migration, the
        private IP over a private line). Not needed when SMS creates the target.
    type: str
  use_public_ip:
    description: Migrate over the public network.
    type: bool
    default: true
  continuous_sync:
    description:
      - Keep synchronising after the full replication until O(state=cutover) (the C(syncing) field).
    type: bool
    default: false
  start_target_server:
    description: Start the target server after the migration.
    type: bool
    default: true
  priority:
    description: Task priority.
    type: str
    choices: [low, standard, high]
    default: standard
  target_disks:
    description:
      - Target disks (PY C(TargetDisks)) replacing the recommendation, as SMS expects them
        (sizes in bytes). For an existing server every disk needs C(disk_id); when it is missing the
        disk's index is used (what C(disk_id) holds is not settled).
    type: list
    elements: dict
  target_volume_groups:
    description: Target volume groups replacing the recommendation (PY C(VolumeGroups)).
    type: list
    elements: dict
  target_btrfs_list:
    description: Target Btrfs file systems replacing the source's (PY C(BtrfsFileSystem)).
    type: list
    elements: dict
  speed_limits:
    description:
      - Bandwidth limits by time of day (C(POST /v3/tasks/{id}/speed-limit)), 0 to 5 periods. An
        empty list removes the limits; when omitted they are left as they are.
    type: list
    elements: dict
    suboptions:
      start:
        description: Start time, C(HH:MM).
        type: str
        required: true
      end:
        description: End time, C(HH:MM).
        type: str
        required: true
      speed:
        description: Limit in Mbit/s (0-1000).
        type: int
        required: true
      over_speed_threshold:
        description: Percent over the limit tolerated before SMS pauses the task (10-100).
        type: float
  configuration:
    description:
      - Task settings sent through C(POST /v3/tasks/{id}/configuration-setting). Only the keys given
        are compared and set; SMS accepts changes while the task is configured, paused or in
        continuous sync.
    type: dict
    suboptions:
      exclude_dirs:
        description: Directories not migrated (C(MIGRATE_EXCLUDE_DIR)).
        type: list
        elements: str
      sync_exclude_dirs:
        description: Directories not synchronised (C(SYNC_EXCLUDE_DIR)).
        type: list
        elements: str
      cpu_limit:
        description: CPU limit of the agent in percent, 1-100 (C(LINUX_CPU_LIMIT)).
        type: int
      memory_limit:
        description: Memory limit of the agent in MB, 200-1000 (C(LINUX_MEM_LIMIT)).
        type: int
      io_limit:
        description: Disk throughput limit in MB/s, 10-1000 (C(LINUX_IO_LIMIT)).
        type: int
      migrate_processes:
        description: Concurrent processes of a file-level migration, 1-4 (C(NUM_PROCESS_MIGRATE)).
        type: int
      sync_processes:
        description: Concurrent processes of a file-level sync, 1-4 (C(NUM_PROCESS_SYNC)).
        type: int
  raw_configuration:
    description:
      - Further C(config_key) to C(config_value) pairs, sent as they are (the key names are not
        settled between the SDK and Terraform).
    type: dict
  restart_failed:
    description: With O(state=started), restart a task that failed (C(restart) operation).
    type: bool
    default: false
  force:
    description: With O(state=absent), stop a running task before deleting it.
    type: bool
    default: false
  wait:
    description:
      - Wait until O(state) is reached, polling every O(poll_interval) seconds; V(started) waits for
        the end of the full replication, V(cutover) for the launched target. A failed task fails the
        module with its error code.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait at most.
    type: int
    default: 86400
  poll_interval:
    description: Seconds between two polls while waiting.
    type: float
    default: 30
extends_documentation_fragment:
  - hwcloud.sms.sms
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
seealso:
  - module: hwcloud.sms.task_info
  - module: hwcloud.sms.server_template
  - module: hwcloud.sms.source
"""

EXAMPLES = r"""
- name: Create the task from a template and start the full replication, then continuous sync
  hwcloud.sms.task:
    source_name: web01
    template: web-target
    continuous_sync: true
    state: started
    speed_limits:
      - {start: "08:00", end: "18:00", speed: 100}
    configuration:
      exclude_dirs: [/var/cache]
      cpu_limit: 50
  delegate_to: localhost

- name: Wait for the end of the full replication (at most 8 hours)
  hwcloud.sms.task:
    source_name: web01
    template: web-target
    continuous_sync: true
    state: started
    wait: true
    wait_timeout: 28800
  delegate_to: localhost
  register: replication

- name: Launch the target server
  hwcloud.sms.task:
    source_name: web01
    state: cutover
    wait: true
  delegate_to: localhost

- name: Migrate to an existing ECS
  hwcloud.sms.task:
    source_id: 1a6d1e0b-62e5-4376-b59f-ff2fd5690001
    target_server:
      vm_id: 5e3f0c59-4a8b-4f0e-9b8a-0d1f2e3a4b5c
      name: web01-target
    migration_ip: 192.0.2.10
    state: present
  delegate_to: localhost

- name: Delete the task, stopping it first
  hwcloud.sms.task:
    source_name: web01
    state: absent
    force: true
  delegate_to: localhost
"""

RETURN = r"""
task_id:
  description: Id of the task (none when there is none, or in check mode before creation).
  returned: success
  type: str
  sample: 0d6c8e3a-1b2f-4c5d-8e9f-0a1b2c3d4e5f
task:
  description: The task as C(GET /v3/tasks/{id}) returns it (before deletion for V(absent)).
  returned: when the task exists
  type: dict
  sample: {id: 0d6c8e3a-1b2f-4c5d-8e9f-0a1b2c3d4e5f, name: migrate-web01, state: RUNNING, type: MIGRATE_FILE}
progress:
  description:
    - Where the migration is. C(phase) is one of V(absent), V(configured), V(replicating),
      V(replicated) (full replication done, continuous sync), V(cutting_over), V(cutover),
      V(stopping), V(stopped), V(failed), V(deleting). C(percent) is the share of bytes replicated.
  returned: success
  type: dict
  sample:
    phase: replicating
    state: RUNNING
    percent: 62
    replicated_bytes: 6657199308
    total_bytes: 10737418240
    speed_mbps: 95.5
    remain_seconds: 340
    subtask: MIGRATE_LINUX_FILE
    connected: true
    target_server_id: null
progress_history:
  description:
    - With O(wait), what was seen while waiting, bounded (one entry per phase, subtask or
      connection change and every 10 %, at most 20; C(progress_history_dropped) counts older ones).
  returned: when O(wait=true)
  type: list
  elements: dict
  sample: [{elapsed: 0.0, phase: replicating, percent: 10, subtask: MIGRATE_LINUX_FILE}]
operations:
  description: What was done (or would be in check mode), in order.
  returned: success
  type: list
  elements: str
  sample: [create, set_speed_limits, start]
diff:
  description: Before and after, with C(--diff).
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.module import SmsModule
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.registration import lookup
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.tasks import (
    DESIRED_STATES,
    PRIORITIES,
    TASK_TYPES,
    LifecycleError,
    ensure_task,
    find_template,
    progress,
)

SPEC_KEYS = ("name", "type", "target_server", "migration_ip", "use_public_ip", "continuous_sync",
             "start_target_server", "priority", "target_disks", "target_volume_groups", "target_btrfs_list",
             "speed_limits", "configuration", "raw_configuration", "restart_failed", "force")


def template_id(client, template):
    if not template:
        return None
    found = find_template(client, template)
    if found is not None:
        return found["id"]
    return template  # an id: SMS says so if it does not exist


def run(sms) -> dict:
    params = sms.params
    client = sms.client
    source = lookup(client, source_id=params["source_id"], name=None if params["source_id"] else params["source_name"])
    if source is None:
        raise LifecycleError("source %s does not exist in SMS" % (params["source_id"] or params["source_name"]))
    state = params["state"]
    wait = None
    if params["wait"] or (state == "absent" and params["force"]):
        wait = (params["wait_timeout"], params["poll_interval"], client.sleep, client.monotonic)
    spec = {key: params[key] for key in SPEC_KEYS}
    tid = template_id(client, params["template"]) if state not in ("absent",) else None
    outcome = ensure_task(client, source, spec, state, template_id=tid, check_mode=sms.check_mode, wait=wait)
    for warning in outcome.warnings:
        sms.module.warn(warning)
    task = outcome.task
    result = {
        "changed": outcome.changed,
        "operations": outcome.operations,
        "task_id": (task or {}).get("id"),
        "progress": progress(None if state == "absent" and not sms.check_mode else task, outcome.source),
    }
    if task:
        result["task"] = task
    if outcome.history is not None:
        result["progress_history"] = outcome.history.entries
        result["progress_history_dropped"] = outcome.history.dropped
    if sms.diff_mode and outcome.changed:
        result["diff"] = outcome.diff
    return result


def main():
    sms = SmsModule(
        argument_spec=dict(
            source_id=dict(type="str"),
            source_name=dict(type="str"),
            state=dict(type="str", choices=list(DESIRED_STATES), default="present"),
            name=dict(type="str"),
            type=dict(type="str", choices=list(TASK_TYPES), default="MIGRATE_FILE"),
            template=dict(type="str"),
            target_server=dict(type="dict", options=dict(vm_id=dict(type="str", required=True),
                                                         name=dict(type="str", required=True))),
            migration_ip=dict(type="str"),
            use_public_ip=dict(type="bool", default=True),
            continuous_sync=dict(type="bool", default=False),
            start_target_server=dict(type="bool", default=True),
            priority=dict(type="str", choices=list(PRIORITIES), default="standard"),
            target_disks=dict(type="list", elements="dict"),
            target_volume_groups=dict(type="list", elements="dict"),
            target_btrfs_list=dict(type="list", elements="dict"),
            speed_limits=dict(type="list", elements="dict", options=dict(
                start=dict(type="str", required=True), end=dict(type="str", required=True),
                speed=dict(type="int", required=True), over_speed_threshold=dict(type="float"))),
            configuration=dict(type="dict", options=dict(
                exclude_dirs=dict(type="list", elements="str"), sync_exclude_dirs=dict(type="list", elements="str"),
                cpu_limit=dict(type="int"), memory_limit=dict(type="int"), io_limit=dict(type="int"),
                migrate_processes=dict(type="int"), sync_processes=dict(type="int"))),
            raw_configuration=dict(type="dict"),
            restart_failed=dict(type="bool", default=False),
            force=dict(type="bool", default=False),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=86400),
            poll_interval=dict(type="float", default=30.0),
        ),
        required_one_of=[("source_id", "source_name")],
        mutually_exclusive=[("template", "target_server")],
        required_by={"target_server": ("migration_ip",)},
        supports_check_mode=True,
    )
    sms.run(run)


if __name__ == "__main__":
    main()
