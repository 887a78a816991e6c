"""The emulator's late-commit and garbled-2xx faults (issue 9), over real HTTP.

A late commit holds the request, commits after the client gave up, then drops the connection; a
garbled 2xx answers a successful call with an HTML page, an empty body, a truncated body or
``null`` instead of its JSON.
"""

import time

import pytest
import requests

from tests.unit.emulator.emulator_helpers import LINUX_BODY, Api


@pytest.fixture
def api(sms_emulator):
    return Api(sms_emulator)


def test_late_commit_appears_after_the_client_gave_up(api, sms_emulator):
    sms_emulator.set_faults({"rules": [{"method": "POST", "path": "/v3/sources", "late_commit_rate": 1.0,
                                        "late_commit_ms": 1500}]})
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        api.request("POST", "/v3/sources", json=LINUX_BODY, timeout=0.5)
    assert time.monotonic() - started < 1.4 and sms_emulator.sources() == []  # not committed yet
    time.sleep(1.5)
    [stored] = sms_emulator.sources()
    assert stored["name"] == LINUX_BODY["name"]
    [entry] = sms_emulator.log()
    assert entry["dropped"] is True and entry["late_commit_ms"] == 1500 and entry["status"] == 200
    counters = sms_emulator.counters()
    assert counters["faults_injected"]["late_commit"] == 1 and counters["writes"] == 1
    assert counters["faults_injected"]["drop_after_commit"] == 0


@pytest.mark.parametrize("kind, body", [("html", b"<!DOCTYPE html>"), ("empty", b""),
                                        ("truncated", b'{"count": 1, "source_servers": [{"id": "'),
                                        ("null", b"null")])
def test_garbled_2xx_bodies(api, sms_emulator, kind, body):
    source_id = api.register(LINUX_BODY)
    sms_emulator.set_faults({"rules": [{"method": "GET", "path": "/v3/sources", "garble_rate": 1.0, "garble": kind}]})
    response = api.get("/v3/sources")
    assert response.status_code == 200 and response.content.startswith(body)
    if kind != "html":
        assert response.content == body
    assert api.get("/v3/migprojects").json()["count"] == 1  # other routes answer normally
    assert sms_emulator.log()[-2]["garble"] == kind
    assert sms_emulator.counters()["faults_injected"]["garbled"] == 1
    sms_emulator.set_faults({"rules": [{"method": "GET", "path": "/v3/sources", "garble_rate": 1.0}]})
    assert api.get("/v3/sources/missing").status_code == 404  # only successes are garbled
    assert [s["id"] for s in sms_emulator.sources()] == [source_id]


def test_fault_keys_are_validated(sms_emulator):
    from tests.emulator.harness import EmulatorError
    for rule in ({"garble": "xml"}, {"late_commit_rate": 2}, {"late_commit_ms": -1}):
        with pytest.raises(EmulatorError):
            sms_emulator.set_faults({"rules": [rule]})
