"""hwcloud.sms.source: argument handling, results, check/diff mode and failures, over a fake SMS client."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._sms import module as sms_module
from ansible_collections.hwcloud.sms.plugins.modules import source
from tests.unit.plugins.module_utils._sms.fake_sms import FakeSms
from tests.unit.plugins.module_utils._sms.module_harness import CREDENTIALS, run_module, warning_texts
from tests.unit.plugins.module_utils._sms.sms_samples import sample


@pytest.fixture
def sms():
    return FakeSms()


@pytest.fixture
def run(monkeypatch, capsys, sms):
    def runner(args, **kwargs):
        client = kwargs.pop("client", sms)
        monkeypatch.setattr(sms_module.SmsClient, "from_options", classmethod(lambda cls, options, **kw: client))
        return run_module(source.main, args, monkeypatch, capsys, **kwargs)
    return runner


def test_register_then_unchanged(run, sms):
    rc, result = run({"discovery": sample(), "name": "web01.example"})
    assert rc == 0 and result["changed"] is True and result["action"] == "created"
    assert result["source_id"] in sms.records
    assert result["source"]["name"] == result["payload"]["name"] == "web01.example"
    assert "diff" not in result
    rc, result = run({"discovery": sample(), "name": "web01.example"})
    assert rc == 0 and result["changed"] is False and result["action"] == "unchanged"
    assert [c[0] for c in sms.writes()] == ["register"]


def test_check_mode_and_diff(run, sms):
    rc, result = run({"discovery": sample()}, check_mode=True, diff=True)
    assert result["changed"] is True and result["diff"]["before"] == {"state": "absent"} and not sms.records
    run({"discovery": sample()})
    facts = sample()
    facts["storage"]["disks"][0]["partitions"][0]["size_bytes"] += 512 * 1024 * 1024
    rc, result = run({"discovery": facts}, check_mode=True, diff=True)
    assert result["changed"] is True and list(result["diff"]["before"]) == ["disks"]
    assert len(sms.writes()) == 1
    rc, result = run({"discovery": facts}, diff=True)
    assert result["action"] == "updated" and sms.writes()[-1][0] == "update"


def test_ready_payload_name_and_overrides(run, sms):
    body = source.build_payload(sample(), warnings=[])
    rc, result = run({"payload": body, "name": "from-payload", "overrides": {"cpu_quantity": 2}})
    assert rc == 0 and result["payload"]["name"] == "from-payload" and result["payload"]["cpu_quantity"] == 2


def test_invalid_payload_fails_naming_the_field(run, sms):
    body = source.build_payload(sample(), warnings=[])
    body["btrfs_list"][0]["size"] = "3.30GiB"
    rc, result = run({"payload": body})
    assert rc == 1 and result["failed"] is True and result["field"] == "btrfs_list[0].size"
    assert "btrfs_list[0].size: must be an integer" in result["msg"] and not sms.calls


def test_warnings_are_reported(run, sms):
    facts = sample()
    facts["system"]["hostname"] = "x" * 70
    rc, result = run({"discovery": facts})
    assert rc == 0
    assert any("longer than 64 characters: sent as" in w for w in warning_texts(result))
    assert len(result["source"]["name"]) == 64


@pytest.mark.parametrize("args,message", [
    ({}, "state is present but any of the following are missing: discovery, payload"),
    ({"discovery": {}, "payload": {}}, "mutually exclusive"),
    ({"state": "absent", "match": ["ip"]}, "state=absent needs source_id, name, discovery or payload"),
    ({"discovery": sample(), "match": ["mac"]}, "value of match must be one or more of"),
])
def test_argument_errors(run, args, message):
    rc, result = run(args)
    assert rc == 1 and message in result["msg"]


def test_absent_by_discovery_name_and_id(run, sms):
    source_id = run({"discovery": sample()})[1]["source_id"]
    rc, result = run({"state": "absent", "discovery": sample()}, diff=True)
    assert result["action"] == "deleted" and result["diff"]["after"] == {"state": "absent"} and not sms.records
    assert run({"state": "absent", "discovery": sample()})[1]["changed"] is False
    source_id = run({"discovery": sample()})[1]["source_id"]
    assert run({"state": "absent", "name": "web01", "match": ["name"]}, check_mode=True)[1]["changed"] is True
    assert run({"state": "absent", "source_id": source_id})[1]["action"] == "deleted"


def clone_of(facts):
    """The same machine image on another VM: other MACs, other IP."""
    for i, iface in enumerate(facts["network"]["interfaces"]):
        if iface.get("mac"):
            iface["mac"] = "52:54:00:00:10:%02x" % i
    return facts


def test_identity_options_and_results(run, sms):
    original = run({"discovery": sample()})[1]["source_id"]
    rc, result = run({"discovery": clone_of(sample()), "recorded_source_id": original, "name": "clone",
                      "overrides": {"ip": "192.168.0.11"}})
    assert rc == 0 and result["action"] == "created" and result["source_id"] != original
    assert any("the recorded source %s is not this server" % original in w for w in warning_texts(result))
    assert sms.records[original]["name"] == "web01"
    rc, result = run({"discovery": clone_of(sample()), "source_id": original})
    assert rc == 1 and "is not this server" in result["msg"] and sms.records[original]["name"] == "web01"
    rc, result = run({"discovery": sample()})
    assert (result["matched_by"], result["duplicates_removed"]) == ("mac", [])


def test_conflict_fails_unless_on_conflict_register(run, sms):
    theirs = run({"discovery": sample()})[1]["source_id"]
    facts = clone_of(sample())  # same host name, other MACs: another server
    rc, result = run({"discovery": facts})
    assert rc == 1 and theirs in result["msg"] and "on_conflict: register" in result["msg"]
    rc, result = run({"discovery": facts, "on_conflict": "register", "settle": 0})
    assert rc == 0 and result["action"] == "created" and len(sms.records) == 2


def test_absent_with_discovery_checks_identity(run, sms):
    theirs = run({"discovery": sample()})[1]["source_id"]
    rc, result = run({"state": "absent", "discovery": clone_of(sample()), "recorded_source_id": theirs})
    assert rc == 0 and result["action"] == "absent" and theirs in sms.records
    unregistrable = sample()
    unregistrable["firmware"]["boot_loader"] = {"name": None}  # a body SMS would refuse still identifies
    rc, result = run({"state": "absent", "discovery": unregistrable, "recorded_source_id": theirs})
    assert rc == 0 and result["action"] == "deleted" and not sms.records


def test_api_errors_fail_cleanly_without_secrets(run, sms):
    sms.fail_next("register", "error")
    rc, result = run({"discovery": sample()})
    assert rc == 1 and result["error_code"] == "SMS.8003" and result["status"] == 400
    assert "rejected" in result["msg"]
    assert CREDENTIALS["secret_key"] not in str(result)


def test_credentials_reach_the_client_and_are_no_log(monkeypatch, capsys):
    seen = {}

    def capture(cls, options, **kwargs):
        seen.update(options)
        return FakeSms()

    monkeypatch.setattr(sms_module.SmsClient, "from_options", classmethod(capture))
    rc, result = run_module(source.main, {"discovery": sample()}, monkeypatch, capsys)
    assert seen["secret_key"] == CREDENTIALS["secret_key"] and seen["access_key"] == CREDENTIALS["access_key"]
    assert seen["endpoint"] == "https://sms.ap-southeast-3.myhuaweicloud.com" and seen["retries"] == 5
    assert CREDENTIALS["secret_key"] not in str(result)


def test_missing_requests_is_reported_with_missing_required_lib(monkeypatch, capsys):
    rc, result = run_module(source.main, {"discovery": sample()}, monkeypatch, capsys, hide_imports=("requests",))
    assert rc == 1 and "Failed to import the required Python library (requests)" in result["msg"]
