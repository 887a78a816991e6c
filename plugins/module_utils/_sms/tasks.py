# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Migration tasks and target server templates: the SMS calls and the lifecycle rules.

This module util is PRIVATE: its interface may change without notice.

Everything about a migration's lifecycle lives here (docs/migrate.md):

* the calls: ``/v3/tasks`` (create, list, show, delete, action, speed limits, configuration)
  and ``/v3/vm/templates`` (create, list, update, delete), over ``SmsClient.request``;
* the rules: which operation SMS allows from which task state (``plan``), what "full
  replication done" and "cut over" mean (``phase``), the progress summary (``progress``);
* the task body: ``target_server`` derived from the source's ``init_target_server``
  recommendation (disks with their physical volumes, volume groups, Btrfs; ``target_server``).

Points no public source settles are decided here, once, following the SMS user guide: the
``cutover`` operation (allowed from continuous sync), that a task created with ``syncing=false``
launches its target by itself after full replication, ``disk_id`` as the disk's index for an
existing server, and ``volume_groups``/``btrfs_list`` passed from the source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.client import expect_id, expect_object
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.errors import SmsAmbiguousError, SmsApiError

TASKS_PATH = "/v3/tasks"
TEMPLATES_PATH = "/v3/vm/templates"
MAX_ERROR_JSON = 4096  # characters of a task's error_json that are parsed

# -- task states (PY ShowTaskResponse) and what they mean for the lifecycle -------------------
READY, RUNNING, SYNCING = "READY", "RUNNING", "SYNCING"
MIGRATE_SUCCESS, SYNC_SUCCESS = "MIGRATE_SUCCESS", "SYNC_SUCCESS"
MIGRATE_FAIL, SYNC_FAIL = "MIGRATE_FAIL", "SYNC_FAIL"
ABORTING, ABORT, DELETING = "ABORTING", "ABORT", "DELETING"
TASK_STATES = (READY, RUNNING, SYNCING, MIGRATE_SUCCESS, SYNC_SUCCESS, MIGRATE_FAIL, SYNC_FAIL, ABORTING, ABORT,
               "SKIPPING", DELETING, "RESETING")
FAILED_STATES = (MIGRATE_FAIL, SYNC_FAIL)
REPLICATING_STATES = (RUNNING, SYNCING)
FINISHED_STATES = (MIGRATE_SUCCESS, SYNC_SUCCESS)

# What the user asks for (module option ``state``).
DESIRED_STATES = ("present", "started", "stopped", "cutover", "absent")
TASK_TYPES = ("MIGRATE_FILE", "MIGRATE_BLOCK")
# Operations of POST /v3/tasks/{id}/action this collection sends.
START, STOP, RESTART, CUTOVER = "start", "stop", "restart", "cutover"

# Keys of the target-side models (PY TargetDisks, PhysicalVolumes, VolumeGroups, LogicalVolumes).
TARGET_DISK_KEYS = ("name", "size", "used_size", "device_use", "disk_id", "physical_volumes")
PHYSICAL_VOLUME_KEYS = ("device_use", "file_system", "index", "mount_point", "name", "size", "inode_size",
                        "used_size", "uuid")
VOLUME_GROUP_KEYS = ("components", "free_size", "logical_volumes", "name", "size")
LOGICAL_VOLUME_KEYS = ("block_count", "block_size", "file_system", "inode_size", "inode_nums", "device_use",
                       "mount_point", "name", "size", "used_size", "free_size")

