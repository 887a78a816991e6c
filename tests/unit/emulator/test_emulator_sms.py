"""Every SMS endpoint of the emulator, over HTTP, signed with the official SDK signer."""

from __future__ import annotations

import pytest

from tests.emulator.harness import run_emulator
from tests.emulator.records import LIST_FIELDS, SHOW_FIELDS
from tests.unit.emulator.emulator_helpers import LINUX_BODY, REMOVE, Api, body_with

HIDDEN_FROM_SHOW = (
    "linux_block_check", "domain_id", "has_rsync", "paravirtualization", "raw_devices", "driver_files",
    "system_services", "account_rights", "boot_loader", "system_dir", "kernel_version", "io_read_wait",
    "platform", "virtualization_type",
)


def _checks(api, source_id):
    return {c["name"]: c for c in api.get(f"/v3/sources/{source_id}").json()["checks"]}


def test_register_returns_uuid_and_stores_every_field(api, emu):
    response = api.post("/v3/sources", LINUX_BODY)
    assert response.status_code == 200
    assert response.headers["X-Request-Id"]
    source_id = response.json()["id"]
    assert len(source_id) == 36 and source_id.count("-") == 4
    [stored] = emu.sources()
    for key, value in LINUX_BODY.items():
        if key != "networks":
            assert stored[key] == value, key
    assert stored["networks"][0]["mac"] == "52:54:00:12:34:56" and stored["networks"][0]["id"]
    assert stored["state"] == "waiting" and stored["connected"] is True
    assert stored["migration_cycle"] is None
    assert stored["add_date"] > 1_600_000_000_000  # epoch milliseconds
    assert stored["project_id"] == emu.project_id


def test_show_returns_only_show_fields(api):
    source_id = api.register(LINUX_BODY)
    shown = api.get(f"/v3/sources/{source_id}").json()
    assert set(shown) == set(SHOW_FIELDS)
    assert not set(HIDDEN_FROM_SHOW) & set(shown)
    assert shown["btrfs_list"][0]["subvolumn"][0]["subvol_id"] == "256"
    assert shown["volume_groups"] == LINUX_BODY["volume_groups"]
    assert shown["totalsize"] == LINUX_BODY["disks"][0]["size"]
    assert shown["state"] == "waiting"
    assert {c["result"] for c in shown["checks"]} == {"OK"}
    assert set(shown["checks"][0]) == {"id", "params", "name", "result", "error_code", "error_or_warn", "error_params"}


def test_list_items_have_list_fields_only(api):
    api.register(LINUX_BODY)
    listed = api.get("/v3/sources").json()
    assert listed["count"] == 1
    [item] = listed["source_servers"]
    assert set(item) == set(LIST_FIELDS)
    assert not {"hostname", "disks", "networks"} & set(item)


def test_list_filters_are_exact(api):
    a = api.register(body_with({"name": "alpha", "ip": "10.0.0.1"}))
    b = api.register(body_with({"name": "beta", "ip": "10.0.0.2", "has_rsync": False}))
    c = api.register(body_with({"name": "gamma", "ip": REMOVE, "ipv6": "fd00::3"}))

    def ids(**params):
        return [s["id"] for s in api.get("/v3/sources", params=params).json()["source_servers"]]

    assert ids(name="alpha") == [a]
    assert ids(name="alph") == []
    assert ids(ip="10.0.0.2") == [b]
    assert ids(ip="10.0.0") == []
    assert ids(ipv6="fd00::3") == [c]
    assert ids(ip="10.0.0.1", ipv6="fd00::3") == [a]  # ip takes precedence
    assert ids(id=c) == [c]
    assert ids(state="unavailable") == [b]
    assert ids(state="waiting") == [c, a]  # newest first
    assert ids(connected="true") == [c, b, a]
    assert ids(connected="false") == []
    assert ids(migration_cycle="checking") == []
    assert ids(vm_id="anything") == []


def test_list_paging_and_limits(api):
    created = [api.register(body_with({"name": f"host-{i}"})) for i in range(5)]
    page = api.get("/v3/sources", params={"limit": 2, "offset": 1}).json()
    assert page["count"] == 5
    assert [s["id"] for s in page["source_servers"]] == created[::-1][1:3]
    assert len(api.get("/v3/sources", params={"limit": 0}).json()["source_servers"]) == 5  # 0 -> 200
    assert api.get("/v3/sources", params={"offset": 10}).json() == {"count": 5, "source_servers": []}


@pytest.mark.parametrize("params, code", [
    ({"limit": 201}, "SMS.8005"),
    ({"limit": "ten"}, "SMS.8003"),
    ({"offset": -1}, "SMS.8003"),
    ({"connected": "yes"}, "SMS.8003"),
])
def test_list_rejects_bad_query(api, params, code):
    response = api.get("/v3/sources", params=params)
    assert response.status_code == 400
    assert response.json()["error_code"] == code
    assert response.json()["error_param"] == list(params)


