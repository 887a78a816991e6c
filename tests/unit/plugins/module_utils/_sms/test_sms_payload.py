"""sms_discovery -> POST /v3/sources: every mapping rule of docs/payload.md, validation, comparison."""

import hashlib
import json

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._sms import payload as p
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import PayloadError, build_payload
from tests.unit.plugins.module_utils._sms.sms_samples import GIB, sample


def build(discovery=None, **kwargs):
    warnings = []
    body = build_payload(sample() if discovery is None else discovery, warnings=warnings, **kwargs)
    return body, warnings


def by_name(items):
    return {item["name"]: item for item in items}


# -- top level ------------------------------------------------------------------------------------

def test_top_level_fields():
    body, warnings = build()
    assert warnings == []
    assert body["name"] == body["hostname"] == "web01"
    assert body["os_type"] == "LINUX"
    assert body["os_version"] == "CENTOS_7_9_64BIT"
    assert body["firmware"] == "BIOS"
    assert body["cpu_quantity"] == 4
    assert body["memory"] == 8 * GIB - 123 * 4096  # bytes, although documented as MB
    assert body["agent_version"] == p.DEFAULT_AGENT_VERSION == "25.5.0"
    assert body["kernel_version"] == "3.10.0-1160.el7.x86_64"
    assert body["platform"] == "hw"
    assert body["has_rsync"] is True and body["has_tc"] is True
    assert body["paravirtualization"] is False
    assert body["boot_loader"] == "GRUB"
    assert body["raw_devices"] == ""
    assert body["ip"] == "192.168.0.10" and "ipv6" not in body
    assert "id" not in body


def test_linux_block_check_is_a_json_string():
    body = build()[0]
    assert isinstance(body["linux_block_check"], str)
    assert json.loads(body["linux_block_check"]) == {
        "release_type": "CENTOS", "release_version": "7", "kernel_simplification": "3.10",
        "architecture": "x86_64", "kernel_version": "3.10.0-1160.el7.x86_64"}


def test_name_argument_and_long_names_shortened_uniquely_to_64_characters():
    body = build(name="custom-name")[0]
    assert body["name"] == "custom-name" and body["hostname"] == "web01"
    facts = sample()
    facts["system"]["hostname"] = "h" * 70
    body, warnings = build(facts)
    digest = hashlib.sha256(("h" * 70).encode()).hexdigest()[:8]
    assert body["name"] == body["hostname"] == "h" * 55 + "-" + digest
    assert len(body["name"]) == 64
    assert len([w for w in warnings if "longer than 64 characters" in w]) == 2


def test_two_long_names_sharing_64_characters_stay_two_names():
    first, second = "a" * 64 + "-one", "a" * 64 + "-two"
    names = {build(name=first)[0]["name"], build(name=second)[0]["name"]}
    assert len(names) == 2 and all(len(name) == 64 for name in names)
    assert build(name=first)[0]["name"] == build(name=first)[0]["name"]  # deterministic
    assert p.fit_payload({"name": "x" * 64})["name"] == "x" * 64  # 64 characters fit as they are


def test_source_identity_is_the_one_name_and_address_rule():
    facts = sample()
    assert p.source_identity(facts) == {"name": "web01", "ip": "192.168.0.10", "ipv6": None}
    assert p.source_identity(facts, name="db1")["name"] == "db1"
    assert p.source_identity(facts, payload={"name": "n", "ip": "10.0.0.1"}) == {
        "name": "n", "ip": "10.0.0.1", "ipv6": None}
    facts["network"]["primary_ipv4"] = None
    assert p.source_identity(facts) == {"name": "web01", "ip": None, "ipv6": "2001:db8::10"}
    assert p.source_identity(None) == {"name": None, "ip": None, "ipv6": None}
    warnings = []
    long_name = p.source_identity({"system": {"hostname": "z" * 80}}, warnings=warnings)["name"]
    body = build(name="z" * 80)[0]
    assert long_name == body["name"] and len(warnings) == 1


def test_overrides_replace_and_null_removes():
    body = build(overrides={"os_version": "KYLIN_10_64BIT", "kernel_version": None, "agent_version": "25.2.0"})[0]
    assert body["os_version"] == "KYLIN_10_64BIT" and body["agent_version"] == "25.2.0"
    assert "kernel_version" not in body


