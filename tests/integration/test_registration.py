"""hwcloud.sms.source / source_info / source_payload against the SMS emulator over real HTTP.

Real ``ansible-playbook`` runs (tests/integration/registration/*.yml) on this machine's own
discovery: register, second run with zero writes (emulator request log), changed disk -> update
in place, check mode and --diff, absent, AK/SK, temporary AK/SK and token auth, wrong credentials.
Every playbook runs at -vvv and no credential may appear in its output. Clock skew is driven
through the client (the emulator has no clock offset), still over real HTTP.
"""

import copy
import datetime
import json
import urllib.request

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.client import SmsApiError, SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import build_payload
from tests.integration.registration.runner import HERE, playbook_env, run_playbook, secrets_of

INVENTORY = HERE / "localhost.yml"
WRITES = ("POST", "PUT", "DELETE")


@pytest.fixture(scope="module")
def real_facts(tmp_path_factory, sms_emulator_session):
    """sms_discovery of this machine, gathered once by hwcloud.sms.source_facts."""
    tmp = tmp_path_factory.mktemp("facts")
    output = tmp / "facts.json"
    run = run_playbook("facts.yml", INVENTORY, playbook_env(sms_emulator_session, tmp),
                       extra_vars={"sms_output": str(output)})
    assert run.rc == 0, run.output
    return json.loads(output.read_text())


class Scenario:
    """One emulator, one working directory, and the playbook runs made against them."""

    def __init__(self, emulator, tmp_path):
        self.emulator = emulator
        self.tmp_path = tmp_path
        self.runs = []

    def register(self, facts=None, env=None, credentials=True, check=False, diff=False, **extra_vars):
        output = self.tmp_path / ("result-%d.json" % len(self.runs))
        variables = dict(extra_vars, sms_output=str(output))
        if facts is not None:
            variables["sms_facts"] = facts
        args = ["-vvv"] + (["--check"] if check else []) + (["--diff"] if diff else [])
        run = run_playbook("register.yml", INVENTORY, playbook_env(self.emulator, self.tmp_path, env, credentials),
                           extra_vars=variables, args=args)
        self.runs.append(run)
        run.result = json.loads(output.read_text()) if output.exists() else None
        return run

    def client(self, **options):
        emulator = self.emulator
        return SmsClient.from_options(dict({
            "endpoint": emulator.base_url, "iam_endpoint": emulator.base_url, "access_key": emulator.ak,
            "secret_key": emulator.sk, "project_id": emulator.project_id}, **options))

    def seed(self, facts):
        """Register ``facts`` the way register.yml does, through the client (setup, not the subject)."""
        overrides = {} if facts["firmware"]["boot_loader"]["name"] in ("grub", "grub2") else {"boot_loader": "GRUB"}
        source_id = self.client().register_source(build_payload(facts, name="integration-host", overrides=overrides))
        self.emulator.reset(log=True, state=False, faults=False, auth=False)
        return source_id

    def writes(self):
        return [r for r in self.emulator.log() if r["method"] in WRITES and r["path"] != "/v3/auth/tokens"]

    def assert_no_secret_printed(self, *extra):
        for run in self.runs:
            for secret in secrets_of(self.emulator, *extra):
                assert secret not in run.output, "a credential was printed"


@pytest.fixture
def scenario(sms_emulator, tmp_path):
    yield Scenario(sms_emulator, tmp_path)


def test_real_discovery_registers_once_and_the_second_run_writes_nothing(scenario):
    emulator = scenario.emulator
    first = scenario.register(diff=True)
    assert first.rc == 0, first.output
    assert first.recap()["localhost"]["changed"] == 1
    result = first.result["source"]
    assert result["action"] == "created"
    (stored,) = emulator.sources()
    assert stored["id"] == result["source_id"] and stored["name"] == "integration-host"
    facts = first.result["facts"]
    assert stored["ip"] == facts["network"]["primary_ipv4"]
    assert stored["memory"] == facts["system"]["memory_bytes"]
    migrated_disks = [d["path"] for d in facts["storage"]["disks"] if d["type"] not in ("loop", "rom")]
    assert [d["name"] for d in stored["disks"]] == migrated_disks
    failed_checks = {c["name"] for c in stored["checks"] if c["result"] == "ERROR"}
    assert failed_checks == (set() if stored["has_rsync"] else {"rsync"}), stored["checks"]  # rsync: this machine
    assert stored["state"] == ("unavailable" if failed_checks else "waiting")
    assert [(r["method"], r["path"]) for r in scenario.writes()] == [("POST", "/v3/sources")]
    assert "--- before" in first.stdout and '"state": "absent"' in first.stdout  # --diff output

    emulator.reset(log=True, state=False, faults=False, auth=False)
    second = scenario.register()
    assert second.rc == 0, second.output
    assert second.recap()["localhost"]["changed"] == 0
    assert second.result["source"]["action"] == "unchanged"
    assert scenario.writes() == []
    assert emulator.counters()["writes"] == 0
    assert len(emulator.sources()) == 1
    scenario.assert_no_secret_printed()


