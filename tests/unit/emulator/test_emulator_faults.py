"""Injected faults, from the admin API and from the command line."""

from __future__ import annotations

import time

import pytest
import requests

from tests.emulator.harness import EmulatorError, run_emulator
from tests.unit.emulator.emulator_helpers import LINUX_BODY, Api


def _rule(**fields) -> dict:
    return {"rules": [{"method": "*", "path": "", **fields}]}


@pytest.mark.parametrize("rate_key, status, code", [
    ("status_500_rate", 500, "SMS.9999"),
    ("status_503_rate", 503, "SMS.9998"),
])
def test_server_errors(api, emu, rate_key, status, code):
    emu.set_faults({"rules": [{"method": "POST", "path": "/v3/sources", rate_key: 1.0}]})
    response = api.post("/v3/sources", LINUX_BODY)
    assert response.status_code == status
    assert response.json()["error_code"] == code
    assert emu.sources() == []  # injected before the handler: nothing committed
    assert api.get("/v3/sources").status_code == 200  # other methods are not targeted
    assert emu.counters()["faults_injected"][f"status_{status}"] == 1
    assert emu.log()[0]["error_code"] == code


def test_seeded_faults_are_reproducible(api, emu):
    config = _rule(status_500_rate=0.5, status_503_rate=0.3, throttle_rate=0.2)
    config["seed"] = 1234
    runs = []
    for _attempt in range(2):
        emu.set_faults(config)
        runs.append([api.get("/v3/sources").status_code for _attempt in range(30)])
    assert runs[0] == runs[1]
    assert {200, 429, 500, 503} <= set(runs[0])


def test_throttle_has_retry_after(api, emu):
    emu.set_faults(_rule(throttle_rate=1.0, retry_after=3))
    response = api.get("/v3/sources")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json()["error_code"] == "APIGW.0308"
    assert response.json()["request_id"] == response.headers["X-Request-Id"]


def test_latency(api, emu):
    emu.set_faults(_rule(latency_ms=300))
    started = time.monotonic()
    assert api.get("/v3/sources").status_code == 200
    assert time.monotonic() - started >= 0.3
    assert emu.counters()["faults_injected"]["latency"] == 1


def test_commit_then_drop(api, emu):
    emu.set_faults({"rules": [{"method": "POST", "path": "/v3/sources", "drop_after_commit_rate": 1.0}]})
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post("/v3/sources", LINUX_BODY)
    [stored] = emu.sources()
    assert stored["name"] == LINUX_BODY["name"]
    [entry] = emu.log()
    assert entry["dropped"] is True and entry["status"] == 200
    counters = emu.counters()
    assert counters["writes"] == 1 and counters["sources"] == 1
    assert counters["faults_injected"]["drop_after_commit"] == 1
    # only successful requests are dropped: a rejected body gets its answer
    assert api.post("/v3/sources", {"name": ""}).status_code == 400
    assert api.get(f"/v3/sources/{stored['id']}").status_code == 200


def test_per_ak_rate_limit(api, emu):
    emu.set_faults({"rate_limit_per_ak": {"requests": 3, "per_seconds": 60}})
    assert [api.get("/v3/sources").status_code for _attempt in range(3)] == [200, 200, 200]
    response = api.get("/v3/sources")
    assert response.status_code == 429 and response.json()["error_code"] == "APIGW.0308"
    assert "limit:3" in response.json()["error_msg"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    other = api.get("/v3/sources", ak=emu.temp_ak, sk=emu.temp_sk, security_token=emu.security_token)
    assert other.status_code == 200
    assert emu.counters()["faults_injected"]["rate_limit_429"] == 1


def test_path_is_a_segment_prefix(api, emu):
    emu.set_faults({"rules": [{"method": "*", "path": "/v3/sources", "status_500_rate": 1.0}]})
    assert api.get("/v3/sources/some-id").status_code == 500
    assert api.get("/v3/sources/overview").status_code == 500
    assert api.get("/v3/migprojects").status_code == 200
    emu.set_faults({"rules": [
        {"method": "GET", "path": "/v3/migprojects", "status_503_rate": 1.0},
        {"method": "*", "path": "*", "status_500_rate": 1.0},
    ]})
    assert api.get("/v3/migprojects").status_code == 503  # first matching rule wins
    assert api.get("/v3/sources").status_code == 500


def test_faults_never_hit_the_admin_api(emu, api):
    emu.set_faults(_rule(status_500_rate=1.0, throttle_rate=1.0, drop_after_commit_rate=1.0))
    assert emu.health() == {"ok": True}
    assert emu.sources() == []
    assert emu.counters()["requests"] == 0


def test_fault_config_round_trip_and_reset(emu, api):
    config = {"rules": [{"method": "post", "path": "/v3/sources", "status_500_rate": 0.25}],
              "rate_limit_per_ak": {"requests": 50, "per_seconds": 1}, "seed": 7}
    stored = emu.set_faults(config)
    assert stored["rules"][0]["method"] == "POST" and stored["rules"][0]["status_500_rate"] == 0.25
    assert stored["rules"][0]["retry_after"] == 1 and stored["rate_limit_per_ak"] == config["rate_limit_per_ak"]
    assert emu.faults() == stored
    emu.reset(faults=True, log=False, state=False, auth=False)
    assert emu.faults() == {"rules": [], "rate_limit_per_ak": None, "seed": None}


@pytest.mark.parametrize("config", [
    {"rules": [{"status_500_rate": 2}]},
    {"rules": [{"status_500_ratio": 0.1}]},
    {"rules": [{"latency_ms": -1}]},
    {"rules": "all"},
    {"rate_limit_per_ak": {"requests": 0, "per_seconds": 1}},
    {"seed": "x"},
    {"chaos": True},
])
def test_invalid_fault_configs_are_rejected(emu, api, config):
    with pytest.raises(EmulatorError, match="400"):
        emu.set_faults(config)
    assert emu.faults()["rules"] == []


def test_faults_from_the_command_line():
    with run_emulator(fault_500_rate=1.0, fault_seed=5) as emu:
        api = Api(emu)
        assert api.get("/v3/sources").status_code == 500
        assert emu.faults()["rules"][0]["status_500_rate"] == 1.0 and emu.faults()["seed"] == 5
        emu.set_faults({"rules": []})
        assert api.get("/v3/sources").status_code == 200
        emu.reset()  # back to the command-line faults
        assert api.get("/v3/sources").status_code == 500


def test_rate_limit_and_latency_from_the_command_line():
    with run_emulator(rate_limit_per_ak=2, latency_ms=50, fault_429_rate=0.0, fault_drop_rate=0.0) as emu:
        api = Api(emu)
        started = time.monotonic()
        statuses = [api.get("/v3/sources").status_code for _attempt in range(3)]
        assert statuses == [200, 200, 429]
        assert time.monotonic() - started >= 0.15
        assert emu.faults()["rate_limit_per_ak"] == {"requests": 2, "per_seconds": 1}


def test_drop_and_throttle_from_the_command_line():
    with run_emulator(fault_drop_rate=1.0) as emu:
        api = Api(emu)
        with pytest.raises(requests.exceptions.ConnectionError):
            api.post("/v3/sources", LINUX_BODY)
        assert len(emu.sources()) == 1
    with run_emulator(fault_429_rate=1.0, fault_retry_after=4) as emu:
        response = Api(emu).get("/v3/sources")
        assert response.status_code == 429 and response.headers["Retry-After"] == "4"