def test_agent_version_argument():
    assert build(agent_version="25.6.1")[0]["agent_version"] == "25.6.1"


def test_ipv6_only_host_sends_ipv6():
    facts = sample()
    facts["network"]["primary_ipv4"] = None
    body = build(facts)[0]
    assert body["ipv6"] == "2001:db8::10" and "ip" not in body


@pytest.mark.parametrize("distro,arch,expected", [
    ({"id": "centos", "major": 7, "minor": 9}, "x86_64", "CENTOS_7_9_64BIT"),
    ({"id": "centos", "major": 8, "minor": None, "name": "CentOS Stream"}, "x86_64", "CENTOS_8_0_64BIT"),
    ({"id": "rhel", "major": 8, "minor": 6}, "x86_64", "REDHAT_8_6_64BIT"),
    ({"id": "sles", "major": 12, "minor": 2, "service_pack": 2}, "x86_64", "SUSE12_64BIT_SP2"),
    ({"id": "sles", "major": 15, "minor": None, "service_pack": None}, "x86_64", "SUSE15_64BIT"),
    ({"id": "sles", "major": 12, "minor": 5, "service_pack": None}, "x86_64", "SUSE12_64BIT_SP5"),
    ({"id": "ubuntu", "major": 22, "minor": 4}, "x86_64", "UBUNTU_22_4_64BIT"),
    ({"id": "ubuntu", "major": 20, "minor": 4}, "x86_64", "UBUNTU_20_4_64BIT"),
    ({"id": "debian", "major": 12, "minor": None}, "x86_64", "DEBIAN_12_64BIT"),
    ({"id": "debian", "major": 12, "minor": 11}, "x86_64", "DEBIAN_12_11_64BIT"),
    ({"id": "ol", "major": 8, "minor": 8}, "x86_64", "ORACLE_8_8_64BIT"),
    ({"id": "rocky", "major": 9, "minor": 4}, "x86_64", "ROCKY_9_4_64BIT"),
    ({"id": "almalinux", "major": 9, "minor": 4}, "x86_64", "ALMALINUX_9_4_64BIT"),
    ({"id": "openEuler", "major": 20, "minor": 3}, "x86_64", "OPENEULER_20_3_64BIT"),
    ({"id": "amzn", "major": 2023, "minor": None}, "x86_64", "AMAZON_2023_64BIT"),
    ({"id": "centos", "major": 6, "minor": 10}, "i686", "CENTOS_6_10_32BIT"),
])
def test_os_version_table(distro, arch, expected):
    warnings = []
    assert p.os_version({"distribution": distro, "architecture": arch}, warnings) == expected
    assert warnings == []


def test_os_version_unknown_distribution_warns_and_unknown_version_fails_validation():
    warnings = []
    assert p.os_version({"distribution": {"id": "my-linux", "major": 3, "minor": 1}}, warnings) == "MY_LINUX_3_1_64BIT"
    assert "not in the os_version table" in warnings[0]
    facts = sample()
    facts["system"]["distribution"] = {"id": None, "major": None}
    with pytest.raises(PayloadError) as caught:
        build(facts)
    assert caught.value.field == "os_version"
    body, warnings = build(facts, overrides={"os_version": "CENTOS_7_9_64BIT"})
    assert body["os_version"] == "CENTOS_7_9_64BIT" and any("distribution is unknown" in w for w in warnings)


@pytest.mark.parametrize("mode,expected", [("bios", "BIOS"), ("uefi", "UEFI")])
def test_firmware(mode, expected):
    facts = sample()
    facts["firmware"]["boot_mode"] = mode
    assert build(facts)[0]["firmware"] == expected


@pytest.mark.parametrize("loader", [{"name": "grub2"}, {"name": "grub"}])
def test_grub_is_sent_as_grub(loader):
    facts = sample()
    facts["firmware"]["boot_loader"] = loader
    assert build(facts)[0]["boot_loader"] == "GRUB"