def test_changed_disk_check_mode_diff_then_update_in_place(scenario, real_facts):
    emulator = scenario.emulator
    source_id = scenario.seed(real_facts)
    grown = copy.deepcopy(real_facts)
    disk = grown["storage"]["disks"][0]
    disk["size_bytes"] += 10 * 1024 ** 3

    check = scenario.register(grown, check=True, diff=True)
    assert check.rc == 0, check.output
    assert check.recap()["localhost"]["changed"] == 1
    assert check.result["source"]["action"] == "updated"
    assert scenario.writes() == []  # check mode writes nothing
    assert list(check.result["source"]["diff"]["after"]) == ["disks"]
    assert "--- before" in check.stdout and str(disk["size_bytes"]) in check.stdout

    update = scenario.register(grown, diff=True)
    assert update.rc == 0 and update.result["source"]["action"] == "updated"
    (after,) = emulator.sources()
    assert after["id"] == source_id == update.result["source"]["source_id"]
    assert after["disks"][0]["size"] == disk["size_bytes"]
    assert [(r["method"], r["path"], r["status"]) for r in scenario.writes()] == [("POST", "/v3/sources", 200)]
    scenario.assert_no_secret_printed()


def test_absent_deletes_once_and_check_mode_keeps_the_source(scenario, real_facts):
    emulator = scenario.emulator
    scenario.seed(real_facts)
    check = scenario.register(real_facts, sms_state="absent", check=True)
    assert check.rc == 0 and check.recap()["localhost"]["changed"] == 1 and len(emulator.sources()) == 1
    gone = scenario.register(real_facts, sms_state="absent", diff=True)
    assert gone.rc == 0 and gone.result["source"]["action"] == "deleted" and emulator.sources() == []
    assert gone.result["info"]["sources"] == []
    again = scenario.register(real_facts, sms_state="absent")
    assert again.rc == 0 and again.recap()["localhost"]["changed"] == 0
    assert [r["method"] for r in scenario.writes()] == ["DELETE"]
    scenario.assert_no_secret_printed()


