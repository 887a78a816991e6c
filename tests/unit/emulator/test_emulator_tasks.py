"""The emulator's tasks, templates and agent simulation: schemas equal the official SDK models,
strict validation, the state machine and its refusals, compressed-time progress, injected
failures (MIGRATE_FAIL with an error code, a disconnected agent, a stalled link), the source fields
tasks change, and the concurrency cap."""

import re
import time

import pytest
from huaweicloudsdksms.v3 import model

from tests.emulator import records, task_schemas, tasks
from tests.unit.emulator.emulator_helpers import LINUX_BODY

KINDS = {"str": "str", "int": "int", "float": "float", "bool": "bool"}

SCHEMAS = [
    (task_schemas.POST_TASK_BODY, "PostTask"),
    (task_schemas.TARGET_SERVER_BY_TASK, "TargetServerByTask"),
    (task_schemas.TARGET_DISKS, "TargetDisks"),
    (task_schemas.PHYSICAL_VOLUMES, "PhysicalVolumes"),
    (task_schemas.VOLUME_GROUPS, "VolumeGroups"),
    (task_schemas.LOGICAL_VOLUMES, "LogicalVolumes"),
    (task_schemas.UPDATE_TASK_STATUS_BODY, "UpdateTaskStatusReq"),
    (task_schemas.SPEED_LIMIT_BODY, "SpeedLimit"),
    (task_schemas.SPEED_LIMIT_PERIOD, "SpeedLimitlJson"),
    (task_schemas.CONFIGURATION_BODY, "ConfigurationRequestBody"),
    (task_schemas.CONFIG_BODY, "ConfigBody"),
    (task_schemas.TEMPLATE_BODY, "CreateTemplateReq"),
    (task_schemas.TEMPLATE_REQUEST, "TemplateRequest"),
    (task_schemas.VPC_OBJECT, "VpcObject"),
    (task_schemas.NICS, "Nics"),
    (task_schemas.SG_OBJECT, "SgObject"),
    (task_schemas.PUBLIC_IP, "PublicIp"),
    (task_schemas.TEMPLATE_DISK, "TemplateDisk"),
]


def _sdk_kind(sdk_type: str) -> str:
    if sdk_type.startswith("list["):
        return "list"
    return KINDS.get(sdk_type, "object")


@pytest.mark.parametrize("schema, model_name", SCHEMAS, ids=[name for _schema, name in SCHEMAS])
def test_request_schemas_equal_the_sdk_models(schema, model_name):
    sdk = getattr(model, model_name).openapi_types
    assert set(schema.fields) == set(sdk)
    for key, field in schema.fields.items():
        assert field.kind == _sdk_kind(sdk[key]), key


@pytest.mark.parametrize("fields, model_name", [
    (tasks.SHOW_FIELDS, "ShowTaskResponse"), (tasks.LIST_FIELDS, "TasksResponseBody"),
    (tasks.CURRENT_TASK_FIELDS, "TaskByServerSources"), (tasks.TEMPLATE_FIELDS, "TemplateResponseBody"),
])
def test_response_views_use_sdk_field_names(fields, model_name):
    assert set(fields) <= set(getattr(model, model_name).openapi_types)


def test_init_target_server_uses_sdk_field_names():
    layout = tasks.init_target_server(LINUX_BODY)
    assert set(layout) == set(model.InitTargetServer.openapi_types)
    assert set(layout["disks"][0]) == set(model.DiskIntargetServer.openapi_types)
    assert set(layout["disks"][0]["physical_volumes"][0]) <= set(model.PhysicalVolumes.openapi_types)
    assert set(records.LIST_FIELDS) >= {"init_target_server", "current_task", "replicatesize"}


# -- over HTTP -------------------------------------------------------------------------------


@pytest.fixture
def life(api):
    api.request("POST", "/_emulator-sim/reset", sign=False)
    api.request("PUT", "/_emulator-sim/settings", json={"replication_seconds": 1.0, "setup_seconds": 0.1,
                                                        "launch_seconds": 0.2, "stop_seconds": 0.1}, sign=False)
    return api


