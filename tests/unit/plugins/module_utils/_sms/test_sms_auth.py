"""SDK-HMAC-SHA256 signing: the reference test vectors, the official SDK signer as an oracle, IAM helpers."""

import datetime
import json
import random
import string
from types import SimpleNamespace

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._sms import auth

VECTOR_1_SIGNATURE = "94d79d37d63bbe86a4fe4bd1630b8e106fe39dee27c3f7a28d7ad41503032cc5"
VECTOR_2_SIGNATURE = "7fac1c2c5b0caab5604a49237f3dac145fb3f0161743defb5388e9b116c9369e"


def test_vector_1_get_with_query_and_project():
    query = auth.canonical_query({"limit": 10, "name": "web 01", "offset": 0})
    assert query == "limit=10&name=web%2001&offset=0"
    url = "https://sms.cn-north-4.myhuaweicloud.com/v3/sources?" + query
    headers = {"Content-Type": "application/json", "X-Project-Id": "0123456789abcdef0123456789abcdef",
               "X-Sdk-Date": "20250101T000000Z"}
    canonical, names = auth.canonical_request("GET", "/v3/sources", query,
                                              dict(headers, Host="sms.cn-north-4.myhuaweicloud.com"), b"")
    assert canonical == "\n".join([
        "GET", "/v3/sources/", "limit=10&name=web%2001&offset=0",
        "content-type:application/json\nhost:sms.cn-north-4.myhuaweicloud.com\n"
        "x-project-id:0123456789abcdef0123456789abcdef\nx-sdk-date:20250101T000000Z\n",
        "content-type;host;x-project-id;x-sdk-date",
        auth.EMPTY_BODY_SHA256,
    ])
    signed = auth.sign("GET", url, headers, b"", "AKEXAMPLE", "SKEXAMPLE")
    assert signed["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
        "Signature=" + VECTOR_1_SIGNATURE)
    assert signed["Host"] == "sms.cn-north-4.myhuaweicloud.com"


def test_vector_2_put_with_body():
    body = b'{"name": "demo"}'
    signed = auth.sign("PUT", "https://sms.ap-southeast-3.myhuaweicloud.com/v3/sources/8a2b/changestate",
                       {"Content-Type": "application/json;charset=UTF-8", "X-Sdk-Date": "20250101T000000Z"},
                       body, "AKEXAMPLE", "SKEXAMPLE")
    assert "SignedHeaders=content-type;host;x-sdk-date," in signed["Authorization"]
    assert signed["Authorization"].endswith("Signature=" + VECTOR_2_SIGNATURE)


def test_date_is_added_from_the_clock_when_absent():
    now = datetime.datetime(2026, 11, 30, 10, 1, 2, tzinfo=datetime.timezone.utc)
    signed = auth.sign("GET", "https://h.example/v3/sources", {"Content-Type": "application/json"}, b"", "AK", "SK",
                       now=now)
    assert signed["X-Sdk-Date"] == "20261130T100102Z"