def _issue_token(emulator):
    body = json.dumps({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": emulator.username, "password": emulator.password, "domain": {"name": emulator.domain_name}}}},
        "scope": {"project": {"name": emulator.region}}}}).encode()
    request = urllib.request.Request(emulator.base_url + "/v3/auth/tokens", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        return response.headers["X-Subject-Token"]


def test_password_and_token_auth(scenario, real_facts):
    emulator = scenario.emulator
    login = {"username": emulator.username, "password": emulator.password, "domain_name": emulator.domain_name,
             "allow_insecure_http": True}  # the emulator speaks plain http
    first = scenario.register(real_facts, credentials=False, sms_auth=login)
    assert first.rc == 0, first.output
    sms_calls = [r for r in emulator.log() if r["path"].startswith("/v3/sources")]
    assert sms_calls and {r["auth"] for r in sms_calls} == {"token"}
    token_requests = [r for r in emulator.log() if r["path"] == "/v3/auth/tokens"]
    assert len(token_requests) == 2  # one per module run (source, source_info), reused within it

    token = _issue_token(emulator)
    emulator.reset(log=True, state=False, faults=False, auth=False)
    second = scenario.register(real_facts, credentials=False, env={"HUAWEICLOUD_SDK_AUTH_TOKEN": token,
                                                                   "HUAWEICLOUD_SMS_ALLOW_INSECURE_HTTP": "true"})
    assert second.rc == 0 and second.recap()["localhost"]["changed"] == 0
    assert {r["auth"] for r in emulator.log()} == {"token"}
    assert not [r for r in emulator.log() if r["path"] == "/v3/auth/tokens"]
    scenario.assert_no_secret_printed(token)


def test_temporary_aksk_signs_the_security_token_and_resolves_the_project(scenario, real_facts):
    emulator = scenario.emulator
    env = {"HUAWEICLOUD_SDK_AK": emulator.temp_ak, "HUAWEICLOUD_SDK_SK": emulator.temp_sk,
           "HUAWEICLOUD_SDK_SECURITY_TOKEN": emulator.security_token}
    run = scenario.register(real_facts, credentials=False, env=env)
    assert run.rc == 0, run.output
    log = emulator.log()
    assert {r["auth"] for r in log} == {"aksk"} and {r["ak"] for r in log} == {emulator.temp_ak}
    assert [r["path"] for r in log].count("/v3/projects") == 2  # resolved once per module run
    scenario.assert_no_secret_printed()


def test_wrong_credentials_fail_the_task_clearly(scenario, real_facts):
    wrong_sk = "hwc-emulator-secret-key-wrong-wrong-wrong"
    run = scenario.register(real_facts, env={"HUAWEICLOUD_SDK_SK": wrong_sk})
    assert run.rc != 0 and run.recap()["localhost"]["failed"] == 1
    assert "authentication failed: the AK/SK signature was rejected" in run.stdout
    assert "Traceback" not in run.output
    assert scenario.emulator.sources() == []
    scenario.assert_no_secret_printed(wrong_sk)


def test_each_kind_of_wrong_credentials_has_its_own_message(scenario):
    emulator = scenario.emulator
    cases = {
        "wrong secret key": ({"access_key": emulator.ak, "secret_key": "hwc-emulator-secret-key-wrong-wrong-0001",
                              "project_id": emulator.project_id}, "AK/SK signature was rejected"),
        "unknown access key": ({"access_key": "HWCUNKNOWNAK00000009", "secret_key": emulator.sk,
                                "project_id": emulator.project_id}, "the access key is unknown"),
        "wrong password": ({"username": emulator.username, "password": "not-the-password-0001",
                            "domain_name": emulator.domain_name, "allow_insecure_http": True},
                           "check username, password and domain_name"),
        "project of another account": ({"access_key": emulator.ak, "secret_key": emulator.sk,
                                        "project_id": "ffffffffffffffffffffffffffffffff"}, "permission denied"),
        "no project for the region": ({"access_key": emulator.ak, "secret_key": emulator.sk,
                                       "region": "eu-west-101"}, "no project named 'eu-west-101'"),
        "no credentials at all": ({}, "no credentials"),
    }
    output = scenario.tmp_path / "credentials.json"
    run = run_playbook("credentials.yml", INVENTORY, playbook_env(emulator, scenario.tmp_path, credentials=False),
                       extra_vars={"sms_cases": {k: v[0] for k, v in cases.items()}, "sms_output": str(output)},
                       args=["-vvv"])
    scenario.runs.append(run)
    assert run.rc == 0, run.output
    results = {r["item"]: r for r in json.loads(output.read_text())}
    for case, (unused, expected) in cases.items():
        assert results[case].get("sources") is None, case
        assert expected in results[case]["msg"], (case, results[case]["msg"])
    assert "Traceback" not in run.output
    scenario.assert_no_secret_printed("hwc-emulator-secret-key-wrong-wrong-0001", "not-the-password-0001")


def test_clock_skew_is_reported_as_such(sms_emulator):
    skewed = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    client = SmsClient.from_options({"endpoint": sms_emulator.base_url, "iam_endpoint": sms_emulator.base_url,
                                     "access_key": sms_emulator.ak, "secret_key": sms_emulator.sk,
                                     "project_id": sms_emulator.project_id}, clock=lambda: skewed)
    with pytest.raises(SmsApiError) as caught:
        client.list_sources()
    message = str(caught.value)
    assert "clock skew" in message and "synchronise this machine's clock with NTP" in message
    assert "by -1" in message  # the measured offset (about -1200 s) from the server's Date header
    assert caught.value.attempts == 1  # a 401 is never retried
    assert sms_emulator.sk not in message