@pytest.mark.parametrize("loader,value", [
    (None, "UNKNOWN"), ({"name": None, "method": None, "evidence": []}, "UNKNOWN"), ({"name": "lilo"}, "LILO"),
    ({"name": "systemd-boot"}, "SYSTEMD-BOOT"), ({"name": "none"}, "NONE"),
])
def test_a_boot_loader_sms_rejects_fails_before_any_request_naming_field_and_override(loader, value):
    facts = sample()
    facts["firmware"]["boot_loader"] = loader
    with pytest.raises(PayloadError) as caught:
        build(facts)
    assert caught.value.field == "boot_loader"
    assert "overrides: {boot_loader: GRUB}" in str(caught.value)
    if value == "UNKNOWN":
        assert "could not identify the boot loader" in str(caught.value)
    else:
        assert "boots with %s" % value in str(caught.value)
    with pytest.raises(PayloadError, match="^boot_loader: "):
        p.validate_payload(dict(build(sample())[0], boot_loader=value))


def test_boot_loader_override_makes_the_body_valid():
    facts = sample()
    facts["firmware"]["boot_loader"] = {"name": None}
    body, warnings = build(facts, overrides={"boot_loader": "GRUB"})
    assert body["boot_loader"] == "GRUB" and warnings == []


@pytest.mark.parametrize("cloud,expected", [
    ("huaweicloud", "hw"), ("alibaba", "ali"), ("aws", "aws"), ("azure", "azure"), ("gcp", "gcp"),
    ("tencent", "tencent"), ("vmware", "vmware"), ("hyperv", "hyperv"), ("openstack", "other"),
    ("kvm", "other"), ("physical", "other"), ("other", "other"), (None, "default"),
])
def test_platform(cloud, expected):
    assert p.platform_name(cloud) == expected
    assert expected in p.PLATFORM_VALUES


def test_tools_paravirtualization_and_raw_devices():
    facts = sample()
    facts["system"]["has_rsync"] = None
    facts["system"]["tools"]["rsync"] = None
    facts["system"]["has_tc"] = False
    facts["platform"]["paravirtualized"] = True
    facts["storage"]["raw_devices"] = ["/dev/vdd", "/dev/vde"]
    body, warnings = build(facts)
    assert body["has_rsync"] is False and body["has_tc"] is False
    assert body["paravirtualization"] is True
    assert body["raw_devices"] == "/dev/vdd;/dev/vde"
    assert any("paravirtualized" in w for w in warnings) and any("raw devices" in w for w in warnings)


# -- networks ----------------------------------------------------------------------------------------

def test_networks_leave_out_loopback_and_container_interfaces_and_put_the_default_route_first():
    body = build()[0]
    assert [n["name"] for n in body["networks"]] == ["eth0", "eth1"]
    eth0, eth1 = body["networks"]
    assert eth0 == {"name": "eth0", "mac": "fa:16:3e:00:00:01", "mtu": 1500, "ip": "192.168.0.10",
                    "netmask": "255.255.255.0", "gateway": "192.168.0.1", "ipv6": "2001:db8::10"}
    assert eth1["netmask"] == "255.255.255.0"  # computed from the prefix
    assert eth1["gateway"] == "" and "ipv6" not in eth1  # link-local IPv6 is not reported


def test_include_virtual_interfaces_adds_container_runtime_interfaces_but_never_loopback():
    body = build(include_virtual_interfaces=True)[0]
    assert [n["name"] for n in body["networks"]] == ["eth0", "docker0", "eth1"]


def test_first_network_entry_always_has_a_mac():
    facts = sample()
    facts["network"]["interfaces"].append({"name": "tun0", "mac": None, "mtu": 1400, "type": "tunnel",
                                           "kind": "tun", "ipv4": [{"address": "10.8.0.2", "prefix": 24}]})
    facts["network"]["default_interface"] = "tun0"
    body = build(facts)[0]
    assert [n["name"] for n in body["networks"]] == ["eth1", "eth0", "tun0"]
    assert body["networks"][-1] == {
        "name": "tun0", "mac": "", "mtu": 1400, "ip": "10.8.0.2", "netmask": "255.255.255.0", "gateway": ""}
    for iface in facts["network"]["interfaces"]:
        iface["mac"] = None
    with pytest.raises(PayloadError) as caught:
        build(facts)
    assert caught.value.field == "networks[0].mac"


# -- disks and partitions ---------------------------------------------------------------------------