def test_post_with_id_updates_in_place(api, emu):
    source_id = api.register(LINUX_BODY)
    response = api.post("/v3/sources", {"id": source_id, "name": "renamed", "has_rsync": False})
    assert response.status_code == 200 and response.json() == {"id": source_id}
    [stored] = emu.sources()
    assert stored["name"] == "renamed" and stored["os_version"] == LINUX_BODY["os_version"]
    assert stored["state"] == "unavailable"
    assert _checks(api, source_id)["rsync"]["result"] == "ERROR"


def test_post_with_unknown_id_is_rejected(api, emu):
    response = api.post("/v3/sources", {"id": "00000000-0000-0000-0000-000000000000", "name": "x"})
    assert response.status_code == 400
    assert response.json()["error_code"] == "SMS.2216"
    assert response.json()["error_param"] == ["id"]
    assert emu.sources() == []


def test_put_renames_and_moves_to_migproject(api, emu):
    source_id = api.register(LINUX_BODY)
    project = api.get("/v3/migprojects").json()["migprojects"][0]
    adjust = [{"id": "disk-1", "need_migration": True, "adjust_size": 1024,
               "physical_volumes": [{"id": "pv-1", "need_migration": False, "adjust_size": 0}]}]
    response = api.put(f"/v3/sources/{source_id}", {"name": "web-renamed", "migprojectid": project["id"], "disks": adjust})
    assert response.status_code == 200 and response.json() == {}
    [stored] = emu.sources()
    assert stored["name"] == "web-renamed" and stored["migprojectid"] == project["id"]
    assert stored["adjustments"] == {"disks": adjust}
    assert stored["disks"] == LINUX_BODY["disks"]


def test_put_rejects_unknown_migproject(api):
    source_id = api.register(LINUX_BODY)
    response = api.put(f"/v3/sources/{source_id}", {"migprojectid": "nope"})
    assert response.status_code == 400 and response.json()["error_param"] == ["migprojectid"]


def test_diskinfo_replaces_layout_using_volumegroups_key(api):
    source_id = api.register(LINUX_BODY)
    disks = [{"name": "/dev/vda", "size": 1073741824, "used_size": 0, "device_use": "OS", "physical_volumes": []}]
    vgs = [{"name": "vg1", "components": "/dev/vdd;/dev/vde", "size": 2048, "free_size": 1024, "logical_volumes": []}]
    response = api.put(f"/v3/sources/{source_id}/diskinfo", {"disks": disks, "volumegroups": vgs, "btrfs_list": []})
    assert response.status_code == 200
    shown = api.get(f"/v3/sources/{source_id}").json()
    assert shown["disks"] == disks and shown["volume_groups"] == vgs and shown["btrfs_list"] == []
    assert shown["totalsize"] == 1073741824


def test_changestate_sets_state_and_cycle(api):
    source_id = api.register(LINUX_BODY)
    assert api.get(f"/v3/sources/{source_id}").json()["migration_cycle"] is None
    response = api.put(f"/v3/sources/{source_id}/changestate", {"copystate": "init", "migrationcycle": "checking"})
    assert response.status_code == 200
    shown = api.get(f"/v3/sources/{source_id}").json()
    assert (shown["state"], shown["migration_cycle"]) == ("init", "checking")
    listed = api.get("/v3/sources", params={"migration_cycle": "checking"}).json()
    assert [s["id"] for s in listed["source_servers"]] == [source_id]
    # a re-report does not override a state set by changestate
    api.post("/v3/sources", {"id": source_id, "has_rsync": False})
    assert api.get(f"/v3/sources/{source_id}").json()["state"] == "init"


@pytest.mark.parametrize("method, suffix, body", [
    ("GET", "", None),
    ("PUT", "", {"name": "x"}),
    ("DELETE", "", None),
    ("PUT", "/diskinfo", {"disks": []}),
    ("PUT", "/changestate", {"copystate": "waiting", "migrationcycle": "checking"}),
])
def test_unknown_source_id_is_404(api, method, suffix, body):
    kwargs = {} if body is None else {"json": body}
    response = api.request(method, f"/v3/sources/does-not-exist{suffix}", **kwargs)
    assert response.status_code == 404
    assert response.json()["error_code"] == "SMS.2216"


def test_delete_one(api, emu):
    source_id = api.register(LINUX_BODY)
    keep = api.register(body_with({"name": "keep"}))
    response = api.delete(f"/v3/sources/{source_id}")
    assert response.status_code == 200
    assert api.get(f"/v3/sources/{source_id}").status_code == 404
    assert [s["id"] for s in emu.sources()] == [keep]


