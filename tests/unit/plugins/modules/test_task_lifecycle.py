"""The lifecycle rules of _sms/tasks.py: phases, allowed transitions and their refusals, progress,
the target layout derived from init_target_server, the bounded wait history, settings checks."""

import json

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._sms import tasks
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.errors import SmsApiError
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.tasks import LifecycleError, phase, plan, progress

GIB = 1024 ** 3


def task(state, **extra):
    return dict({"id": "t1", "state": state, "sub_tasks": []}, **extra)


def source(replicated=0, total=100 * GIB, **extra):
    return dict({"id": "s1", "name": "web01", "replicatesize": replicated, "totalsize": total, "connected": True,
                 "state": "replicate", "migration_cycle": "replicating"}, **extra)


FAILED = task("MIGRATE_FAIL", error_json=json.dumps({"error_code": "SMS.0806", "error_msg": "Partition sync failed"}))


@pytest.mark.parametrize("state, src, expected", [
    (None, {}, "absent"),
    ("READY", {}, "configured"),
    ("RUNNING", {}, "replicating"),
    ("SYNCING", {}, "replicated"),
    ("SYNCING", {"migration_cycle": "cutovering"}, "cutting_over"),
    ("RUNNING", {"state": "cutovering"}, "cutting_over"),
    ("MIGRATE_SUCCESS", {}, "cutover"),
    ("SYNC_SUCCESS", {}, "cutover"),
    ("MIGRATE_FAIL", {}, "failed"),
    ("ABORTING", {}, "stopping"),
    ("ABORT", {}, "stopped"),
    ("DELETING", {}, "deleting"),
])
def test_phase(state, src, expected):
    assert phase(task(state) if state else None, src) == expected


@pytest.mark.parametrize("state, desired, operations", [
    ("READY", "present", []),
    ("READY", "started", ["start"]),
    ("ABORT", "started", ["start"]),
    ("RUNNING", "started", []),  # a rerun never restarts a running task
    ("SYNCING", "started", []),
    ("MIGRATE_SUCCESS", "started", []),
    ("RUNNING", "stopped", ["stop"]),
    ("SYNCING", "stopped", ["stop"]),
    ("READY", "stopped", []),
    ("ABORT", "stopped", []),
    ("SYNCING", "cutover", ["cutover"]),
    ("MIGRATE_SUCCESS", "cutover", []),
    ("READY", "absent", []),
    ("MIGRATE_SUCCESS", "absent", []),
])
def test_allowed_transitions(state, desired, operations):
    assert plan(task(state), source(), desired).operations == operations


def test_cutover_during_full_replication_is_refused_with_the_percentage():
    with pytest.raises(LifecycleError) as error:
        plan(task("RUNNING"), source(replicated=62 * GIB), "cutover")
    assert error.value.message == "cannot cut over: full replication is at 62 %"
    assert error.value.to_result()["progress"]["percent"] == 62


@pytest.mark.parametrize("state, desired, words", [
    ("READY", "cutover", "replication has not started"),
    ("ABORT", "cutover", r"the task is stopped \(full replication at 10 %\); start it first"),
    ("ABORTING", "started", "is stopping"),
    ("MIGRATE_SUCCESS", "stopped", "the migration has finished"),
    ("RUNNING", "absent", "stop it first"),
    ("DELETING", "started", "being deleted"),
])
def test_refusals_say_why(state, desired, words):
    with pytest.raises(LifecycleError, match=words):
        plan(task(state), source(replicated=10 * GIB), desired)


def test_failed_task_names_its_error_code_and_restarts_only_when_asked():
    with pytest.raises(LifecycleError) as error:
        plan(FAILED, source(), "started")
    assert error.value.code == "SMS.0806" and "restart_failed" in error.value.message
    with pytest.raises(LifecycleError, match="cannot cut over: the task failed with SMS.0806: Partition sync failed"):
        plan(FAILED, source(), "cutover")
    assert plan(FAILED, source(), "started", restart_failed=True).operations == ["restart"]


def test_progress_from_bytes_then_subtask_and_hostile_error_json():
    running = task("RUNNING", migrate_speed=95.5, remain_seconds=340, sub_tasks=[
        {"name": "FORMAT_DISK_LINUX_FILE", "progress": 100, "end_date": 1},
        {"name": "MIGRATE_LINUX_FILE", "progress": 40, "end_date": None}])
    summary = progress(running, source(replicated=25 * GIB))
    assert summary["percent"] == 25 and summary["subtask"] == "MIGRATE_LINUX_FILE"
    assert summary["speed_mbps"] == 95.5 and summary["remain_seconds"] == 340
    assert progress(running, {})["percent"] == 40, "without sizes the subtask's progress counts"
    assert progress(task("SYNCING"), source(replicated=99 * GIB))["percent"] == 100
    assert progress(task("RUNNING"), source(replicated=200 * GIB))["percent"] == 100, "clamped"
    assert progress(task("MIGRATE_FAIL", error_json="{not json" + "x" * 10000), {})["error_message"][:9] == "{not json"
    assert tasks.error_detail(task("MIGRATE_FAIL", error_json="[1, 2]")) == {}
    assert len(tasks.error_detail(task("X", error_json=json.dumps({"error_msg": "m" * 9000})))) <= 1