def test_disks_device_use_style_and_used_size():
    disks = by_name(build()[0]["disks"])
    assert list(disks) == ["/dev/vda", "/dev/vdb", "/dev/vdc"]  # the loop device is left out
    vda, vdb, vdc = disks["/dev/vda"], disks["/dev/vdb"], disks["/dev/vdc"]
    assert vda["device_use"] == "BOOT" and vda["os_disk"] is True and vda["partition_style"] == "MBR"
    assert vdb["device_use"] == "NORMAL" and vdb["partition_style"] == "GPT"
    assert vda["size"] == 40 * GIB
    assert vda["used_size"] == sum(part["size"] for part in vda["physical_volumes"])
    assert "partition_style" not in vdc  # no partition table: unknown, left out


def test_whole_disk_pv_is_volume_group_and_spans_the_disk():
    facts = sample()
    vdc = facts["storage"]["disks"][2]
    vdc.update(filesystem=None, lvm_pv=True)
    disk = by_name(build(facts)[0]["disks"])["/dev/vdc"]
    assert disk["device_use"] == "VOLUME_GROUP"
    assert disk["used_size"] == disk["size"] == 10 * GIB
    assert disk["physical_volumes"] == [{"name": "/dev/vdc", "index": 0, "device_use": "VOLUME_GROUP",
                                         "mount_point": "", "size": 10 * GIB, "used_size": 10 * GIB}]


def test_partition_fields():
    vda = by_name(build()[0]["disks"])["/dev/vda"]
    boot, pv = vda["physical_volumes"]
    assert boot == {"name": "/dev/vda1", "index": 1, "device_use": "BOOT", "file_system": "ext4",
                    "mount_point": "/boot", "size": GIB, "used_size": 180000000,
                    "uuid": "7c4ba7a4-5f6b-4a9e-9a71-0d2c3e0f1a01", "inode_size": 256, "inode_nums": 65536}
    assert pv["device_use"] == "VOLUME_GROUP" and pv["mount_point"] == ""
    assert pv["used_size"] == pv["size"]  # not mounted: the partition size


@pytest.mark.parametrize("changes,expected", [
    ({"fstype": "btrfs", "lvm_pv": False}, "BTRFS"),
    ({"fstype": "LVM2_member", "lvm_pv": True, "roles": ["root"]}, "VOLUME_GROUP"),
    ({"fstype": "ext4", "roles": ["boot"], "mountpoints": ["/boot"]}, "BOOT"),
    ({"fstype": "xfs", "roles": ["root"], "mountpoints": ["/"]}, "OS"),
    ({"fstype": "xfs", "roles": [], "mountpoints": ["/"]}, "OS"),
    ({"fstype": "ext4", "roles": [], "mountpoints": ["/var"]}, "NORMAL"),
    ({"fstype": "vfat", "roles": ["efi"], "mountpoints": ["/boot/efi"]}, "NORMAL"),
])
def test_partition_device_use(changes, expected):
    part = dict({"path": "/dev/sda1", "number": 1, "size_bytes": GIB, "roles": [], "mountpoints": []}, **changes)
    assert p.physical_volume(part)["device_use"] == expected


def test_mounted_partition_without_known_usage_reports_its_size():
    part = {"path": "/dev/sda1", "number": 1, "size_bytes": GIB, "mountpoints": ["/data"], "usage": None}
    assert p.physical_volume(part)["used_size"] == GIB
    assert p.physical_volume(part)["mount_point"] == "/data"


def test_mount_point_prefers_root_then_boot_then_first():
    assert p.physical_volume({"mountpoints": ["/home", "/"]})["mount_point"] == "/"
    assert p.physical_volume({"mountpoints": ["/x", "/boot"]})["mount_point"] == "/boot"
    assert p.physical_volume({"mountpoints": ["/data", "/srv"]})["mount_point"] == "/data"


# -- LVM ---------------------------------------------------------------------------------------------

