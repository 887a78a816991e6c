"""The official ``huaweicloudsdksms`` client end to end against the emulator, and concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.region.region import Region
from huaweicloudsdksms.v3 import (
    BtrfsFileSystem, BtrfsSubvolumn, DeleteIds, DeleteServerRequest, DeleteServersRequest, ListMigprojectsRequest,
    ListServersRequest, NetWork, PostSourceServerBody, PutCopyStateReq, PutDiskInfoReq, PutSourceServerBody,
    RegisterServerRequest, ServerDisk, ShowOverviewRequest, ShowServerRequest, SmsClient, UpdateCopyStateRequest,
    UpdateDiskInfoRequest, UpdateServerNameRequest, VolumeGroups,
)

from tests.unit.emulator.emulator_helpers import Api, body_with


def _client(emu, credentials) -> SmsClient:
    return SmsClient.new_builder().with_credentials(credentials).with_endpoints([emu.base_url]).build()


def _sdk_body(name="sdk-01") -> PostSourceServerBody:
    return PostSourceServerBody(
        name=name, ip="10.1.0.7", os_type="LINUX", os_version="CENTOS_7_9_64BIT", agent_version="25.5.0",
        networks=[NetWork(name="eth0", ip="10.1.0.7", netmask="255.255.255.0", gateway="10.1.0.1", mtu=1500,
                          mac="fa:16:3e:00:00:07")],
        disks=[ServerDisk(name="/dev/vda", partition_style="MBR", device_use="OS", size=21474836480,
                          used_size=2147483648, physical_volumes=[], os_disk=True)],
        btrfs_list=[BtrfsFileSystem(
            name="data", label="", uuid="3f1c", device="/dev/vdb", size=1073741824, nodesize=16384,
            sectorsize=4096, default_subvolid="5",
            subvolumn=[BtrfsSubvolumn(uuid="3f1c", is_snapshot="false", subvol_id="256", parent_id="5",
                                      subvol_name="@", subvol_mount_path="/data")],
        )],
        volume_groups=[], has_rsync=True, paravirtualization=False, raw_devices="", boot_loader="GRUB",
        has_tc=True, memory=4018196480, cpu_quantity=2, firmware="BIOS",
    )


@pytest.fixture
def client(api, emu):
    return _client(emu, BasicCredentials(emu.ak, emu.sk, emu.project_id))


def test_sdk_register_list_show_delete(client, emu):
    source_id = client.register_server(RegisterServerRequest(body=_sdk_body())).id
    listed = client.list_servers(ListServersRequest(name="sdk-01", limit=10, offset=0))
    assert listed.count == 1 and listed.source_servers[0].id == source_id
    shown = client.show_server(ShowServerRequest(source_id=source_id))
    assert shown.state == "waiting" and shown.memory == 4018196480
    assert shown.btrfs_list[0].subvolumn[0].subvol_id == "256"
    assert shown.networks[0].mac == "fa:16:3e:00:00:07" and shown.networks[0].id
    assert all(check.result == "OK" for check in shown.checks)
    client.delete_server(DeleteServerRequest(source_id=source_id))
    assert client.list_servers(ListServersRequest()).count == 0
    routes = [entry["route"] for entry in emu.log()]
    assert routes == ["POST /v3/sources", "GET /v3/sources", "GET /v3/sources/{id}",
                      "DELETE /v3/sources/{id}", "GET /v3/sources"]
    assert {entry["auth"] for entry in emu.log()} == {"aksk"}


def test_sdk_update_calls(client, emu):
    source_id = client.register_server(RegisterServerRequest(body=_sdk_body())).id
    client.update_server_name(UpdateServerNameRequest(source_id=source_id, body=PutSourceServerBody(name="renamed")))
    client.update_disk_info(UpdateDiskInfoRequest(source_id=source_id, body=PutDiskInfoReq(
        disks=[], volumegroups=[VolumeGroups(name="vg0", components="/dev/vdc", size=1024, free_size=0,
                                             logical_volumes=[])], btrfs_list=[])))
    client.update_copy_state(UpdateCopyStateRequest(
        source_id=source_id, body=PutCopyStateReq(copystate="init", migrationcycle="setting")))
    shown = client.show_server(ShowServerRequest(source_id=source_id))
    assert (shown.name, shown.state, shown.migration_cycle) == ("renamed", "init", "setting")
    assert shown.volume_groups[0].name == "vg0" and shown.disks == []
    assert client.show_overview(ShowOverviewRequest()).initialize == 1
    assert client.list_migprojects(ListMigprojectsRequest()).migprojects[0].isdefault is True
    second = client.register_server(RegisterServerRequest(body=_sdk_body("sdk-02"))).id
    client.delete_servers(DeleteServersRequest(body=DeleteIds(ids=[source_id, second])))
    assert emu.sources() == []


def test_sdk_errors_surface_as_sms_codes(client):
    with pytest.raises(ClientRequestException) as caught:
        client.show_server(ShowServerRequest(source_id="missing"))
    assert caught.value.status_code == 404 and caught.value.error_code == "SMS.2216"
    assert caught.value.request_id
    bad = _sdk_body()
    bad.btrfs_list[0].size = "3.30GiB"
    with pytest.raises(ClientRequestException) as caught:
        client.register_server(RegisterServerRequest(body=bad))
    assert caught.value.error_code == "SMS.8003"


def test_sdk_resolves_the_project_through_iam(api, emu, monkeypatch):
    monkeypatch.setattr(BasicCredentials, "_CACHE", {})  # the SDK caches project ids per AK and region
    credentials = BasicCredentials(emu.ak, emu.sk).with_iam_endpoint(emu.base_url)
    client = (SmsClient.new_builder().with_credentials(credentials)
              .with_region(Region("cn-north-4", emu.base_url)).build())
    assert client.list_servers(ListServersRequest()).count == 0
    assert credentials.project_id == emu.projects["cn-north-4"]
    assert [e["route"] for e in emu.log()] == ["GET /v3/projects", "GET /v3/sources"]


def test_sdk_with_temporary_credentials(api, emu):
    credentials = BasicCredentials(emu.temp_ak, emu.temp_sk, emu.project_id).with_security_token(emu.security_token)
    client = _client(emu, credentials)
    assert client.register_server(RegisterServerRequest(body=_sdk_body())).id


def test_sdk_with_wrong_secret_is_refused(api, emu):
    client = _client(emu, BasicCredentials(emu.ak, "wrong-secret", emu.project_id))
    with pytest.raises(ClientRequestException) as caught:
        client.list_servers(ListServersRequest())
    assert caught.value.status_code == 401 and caught.value.error_code == "APIGW.0301"


def test_parallel_registrations(api, emu):
    local = threading.local()

    def register(index: int) -> str:
        if not hasattr(local, "api"):
            local.api = Api(emu)
        body = body_with({"name": f"par-{index:03d}", "ip": f"10.9.{index // 250}.{index % 250 + 1}"})
        return local.api.register(body)

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(register, range(300)))
    assert len(set(ids)) == 300
    stored = emu.sources()
    assert {s["id"] for s in stored} == set(ids)
    assert sorted(s["name"] for s in stored) == [f"par-{i:03d}" for i in range(300)]
    counters = emu.counters()
    assert counters["requests"] == 300 and counters["writes"] == 300 and counters["sources"] == 300
    assert counters["by_route"] == {"POST /v3/sources": 300}
    assert [e["seq"] for e in emu.log()] == list(range(1, 301))
    assert api.get("/v3/sources", params={"limit": 0}).json()["count"] == 300