def test_non_json_content_is_unsigned_payload():
    headers = {"Content-Type": "application/octet-stream", "X-Sdk-Date": "20250101T000000Z"}
    signed = auth.sign("POST", "https://h.example/upload", headers, b"\x00\x01", "AK", "SK")
    assert signed["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert "x-sdk-content-sha256" in signed["Authorization"]


def test_canonical_uri_encodes_each_segment_and_appends_slash():
    assert auth.canonical_uri("/v3/sources/a b") == "/v3/sources/a%20b/"
    assert auth.canonical_uri("/v3/sources/a%20b/") == "/v3/sources/a%20b/"
    assert auth.canonical_uri("/v3/x~y.z-_") == "/v3/x~y.z-_/"


def test_canonical_query_sorts_repeats_lists_and_lowercases_booleans():
    assert auth.canonical_query([("b", ["2", "1"]), ("a", True), ("c", None), ("d", "x&y=z")]) == \
        "a=true&b=1&b=2&d=x%26y%3Dz"
    assert auth.canonical_query({}) == ""


def test_header_names_with_underscore_are_not_signed():
    headers = {"X_Custom": "1", "Content-Type": "application/json", "X-Sdk-Date": "20250101T000000Z"}
    signed = auth.sign("GET", "https://h.example/v3", headers, b"", "AK", "SK")
    assert "SignedHeaders=content-type;host;x-sdk-date," in signed["Authorization"]


def test_aksk_auth_adds_project_and_security_token_before_signing():
    fixed = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    credentials = auth.AkSkAuth("AK", "SK", security_token="temp-token", clock=lambda: fixed)
    headers = credentials.headers_for("GET", "https://h.example/v3/sources", {"Content-Type": "application/json"},
                                      b"", project_id="p123")
    assert headers["X-Project-Id"] == "p123"
    assert headers["X-Security-Token"] == "temp-token"
    assert "SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token," in headers["Authorization"]
    assert credentials.secrets() == ["SK", "temp-token"]


def test_token_auth_sends_the_token_and_no_signature():
    headers = auth.TokenAuth("tok").headers_for("GET", "https://h.example/v3", {}, b"", project_id="p")
    assert headers == {"X-Auth-Token": "tok", "X-Project-Id": "p"}


# -- the official SDK signer as an oracle (test-only import) --------------------------------------

sdk_signer = pytest.importorskip("huaweicloudsdkcore.signer.signer", reason="huaweicloudsdkcore is a test-only oracle")
sdk_request = pytest.importorskip("huaweicloudsdkcore.sdk_request")

_SEGMENT_CHARS = string.ascii_letters + string.digits + "-_.~ %:@!$&'()*+,;=" + "äé中"
_VALUE_CHARS = string.ascii_letters + string.digits + " -_.~&=+/?#%" + "ü字"


def _text(rng, chars, low=0, high=12):
    return "".join(rng.choice(chars) for position in range(rng.randint(low, high)))


def _random_request(rng):
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH"])
    host = rng.choice(["sms.ap-southeast-3.myhuaweicloud.com", "sms.cn-north-4.myhuaweicloud.com",
                       "127.0.0.1:%d" % rng.randint(1024, 65535), "iam.myhuaweicloud.com"])
    segments = [_text(rng, _SEGMENT_CHARS, 1, 10).replace("%", "") for count in range(rng.randint(1, 4))]
    path = "/" + "/".join(segments) + ("/" if rng.random() < 0.2 else "")
    params = []
    for key in rng.sample(["limit", "offset", "name", "ip", "state", "a b", "ß", "x~y"], rng.randint(0, 5)):
        kind = rng.random()
        if kind < 0.2:
            params.append((key, rng.choice([True, False])))
        elif kind < 0.35:
            params.append((key, sorted({_text(rng, _VALUE_CHARS, 0, 6) for count in range(rng.randint(1, 3))})))
        elif kind < 0.5:
            params.append((key, rng.randint(0, 10000)))
        else:
            params.append((key, _text(rng, _VALUE_CHARS)))
    headers = {"Content-Type": rng.choice(["application/json", "application/json;charset=UTF-8",
                                           "text/plain", "application/bson"]),
               "X-Sdk-Date": "2025%02d%02dT%02d%02d%02dZ" % (
                   rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))}
    if rng.random() < 0.5:
        headers["X-Project-Id"] = "%032x" % rng.getrandbits(128)
    if rng.random() < 0.3:
        headers["X-Security-Token"] = _text(rng, string.ascii_letters + string.digits + "+/=", 10, 60)
    if rng.random() < 0.3:
        headers["X_Not_Signed"] = "yes"
    if rng.random() < 0.3:
        headers["User-Agent"] = "  hwcloud.sms test  "
    body = b"" if method in ("GET", "DELETE") or rng.random() < 0.2 else json.dumps(
        {"name": _text(rng, _VALUE_CHARS, 1), "n": rng.randint(0, 1 << 40)}).encode("utf-8")
    return method, host, path, params, headers, body


def _sdk_authorization(method, host, path, params, headers, body, ak, sk):
    request = sdk_request.SdkRequest(method=method, schema="https", host=host, resource_path=path,
                                     query_params=[(k, list(v) if isinstance(v, list) else v) for k, v in params],
                                     header_params=dict(headers), body=body)
    signed = sdk_signer.Signer(SimpleNamespace(ak=ak, sk=sk)).sign(request)
    return signed.header_params["Authorization"]


def test_signatures_match_the_official_sdk_signer_on_random_requests():
    rng = random.Random(20251130)
    for attempt in range(400):
        method, host, path, params, headers, body = _random_request(rng)
        ak = "AK" + _text(rng, string.ascii_uppercase + string.digits, 8, 18)
        sk = _text(rng, string.ascii_letters + string.digits, 20, 40)
        query = auth.canonical_query(params)
        url = "https://%s%s%s" % (host, path, "?" + query if query else "")
        mine = auth.sign(method, url, headers, body, ak, sk)["Authorization"]
        assert mine == _sdk_authorization(method, host, path, params, headers, body, ak, sk), (method, url, headers)


# -- IAM helpers ----------------------------------------------------------------------------------

def test_password_token_body_is_project_scoped():
    body = auth.password_token_body("demo-user", "pw", "demo-domain", project_name="ap-southeast-3")
    assert body["auth"]["identity"]["methods"] == ["password"]
    assert body["auth"]["identity"]["password"]["user"] == {"name": "demo-user", "password": "pw",
                                                            "domain": {"name": "demo-domain"}}
    assert body["auth"]["scope"] == {"project": {"name": "ap-southeast-3"}}
    assert auth.password_token_body("u", "p", "d", project_id="abc")["auth"]["scope"] == {"project": {"id": "abc"}}


def test_project_id_parsers():
    assert auth.project_id_from_token({"token": {"project": {"id": "p1", "name": "ap-southeast-3"}}}) == "p1"
    assert auth.project_id_from_token({"token": {}}) is None
    projects = {"projects": [{"name": "cn-north-4", "id": "x"}, {"name": "ap-southeast-3", "id": "y"}]}
    assert auth.project_id_from_projects(projects, "ap-southeast-3") == "y"
    assert auth.project_id_from_projects(projects, "eu-west-101") is None
    assert auth.project_id_from_projects({"projects": None}, "x") is None


def test_parse_http_date():
    parsed = auth.parse_http_date("Sun, 30 Nov 2025 10:00:00 GMT")
    assert parsed == datetime.datetime(2025, 11, 30, 10, tzinfo=datetime.timezone.utc)
    assert auth.parse_http_date("not a date") is None