def test_volume_groups_and_logical_volumes():
    (vg,) = build()[0]["volume_groups"]
    assert vg["name"] == "vg_root" and vg["components"] == "/dev/vda2"
    assert vg["size"] == 39 * GIB - 4194304 and vg["free_size"] == 0
    root, swap = vg["logical_volumes"]
    assert root == {"name": "/dev/mapper/vg_root-root", "device_use": "OS", "file_system": "xfs",
                    "mount_point": "/", "size": 37 * GIB, "used_size": 5100000000, "free_size": 34600000000,
                    "inode_size": 512, "inode_nums": 19398656, "block_size": 4096,
                    "block_count": 39700000000 // 4096}
    assert swap["name"] == "/dev/mapper/vg_root-swap"  # computed when discovery had no mapper name
    assert swap["mount_point"] == "" and swap["used_size"] == swap["size"]


def test_components_join_pv_names_and_mapper_names_double_dashes():
    facts = sample()
    lvm = facts["storage"]["lvm"]
    lvm["vgs"][0].update(name="vg-data", pv_paths=["/dev/vdb1", "/dev/vdc"])
    for lv in lvm["lvs"]:
        lv.update(vg="vg-data", mapper=None)
    lvm["lvs"][0]["name"] = "my-root"
    (vg,) = build(facts)[0]["volume_groups"]
    assert vg["components"] == "/dev/vdb1;/dev/vdc"
    assert vg["logical_volumes"][0]["name"] == "/dev/mapper/vg--data-my--root"


def test_lvm_warnings_for_thin_volumes_duplicates_and_missing_report():
    facts = sample()
    facts["storage"]["lvm"]["lvs"][1]["segment_type"] = "thin"
    facts["storage"]["lvm"]["vgs"][0]["duplicate_name"] = True
    warnings = build(facts)[1]
    assert any(w.startswith("lvm_thin_pools: ") for w in warnings)
    assert any(w.startswith("duplicate_vg_names: ") for w in warnings)
    facts = sample()
    facts["storage"]["lvm"] = {"available": False, "pvs": [], "vgs": [], "lvs": []}
    body, warnings = build(facts)
    assert body["volume_groups"] == [] and any("LVM report was not available" in w for w in warnings)


# -- Btrfs -------------------------------------------------------------------------------------------

def test_btrfs_list_uses_subvolumn_strings_and_null_mount_paths():
    (fs,) = build()[0]["btrfs_list"]
    assert "subvolume" not in fs and "subvolumes" not in fs
    assert fs["name"] == fs["device"] == "/dev/vdb1"
    assert fs["uuid"] == "5b4e0c1e-1111-2222-3333-444455556666" and fs["label"] == "data"
    assert fs["size"] == 3543348019 and isinstance(fs["size"], int)  # FS bytes used, integer bytes
    assert (fs["nodesize"], fs["sectorsize"]) == (16384, 4096)
    assert (fs["data_profile"], fs["metadata_profile"], fs["system_profile"]) == ("single", "DUP", "DUP")
    assert fs["global_reserve1"] == "3407872" and fs["g_vol_used_size"] == 0
    assert fs["default_subvolid"] == "5" and fs["default_subvol_name"] == "<FS_TREE>"
    assert fs["default_subvol_mountpath"] == "/data"
    assert fs["subvolumn"] == [
        {"uuid": fs["uuid"], "is_snapshot": "false", "subvol_id": "256", "parent_id": "5", "subvol_name": "srv",
         "subvol_mount_path": "/srv"},
        {"uuid": fs["uuid"], "is_snapshot": "true", "subvol_id": "257", "parent_id": "5",
         "subvol_name": "snapshots/srv-1", "subvol_mount_path": "null"},
    ]


def test_unmounted_btrfs_has_no_subvolumes_and_a_warning():
    facts = sample()
    fs = facts["storage"]["btrfs"][0]
    fs.update(subvolumes=None, label=None, mountpoints=[], default_subvolume={"id": 5, "path": "", "mountpoints": []})
    body, warnings = build(facts)
    (entry,) = body["btrfs_list"]
    assert entry["subvolumn"] == [] and entry["label"] == "" and entry["default_subvol_mountpath"] == "null"
    assert any("not mounted" in w for w in warnings)


def test_empty_host_has_empty_linux_lists():
    facts = sample()
    facts["storage"] = {"disks": [], "lvm": {"available": True, "vgs": [], "lvs": []}, "btrfs": [], "raw_devices": []}
    body = build(facts)[0]
    assert body["disks"] == [] and body["volume_groups"] == [] and body["btrfs_list"] == []


# -- validation ---------------------------------------------------------------------------------------

def valid():
    return build()[0]


@pytest.mark.parametrize("mutate,field,text", [
    (lambda b: b["btrfs_list"][0].update(size="3.30GiB"), "btrfs_list[0].size", "must be an integer"),
    (lambda b: b["disks"][0]["physical_volumes"][0].update(inode_size="256"),
     "disks[0].physical_volumes[0].inode_size", "must be an integer"),
    (lambda b: b.update(cpu_quantity=70000), "cpu_quantity", "out of range"),
    (lambda b: b.update(memory=-1), "memory", "out of range"),
    (lambda b: b.update(has_rsync="yes"), "has_rsync", "must be a boolean"),
    (lambda b: b["disks"][0].update(size=True), "disks[0].size", "must be an integer"),
    (lambda b: b.update(firmware="EFI"), "firmware", "not one of BIOS, UEFI"),
    (lambda b: b.update(platform="huawei"), "platform", "not one of"),
    (lambda b: b["btrfs_list"][0].update(subvolume=[]), "btrfs_list[0].subvolume", "did you mean 'subvolumn'"),
    (lambda b: b.update(virtualization_type="kvm"), "virtualization_type", "unknown field"),
    (lambda b: b.update(agent_version=""), "agent_version", "is required by SMS"),
    (lambda b: b.update(agent_version="v" * 256), "agent_version", "1 to 255 characters"),
    (lambda b: b.update(hostname=""), "hostname", "1 to 64 characters"),
    (lambda b: b.update(name="x" * 65), "name", "1 to 64 characters"),
    (lambda b: b.update(ip="300.1.2.3"), "ip", "not a valid IPv4"),
    (lambda b: b["networks"][0].update(ipv6="192.168.0.1"), "networks[0].ipv6", "not a valid IPv6"),
    (lambda b: b.update(networks=[]), "networks", "is required by SMS"),
    (lambda b: b.update(networks=[{"mac": "m"}] * 65536), "networks", "must have 1 to 65535 entries"),
    (lambda b: b.pop("os_version"), "os_version", "required"),
    (lambda b: b.pop("ip"), "ip", "one of ip or ipv6"),
    (lambda b: b.pop("has_rsync"), "has_rsync", "required for Linux"),
    (lambda b: b.pop("btrfs_list"), "btrfs_list", "required for Linux"),
    (lambda b: b["networks"][0].update(mac=""), "networks[0].mac", "must have a MAC"),
    (lambda b: b.update(disks={}), "disks", "must be a list"),
])
def test_validation_names_the_field(mutate, field, text):
    body = valid()
    mutate(body)
    with pytest.raises(PayloadError) as caught:
        p.validate_payload(body)
    assert caught.value.field == field
    assert text in str(caught.value) and str(caught.value).startswith(field + ":")


def test_int32_limit_on_block_count_is_handled_while_building():
    facts = sample()
    facts["storage"]["lvm"]["lvs"][0]["usage"].update(total_bytes=(2 ** 31) * 4096, block_size=4096)
    body, warnings = build(facts)
    assert "block_count" not in body["volume_groups"][0]["logical_volumes"][0]
    assert any("32-bit" in w for w in warnings)


def test_large_body_warns_about_the_legacy_limit():
    facts = sample()
    disk = facts["storage"]["disks"][1]
    template = disk["partitions"][0]
    disk["partitions"] = [dict(template, path="/dev/vdb%d" % n, number=n, fstype="ext4", mountpoints=[])
                          for n in range(1, 80)]
    body, warnings = build(facts)
    assert len(json.dumps(body)) > p.LEGACY_BODY_LIMIT
    assert any("legacy SMS limit of 10240 bytes" in w for w in warnings)


def test_bad_input_is_a_payload_error_not_a_traceback():
    with pytest.raises(PayloadError) as caught:
        build_payload("not a dict")
    assert caught.value.field == "discovery"
    with pytest.raises(PayloadError) as caught:
        build_payload({"system": {}})
    assert caught.value.field == "name"
    with pytest.raises(PayloadError, match="overrides"):
        build(overrides=["os_version"])
    facts = sample()
    facts["network"]["interfaces"][3]["ipv4"] = ["192.168.0.10/24"]
    with pytest.raises(PayloadError, match="malformed sms_discovery facts") as caught:
        build(facts)
    assert caught.value.field == "discovery"


# -- comparison with GET /v3/sources/{id} ---------------------------------------------------------------

def shown(body, **changes):
    """What the show returns for ``body``: no linux_block_check, has_rsync, boot_loader, platform..."""
    record = {k: v for k, v in json.loads(json.dumps(body)).items()
              if k not in ("linux_block_check", "has_rsync", "paravirtualization", "raw_devices", "boot_loader",
                           "kernel_version", "platform")}
    record.update(id="src-1", state="waiting", add_date=1764496800000, checks=[])
    for network in record["networks"]:
        network["id"] = "net-" + network["name"]
    record.update(changes)
    return record


def test_identical_record_has_no_differences():
    body = valid()
    assert p.differences(body, shown(body)) == {}


def test_fields_the_show_does_not_return_are_ignored():
    body = valid()
    changed = dict(body, has_rsync=False, boot_loader="LILO", platform="aws", kernel_version="x")
    assert p.differences(changed, shown(body)) == {}
    assert p.differences(body, shown(body, hostname=None)) == {}  # null = not returned


def test_normalisation_of_numbers_strings_order_and_memory_units():
    body = valid()
    record = shown(body)
    record["disks"] = list(reversed(record["disks"]))
    record["disks"][0]["size"] = str(record["disks"][0]["size"])
    record["networks"] = list(reversed(record["networks"]))
    record["btrfs_list"][0]["subvolumn"].reverse()
    record["cpu_quantity"] = "4"
    record["memory"] = body["memory"] // p.MIB
    assert p.differences(body, record) == {}


def test_usage_drift_within_the_tolerance_is_not_a_change():
    body = valid()
    record = shown(body)
    record["disks"][0]["physical_volumes"][0]["used_size"] += 60 * p.MIB  # /boot: 1 GiB, 64 MiB floor
    record["volume_groups"][0]["logical_volumes"][0]["used_size"] -= 300 * p.MIB  # 37 GiB root: 1 % = 379 MiB
    record["volume_groups"][0]["logical_volumes"][0]["free_size"] += 300 * p.MIB
    record["btrfs_list"][0]["size"] += 30 * p.MIB  # btrfs size is usage
    assert p.differences(body, record) == {}
    record["volume_groups"][0]["logical_volumes"][0]["used_size"] -= 100 * p.MIB  # now 400 MiB off
    assert list(p.differences(body, record)) == ["volume_groups"]
    record = shown(body)
    record["disks"][0]["size"] += 1  # capacity is compared exactly
    assert list(p.differences(body, record)) == ["disks"]
    record = shown(body)
    record["btrfs_list"][0]["size"] += 100 * p.MIB
    assert list(p.differences(body, record)) == ["btrfs_list"]


def test_a_changed_partition_is_a_difference_of_disks_only():
    body = valid()
    record = shown(body)
    record["disks"][0]["physical_volumes"][0]["used_size"] = 1
    diff = p.differences(body, record)
    assert list(diff) == ["disks"]
    before = by_name(diff["disks"]["before"])["/dev/vda"]["physical_volumes"][0]
    after = by_name(diff["disks"]["after"])["/dev/vda"]["physical_volumes"][0]
    assert (before["used_size"], after["used_size"]) == (1, 180000000)


def test_added_and_removed_disks_are_differences():
    body = valid()
    record = shown(body)
    removed = record["disks"].pop()
    assert "disks" in p.differences(body, record)
    record["disks"].append(dict(removed, name="/dev/vdz"))
    diff = p.differences(body, record)["disks"]
    assert "/dev/vdz" in by_name(diff["before"]) and "/dev/vdc" in by_name(diff["after"])


def test_scalar_differences_are_reported_normalised():
    body = valid()
    diff = p.differences(body, shown(body, os_version="CENTOS_7_8_64BIT", cpu_quantity="2"))
    assert diff == {"os_version": {"before": "CENTOS_7_8_64BIT", "after": "CENTOS_7_9_64BIT"},
                    "cpu_quantity": {"before": 2, "after": 4}}