# Configuration keys (PY ConfigBody) the task module exposes by name; others pass through as given.
CONFIG_KEYS = {
    "exclude_dirs": "MIGRATE_EXCLUDE_DIR",
    "sync_exclude_dirs": "SYNC_EXCLUDE_DIR",
    "cpu_limit": "LINUX_CPU_LIMIT",
    "memory_limit": "LINUX_MEM_LIMIT",
    "io_limit": "LINUX_IO_LIMIT",
    "migrate_processes": "NUM_PROCESS_MIGRATE",
    "sync_processes": "NUM_PROCESS_SYNC",
}
# Resource limits (FAQ 8.3, 8.4): (low, high) per configuration key.
CONFIG_RANGES = {"LINUX_CPU_LIMIT": (1, 100), "LINUX_MEM_LIMIT": (200, 1000), "LINUX_IO_LIMIT": (10, 1000),
                 "NUM_PROCESS_MIGRATE": (1, 4), "NUM_PROCESS_SYNC": (1, 4)}
# Task settings can change only when the task is configured and not started, paused, or
# waiting for an incremental sync (FAQ 8.2, 8.3).
SETTINGS_STATES = (READY, ABORT, SYNCING)


class LifecycleError(SmsApiError):
    """The requested transition is not allowed, or the migration failed or timed out.

    ``progress`` (the task's progress summary, when known) goes into the module's failure result.
    """

    def __init__(self, message, progress=None, **kwargs):
        super().__init__(message, **kwargs)
        self.progress = progress

    def to_result(self) -> dict:
        result = super().to_result()
        if self.progress is not None:
            result.update(progress=self.progress, task_id=self.progress.get("task_id"))
        return result


def _path(*parts) -> str:
    return "/".join([parts[0]] + [quote(str(p), safe="") for p in parts[1:]])


def _expect_record(data, where=""):
    """A task or template record: a JSON object with a non-empty string ``id``."""
    if not isinstance(data, dict):
        return "%sexpected a JSON object" % where
    if not isinstance(data.get("id"), str) or not data["id"]:
        return "%s'id' is missing or not a string" % where
    return None


def _pages(client, path, key, query) -> list:
    """Every item of a paged list, through the client's pagination (``limit``/``offset``)."""
    return client.paginate(path, key, query=query, item_check=_expect_record)


# -- task calls ------------------------------------------------------------------------------


def list_tasks(client, source_id=None, state=None, name=None) -> list:
    query = {k: v for k, v in (("source_server_id", source_id), ("state", state), ("name", name)) if v}
    tasks = _pages(client, TASKS_PATH, "tasks", query)
    # the filters are sent and then applied exactly: the API does not say how they match
    return [t for t in tasks
            if (not source_id or (t.get("source_server") or {}).get("id") == source_id)
            and (not state or t.get("state") == state) and (not name or t.get("name") == name)]


def show_task(client, task_id) -> dict | None:
    try:
        return client.request("GET", _path(TASKS_PATH, task_id), expect=_expect_record).data
    except SmsApiError as exc:
        if exc.status == 404:
            return None
        raise


def find_task(client, source_id) -> dict | None:
    """The source's task (one task per source), or None; several are an error naming them."""
    tasks = [t for t in list_tasks(client, source_id=source_id) if t.get("state") != DELETING]
    if len(tasks) > 1:
        raise SmsApiError("source %s has %d migration tasks: %s; delete the extra ones" % (
            source_id, len(tasks), ", ".join(sorted(str(t.get("id")) for t in tasks))))
    return show_task(client, tasks[0]["id"]) if tasks else None


def create_task(client, body) -> str:
    """``POST /v3/tasks``; after an ambiguous failure the source's task is looked up, never re-sent blindly."""
    try:
        return client.request("POST", TASKS_PATH, body=body, idempotent=False, expect=expect_id).data["id"]
    except SmsAmbiguousError:
        existing = find_task(client, body["source_server"]["id"])
        if existing is not None:
            return existing["id"]
        return client.request("POST", TASKS_PATH, body=body, idempotent=False, expect=expect_id).data["id"]


def task_action(client, task_id, operation, **extra):
    body = dict({k: v for k, v in extra.items() if v is not None}, operation=operation)
    # repeating start/stop/cutover on the same state is harmless, so the call may be retried
    client.request("POST", _path(TASKS_PATH, task_id, "action"), body=body, idempotent=True)


