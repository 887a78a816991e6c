"""Gateway authentication: AK/SK signatures, temporary credentials, lockout, IAM tokens."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.emulator.auth import SDK_DATE_FORMAT, sdk_signature
from tests.emulator.harness import run_emulator
from tests.emulator.protocol import Headers, Request
from tests.unit.emulator.emulator_helpers import LINUX_BODY, Api, token_request


def _sdk_date(delta: timedelta = timedelta()) -> str:
    return (datetime.now(timezone.utc) + delta).strftime(SDK_DATE_FORMAT)


def _auth_error(response, status=401, code="APIGW.0301") -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body["error_msg"]


# ---- the verifier against the reference test vectors (sms-api.md §7.2) ----------------------

def _vector_request(method, path, query, headers, body=b""):
    return Request(method, path, query, Headers(headers), body, "test")


def test_signature_test_vector_1():
    request = _vector_request("GET", "/v3/sources", "limit=10&name=web%2001&offset=0", [
        ("Content-Type", "application/json"), ("Host", "sms.cn-north-4.myhuaweicloud.com"),
        ("X-Project-Id", "0123456789abcdef0123456789abcdef"), ("X-Sdk-Date", "20250101T000000Z"),
    ])
    signed = ["content-type", "host", "x-project-id", "x-sdk-date"]
    assert sdk_signature(request, "AKEXAMPLE", "SKEXAMPLE", signed) == \
        "94d79d37d63bbe86a4fe4bd1630b8e106fe39dee27c3f7a28d7ad41503032cc5"


def test_signature_test_vector_2():
    request = _vector_request("PUT", "/v3/sources/8a2b/changestate", "", [
        ("Content-Type", "application/json;charset=UTF-8"), ("Host", "sms.ap-southeast-3.myhuaweicloud.com"),
        ("X-Sdk-Date", "20250101T000000Z"),
    ], b'{"name": "demo"}')
    assert sdk_signature(request, "AKEXAMPLE", "SKEXAMPLE", ["content-type", "host", "x-sdk-date"]) == \
        "7fac1c2c5b0caab5604a49237f3dac145fb3f0161743defb5388e9b116c9369e"


# ---- AK/SK over HTTP ---------------------------------------------------------------------------

def test_valid_aksk_is_accepted_and_logged(api, emu):
    response = api.get("/v3/sources", params={"name": "web 01 ü", "limit": 5})
    assert response.status_code == 200 and response.json()["count"] == 0
    [entry] = emu.log()
    assert (entry["auth"], entry["ak"], entry["status"]) == ("aksk", emu.ak, 200)
    assert entry["query"] == {"name": "web 01 ü", "limit": "5"}


def test_extra_signed_headers_are_verified(api):
    assert api.get("/v3/sources", headers={"X-Custom": "a b"}).status_code == 200


def test_temporary_credentials_need_the_security_token(api, emu):
    temp = {"ak": emu.temp_ak, "sk": emu.temp_sk}
    assert api.get("/v3/sources", security_token=emu.security_token, **temp).status_code == 200
    assert "x-security-token not found" in _auth_error(api.get("/v3/sources", **temp))
    wrong = api.get("/v3/sources", security_token="emulator-security-token-9999", **temp)
    assert "verify security token fail" in _auth_error(wrong)


def test_unknown_ak(api):
    message = _auth_error(api.get("/v3/sources", ak="UNKNOWNAK000000000000"))
    assert "ak:UNKNOWNAK000000000000,err:ak not exist" in message


def test_wrong_secret_key(api):
    assert _auth_error(api.get("/v3/sources", sk="not-the-secret")).endswith("verify aksk signature fail")


def test_body_changed_after_signing(api, emu):
    signed = api.post("/v3/sources", LINUX_BODY)
    assert signed.status_code == 200
    request = signed.request
    tampered = api.session.post(request.url, headers=dict(request.headers), data=request.body.replace(b"web-01", b"web-02"))
    assert _auth_error(tampered).endswith("verify aksk signature fail")
    assert len(emu.sources()) == 1


def test_unsigned_header_change_is_detected(api):
    signed = api.get("/v3/sources")
    headers = dict(signed.request.headers, **{"X-Project-Id": api.emu.projects["cn-north-4"]})
    assert "verify aksk signature fail" in _auth_error(api.session.get(signed.request.url, headers=headers))


@pytest.mark.parametrize("minutes, accepted", [(-20, False), (20, False), (-14, True), (14, True)])
def test_clock_skew(api, minutes, accepted):
    response = api.get("/v3/sources", sdk_date=_sdk_date(timedelta(minutes=minutes)))
    if accepted:
        assert response.status_code == 200
    else:
        assert "more than 15 minutes" in _auth_error(response)


def test_malformed_date_and_authorization(api):
    signed = api.get("/v3/sources").request
    for date in ("2025-01-01 00:00:00", None):
        headers = {k: v for k, v in signed.headers.items() if k != "X-Sdk-Date"}
        if date:
            headers["X-Sdk-Date"] = date
        assert "x-sdk-date" in _auth_error(api.session.get(signed.url, headers=headers))
    bad = api.get("/v3/sources", sign=False, headers={"Authorization": "SDK-HMAC-SM3 Access=x, SignedHeaders=host, Signature=00"})
    assert "malformed Authorization" in _auth_error(bad)


def test_no_credentials(api):
    assert "x-auth-token not found" in _auth_error(api.get("/v3/sources", sign=False))


def test_missing_project_id(api, emu):
    assert "x-project-id not found" in _auth_error(api.get("/v3/sources", project_id=None))
    assert api.get("/v3/projects", project_id=None).status_code == 200  # IAM needs none


def test_project_of_another_account(api):
    message = _auth_error(api.get("/v3/sources", project_id="f" * 32), 403, "APIGW.0302")
    assert "does not belong" in message


def test_lockout_after_five_failures(api, emu):
    for _attempt in range(4):
        _auth_error(api.get("/v3/sources", sk="wrong"))
    assert api.get("/v3/sources").status_code == 200  # a success resets the counter
    for _attempt in range(5):
        assert "verify aksk signature fail" in _auth_error(api.get("/v3/sources", sk="wrong"))
    assert "reach the limit,forbidden" in _auth_error(api.get("/v3/sources"))
    temp = api.get("/v3/sources", ak=emu.temp_ak, sk=emu.temp_sk, security_token=emu.security_token)
    assert temp.status_code == 200  # only that AK is locked
    emu.reset(auth=True, log=False, state=False, faults=False)
    assert api.get("/v3/sources").status_code == 200


def test_lockout_window_is_configurable():
    with run_emulator(lockout_seconds=1, lockout_threshold=2) as emu:
        api = Api(emu)
        for _attempt in range(2):
            _auth_error(api.get("/v3/sources", sk="wrong"))
        assert "reach the limit" in _auth_error(api.get("/v3/sources"))
        time.sleep(1.1)
        assert api.get("/v3/sources").status_code == 200


# ---- IAM tokens --------------------------------------------------------------------------------

@pytest.mark.parametrize("scope_of", [
    lambda emu: {"project": {"name": "cn-north-4"}},
    lambda emu: {"project": {"id": emu.projects["cn-north-4"]}},
])
def test_project_token(api, emu, scope_of):
    response = api.post("/v3/auth/tokens", token_request(emu, scope_of(emu)), sign=False)
    assert response.status_code == 201
    token = response.headers["X-Subject-Token"]
    body = response.json()["token"]
    assert body["project"]["id"] == emu.projects["cn-north-4"] and body["project"]["name"] == "cn-north-4"
    assert body["user"]["name"] == emu.username and body["user"]["domain"]["name"] == emu.domain_name
    assert body["expires_at"].endswith("Z")
    assert api.post("/v3/sources", LINUX_BODY, token=token).status_code == 200
    assert emu.sources()[0]["project_id"] == emu.projects["cn-north-4"]
    assert [e["auth"] for e in emu.log()] == ["none", "token"]


def test_domain_scoped_token_is_refused_by_sms(api, emu):
    token = api.token({"domain": {"name": emu.domain_name}})
    assert "project-scoped token" in _auth_error(api.get("/v3/sources", token=token), 403, "APIGW.0302")
    projects = api.get("/v3/projects", token=token, params={"name": "cn-north-4"}).json()["projects"]
    assert [p["id"] for p in projects] == [emu.projects["cn-north-4"]]


def test_unknown_token(api):
    assert "decrypt token fail" in _auth_error(api.get("/v3/sources", token="EMUforged"))


@pytest.mark.parametrize("user, scope, status", [
    ({"password": "wrong"}, None, 401),
    ({"name": "nobody"}, None, 401),
    ({"domain": {"name": "other-domain"}}, None, 401),
    ({}, {"project": {"name": "eu-west-0"}}, 401),
    ({}, {"domain": {"name": "other-domain"}}, 401),
    ({}, {"system": {}}, 400),
])
def test_token_errors_look_like_iam(api, emu, user, scope, status):
    response = api.post("/v3/auth/tokens", token_request(emu, scope, **user), sign=False)
    assert response.status_code == status
    assert response.json()["error"]["code"] == status and response.json()["error"]["message"]
    assert "X-Subject-Token" not in response.headers


def test_token_by_domain_id_and_unscoped(api, emu):
    token = api.token(domain={"id": emu.domain_id})
    assert _auth_error(api.get("/v3/sources", token=token), 403, "APIGW.0302")
    assert api.get("/v3/projects", token=token).status_code == 200


def test_tokens_expire():
    with run_emulator(token_ttl=1) as emu:
        api = Api(emu)
        token = api.token({"project": {"name": emu.region}})
        assert api.get("/v3/sources", token=token).status_code == 200
        time.sleep(1.2)
        assert "token expires" in _auth_error(api.get("/v3/sources", token=token))


def test_project_lookup_with_aksk(api, emu):
    one = api.get("/v3/projects", project_id=None, params={"name": "cn-north-4"}).json()["projects"]
    assert one == [{
        "id": emu.projects["cn-north-4"], "name": "cn-north-4", "domain_id": emu.domain_id,
        "parent_id": emu.domain_id, "enabled": True, "is_domain": False, "description": "",
    }]
    every = api.get("/v3/projects", project_id=None).json()["projects"]
    assert {p["name"] for p in every} == {"ap-southeast-3", "cn-north-4"}
    assert api.get("/v3/projects", project_id=None, params={"name": "eu-west-0"}).json()["projects"] == []