def _template(api, name="web"):
    response = api.post("/v3/vm/templates", {"template": {"name": name, "is_template": True,
                                                          "availability_zone": "az1"}})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def _task_body(api, source_id, template_id, **extra):
    layout = api.get(f"/v3/sources/{source_id}").json()["init_target_server"]
    body = {"name": "migrate-web-01", "type": "MIGRATE_FILE", "source_server": {"id": source_id},
            "target_server": {"disks": layout["disks"], "volume_groups": layout["volume_groups"]},
            "region_name": api.emu.region, "region_id": api.emu.region, "project_name": api.emu.region,
            "project_id": api.emu.project_id, "vm_template_id": template_id, "syncing": True}
    body.update(extra)
    return body


def _new_task(api, **extra):
    source_id = api.register(LINUX_BODY)
    response = api.post("/v3/tasks", _task_body(api, source_id, _template(api), **extra))
    assert response.status_code == 200, response.text
    return source_id, response.json()["id"]


def _action(api, task_id, operation):
    return api.post(f"/v3/tasks/{task_id}/action", {"operation": operation})


def _until(api, task_id, states, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = api.get(f"/v3/tasks/{task_id}").json()
        if task["state"] in states:
            return task
        time.sleep(0.1)
    raise AssertionError(f"task never reached {states}: {task['state']}")


def test_strict_task_body(life):
    source_id = life.register(LINUX_BODY)
    template_id = _template(life)
    bad = _task_body(life, source_id, template_id, speed=1, priority=5)
    bad["target_server"]["disks"][0]["size"] = "40G"
    response = life.post("/v3/tasks", bad)
    assert response.status_code == 400
    assert set(response.json()["error_param"]) == {"speed", "priority", "target_server.disks[0].size"}
    missing = _task_body(life, source_id, template_id)
    del missing["project_id"]
    assert life.post("/v3/tasks", missing).json()["error_param"] == ["project_id"]


def test_existing_server_needs_disk_ids_and_templates_must_exist(life):
    source_id = life.register(LINUX_BODY)
    body = _task_body(life, source_id, None, exist_server=True, migration_ip="192.0.2.10",
                      target_server={"vm_id": "v1", "name": "ecs", "disks": [{"name": "d", "size": 1}]})
    del body["vm_template_id"]
    response = life.post("/v3/tasks", body)
    assert response.status_code == 400 and response.json()["error_code"] == "SMS.6103"
    assert response.json()["error_msg"] == "Missing diskId in disk node!"
    response = life.post("/v3/tasks", _task_body(life, source_id, "no-such-template"))
    assert response.json()["error_code"] == "SMS.8205"


def test_full_lifecycle_changes_the_source_fields(life):
    source_id, task_id = _new_task(life)
    source = life.get(f"/v3/sources/{source_id}").json()
    assert source["current_task"]["id"] == task_id and source["migration_cycle"] == "setting"
    assert life.post("/v3/tasks", _task_body(life, source_id, _template(life, "other"))).json()["error_code"] == \
        "SMS.8202", "one task per source"
    assert _action(life, task_id, "cutover").json()["error_code"] == "SMS.8204"
    assert _action(life, task_id, "stop").json()["error_code"] == "SMS.1038"
    assert _action(life, task_id, "start").status_code == 200
    assert _action(life, task_id, "start").json()["error_code"] == "SMS.1039", "a running task is not restarted"
    assert life.delete(f"/v3/tasks/{task_id}").json()["error_code"] == "SMS.2015"
    running = _until(life, task_id, ("RUNNING",))
    assert running["sub_tasks"][0]["name"] == "CREATE_CLOUD_SERVER"
    synced = _until(life, task_id, ("SYNCING",))
    assert [s["name"] for s in synced["sub_tasks"]] == ["CREATE_CLOUD_SERVER", "FORMAT_DISK_LINUX_FILE",
                                                        "MIGRATE_LINUX_FILE", "SYNC_LINUX_FILE"]
    source = life.get(f"/v3/sources/{source_id}").json()
    assert source["state"] == "syncing" and source["replicatesize"] == source["totalsize"]
    assert _action(life, task_id, "cutover").status_code == 200
    assert life.get(f"/v3/sources/{source_id}").json()["migration_cycle"] == "cutovering"
    done = _until(life, task_id, ("MIGRATE_SUCCESS",))
    assert re.fullmatch(r"[0-9a-f-]{36}", done["target_server"]["vm_id"])
    source = life.get(f"/v3/sources/{source_id}").json()
    assert (source["state"], source["migration_cycle"]) == ("finished", "cutovered")
    listed = life.get("/v3/tasks", params={"source_server_id": source_id}).json()
    assert listed["count"] == 1 and listed["tasks"][0]["syncing"] is True
    assert life.delete(f"/v3/tasks/{task_id}").status_code == 200
    assert life.get(f"/v3/sources/{source_id}").json()["current_task"] is None


def test_injected_failure_then_restart(life):
    source_id = life.register(LINUX_BODY)
    life.request("PUT", f"/_emulator-sim/sources/{source_id}", json={"fail_at_percent": 30, "error_code": "SMS.0807"},
                 sign=False)
    task_id = life.post("/v3/tasks", _task_body(life, source_id, _template(life))).json()["id"]
    _action(life, task_id, "start")
    failed = _until(life, task_id, ("MIGRATE_FAIL",))
    assert '"SMS.0807"' in failed["error_json"]
    source = life.get(f"/v3/sources/{source_id}").json()
    assert source["state"] == "error" and source["replicatesize"] * 100 // source["totalsize"] == 30
    life.request("PUT", f"/_emulator-sim/sources/{source_id}", json={}, sign=False)
    assert _action(life, task_id, "restart").status_code == 200
    assert _until(life, task_id, ("SYNCING",))["error_json"] is None


def test_disconnected_agent_freezes_progress_and_blocks_new_tasks(life):
    source_id, task_id = _new_task(life)
    _action(life, task_id, "start")
    life.request("PUT", "/_emulator-sim/sources/web-01", json={"connected": False}, sign=False)
    before = life.get(f"/v3/sources/{source_id}").json()
    time.sleep(0.5)
    after = life.get(f"/v3/sources/{source_id}").json()
    assert after["connected"] is False and after["replicatesize"] == before["replicatesize"]
    assert life.get(f"/v3/tasks/{task_id}").json()["state"] == "RUNNING"
    other = life.register(dict(LINUX_BODY, name="web-02"))
    life.request("PUT", "/_emulator-sim/sources/web-02", json={"connected": False}, sign=False)
    response = life.post("/v3/tasks", _task_body(life, other, _template(life, "t2")))
    assert response.json()["error_code"] == "SMS.8203"


def test_concurrency_cap_settings_and_templates(life):
    life.request("PUT", "/_emulator-sim/settings", json={"replication_seconds": 60, "max_running": 1}, sign=False)
    first = _new_task(life)[1]
    second_source = life.register(dict(LINUX_BODY, name="web-02"))
    second = life.post("/v3/tasks", _task_body(life, second_source, _template(life, "t2"))).json()["id"]
    assert _action(life, first, "start").status_code == 200
    assert _action(life, second, "start").json()["error_code"] == "SMS.8201"
    setting = {"configurations": [{"config_key": "LINUX_CPU_LIMIT", "config_value": "50"}]}
    refused = life.post(f"/v3/tasks/{first}/configuration-setting", setting).json()
    assert refused["error_code"] == "SMS.8204", "settings only while configured, paused or syncing"
    period = {"start": "8:00", "end": "18:00", "speed": 10}
    response = life.post(f"/v3/tasks/{second}/speed-limit", {"speed_limit": [period]})
    assert response.status_code == 400
    templates = life.get("/v3/vm/templates", params={"name": "t2"}).json()
    assert templates["count"] == 1 and templates["templates"][0]["is_template"] == "true"
    assert "target_password" not in templates["templates"][0]
