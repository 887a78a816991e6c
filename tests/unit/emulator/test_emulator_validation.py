"""Strict validation of every request body, and the relaxed non-strict mode."""

from __future__ import annotations

import json

import pytest
from huaweicloudsdksms.v3 import model as sdk_model

from tests.emulator import validation
from tests.emulator.harness import run_emulator
from tests.unit.emulator.emulator_helpers import LINUX_BODY, REMOVE, Api, body_with

LONG = "x" * 256

REGISTER_CASES = [
    # missing required fields
    *[({field: REMOVE}, "SMS.8002", [field]) for field in validation.REGISTER_REQUIRED],
    *[({field: REMOVE}, "SMS.8002", [field]) for field in validation.LINUX_REQUIRED],
    ({"ip": REMOVE}, "SMS.8002", ["ip"]),
    ({"networks.0.mac": ""}, "SMS.8002", ["networks[0].mac"]),
    ({"networks.0.mac": REMOVE}, "SMS.8002", ["networks[0].mac"]),
    ({"networks": []}, "SMS.8005", ["networks"]),
    ({"name": None}, "SMS.8002", ["name"]),
    # wrong types
    ({"name": 123}, "SMS.8003", ["name"]),
    ({"has_rsync": "true"}, "SMS.8003", ["has_rsync"]),
    ({"raw_devices": []}, "SMS.8003", ["raw_devices"]),
    ({"networks": {"mac": "52:54:00:00:00:01"}}, "SMS.8003", ["networks"]),
    ({"disks.0": "/dev/vda"}, "SMS.8003", ["disks[0]"]),
    # strings where integers are due
    ({"memory": "4096"}, "SMS.8003", ["memory"]),
    ({"btrfs_list.0.size": "3.30GiB"}, "SMS.8003", ["btrfs_list[0].size"]),
    ({"disks.0.physical_volumes.0.inode_size": "256"}, "SMS.8003", ["disks[0].physical_volumes[0].inode_size"]),
    ({"networks.0.mtu": "1500"}, "SMS.8003", ["networks[0].mtu"]),
    # bools and floats are not integers
    ({"cpu_quantity": True}, "SMS.8003", ["cpu_quantity"]),
    ({"disks.0.size": False}, "SMS.8003", ["disks[0].size"]),
    ({"memory": 1.5}, "SMS.8003", ["memory"]),
    ({"io_read_wait": True}, "SMS.8003", ["io_read_wait"]),
    # integers where strings are due
    ({"btrfs_list.0.subvolumn.0.subvol_id": 256}, "SMS.8003", ["btrfs_list[0].subvolumn[0].subvol_id"]),
    ({"btrfs_list.0.default_subvolid": 5}, "SMS.8003", ["btrfs_list[0].default_subvolid"]),
    ({"volume_groups.0.components": ["/dev/vdc"]}, "SMS.8003", ["volume_groups[0].components"]),
    # unknown keys at every level
    ({"foo": 1}, "SMS.8004", ["foo"]),
    ({"virtualization_type": "kvm"}, "SMS.8004", ["virtualization_type"]),
    ({"network": {}}, "SMS.8004", ["network"]),
    ({"btrfs_list.0.subvolumn": ("rename", "subvolume")}, "SMS.8004", ["btrfs_list[0].subvolume"]),
    ({"btrfs_list.0.subvolumn.0.snapshot": "0"}, "SMS.8004", ["btrfs_list[0].subvolumn[0].snapshot"]),
    ({"volume_groups.0.logical_volumes": ("rename", "logic_volumes")}, "SMS.8004", ["volume_groups[0].logic_volumes"]),
    ({"disks.0.physical_volumes.0.bar": 1}, "SMS.8004", ["disks[0].physical_volumes[0].bar"]),
    ({"networks.0.vlan": 7}, "SMS.8004", ["networks[0].vlan"]),
    # enums
    ({"os_type": "linux"}, "SMS.8006", ["os_type"]),
    ({"firmware": "EFI"}, "SMS.8006", ["firmware"]),
    ({"platform": "AWS"}, "SMS.8006", ["platform"]),
    ({"migration_cycle": "done"}, "SMS.8006", ["migration_cycle"]),
    ({"state": "running"}, "SMS.8006", ["state"]),
    ({"state": "init"}, "SMS.8006", ["state"]),  # register uses "initialize"
    ({"boot_loader": "LILO"}, "SMS.8006", ["boot_loader"]),
    # lengths
    ({"name": ""}, "SMS.8005", ["name"]),
    ({"name": "n" * 65}, "SMS.8005", ["name"]),
    ({"hostname": "h" * 65}, "SMS.8005", ["hostname"]),
    ({"os_version": LONG}, "SMS.8005", ["os_version"]),
    ({"networks.0.mac": LONG}, "SMS.8005", ["networks[0].mac"]),
    # ranges (Go int32/int64 widths, documented bounds)
    ({"cpu_quantity": 65536}, "SMS.8005", ["cpu_quantity"]),
    ({"cpu_quantity": -1}, "SMS.8005", ["cpu_quantity"]),
    ({"memory": 2**63}, "SMS.8005", ["memory"]),
    ({"disks.0.physical_volumes.0.index": 2**31}, "SMS.8005", ["disks[0].physical_volumes[0].index"]),
    ({"volume_groups.0.logical_volumes.0.block_count": 2**31}, "SMS.8005",
     ["volume_groups[0].logical_volumes[0].block_count"]),
    ({"btrfs_list.0.sectorsize": 2**31}, "SMS.8005", ["btrfs_list[0].sectorsize"]),
    ({"io_read_wait": -0.5}, "SMS.8005", ["io_read_wait"]),
    # IP formats
    ({"ip": "10.0.0.256"}, "SMS.8005", ["ip"]),
    ({"ipv6": "10.0.0.1"}, "SMS.8005", ["ipv6"]),
    ({"networks.0.ip": "fd00::1"}, "SMS.8005", ["networks[0].ip"]),
]


