"""The process contract (CLI, signals, state file, accounts file), the harness, fixtures and admin API."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

import pytest

from tests.emulator import DEFAULT_AK, DEFAULT_PROJECT_ID, DEFAULT_SK
from tests.emulator.harness import REPO_ROOT, EmulatorError, cli_args, run_emulator
from tests.unit.emulator.emulator_helpers import LINUX_BODY, Api, body_with


def _start(*args):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0", *args],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_prints_base_url_first_and_exits_cleanly(signum):
    process = _start()
    try:
        first = process.stdout.readline()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+\n", first)
        process.send_signal(signum)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert out == "" and err == ""


def test_fails_clearly_without_the_sdk():
    code = ("import sys, runpy; sys.modules['huaweicloudsdkcore'] = None; "
            "sys.argv = ['tests.emulator']; runpy.run_module('tests.emulator', run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30,
                            check=False)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "huaweicloudsdkcore" in result.stderr and "pip install" in result.stderr


def test_bad_accounts_file_fails_startup(tmp_path):
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps({"accounts": [{"domain_name": "x"}]}))
    with pytest.raises(EmulatorError, match="domain_id"):
        with run_emulator(accounts=str(path)):
            pass  # pragma: no cover


def test_accounts_file_replaces_the_defaults(tmp_path):
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps({"accounts": [{
        "domain_name": "acme", "domain_id": "a" * 32,
        "projects": [{"name": "ru-moscow-1", "id": "b" * 32}],
        "users": [{"name": "ops", "password": "Secret-1"}],
        "credentials": [{"ak": "ACMEAK", "sk": "acme-secret"}],
    }]}))
    with run_emulator(accounts=str(path)) as emu:
        assert (emu.ak, emu.sk, emu.project_id, emu.region) == ("ACMEAK", "acme-secret", "b" * 32, "ru-moscow-1")
        assert (emu.username, emu.password, emu.domain_name) == ("ops", "Secret-1", "acme")
        api = Api(emu)
        assert api.get("/v3/sources").status_code == 200
        assert api.get("/v3/sources", ak=DEFAULT_AK, sk=DEFAULT_SK, project_id=DEFAULT_PROJECT_ID).status_code == 401
        assert api.token({"project": {"name": "ru-moscow-1"}})


def test_state_file_survives_restart(tmp_path):
    state = tmp_path / "sms.db"
    with run_emulator(state_file=str(state)) as emu:
        api = Api(emu)
        first = api.register(LINUX_BODY)
        api.register(body_with({"name": "second"}))
        api.put(f"/v3/sources/{first}/changestate", {"copystate": "init", "migrationcycle": "checking"})
    with run_emulator(state_file=str(state)) as emu:
        api = Api(emu)
        listed = api.get("/v3/sources").json()
        assert listed["count"] == 2
        assert [s["name"] for s in listed["source_servers"]] == ["second", "web-01"]  # order kept
        assert api.get(f"/v3/sources/{first}").json()["migration_cycle"] == "checking"
        third = api.register(body_with({"name": "third"}))
        assert api.get("/v3/sources", params={"limit": 1}).json()["source_servers"][0]["id"] == third
        emu.reset(state=True)
    with run_emulator(state_file=str(state)) as emu:
        assert emu.sources() == []


def test_in_memory_state_does_not_survive():
    with run_emulator() as emu:
        Api(emu).register(LINUX_BODY)
    with run_emulator() as emu:
        assert emu.sources() == []


def test_cli_args_mapping():
    assert cli_args({"state_file": "/tmp/x", "no_strict": True, "token_ttl": 1, "accounts": None, "x": False}) == [
        "--state-file", "/tmp/x", "--no-strict", "--token-ttl", "1",
    ]


def test_harness_stops_the_process_on_errors():
    with pytest.raises(RuntimeError):
        with run_emulator() as emu:
            process = emu.process
            raise RuntimeError("test failure")
    assert process.poll() == 0


def test_invalid_cli_value_fails_startup():
    with pytest.raises(EmulatorError, match="between 0 and 1"):
        with run_emulator(fault_500_rate=2):
            pass  # pragma: no cover


@pytest.mark.sms_emulator_options(token_ttl=5, no_strict=True)
def test_function_fixture(sms_emulator):
    assert sms_emulator.base_url.startswith("http://127.0.0.1:")
    assert (sms_emulator.ak, sms_emulator.project_id, sms_emulator.region) == (DEFAULT_AK, DEFAULT_PROJECT_ID, "ap-southeast-3")
    assert (sms_emulator.username, sms_emulator.password, sms_emulator.domain_name) == ("demo-user", "Demo-Passw0rd!", "demo-domain")
    assert sms_emulator.sk == DEFAULT_SK
    assert "--no-strict" in sms_emulator.process.args
    assert Api(sms_emulator).post("/v3/sources", body_with({"foo": 1})).status_code == 200


def test_env_points_the_official_sdk_at_the_emulator(sms_emulator, monkeypatch):
    from huaweicloudsdksms.v3 import ListServersRequest, SmsClient
    from huaweicloudsdksms.v3.region.sms_region import SmsRegion
    from huaweicloudsdkcore.auth.provider import EnvCredentialProvider

    for name, value in sms_emulator.env().items():
        monkeypatch.setenv(name, value)
    credentials = EnvCredentialProvider.get_basic_credential_env_provider().get_credentials()
    client = SmsClient.new_builder().with_credentials(credentials).with_region(SmsRegion.value_of(sms_emulator.region)).build()
    assert client.list_servers(ListServersRequest()).count == 0
    assert sms_emulator.log()[0]["ak"] == sms_emulator.ak


def test_session_fixture(sms_emulator_session):
    assert sms_emulator_session.health() == {"ok": True}
    assert sms_emulator_session.process.poll() is None


# ---- admin API ---------------------------------------------------------------------------------

LOG_KEYS = {"seq", "time", "request_id", "method", "path", "route", "query", "status", "auth", "ak", "error_code", "dropped"}


def test_log_entries_hold_no_secrets(api, emu):
    token = api.token({"project": {"name": emu.region}})
    api.post("/v3/sources", LINUX_BODY, token=token)
    api.get("/v3/sources", sk="wrong")
    log = emu.log()
    assert [e["status"] for e in log] == [201, 200, 401]
    assert all(set(entry) == LOG_KEYS for entry in log)
    assert log[2]["error_code"] == "APIGW.0301" and log[2]["ak"] == emu.ak
    assert [e["seq"] for e in log] == [1, 2, 3]
    dumped = json.dumps(log)
    for secret in (emu.sk, emu.password, token, LINUX_BODY["os_version"], LINUX_BODY["networks"][0]["mac"]):
        assert secret not in dumped


def test_counters(api, emu):
    source_id = api.register(LINUX_BODY)
    api.get(f"/v3/sources/{source_id}")
    api.get("/v3/sources/missing")
    api.get("/v3/unknown")
    counters = emu.counters()
    assert counters["requests"] == 4 and counters["writes"] == 1 and counters["sources"] == 1
    assert counters["by_route"] == {"POST /v3/sources": 1, "GET /v3/sources/{id}": 2, "UNMATCHED": 1}
    assert set(counters["faults_injected"]) == {
        "status_500", "status_503", "throttle_429", "rate_limit_429", "drop_after_commit", "latency",
    }


def test_partial_reset(api, emu):
    api.register(LINUX_BODY)
    assert emu.reset(log=True, state=False) == {"ok": True, "reset": ["log", "faults", "auth"]}
    assert emu.log() == [] and len(emu.sources()) == 1
    assert emu.reset(state=True)["reset"] == ["log", "state", "faults", "auth"]
    assert emu.sources() == [] and emu.counters()["sources"] == 0


def test_admin_sources_show_hidden_fields(api, emu):
    api.register(LINUX_BODY)
    [stored] = emu.sources()
    for hidden in ("has_rsync", "paravirtualization", "raw_devices", "boot_loader", "kernel_version", "platform"):
        assert stored[hidden] == LINUX_BODY[hidden]
    assert stored["owner_domain_id"] == emu.domain_id and stored["report_bytes"] > 0


def test_admin_errors(emu, api):
    with pytest.raises(EmulatorError, match="404"):
        emu._admin("GET", "nothing")
    with pytest.raises(EmulatorError, match="400"):
        emu._admin("POST", "reset", {"everything": True})
    with pytest.raises(EmulatorError, match="400"):
        emu._admin("PUT", "faults", None)