INIT = {"disks": [{"name": "/dev/vda", "size": 40 * GIB, "used_size": GIB, "device_use": "BOOT", "unknown": 1,
                   "physical_volumes": [{"name": "/dev/vda1", "mount_point": "/", "file_system": "ext4", "index": 0,
                                         "size": 40 * GIB, "inode_nums": 5, "uuid": "u1"}]},
                  {"name": "/dev/vdb", "size": 10 * GIB, "device_use": "NORMAL", "physical_volumes": []}],
        "volume_groups": [{"name": "vg0", "size": 10 * GIB, "components": "/dev/vdb", "free_size": 0,
                           "logical_volumes": [{"name": "lv", "size": GIB, "mount_point": "/srv", "extra": 2}]}]}
BTRFS = [{"name": "data", "uuid": "b1", "subvolumn": []}]


def test_target_server_from_init_target_server_with_volume_groups_and_btrfs():
    body = tasks.target_server({"id": "s1", "init_target_server": INIT, "btrfs_list": BTRFS})
    assert [d["name"] for d in body["disks"]] == ["/dev/vda", "/dev/vdb"]
    assert "unknown" not in body["disks"][0] and "disk_id" not in body["disks"][0]
    assert body["disks"][0]["physical_volumes"] == [{"name": "/dev/vda1", "mount_point": "/", "file_system": "ext4",
                                                     "index": 0, "size": 40 * GIB, "uuid": "u1"}]
    assert body["volume_groups"][0]["logical_volumes"] == [{"name": "lv", "size": GIB, "mount_point": "/srv"}]
    assert body["btrfs_list"] == BTRFS and "vm_id" not in body and "name" not in body


def test_target_server_for_an_existing_ecs_numbers_the_disks_and_overrides_win():
    body = tasks.target_server({"id": "s1", "init_target_server": INIT}, existing_server={"vm_id": "v", "name": "n"})
    assert [d["disk_id"] for d in body["disks"]] == ["0", "1"] and body["vm_id"] == "v" and body["name"] == "n"
    custom = tasks.target_server({"id": "s1", "init_target_server": INIT}, disks=[{"name": "d", "size": 1}],
                                 volume_groups=[], btrfs_list=[])
    assert custom == {"disks": [{"name": "d", "size": 1, "physical_volumes": []}], "volume_groups": [],
                      "btrfs_list": []}
    with pytest.raises(SmsApiError, match="no recommended target disk layout"):
        tasks.target_server({"id": "s1", "init_target_server": None})


def test_history_is_bounded_and_records_changes_only():
    history = tasks.History(limit=5, step=10)
    for second in range(100):
        history.add(second, {"phase": "replicating", "percent": second, "subtask": "MIGRATE_LINUX_FILE",
                             "connected": True})
    assert len(history.entries) == 5 and history.dropped == 5
    assert [e["percent"] for e in history.entries] == [50, 60, 70, 80, 90]
    history.add(100, {"phase": "replicating", "percent": 90, "subtask": "MIGRATE_LINUX_FILE", "connected": False})
    assert history.entries[-1]["connected"] is False


def test_names_settings_and_limits():
    assert tasks.task_name("migrate-web01.example.com") == "migrate-web01-example-com"
    assert tasks.task_name("x" * 100) == "x" * 64 and tasks.task_name("") == "migration-task"
    assert tasks.configurations({"cpu_limit": 50, "exclude_dirs": ["/a", "/b"]}, {"DYNAMIC_PORT": 1}) == [
        {"config_key": "DYNAMIC_PORT", "config_value": "1", "config_status": "1"},
        {"config_key": "LINUX_CPU_LIMIT", "config_value": "50", "config_status": "1"},
        {"config_key": "MIGRATE_EXCLUDE_DIR", "config_value": "/a,/b", "config_status": "1"}]
    with pytest.raises(SmsApiError, match="memory_limit must be between 200 and 1000"):
        tasks.configurations({"memory_limit": 100}, None)
    assert tasks.speed_limits([{"start": "08:00", "end": "18:00", "speed": 100}])[0]["over_speed_threshold"] == 10
    with pytest.raises(SmsApiError, match="at most 5"):
        tasks.speed_limits([{"start": "00:00", "end": "01:00", "speed": 1}] * 6)
    with pytest.raises(SmsApiError, match="0-1000"):
        tasks.speed_limits([{"start": "00:00", "end": "01:00", "speed": 1001}])
