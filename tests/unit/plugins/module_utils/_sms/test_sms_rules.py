"""_sms/rules.py: one definition per SMS rule, shared by the payload and the readiness filter.

The parity tests prove that every payload warning about the host has its readiness check and
the other way round: for each rule, a host that breaks it gets exactly that rule as a readiness
error and exactly that rule's words as a payload warning (the boot loader as a payload failure).
"""

import inspect

import pytest

from ansible_collections.hwcloud.sms.plugins.filter.readiness import readiness
from ansible_collections.hwcloud.sms.plugins.module_utils._sms import payload, rules
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import PayloadError, build_payload
from tests.unit.plugins.filter.test_readiness import _set
from tests.unit.plugins.module_utils._sms.sms_samples import GIB, sample

MIB = 1024 ** 2


def healthy():
    facts = sample()
    facts["storage"]["btrfs"] = []
    for disk in facts["storage"]["disks"]:
        for part in disk.get("partitions") or []:
            if part.get("fstype") == "btrfs":
                part["fstype"] = "xfs"
    facts["storage"].setdefault("mounts", []).append(
        {"mountpoint": "/", "fstype": "xfs", "usage": {"available_bytes": 20 * GIB}})
    return facts


def _add_disks(facts):
    facts["storage"]["disks"] += [{"name": "vd%d" % i, "path": "/dev/vdx%d" % i, "type": "disk", "size_bytes": GIB,
                                   "roles": [], "partitions": []} for i in range(21)]


def _root_free(facts):
    next(m for m in facts["storage"]["mounts"] if m["mountpoint"] == "/")["usage"]["available_bytes"] = MIB


# One mutation per rule that SMS documents as blocking (status error).
BREAKS = {
    "architecture": _set("system", "architecture", "aarch64"),
    "rsync": _set("system", "has_rsync", False),
    "paravirtualization": _set("platform", "paravirtualized", True),
    "container": _set("system", "container", "docker"),
    "filesystems": lambda facts: facts["storage"]["disks"][2]["filesystem"].update(fstype="reiserfs"),
    "raw_devices": _set("storage", "raw_devices", ["/dev/vdz"]),
    "software_raid": lambda facts: facts["storage"]["disks"].append(
        {"name": "md0", "path": "/dev/md0", "type": "md", "size_bytes": GIB, "roles": [], "partitions": []}),
    "lvm_thin_pools": lambda facts: facts["storage"]["lvm"]["lvs"][1].update(segment_type="thin"),
    "duplicate_vg_names": lambda facts: facts["storage"]["lvm"]["vgs"][0].update(duplicate_name=True),
    "disk_count": _add_disks,
    "system_disk_size": lambda facts: facts["storage"]["disks"][0].update(size_bytes=2 * 1024 ** 4),
    "root_free_space": _root_free,
    "tmp_free_space": _set("storage", "tmp", "available_bytes", MIB),
    "tmp_noexec": _set("storage", "tmp", "noexec", True),
    "locale": _set("system", "locale_is_utf8", False),
}


def _payload_rule_warnings(facts):
    warnings = []
    build_payload(facts, warnings=warnings)
    return sorted(w for w in warnings if w.split(":", 1)[0] in rules.RULE_NAMES)


def _readiness_errors(facts):
    return sorted(rules.payload_warning(r) for r in readiness(facts) if r["status"] == "error")


def test_healthy_host_has_no_readiness_error_and_no_payload_rule_warning():
    facts = healthy()
    assert [r["name"] for r in readiness(facts) if r["status"] != "ok"] == []
    assert _payload_rule_warnings(facts) == [] == _readiness_errors(facts)


def test_every_rule_that_can_block_has_a_breaking_case():
    blocking = {rule.name for rule in rules.RULES} - {"operating_system", "boot_mode"} - set(rules.VALIDATED_IN_PAYLOAD)
    assert set(BREAKS) == blocking


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_parity_one_broken_rule_is_one_readiness_error_and_the_same_payload_warning(name):
    facts = healthy()
    BREAKS[name](facts)
    errors = [r for r in readiness(facts) if r["status"] == "error"]
    assert [r["name"] for r in errors] == [name]
    assert errors[0]["fix"] and errors[0]["reference"]
    assert _payload_rule_warnings(facts) == _readiness_errors(facts) == [rules.payload_warning(errors[0])]


