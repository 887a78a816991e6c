"""The SMS agent and back end in compressed time: how a task and its source move between states.

Pure and lazy: ``advance(task, source, now, settings)`` brings one task and its source record up
to ``now`` (seconds) from the last time they were advanced, so there is no background thread and
a test sees the same states however often it polls. Timings (seconds of real time) come from
``Settings``; per-source ``Injection``s make a replication fail at a percentage with an error code,
or the agent disconnect (progress freezes, ``connected`` is false).

The state mapping follows the SMS user guide (reference sms-lifecycle.md 1.4):

  READY --start--> RUNNING (source replicate/replicating; sub-tasks: create server, format disks,
  migrate) --full replication--> syncing=true: SYNCING (syncing/syncing) --cutover--> launch
                                  syncing=false: launch at once
  launch: source cutovering/cutovering for ``launch_seconds`` -> MIGRATE_SUCCESS (finished/cutovered)
  RUNNING/SYNCING --stop--> ABORTING (stopping) -> ABORT (stopped) --start--> RUNNING (resumes)
  RUNNING --failure--> MIGRATE_FAIL (error) --restart--> RUNNING from the last percentage
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import asdict, dataclass, fields

SETUP_SUBTASKS = {"MIGRATE_FILE": "FORMAT_DISK_LINUX_FILE", "MIGRATE_BLOCK": "FORMAT_DISK_LINUX_BLOCK"}
MIGRATE_SUBTASKS = {"MIGRATE_FILE": "MIGRATE_LINUX_FILE", "MIGRATE_BLOCK": "MIGRATE_LINUX_BLOCK"}
SYNC_SUBTASKS = {"MIGRATE_FILE": "SYNC_LINUX_FILE", "MIGRATE_BLOCK": "SYNC_LINUX_BLOCK"}
CONFIGURE_SUBTASKS = {"MIGRATE_FILE": "CONFIGURE_LINUX_FILE", "MIGRATE_BLOCK": "CONFIGURE_LINUX_BLOCK"}

# Source state and migration cycle per task phase.
SOURCE_STATES = {
    "READY": ("waiting", "setting"),
    "RUNNING": ("replicate", "replicating"),
    "SYNCING": ("syncing", "syncing"),
    "LAUNCHING": ("cutovering", "cutovering"),
    "MIGRATE_SUCCESS": ("finished", "cutovered"),
    "MIGRATE_FAIL": ("error", "replicating"),
    "ABORTING": ("stopping", "replicating"),
    "ABORT": ("stopped", "replicating"),
}


class SettingsError(ValueError):
    """The simulation settings document is malformed."""


@dataclass(frozen=True)
class Settings:
    replication_seconds: float = 4.0  # a full replication, whatever the size
    setup_seconds: float = 0.5  # creating the server and formatting the disks
    launch_seconds: float = 1.0  # cutover: final sync and launch
    stop_seconds: float = 0.5  # ABORTING -> ABORT
    max_running: int = 100  # concurrent migrations (FAQ 4.1)

    @classmethod
    def parse(cls, doc) -> "Settings":
        if not isinstance(doc, dict) or set(doc) - {f.name for f in fields(cls)}:
            raise SettingsError(f"settings take the keys {', '.join(f.name for f in fields(cls))}")
        for key, value in doc.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise SettingsError(f"{key} must be a non-negative number")
        return cls(**{**asdict(cls()), **doc})


@dataclass(frozen=True)
class Injection:
    fail_at_percent: float | None = None
    stall_at_percent: float | None = None  # the replication stops progressing there (a stuck link)
    error_code: str = "SMS.0806"
    error_msg: str = "Partition synchronization failed"
    connected: bool = True

    @classmethod
    def parse(cls, doc) -> "Injection":
        if not isinstance(doc, dict) or set(doc) - {f.name for f in fields(cls)}:
            raise SettingsError(f"an injection takes the keys {', '.join(f.name for f in fields(cls))}")
        injection = cls(**doc)
        for key in ("fail_at_percent", "stall_at_percent"):
            value = getattr(injection, key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not 0 <= value <= 100):
                raise SettingsError(f"{key} must be between 0 and 100")
        if not isinstance(injection.connected, bool) or not isinstance(injection.error_code, str):
            raise SettingsError("connected must be a boolean and error_code a string")
        return injection


def _subtask(number, name, now_ms, progress=0):
    return {"id": number, "name": name, "progress": progress, "start_date": now_ms,
            "end_date": None, "migrate_speed": 0.0, "user_op": None, "process_trace": None}


def _finish(subtask, now_ms):
    subtask.update(progress=100, end_date=now_ms)


def _open_subtask(task, name, now):
    for sub in task["sub_tasks"]:
        if sub["name"] == name and sub["end_date"] is None:
            return sub
    sub = _subtask(len(task["sub_tasks"]) + 1, name, int(now * 1000))
    task["sub_tasks"].append(sub)
    return sub


def _set_source(source, phase, now):
    state, cycle = SOURCE_STATES[phase]
    if source.get("state") != state:
        source["state_action_time"] = int(now * 1000)
    source["state"], source["migration_cycle"] = state, cycle


def start(task, source, now, resume=False):
    """``start``/``restart``: RUNNING from where the replication stopped."""
    task["state"] = "RUNNING"
    task["start_date"] = task.get("start_date") or int(now * 1000)
    task["error_json"] = None
    sim = task["_sim"]
    sim.update(phase_since=now, last=now)
    if not resume:
        sim.setdefault("setup_left", None)
    _set_source(source, "RUNNING", now)


def stop(task, source, now):
    task["state"] = "ABORTING"
    task["_sim"].update(phase_since=now, last=now)
    _set_source(source, "ABORTING", now)


def cutover(task, source, now):
    task["_sim"].update(launching_since=now, last=now)
    _set_source(source, "LAUNCHING", now)


def _launch_done(task, source, now, settings):
    since = task["_sim"].get("launching_since")
    if since is None or now - since < settings.launch_seconds:
        return False
    now_ms = int(now * 1000)
    for name in (SYNC_SUBTASKS[task["type"]], CONFIGURE_SUBTASKS[task["type"]]):
        _finish(_open_subtask(task, name, since), now_ms)
    task["state"] = "MIGRATE_SUCCESS"
    task["finish_date"] = now_ms
    task["total_time"] = now_ms - (task.get("start_date") or now_ms)
    task["remain_seconds"] = 0
    task["migrate_speed"] = 0.0
    target = task["target_server"]
    target["vm_id"] = target.get("vm_id") or str(uuid.uuid5(uuid.NAMESPACE_URL, "sms-target/" + task["id"]))
    target["name"] = target.get("name") or source.get("name")
    task["_sim"]["launching_since"] = None
    _set_source(source, "MIGRATE_SUCCESS", now)
    return True


def advance(task, source, now, settings: Settings, injection: Injection | None = None):
    """Bring ``task`` and its ``source`` record (both dicts, changed in place) up to ``now``."""
    injection = injection or Injection()
    sim = task["_sim"]
    source["connected"] = injection.connected
    task["connected"] = injection.connected
    state = task["state"]
    last = sim.get("last") or now
    sim["last"] = now
    if state == "ABORTING":
        if now - sim["phase_since"] >= settings.stop_seconds:
            task["state"] = "ABORT"
            task["migrate_speed"] = 0.0
            _set_source(source, "ABORT", now)
        return
    if sim.get("launching_since") is not None:
        _launch_done(task, source, now, settings)
        return
    if state != "RUNNING" or not injection.connected:
        if state == "RUNNING":
            task["migrate_speed"] = 0.0
        return
    total = max(1, int(source.get("totalsize") or 0))
    now_ms = int(now * 1000)
    elapsed = now - last
    # set-up sub-tasks first (server creation, disk formatting), then the data
    setup_left = sim.get("setup_left")
    if setup_left is None:
        setup_left = settings.setup_seconds
        if task.get("vm_template_id"):
            _open_subtask(task, "CREATE_CLOUD_SERVER", last)
        _open_subtask(task, SETUP_SUBTASKS[task["type"]], last)
    used = min(setup_left, elapsed)
    sim["setup_left"] = setup_left - used
    elapsed -= used
    if sim["setup_left"] > 0:
        return
    for sub in task["sub_tasks"]:
        if sub["name"] in ("CREATE_CLOUD_SERVER", SETUP_SUBTASKS[task["type"]]) and sub["end_date"] is None:
            _finish(sub, now_ms)
    migrate = _open_subtask(task, MIGRATE_SUBTASKS[task["type"]], now - elapsed)
    rate = total / settings.replication_seconds if settings.replication_seconds > 0 else float(total)
    done = min(total, int(source.get("replicatesize") or 0) + int(rate * elapsed))
    stalled = injection.stall_at_percent is not None and done >= math.ceil(injection.stall_at_percent * total / 100)
    if stalled:
        done = math.ceil(injection.stall_at_percent * total / 100)
    if injection.fail_at_percent is not None and done * 100 >= injection.fail_at_percent * total:
        done = math.ceil(injection.fail_at_percent * total / 100)
        task["state"] = "MIGRATE_FAIL"
        task["error_json"] = json.dumps({"error_code": injection.error_code, "error_msg": injection.error_msg})
        task["migrate_speed"] = 0.0
        source["replicatesize"] = done
        migrate["progress"] = done * 100 // total
        _set_source(source, "MIGRATE_FAIL", now)
        return
    source["replicatesize"] = done
    migrate["progress"] = done * 100 // total
    task["migrate_speed"] = 0.0 if stalled else round(rate * 8 / 1e6, 1)
    task["remain_seconds"] = int((total - done) / rate) if rate else 0
    task["estimate_complete_time"] = now_ms + task["remain_seconds"] * 1000
    task["subtask_info"] = f"{migrate['name']}:{migrate['progress']}"
    if done < total:
        return
    _finish(migrate, now_ms)
    task["remain_seconds"] = 0
    if task.get("syncing"):
        task["state"] = "SYNCING"
        _open_subtask(task, SYNC_SUBTASKS[task["type"]], now)
        _set_source(source, "SYNCING", now)
    else:  # the user guide: without continuous sync the target is launched automatically
        cutover(task, source, now)