def _delete(client, path) -> bool:
    """``DELETE path``; False when it did not exist (or a retried delete had already worked)."""
    try:
        client.request("DELETE", path)
    except SmsApiError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def delete_task(client, task_id) -> bool:
    return _delete(client, _path(TASKS_PATH, task_id))


def show_speed_limits(client, task_id) -> list:
    data = client.request("GET", _path(TASKS_PATH, task_id, "speed-limit"), expect=expect_object).data
    return data.get("speed_limit") or []


def set_speed_limits(client, task_id, limits):
    client.request("POST", _path(TASKS_PATH, task_id, "speed-limit"), body={"speed_limit": limits},
                   idempotent=True)


def show_configurations(client, task_id) -> list:
    data = client.request("GET", _path(TASKS_PATH, task_id, "configuration-setting"), expect=expect_object).data
    return data.get("configurations") or []


def set_configurations(client, task_id, configurations):
    client.request("POST", _path(TASKS_PATH, task_id, "configuration-setting"),
                   body={"configurations": configurations}, idempotent=True)


# -- template calls --------------------------------------------------------------------------


def find_template(client, name) -> dict | None:
    found = [t for t in _pages(client, TEMPLATES_PATH, "templates", {"name": name}) if t.get("name") == name]
    if len(found) > 1:
        raise SmsApiError("%d server templates are named %r: %s; remove the duplicates" % (
            len(found), name, ", ".join(sorted(str(t.get("id")) for t in found))))
    return found[0] if found else None


def create_template(client, body) -> str:
    try:
        return client.request("POST", TEMPLATES_PATH, body={"template": body}, idempotent=False,
                              expect=expect_id).data["id"]
    except SmsAmbiguousError:
        existing = find_template(client, body["name"])
        if existing is not None:
            return existing["id"]
        raise


def update_template(client, template_id, body):
    client.request("PUT", _path(TEMPLATES_PATH, template_id), body={"template": body})


def delete_template(client, template_id) -> bool:
    return _delete(client, _path(TEMPLATES_PATH, template_id))


def template_differences(desired, current) -> dict:
    """``{key: {before, after}}`` for the desired template keys whose value differs.

    ``is_template`` comes back as a string; ``target_password`` is never returned, never compared.
    """
    changes = {}
    for key, value in desired.items():
        if key == "target_password":
            continue
        before = current.get(key)
        if key == "is_template":
            before = str(before).lower() == "true" if before is not None else None
        if before != value:
            changes[key] = {"before": before, "after": value}
    return changes


# -- target server ---------------------------------------------------------------------------


def _pick(item, keys) -> dict:
    return {k: item[k] for k in keys if isinstance(item, dict) and item.get(k) is not None}


def _disk(disk, index, with_disk_id) -> dict:
    entry = _pick(disk, TARGET_DISK_KEYS)
    entry["physical_volumes"] = [_pick(pv, PHYSICAL_VOLUME_KEYS) for pv in disk.get("physical_volumes") or []]
    if with_disk_id and not entry.get("disk_id"):
        # SMS.6103 "Missing diskId in disk node!" for an existing server. What disk_id holds is not
        # settled (index or EVS id): the Terraform docs say the disk index, so that is the default.
        entry["disk_id"] = str(index)
    return entry


def _volume_group(group) -> dict:
    entry = _pick(group, VOLUME_GROUP_KEYS)
    entry["logical_volumes"] = [_pick(lv, LOGICAL_VOLUME_KEYS) for lv in group.get("logical_volumes") or []]
    return entry