@pytest.mark.parametrize("changes, code, params", REGISTER_CASES, ids=[json.dumps(c[0], default=repr)[:60] for c in REGISTER_CASES])
def test_register_rejects(api, emu, changes, code, params):
    response = api.post("/v3/sources", body_with(changes))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error_code"] == code
    assert body["error_param"] == params
    assert body["error_msg"]
    assert emu.sources() == []


@pytest.mark.parametrize("changes", [
    {"ip": REMOVE, "ipv6": "fd00::5"},
    {"ip": "10.0.0.5", "ipv6": "fd00::5"},
    {"start_type": "AUTO"},
    {"start_type": "MGC"},
    {"start_type": ""},
    {"start_type": "anything"},
    {"memory": 2**63 - 1, "cpu_quantity": 65535},
    {"io_read_wait": 3},
    {"firmware": REMOVE, "disks": REMOVE, "hostname": REMOVE},
    {"btrfs_list": [], "volume_groups": []},
    {"networks": [{"mac": "52:54:00:00:00:01"}, {"mac": "", "name": "lo"}]},
    {"state": "initialize", "migration_cycle": "checking"},
    {"name": "n" * 64},
])
def test_register_accepts(api, emu, changes):
    response = api.post("/v3/sources", body_with(changes))
    assert response.status_code == 200, response.text
    [stored] = emu.sources()
    for key, value in changes.items():
        if value is not REMOVE and key != "networks":
            assert stored[key] == value


def test_all_violations_are_reported(api):
    response = api.post("/v3/sources", body_with({"name": REMOVE, "memory": "1", "foo": 1}))
    body = response.json()
    assert response.status_code == 400
    assert sorted(body["error_param"]) == ["foo", "memory", "name"]
    assert "(and 2 more)" in body["error_msg"]


def test_update_with_id_needs_no_required_fields(api, emu):
    source_id = api.register(LINUX_BODY)
    assert api.post("/v3/sources", {"id": source_id, "memory": 8589934592}).status_code == 200
    assert emu.sources()[0]["memory"] == 8589934592
    response = api.post("/v3/sources", {"id": source_id, "memory": "8G"})
    assert response.status_code == 400 and response.json()["error_param"] == ["memory"]
    response = api.post("/v3/sources", {"id": source_id, "networks": [{"mac": ""}]})
    assert response.json()["error_param"] == ["networks[0].mac"]