def test_delete_many_is_all_or_nothing(api, emu):
    ids = [api.register(body_with({"name": f"h{i}"})) for i in range(3)]
    response = api.post("/v3/sources/delete", {"ids": [ids[0], "missing", ids[1]]})
    assert response.status_code == 400
    assert response.json()["error_code"] == "SMS.2216" and response.json()["error_param"] == ["ids[1]"]
    assert len(emu.sources()) == 3
    assert api.post("/v3/sources/delete", {"ids": ids[:2]}).status_code == 200
    assert [s["id"] for s in emu.sources()] == [ids[2]]


def test_overview_counts_states(api):
    api.register(LINUX_BODY)
    api.register(body_with({"name": "bad", "has_rsync": False}))
    third = api.register(body_with({"name": "third"}))
    api.put(f"/v3/sources/{third}/changestate", {"copystate": "init", "migrationcycle": "setting"})
    counts = api.get("/v3/sources/overview").json()
    assert counts["waiting"] == 1 and counts["unavailable"] == 1 and counts["initialize"] == 1
    assert counts["unconfigured"] == 3 and counts["replicate"] == 0


def test_migprojects_lists_a_default_project(api):
    body = api.get("/v3/migprojects").json()
    assert body["count"] == 1
    [project] = body["migprojects"]
    assert project["isdefault"] is True and project["name"] == "default" and project["type"] == "MIGRATE_FILE"


def test_sources_are_scoped_to_the_account(api, emu):
    source_id = api.register(LINUX_BODY)
    other_region = emu.projects["cn-north-4"]
    assert api.get(f"/v3/sources/{source_id}", project_id=other_region).status_code == 200  # SMS is global


@pytest.mark.parametrize("changes, check, code", [
    ({"has_rsync": False}, "rsync", "SMS.6517"),
    ({"paravirtualization": True}, "paravirtualization", "SMS.8102"),
    ({"raw_devices": "/dev/sdb"}, "raw_devices", "SMS.8103"),
    ({"linux_block_check": '{"arch": "aarch64"}'}, "architecture", "SMS.0206"),
])
def test_failed_environment_checks_make_the_source_unavailable(api, changes, check, code):
    source_id = api.register(body_with(changes))
    shown = api.get(f"/v3/sources/{source_id}").json()
    assert shown["state"] == "unavailable"
    failed = [c for c in shown["checks"] if c["result"] == "ERROR"]
    assert [(c["name"], c["error_code"]) for c in failed] == [(check, code)]
    assert failed[0]["error_or_warn"] and failed[0]["error_params"]


def test_windows_without_windows_fields_is_unavailable(api):
    windows = {"name": "win-01", "ip": "10.0.0.9", "os_type": "WINDOWS", "os_version": "WINDOWS2019_64BIT",
               "agent_version": "25.5.0", "networks": [{"mac": "52:54:00:00:00:09"}]}
    source_id = api.register(windows)
    checks = _checks(api, source_id)
    assert api.get(f"/v3/sources/{source_id}").json()["state"] == "unavailable"
    assert checks["windows_parameters"]["error_params"] == "driver_files,system_services,account_rights,system_dir"
    complete = dict(windows, driver_files=False, system_services=False, account_rights=True, system_dir="C:\\Windows\\System32")
    assert api.get(f"/v3/sources/{api.register(complete)}").json()["state"] == "waiting"


def test_large_report_only_warns(api):
    body = body_with({"raw_devices": "", "kernel_version": "k" * 200, "linux_block_check": "x" * 11000})
    source_id = api.register(body)
    checks = _checks(api, source_id)
    assert checks["report_size"]["result"] == "WARN" and checks["report_size"]["error_code"] == "SMS.2004"
    assert api.get(f"/v3/sources/{source_id}").json()["state"] == "waiting"


@pytest.mark.parametrize("method, path, message", [
    ("GET", "/v3/nothing", "has not been published"),
    ("PATCH", "/v3/sources", "The API does not exist."),
    ("GET", "/v3/sources/abc/checkitems", "has not been published"),
])
def test_unknown_routes_are_gateway_404(api, method, path, message):
    response = api.request(method, path)
    assert response.status_code == 404
    assert response.json()["error_code"] == "APIGW.0101"
    assert message in response.json()["error_msg"]
    assert response.json()["request_id"] == response.headers["X-Request-Id"]


def test_quota_per_account():
    with run_emulator(source_quota=2) as small:
        api = Api(small)
        api.register(LINUX_BODY)
        api.register(body_with({"name": "second"}))
        response = api.post("/v3/sources", body_with({"name": "third"}))
        assert response.status_code == 400
        assert response.json()["error_code"] == "SMS.6526"
        assert len(small.sources()) == 2
        # updates are not limited by the quota
        source_id = small.sources()[0]["id"]
        assert api.post("/v3/sources", {"id": source_id, "name": "still-ok"}).status_code == 200