def target_server(source, existing_server=None, disks=None, volume_groups=None, btrfs_list=None) -> dict:
    """``target_server`` of the task body, from the source's ``init_target_server`` by default.

    ``existing_server`` is ``{"vm_id", "name"}`` of an existing ECS, None when SMS creates the
    target from a template (then no name and no vm_id are sent, like Terraform does). Volume groups
    come from ``init_target_server`` and Btrfs file systems from the source record: the SDK says
    both are "taken from the source"; Terraform sends neither (unsettled, docs/migrate.md).
    """
    init = source.get("init_target_server") or {}
    if not isinstance(init, dict):
        init = {}
    if disks is None:
        disks = init.get("disks") or []
        if not disks:
            raise SmsApiError("source %s has no recommended target disk layout yet (init_target_server is empty): "
                              "wait until SMS has checked the source, or pass target_disks" % source.get("id"))
    if volume_groups is None:
        volume_groups = init.get("volume_groups") or []
    if btrfs_list is None:
        btrfs_list = source.get("btrfs_list") or []
    body = {
        "disks": [_disk(d, i, existing_server is not None) for i, d in enumerate(disks)],
        "volume_groups": [_volume_group(g) for g in volume_groups],
        "btrfs_list": list(btrfs_list),
    }
    if existing_server:
        body.update(vm_id=existing_server["vm_id"], name=existing_server["name"])
    return body


# -- the lifecycle ---------------------------------------------------------------------------


def error_detail(task) -> dict:
    """``{code, message}`` from the task's ``error_json`` (a string holding JSON), bounded."""
    raw = task.get("error_json") if isinstance(task, dict) else None
    if not raw or not isinstance(raw, str):
        return {}
    try:
        data = json.loads(raw[:MAX_ERROR_JSON])
    except ValueError:
        return {"message": raw[:200]}
    if not isinstance(data, dict):
        return {}
    code = data.get("error_code") or data.get("code")
    message = data.get("error_msg") or data.get("message")
    return {k: str(v)[:500] for k, v in (("code", code), ("message", message)) if v}


def _clamp_percent(value) -> int:
    return max(0, min(100, int(value)))


def _current_subtask(task) -> dict | None:
    subtasks = [s for s in task.get("sub_tasks") or [] if isinstance(s, dict)]
    running = [s for s in subtasks if not s.get("end_date")]
    return (running or subtasks)[-1] if subtasks else None