@pytest.mark.parametrize("data, content_type, code", [
    (b"", "application/json", "SMS.8001"),
    (b"{not json", "application/json", "SMS.8001"),
    (b'{"name": NaN}', "application/json", "SMS.8001"),
    (b"[]", "application/json", "SMS.8003"),
    (b'"text"', "application/json", "SMS.8003"),
    (b"{}", "text/plain", "SMS.8001"),
])
def test_malformed_bodies(api, data, content_type, code):
    response = api.post("/v3/sources", data=data, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert response.json()["error_code"] == code


def test_body_size_limit(api, emu):
    body = body_with({"raw_devices": "d" * (1024 * 1024)})
    response = api.post("/v3/sources", body)
    assert response.status_code == 413
    assert response.json()["error_code"] == "APIGW.0201"
    assert response.headers["Connection"] == "close"
    assert emu.sources() == []
    assert api.get("/v3/sources").status_code == 200  # the server is fine afterwards


def test_configurable_body_size_limit():
    with run_emulator(max_body_bytes=2048) as small:
        api = Api(small)
        assert api.post("/v3/sources", LINUX_BODY).status_code == 413
        assert api.post("/v3/sources", {"name": "x" * 10, "os_type": "LINUX"}).status_code == 400


@pytest.mark.parametrize("suffix, method, body, code, params", [
    ("", "PUT", {"name": "n" * 65}, "SMS.8005", ["name"]),
    ("", "PUT", {"nmae": "x"}, "SMS.8004", ["nmae"]),
    ("", "PUT", {"disks": [{"id": "d", "adjust_size": "1G"}]}, "SMS.8003", ["disks[0].adjust_size"]),
    ("", "PUT", {"volume_groups": [{"logical_volumes": [{"need_migration": "yes"}]}]}, "SMS.8003",
     ["volume_groups[0].logical_volumes[0].need_migration"]),
    ("/diskinfo", "PUT", {"volume_groups": []}, "SMS.8004", ["volume_groups"]),
    ("/diskinfo", "PUT", {"btrfs_list": [{"subvolume": []}]}, "SMS.8004", ["btrfs_list[0].subvolume"]),
    ("/diskinfo", "PUT", {"disks": [{"size": "10"}]}, "SMS.8003", ["disks[0].size"]),
    ("/changestate", "PUT", {"copystate": "waiting"}, "SMS.8002", ["migrationcycle"]),
    ("/changestate", "PUT", {"migrationcycle": "checking"}, "SMS.8002", ["copystate"]),
    ("/changestate", "PUT", {"copystate": "initialize", "migrationcycle": "checking"}, "SMS.8006", ["copystate"]),
    ("/changestate", "PUT", {"copystate": "waiting", "migrationcycle": "done"}, "SMS.8006", ["migrationcycle"]),
])
def test_update_bodies_are_validated(api, suffix, method, body, code, params):
    source_id = api.register(LINUX_BODY)
    response = api.request(method, f"/v3/sources/{source_id}{suffix}", json=body)
    assert response.status_code == 400, response.text
    assert (response.json()["error_code"], response.json()["error_param"]) == (code, params)


@pytest.mark.parametrize("body, code, params", [
    ({}, "SMS.8002", ["ids"]),
    ({"ids": []}, "SMS.8005", ["ids"]),
    ({"ids": [1]}, "SMS.8003", ["ids[0]"]),
    ({"ids": "abc"}, "SMS.8003", ["ids"]),
    ({"ids": ["a"], "force": True}, "SMS.8004", ["force"]),
])
def test_bulk_delete_body_is_validated(api, body, code, params):
    response = api.post("/v3/sources/delete", body)
    assert response.status_code == 400
    assert (response.json()["error_code"], response.json()["error_param"]) == (code, params)


def test_non_strict_mode():
    with run_emulator(no_strict=True) as lenient:
        api = Api(lenient)
        body = body_with({
            "virtualization_type": "kvm", "foo": 1, "btrfs_list.0.subvolumn": ("rename", "subvolume"),
            "has_tc": REMOVE, "boot_loader": "LILO",
        })
        source_id = api.register(body)
        [stored] = lenient.sources()
        assert stored["virtualization_type"] == "kvm"
        assert "foo" not in stored and "subvolume" not in stored["btrfs_list"][0]
        shown = api.get(f"/v3/sources/{source_id}").json()
        assert shown["state"] == "unavailable"
        failed = {c["name"]: c["error_params"] for c in shown["checks"] if c["result"] == "ERROR"}
        assert failed == {"linux_parameters": "has_tc", "boot_loader": "boot_loader"}
        # types are still checked, and limits above 200 are clamped
        assert api.post("/v3/sources", body_with({"memory": "1"})).status_code == 400
        for i in range(3):
            api.register(body_with({"name": f"n{i}"}))
        assert len(api.get("/v3/sources", params={"limit": 500}).json()["source_servers"]) == 4


def _sdk_keys(model_name: str) -> set[str]:
    return set(getattr(sdk_model, model_name).attribute_map.values())


@pytest.mark.parametrize("spec, model_name", [
    (validation.REGISTER_BODY, "PostSourceServerBody"),
    (validation.SERVER_DISK, "ServerDisk"),
    (validation.PHYSICAL_VOLUME, "PhysicalVolume"),
    (validation.BTRFS_FILE_SYSTEM, "BtrfsFileSystem"),
    (validation.BTRFS_SUBVOLUMN, "BtrfsSubvolumn"),
    (validation.VOLUME_GROUP, "VolumeGroups"),
    (validation.LOGICAL_VOLUME, "LogicalVolumes"),
    (validation.NETWORK, "NetWork"),
    (validation.PUT_SOURCE_BODY, "PutSourceServerBody"),
    (validation.DISK_INFO_BODY, "PutDiskInfoReq"),
    (validation.CHANGE_STATE_BODY, "PutCopyStateReq"),
    (validation.DELETE_IDS_BODY, "DeleteIds"),
])
def test_schema_tables_match_the_official_sdk_models(spec, model_name):
    legacy = {key for key, field in spec.fields.items() if field.legacy}
    assert set(spec.fields) - legacy == _sdk_keys(model_name)