@pytest.mark.parametrize("loader", [None, {"name": None}, {"name": "lilo"}, {"name": "none"}])
def test_parity_boot_loader_is_a_readiness_error_and_a_payload_failure_with_the_same_words(loader):
    facts = healthy()
    facts["firmware"]["boot_loader"] = loader
    check = next(r for r in readiness(facts) if r["name"] == "boot_loader")
    assert check["status"] == "error"
    with pytest.raises(PayloadError) as caught:
        build_payload(facts)
    assert str(caught.value) == "boot_loader: " + check["message"]
    assert "overrides: {boot_loader: GRUB}" in check["message"]


def test_payload_has_no_rule_of_its_own():
    """The payload module names no OS, limit or unsupported layout: those are rules.py's."""
    source = inspect.getsource(payload)
    for needle in ("RAID", "thin volume", "thin pool", "Xen", "SUPPORTED", "OS_NAMES =", "\"GRUB\"", "noexec",
                   "raw devices"):
        assert needle not in source, needle


def test_rules_are_defined_once_with_reference_and_remedy():
    assert len(rules.RULE_NAMES) == len(set(rules.RULE_NAMES))
    for rule in rules.RULES:
        assert rule.reference and rule.remedy.endswith(".") and callable(rule.evaluate), rule.name


def test_evaluate_readiness_is_pure_and_validates_options():
    facts = healthy()
    before = repr(facts)
    results = rules.evaluate_readiness(facts)
    assert repr(facts) == before
    assert [set(r) for r in results] == [{"name", "status", "message", "fix", "reference"}] * len(rules.RULES)
    for bad in ({"skip": ["nope"]}, {"severity": {"rsync": "fatal"}}, {"limits": {"max_disks": -1}},
                {"limits": {"max_disks": True}}, {"limits": {"other": 1}}):
        with pytest.raises(rules.ReadinessOptionsError):
            rules.evaluate_readiness(facts, **bad)
    with pytest.raises(rules.ReadinessOptionsError):
        rules.evaluate_readiness(["not", "a", "dict"])


@pytest.mark.parametrize("distro, expected", [
    ({"id": "openeuler", "major": 20, "minor": 3, "pretty_name": "openEuler 20.03 (LTS)"}, "ok"),
    ({"id": "openeuler", "major": 22, "minor": 3}, "warn"),
    ({"id": "centos", "major": 9, "minor": None, "name": "CentOS Stream"}, "ok"),
    ({"id": "centos", "major": 8, "minor": 6}, "warn"),
    ({"id": "sles", "major": 12, "minor": 0, "service_pack": 0}, "ok"),
    ({"id": "sles", "major": 11, "minor": 2, "service_pack": 2}, "warn"),
    ({"id": "euleros", "major": 2, "minor": 0, "service_pack": 5}, "ok"),
    ({"id": "debian", "major": 12, "minor": None}, "ok"),
    ({"id": "debian", "major": 13, "minor": None}, "warn"),
    ({"id": "gentoo", "major": 2, "minor": 1}, "warn"),
    ({}, "warn"),
])
def test_os_support(distro, expected):
    assert rules.os_support(distro)[0] == expected


@pytest.mark.parametrize("distro, expected", [
    ({"id": "kylin", "major": 10, "service_pack": 1}, "KYLIN_10_64BIT_SP1"),
    ({"id": "kylin", "major": 10, "service_pack": None}, "KYLIN_10_64BIT"),
    ({"id": "euleros", "major": 2, "minor": 0, "service_pack": 9}, "EULEROS_2_9_64BIT"),
    ({"id": "uos", "major": 20, "minor": None}, "UOS_20_64BIT"),
    ({"id": "openeuler", "major": 20, "minor": 3}, "OPENEULER_20_3_64BIT"),
])
def test_os_version_naming(distro, expected):
    assert rules.os_version({"distribution": distro, "architecture": "x86_64"}) == expected


def test_fit_name_is_deterministic_unique_and_64_characters():
    warnings = []
    first = rules.fit_name("a" * 64 + "1", "name", warnings)
    second = rules.fit_name("a" * 64 + "2", "name", warnings)
    assert first != second and len(first) == len(second) == 64 and first[:56] == "a" * 55 + "-"
    assert rules.fit_name("a" * 64 + "1") == first and len(warnings) == 2
    assert rules.fit_name("short") == "short" and rules.fit_name(None) is None


def test_malformed_facts_are_warnings_not_tracebacks():
    facts = {"system": {"distribution": "CentOS 7", "architecture": 7}, "firmware": "bios",
             "storage": {"disks": "sda", "mounts": [None], "tmp": [], "lvm": {"lvs": "x"}}}
    results = {r["name"]: r for r in rules.evaluate_readiness(facts)}
    assert set(results) == set(rules.RULE_NAMES)
    assert results["operating_system"]["status"] == "warn"
    assert "malformed" in results["operating_system"]["message"]