def progress(task, source=None) -> dict:
    """One summary of where a migration is: state, phase, percent of bytes, speed, remaining time."""
    task = task or {}
    source = source or {}
    total, replicated = source.get("totalsize"), source.get("replicatesize")
    subtask = _current_subtask(task)
    percent = None
    if isinstance(total, int) and isinstance(replicated, int) and total > 0:
        percent = _clamp_percent(replicated * 100 // total)
    elif subtask is not None and isinstance(subtask.get("progress"), int):
        percent = _clamp_percent(subtask["progress"])
    if task.get("state") in FINISHED_STATES + (SYNCING,):
        percent = 100
    summary = {
        "task_id": task.get("id"),
        "state": task.get("state"),
        "phase": phase(task, source),
        "percent": percent,
        "replicated_bytes": replicated if isinstance(replicated, int) else None,
        "total_bytes": total if isinstance(total, int) else None,
        "speed_mbps": task.get("migrate_speed"),
        "remain_seconds": task.get("remain_seconds"),
        "subtask": (subtask or {}).get("name") or task.get("subtask_info"),
        "connected": source.get("connected", task.get("connected")),
        "source_state": source.get("state"),
        "migration_cycle": source.get("migration_cycle"),
        "target_server_id": target_server_id(task),
    }
    detail = error_detail(task)
    if task.get("state") in FAILED_STATES or detail:
        summary["error_code"] = detail.get("code")
        summary["error_message"] = detail.get("message")
    return summary


def target_server_id(task) -> str | None:
    target = (task or {}).get("target_server") or {}
    return (target.get("vm_id") or None) if isinstance(target, dict) else None


def phase(task, source=None) -> str:
    """``absent``, ``configured``, ``replicating``, ``replicated`` (continuous sync), ``cutting_over``,
    ``cutover``, ``stopping``, ``stopped``, ``failed`` or ``deleting``.

    Inference from the user guide (docs/migrate.md): a task created with ``syncing=false`` goes from
    full replication straight to the target launch; with ``syncing=true`` it waits in continuous
    sync (``SYNCING``) until ``cutover``; the source's ``migration_cycle``/``state`` tell a launch
    in progress.
    """
    if not task:
        return "absent"
    source = source or {}
    state = task.get("state")
    launching = source.get("migration_cycle") == "cutovering" or source.get("state") == "cutovering"
    if state in FINISHED_STATES:
        return "cutover"
    if state in FAILED_STATES:
        return "failed"
    if launching:
        return "cutting_over"
    return {READY: "configured", RUNNING: "replicating", SYNCING: "replicated", ABORTING: "stopping",
            ABORT: "stopped", DELETING: "deleting"}.get(state, "configured")


# Phases that count as reached for a desired state (and for waiting).
REACHED = {
    "present": ("configured", "replicating", "replicated", "cutting_over", "cutover", "stopping", "stopped",
                "failed"),
    "started": ("replicated", "cutting_over", "cutover"),  # full replication done
    "stopped": ("stopped", "configured", "failed"),
    "cutover": ("cutover",),
}


@dataclass
class Plan:
    operations: list = field(default_factory=list)  # action operations to send, in order
    note: str = ""


def _percent_text(task, source) -> str:
    percent = progress(task, source)["percent"]
    return "%s %%" % percent if percent is not None else "an unknown percentage"


def plan(task, source, desired, restart_failed=False) -> Plan:
    """The operations that take an existing task towards ``desired``; LifecycleError when SMS refuses."""
    try:
        return _plan(task, source, desired, restart_failed)
    except LifecycleError as exc:
        exc.progress = exc.progress or progress(task, source)
        raise


def _plan(task, source, desired, restart_failed) -> Plan:
    state = task.get("state")
    current = phase(task, source)
    failed = error_detail(task)
    failure = ("the task failed%s" % (
        " with %s%s" % (failed.get("code") or "", ": %s" % failed["message"] if failed.get("message") else "")
        if failed else ""))
    if current == "deleting":
        raise LifecycleError("task %s is being deleted" % task.get("id"))
    if desired == "present":
        return Plan()
    if desired == "started":
        if current in ("replicating", "replicated", "cutting_over", "cutover"):
            return Plan()
        if current == "failed":
            if restart_failed:
                return Plan([RESTART], "restart after: %s" % failure)
            raise LifecycleError("cannot start: %s; fix the cause and set restart_failed: true to restart it" % failure,
                                 code=failed.get("code"))
        if current == "stopping":
            raise LifecycleError("cannot start: task %s is stopping; try again when it has stopped" % task.get("id"))
        return Plan([START])
    if desired == "stopped":
        if current in ("replicating", "replicated"):
            return Plan([STOP])
        if current in ("cutting_over", "cutover"):
            raise LifecycleError("cannot stop: the target server is %s" % (
                "being launched" if current == "cutting_over" else "launched, the migration has finished"))
        return Plan()
    if desired == "cutover":
        if current in ("cutting_over", "cutover"):
            return Plan()
        if current == "replicated":
            return Plan([CUTOVER])
        if current == "replicating":
            raise LifecycleError("cannot cut over: full replication is at %s" % _percent_text(task, source))
        if current == "failed":
            raise LifecycleError("cannot cut over: %s" % failure, code=failed.get("code"))
        if current in ("stopped", "stopping"):
            raise LifecycleError("cannot cut over: the task is stopped (full replication at %s); start it first"
                                 % _percent_text(task, source))
        raise LifecycleError("cannot cut over: replication has not started (state %s); use state: started first"
                             % state)
    if desired == "absent":
        if current in ("replicating", "replicated", "stopping") or state == ABORTING:
            raise LifecycleError("cannot delete task %s while it is %s: stop it first (state: stopped), or set "
                                 "force: true" % (task.get("id"), state))
        return Plan()
    raise ValueError("unknown desired state %r" % desired)


def failure_message(task, source) -> str:
    detail = error_detail(task)
    summary = progress(task, source)
    return "migration of source %s failed at %s%s%s" % (
        (source or {}).get("name") or (task.get("source_server") or {}).get("id"), _percent_text(task, source),
        " with %s" % detail["code"] if detail.get("code") else "",
        ": %s" % detail["message"] if detail.get("message") else "") + (
        "" if summary["subtask"] is None else " (subtask %s)" % summary["subtask"])


# -- waiting ---------------------------------------------------------------------------------

HISTORY_LIMIT = 20  # entries a wait keeps in its result
HISTORY_STEP = 10  # percent between two history entries of the same phase and subtask


class History:
    """A bounded record of the progress seen while waiting: a new entry on every change of phase,
    subtask or connection, and every HISTORY_STEP percent; at most HISTORY_LIMIT entries (the
    oldest are dropped and counted)."""

    def __init__(self, limit=HISTORY_LIMIT, step=HISTORY_STEP):
        self.limit, self.step = limit, step
        self.entries, self.dropped = [], 0

    def add(self, elapsed, summary) -> bool:
        entry = {"elapsed": round(elapsed, 1)}
        keys = ("phase", "percent", "speed_mbps", "remain_seconds", "subtask", "connected")
        entry.update({k: summary.get(k) for k in keys})
        last = self.entries[-1] if self.entries else None
        if last is not None and all(last[k] == entry[k] for k in ("phase", "subtask", "connected")):
            if entry["percent"] is None or last["percent"] is None or entry["percent"] - last["percent"] < self.step:
                return False
        self.entries.append(entry)
        if len(self.entries) > self.limit:
            self.entries.pop(0)
            self.dropped += 1
        return True


def wait_for(client, task_id, source_id, desired, timeout, interval, sleep, monotonic) -> tuple:
    """Poll the task (and its source) until ``desired`` is reached, the task fails, or ``timeout``.

    Returns ``(task, source, history)``. A failure raises LifecycleError with the error code; a
    timeout raises one that says where the migration is (and whether the agent is disconnected).
    """
    started = monotonic()
    history = History()
    while True:
        task = show_task(client, task_id)
        if task is None:
            raise LifecycleError("task %s disappeared while waiting" % task_id)
        source = client.show_source(source_id)
        summary = progress(task, source)
        history.add(monotonic() - started, summary)
        if summary["phase"] in REACHED[desired]:
            if summary["phase"] == "failed" and desired != "stopped":
                raise LifecycleError(failure_message(task, source), code=summary.get("error_code"), progress=summary)
            return task, source, history
        if summary["phase"] == "failed":
            raise LifecycleError(failure_message(task, source), code=summary.get("error_code"), progress=summary)
        elapsed = monotonic() - started
        if elapsed >= timeout:
            raise LifecycleError("timed out after %d s waiting for task %s to be %s: it is %s at %s%s" % (
                timeout, task_id, desired, summary["phase"], _percent_text(task, source),
                "; the SMS agent on the source is disconnected" if summary["connected"] is False else ""),
                progress=summary)
        sleep(max(0.0, min(interval, timeout - elapsed)))


# -- converging one source's task (hwcloud.sms.task) -----------------------------------------

PRIORITIES = {"low": 0, "standard": 1, "high": 2}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def task_name(text) -> str:
    """A valid task name (1-64 letters, digits, CJK, ``_``, ``-``) from any text: others become ``-``."""
    name = "".join(c if c in _NAME_CHARS or "\u4e00" <= c <= "\u9fff" else "-" for c in str(text or ""))[:64]
    return name or "migration-task"


def configurations(named, raw) -> list:
    """``[{config_key, config_value, config_status}]`` from the module's named keys and raw ones."""
    entries = {}
    for option, key in CONFIG_KEYS.items():
        value = (named or {}).get(option)
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        low_high = CONFIG_RANGES.get(key)
        if low_high and not (low_high[0] <= int(value) <= low_high[1]):
            raise SmsApiError("%s must be between %d and %d" % (option, low_high[0], low_high[1]))
        entries[key] = str(value)
    for key, value in (raw or {}).items():
        entries[str(key)] = str(value)
    return [{"config_key": k, "config_value": v, "config_status": "1"} for k, v in sorted(entries.items())]


def speed_limits(limits) -> list:
    """Validated ``speed_limit`` periods (0-5; speed 0-1000 Mbit/s; threshold 10-100 %, default 10)."""
    limits = list(limits or [])
    if len(limits) > 5:
        raise SmsApiError("at most 5 speed-limit periods are allowed, got %d" % len(limits))
    periods = []
    for item in limits:
        speed = int(item["speed"])
        threshold = float(item.get("over_speed_threshold") if item.get("over_speed_threshold") is not None else 10)
        if not 0 <= speed <= 1000 or not 10 <= threshold <= 100:
            raise SmsApiError("speed limits: speed must be 0-1000 Mbit/s and over_speed_threshold 10-100 %")
        periods.append({"start": item["start"], "end": item["end"], "speed": speed, "over_speed_threshold": threshold})
    return periods


@dataclass
class TaskOutcome:
    changed: bool = False
    task: dict | None = None
    source: dict | None = None
    operations: list = field(default_factory=list)
    diff: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    history: History | None = None


def task_body(client, source, spec, template_id) -> dict:
    """The ``POST /v3/tasks`` body for ``source`` from the module's options (``spec``)."""
    existing = spec.get("target_server")
    body = {
        "name": task_name(spec.get("name") or "migrate-%s" % source.get("name")),
        "type": spec["type"],
        "os_type": source.get("os_type") or "LINUX",
        "source_server": {"id": source["id"]},
        "target_server": target_server(source, existing_server=existing, disks=spec.get("target_disks"),
                                       volume_groups=spec.get("target_volume_groups"),
                                       btrfs_list=spec.get("target_btrfs_list")),
        "region_name": client.region,
        "region_id": client.region,
        "project_name": client.region,
        "project_id": client.project_id,
        "priority": PRIORITIES[spec.get("priority") or "standard"],
        "syncing": bool(spec.get("continuous_sync")),
        "start_target_server": bool(spec.get("start_target_server", True)),
        "use_public_ip": bool(spec.get("use_public_ip", True)),
        "exist_server": existing is not None,
        "auto_start": False,
    }
    if template_id:
        body["vm_template_id"] = template_id
    if spec.get("migration_ip"):
        body["migration_ip"] = spec["migration_ip"]
    if not body["project_id"]:
        raise SmsApiError("the project id is unknown: set project_id (HUAWEICLOUD_SDK_PROJECT_ID)")
    return body


def _settings_changes(client, task, periods, configs, check_mode, outcome):
    """Apply speed limits and configurations that differ, where the task state allows it."""
    task_id = task["id"]
    pending = []
    if periods is not None and _normalised_periods(show_speed_limits(client, task_id)) != _normalised_periods(periods):
        pending.append(("speed_limits", lambda: set_speed_limits(client, task_id, periods)))
    if configs:
        current = {c.get("config_key"): str(c.get("config_value")) for c in show_configurations(client, task_id)
                   if isinstance(c, dict)}
        changed = [c for c in configs if current.get(c["config_key"]) != c["config_value"]]
        if changed:
            pending.append(("configurations", lambda: set_configurations(client, task_id, changed)))
    if not pending:
        return
    if task.get("state") not in SETTINGS_STATES:
        names = " and ".join(name for name, _apply in pending)
        outcome.warnings.append("task %s is %s: its %s can only change while it is configured, paused or waiting for "
                                "an incremental sync; not changed" % (task_id, task.get("state"), names))
        return
    for name, apply in pending:
        outcome.changed = True
        outcome.operations.append("set_" + name)
        if not check_mode:
            apply()


def _normalised_periods(periods) -> list:
    return sorted((str(p.get("start")), str(p.get("end")), int(p.get("speed") or 0),
                   float(p.get("over_speed_threshold") if p.get("over_speed_threshold") is not None else 10))
                  for p in periods or [] if isinstance(p, dict))


_COMPARED = ("type", "syncing", "priority", "vm_template_id", "migration_ip")


def ensure_task(client, source, spec, desired, template_id=None, check_mode=False, wait=None) -> TaskOutcome:
    """Converge the source's task to ``desired``; ``wait`` is ``(timeout, interval, sleep, monotonic)``."""
    outcome = TaskOutcome(source=source)
    task = find_task(client, source["id"])
    periods = speed_limits(spec["speed_limits"]) if spec.get("speed_limits") is not None else None
    configs = configurations(spec.get("configuration"), spec.get("raw_configuration"))
    before = progress(task, source) if task else {"phase": "absent"}

    if desired == "absent":
        if task is None:
            return outcome
        try:
            plan(task, source, "absent")
        except LifecycleError:
            if not spec.get("force"):
                raise
            outcome.operations.append(STOP)
            if not check_mode:
                task_action(client, task["id"], STOP)
                if wait is not None:
                    wait_for(client, task["id"], source["id"], "stopped", *wait)
        outcome.changed = True
        outcome.operations.append("delete")
        outcome.diff = {"before": before, "after": {"phase": "absent"}}
        outcome.task = task
        if not check_mode:
            delete_task(client, task["id"])
        return outcome

    if task is None and desired == "cutover":
        raise LifecycleError("cannot cut over: source %s has no migration task; create and start it first (state: "
                             "started)" % source.get("name"), progress=progress(None, source))
    if task is None and desired == "stopped":
        return outcome  # nothing runs, nothing to stop
    if task is None:
        body = task_body(client, source, spec, template_id)
        outcome.changed = True
        outcome.operations.append("create")
        outcome.diff = {"before": {"phase": "absent"}, "after": dict(body, phase="configured")}
        if check_mode:
            if desired == "started":
                outcome.operations.append(START)
            return outcome
        task = show_task(client, create_task(client, body))
        if periods is not None or configs:
            _settings_changes(client, task, periods, configs, check_mode, outcome)
    else:
        for key in _COMPARED:
            wanted = {"type": spec["type"], "syncing": bool(spec.get("continuous_sync")),
                      "priority": PRIORITIES[spec.get("priority") or "standard"], "vm_template_id": template_id,
                      "migration_ip": spec.get("migration_ip")}[key]
            if wanted is not None and key in task and task[key] not in (None, "") and task[key] != wanted:
                outcome.warnings.append("task %s has %s=%r, not %r: not changed (a task's %s cannot change; delete "
                                        "the task with state: absent to recreate it)" % (
                                            task["id"], key, task[key], wanted, key))
        _settings_changes(client, task, periods, configs, check_mode, outcome)

    steps = plan(task, source, desired, restart_failed=spec.get("restart_failed", False))
    if steps.operations:
        outcome.changed = True
        outcome.operations.extend(steps.operations)
        if not outcome.diff:
            outcome.diff = {"before": before, "after": {"phase": _AFTER_PHASE[desired], "operations": steps.operations}}
        if not check_mode:
            for operation in steps.operations:
                task_action(client, task["id"], operation)
    if not check_mode and wait is not None and desired in ("started", "stopped", "cutover"):
        task, source, outcome.history = wait_for(client, task["id"], source["id"], desired, *wait)
    elif not check_mode:
        task = show_task(client, task["id"]) or task
        source = client.show_source(source["id"])
    outcome.task, outcome.source = task, source
    return outcome


_AFTER_PHASE = {"present": "configured", "started": "replicating", "stopped": "stopped", "cutover": "cutting_over"}
