"""SmsClient: retry policy, transport classification, pagination, options, auth selection.

The HTTP session is replaced by a scripted one (the unit boundary); clock, sleep and the random
source are injected so backoff and deadlines are checked exactly. The emulator tests the wire.
"""

import json

import pytest
import requests
import urllib3

from ansible_collections.hwcloud.sms.plugins.module_utils._sms import client as sms_client
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.client import (
    RetryPolicy,
    SmsAmbiguousError,
    SmsApiError,
    SmsClient,
    SmsNotFoundError,
    decide,
    resolve_options,
    retry_after_seconds,
)

AK, SK = "AKUNITTEST000001", "unit-test-secret-key-000000000000000001"


# -- policy ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("retry", range(8))
@pytest.mark.parametrize("rand", [0.0, 0.25, 0.999999])
def test_backoff_is_full_jitter_within_the_exponential_cap(retry, rand):
    policy = RetryPolicy(base_delay=0.5, max_delay=20.0)
    cap = min(20.0, 0.5 * 2 ** retry)
    delay = policy.backoff(retry, rand)
    assert 0.0 <= delay <= cap
    assert delay == pytest.approx(rand * cap)


def test_next_delay_stops_after_retries_and_before_the_deadline():
    policy = RetryPolicy(retries=3, deadline=10.0, base_delay=1.0, max_delay=8.0)
    assert policy.next_delay(0, elapsed=0.0, rand=1.0) == 1.0
    assert policy.next_delay(2, elapsed=0.0, rand=1.0) == 4.0
    assert policy.next_delay(3, elapsed=0.0, rand=0.0) is None  # retries exhausted
    assert policy.next_delay(2, elapsed=6.5, rand=1.0) is None  # 6.5 + 4 > deadline
    assert policy.next_delay(2, elapsed=5.9, rand=1.0) == 4.0


def test_retry_after_is_honoured_plus_jitter():
    policy = RetryPolicy(retries=5, deadline=100.0, base_delay=0.5, max_delay=20.0)
    assert policy.next_delay(0, 0.0, rand=0.0, retry_after=7) == 7.0
    assert policy.next_delay(1, 0.0, rand=1.0, retry_after=7) == 8.0
    assert policy.next_delay(1, 95.0, rand=0.0, retry_after=7) is None  # would pass the deadline


def test_retry_after_parsing():
    import datetime
    now = datetime.datetime(2025, 11, 30, 10, 0, 0, tzinfo=datetime.timezone.utc)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("0.5") == 0.5
    assert retry_after_seconds("Sun, 30 Nov 2025 10:00:12 GMT", now=now) == 12.0
    assert retry_after_seconds("Sun, 30 Nov 2025 09:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@pytest.mark.parametrize("status,code,failure,idempotent,verdict", [
    (429, "APIGW.0308", None, False, "retry"),
    (None, "APIGW.0308", None, True, "retry"),
    (500, "SMS.9999", None, True, "retry"),
    (503, None, None, False, "ambiguous"),
    (400, "SMS.8003", None, True, "fail"),
    (401, "APIGW.0301", None, True, "fail"),
    (403, "APIGW.0302", None, True, "fail"),
    (404, "SMS.2216", None, True, "fail"),
    (None, None, "connect", False, "retry"),
    (None, None, "timeout", True, "retry"),
    (None, None, "timeout", False, "ambiguous"),
    (None, None, "dropped", False, "ambiguous"),
    (None, None, "tls", True, "fail"),
    (None, None, "invalid", True, "fail"),
])
def test_decide(status, code, failure, idempotent, verdict):
    assert decide(status, code, failure, idempotent) == verdict


# -- transport with a scripted session --------------------------------------------------------------

class FakeRaw:
    def __init__(self, content):
        self.content = content

    def stream(self, amount, decode_content=True):
        assert decode_content is False, "the client decodes bodies itself (bounded)"
        for start in range(0, len(self.content), amount):
            yield self.content[start:start + amount]


class FakeResponse:
    """A streamed response: ``body`` is JSON-encoded, ``raw`` is sent as it is."""

    def __init__(self, status, body=None, headers=None, raw=None):
        self.status_code = status
        self.headers = requests.structures.CaseInsensitiveDict(headers or {})
        self.content = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        self.raw = FakeRaw(self.content)
        self.closed = False

    def close(self):
        self.closed = True


class ScriptedSession:
    """Answers requests from a script: a FakeResponse, an exception, or a callable(request)."""

    def __init__(self, *script):
        self.script = list(script)
        self.requests = []

    def request(self, method, url, headers=None, data=None, timeout=None, allow_redirects=True, **kwargs):
        self.requests.append({"method": method, "url": url, "headers": headers, "data": data, "timeout": timeout,
                              "allow_redirects": allow_redirects, **kwargs})
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step(self.requests[-1]) if callable(step) else step


class Clock:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def make_client(*script, retries=3, deadline=60.0, project_id="p-0001", **kwargs):
    kwargs.setdefault("validate_certs", True)
    clock = Clock()
    session = ScriptedSession(*script)
    client = SmsClient("https://sms.example", sms_client._auth.AkSkAuth(AK, SK), project_id=project_id,
                       iam_endpoint="https://iam.example", policy=RetryPolicy(retries=retries, deadline=deadline),
                       session=session, sleep=clock.sleep, monotonic=clock.monotonic, rand=lambda: 0.5, **kwargs)
    return client, session, clock


OK_LIST = FakeResponse(200, {"count": 0, "source_servers": []})
THROTTLED = FakeResponse(429, {"error_code": "APIGW.0308", "error_msg": "throttled"}, {"Retry-After": "2"})
UNAVAILABLE = FakeResponse(503, {"error_code": "SMS.9998", "error_msg": "unavailable"})


def _dropped():
    return requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.",
                                                                                ConnectionResetError(104, "reset")))


def _refused():
    reason = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: refused")
    return requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/v3/sources", reason))


def test_throttling_is_retried_after_retry_after():
    client, session, clock = make_client(THROTTLED, OK_LIST)
    assert client.list_sources() == []
    assert len(session.requests) == 2
    assert clock.slept == [2 + 0.5 * 0.5]  # Retry-After + jittered backoff of retry 0


def test_server_errors_are_retried_for_get_until_retries_are_exhausted():
    client, session, clock = make_client(UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, retries=3)
    with pytest.raises(SmsApiError) as caught:
        client.show_source("abc")
    assert caught.value.status == 503 and caught.value.attempts == 4
    assert "gave up after 4 attempts" in str(caught.value)
    assert len(session.requests) == 4 and len(clock.slept) == 3
    assert clock.slept == sorted(clock.slept)  # exponential growth


def test_the_deadline_bounds_the_whole_call():
    client, session, clock = make_client(*[UNAVAILABLE] * 10, retries=10, deadline=2.0)
    with pytest.raises(SmsApiError):
        client.list_sources()
    assert sum(clock.slept) < 2.0
    assert all(max(r["timeout"]) <= 2.0 for r in session.requests)


@pytest.mark.parametrize("status,code", [(400, "SMS.8003"), (401, "APIGW.0301"), (403, "APIGW.0302"),
                                         (409, "SMS.2013")])
def test_other_client_errors_are_never_retried(status, code):
    client, session, clock = make_client(FakeResponse(status, {"error_code": code, "error_msg": "no"}), OK_LIST)
    with pytest.raises(SmsApiError) as caught:
        client.list_sources()
    assert caught.value.status == status and caught.value.code == code
    assert len(session.requests) == 1 and clock.slept == []


def test_post_without_id_is_not_resent_after_an_ambiguous_failure():
    for failure in (UNAVAILABLE, _dropped(), requests.exceptions.ReadTimeout("read timed out")):
        client, session = make_client(failure, FakeResponse(200, {"id": "dup"}))[:2]
        with pytest.raises(SmsAmbiguousError):
            client.register_source({"name": "web01"})
        assert len(session.requests) == 1


def test_post_without_id_is_retried_when_nothing_was_sent_or_it_was_throttled():
    client, session = make_client(_refused(), requests.exceptions.ConnectTimeout("connect timeout"), THROTTLED,
                                  FakeResponse(200, {"id": "new-id"}))[:2]
    assert client.register_source({"name": "web01", "id": "ignored"}) == "new-id"
    assert len(session.requests) == 4
    assert b'"id"' not in session.requests[-1]["data"]


def test_update_with_id_is_idempotent_and_retried():
    client, session = make_client(_dropped(), UNAVAILABLE, FakeResponse(200, {"id": "s1"}))[:2]
    assert client.update_source("s1", {"name": "web01"}) == "s1"
    assert len(session.requests) == 3
    assert json.loads(session.requests[-1]["data"])["id"] == "s1"


def test_tls_errors_fail_at_once_with_advice():
    client, session = make_client(requests.exceptions.SSLError("certificate verify failed"))[:2]
    with pytest.raises(SmsApiError, match="ca_path"):
        client.list_sources()
    assert len(session.requests) == 1


def test_delete_of_a_missing_source_is_not_an_error():
    client = make_client(FakeResponse(404, {"error_code": "SMS.2216", "error_msg": "no such source"}))[0]
    assert client.delete_source("gone") is False
    client = make_client(FakeResponse(200, None))[0]
    assert client.delete_source("s1") is True
    client = make_client(FakeResponse(404, {"error_code": "SMS.2216", "error_msg": "x"}))[0]
    with pytest.raises(SmsNotFoundError):
        client.delete_source("gone", missing_ok=False)


def test_list_follows_pages_until_count():
    pages = [FakeResponse(200, {"count": 5, "source_servers": [{"id": "s%d" % i} for i in range(k, min(k + 2, 5))]})
             for k in (0, 2, 4)]
    client, session = make_client(*pages)[:2]
    client_page = sms_client.PAGE_SIZE
    assert [s["id"] for s in client.list_sources({"state": "waiting", "limit": 7})] == ["s0", "s1", "s2", "s3", "s4"]
    offsets = [r["url"].split("offset=")[1].split("&")[0] for r in session.requests]
    assert offsets == ["0", "2", "4"]
    assert all("limit=%d" % client_page in r["url"] and "state=waiting" in r["url"] for r in session.requests)


def test_an_empty_page_before_count_is_an_error_not_a_short_list():
    client, session = make_client(FakeResponse(200, {"count": 9, "source_servers": [{"id": "a"}]}),
                                  FakeResponse(200, {"count": 9, "source_servers": []}))[:2]
    with pytest.raises(SmsApiError, match="reports 9 records but sent an empty page after 1"):
        client.list_sources()
    assert len(session.requests) == 2


def test_a_repeated_page_stops_the_listing():
    page = FakeResponse(200, {"count": 500, "source_servers": [{"id": "s%d" % i} for i in range(200)]})
    client, session = make_client(page, page, page)[:2]
    with pytest.raises(SmsApiError, match="already sent"):
        client.list_sources()
    assert len(session.requests) == 2


def test_endless_pages_are_bounded():
    def fresh_page(request):
        offset = int(request["url"].split("offset=")[1].split("&")[0])
        return FakeResponse(200, {"count": sms_client.MAX_PAGES * sms_client.PAGE_SIZE,
                                  "source_servers": [{"id": "s%d" % (offset + 1)}]})

    client, session = make_client(*[fresh_page] * (sms_client.MAX_PAGES + 5))[:2]
    with pytest.raises(SmsApiError, match="still more records after %d pages" % sms_client.MAX_PAGES):
        client.list_sources()
    assert len(session.requests) == sms_client.MAX_PAGES


def test_an_absurd_count_stops_the_listing_at_once():
    client, session = make_client(FakeResponse(200, {"count": 10 ** 9, "source_servers": [{"id": "a"}]}))[:2]
    with pytest.raises(SmsApiError, match="more than the 20000 this client lists"):
        client.list_sources()
    assert len(session.requests) == 1


GARBLED_BODIES = {
    "html from a proxy": FakeResponse(200, raw=b"<html><body>Proxy login</body></html>",
                                      headers={"Content-Type": "text/html"}),
    "empty": FakeResponse(200, raw=b""),
    "truncated": FakeResponse(200, raw=b'{"count": 1, "source_servers": [{"id": "a"'),
    "null": FakeResponse(200, raw=b"null"),
    "a list": FakeResponse(200, raw=b"[]"),
    "count as text": FakeResponse(200, {"count": "1", "source_servers": []}),
    "count as boolean": FakeResponse(200, {"count": True, "source_servers": []}),
    "servers not a list": FakeResponse(200, {"count": 0, "source_servers": {}}),
    "item not an object": FakeResponse(200, {"count": 1, "source_servers": ["a"]}),
    "id as number": FakeResponse(200, {"count": 1, "source_servers": [{"id": 7}]}),
    "name as list": FakeResponse(200, {"count": 1, "source_servers": [{"id": "a", "name": ["x"]}]}),
    "too many items": FakeResponse(200, {"count": 999, "source_servers": [{"id": str(i)} for i in range(201)]}),
    "not utf-8": FakeResponse(200, raw=b'{"count": 0, "source_servers": [], "x": "\xff\xfe"}'),
    "deep nesting": FakeResponse(200, raw=b"[" * 100000),
}


@pytest.mark.parametrize("case", sorted(GARBLED_BODIES))
def test_a_garbled_listing_is_retried_then_an_error_never_no_sources(case):
    client, session, clock = make_client(*[GARBLED_BODIES[case]] * 4, retries=3)
    with pytest.raises(SmsApiError) as caught:
        client.list_sources()
    assert len(session.requests) == 4, "retried like a 5xx"
    message = str(caught.value)
    assert "without the JSON this call expects" in message and "gave up after 4 attempts" in message
    assert caught.value.status == 200


def test_a_garbled_answer_then_a_good_one_succeeds():
    good = FakeResponse(200, {"count": 1, "source_servers": [{"id": "a", "name": "web01"}]})
    client, session = make_client(GARBLED_BODIES["html from a proxy"], good)[:2]
    assert client.list_sources() == [{"id": "a", "name": "web01"}]
    assert len(session.requests) == 2


@pytest.mark.parametrize("case", ["html from a proxy", "empty", "null", "a list"])
def test_a_garbled_answer_to_a_create_is_ambiguous_and_not_resent(case):
    client, session = make_client(GARBLED_BODIES[case], FakeResponse(200, {"id": "dup"}))[:2]
    with pytest.raises(SmsAmbiguousError):
        client.register_source({"name": "web01"})
    assert len(session.requests) == 1


def test_show_needs_a_source_record_and_delete_an_object_or_nothing():
    client = make_client(FakeResponse(200, raw=b"[]"), FakeResponse(200, raw=b"[]"), retries=1)[0]
    with pytest.raises(SmsApiError, match="expected a JSON object, got an array"):
        client.show_source("a")
    client = make_client(FakeResponse(200, raw=b"<html/>"), FakeResponse(200, raw=b"<html/>"), retries=1)[0]
    with pytest.raises(SmsApiError, match="not JSON"):
        client.delete_source("a")
    client = make_client(FakeResponse(204, raw=b""))[0]
    assert client.delete_source("a") is True


def test_a_redirect_is_not_followed_and_names_the_new_place():
    moved = FakeResponse(302, raw=b"", headers={"Location": "https://user:pw@evil.example/steal?x=1"})
    client, session = make_client(moved, OK_LIST)[:2]
    with pytest.raises(SmsApiError) as caught:
        client.list_sources()
    assert len(session.requests) == 1 and session.requests[0]["allow_redirects"] is False
    assert "redirect to https://evil.example/steal" in str(caught.value) and "pw" not in str(caught.value)


def test_gzip_and_deflate_bodies_are_decoded_by_the_client():
    import gzip
    import zlib
    body = json.dumps({"count": 1, "source_servers": [{"id": "z"}]}).encode()
    for encoding, raw in (("gzip", gzip.compress(body)), ("deflate", zlib.compress(body)),
                          ("deflate", zlib.compress(body)[2:-4])):  # raw deflate, no zlib header
        client = make_client(FakeResponse(200, raw=raw, headers={"Content-Encoding": encoding}))[0]
        assert client.list_sources() == [{"id": "z"}]


def test_a_body_over_the_size_cap_fails_without_retry():
    import gzip
    bomb = gzip.compress(b" " * (4 * 1024 * 1024))
    client, session = make_client(FakeResponse(200, raw=bomb, headers={"Content-Encoding": "gzip"}),
                                  max_response_size=1024 * 1024)[:2]
    with pytest.raises(SmsApiError, match="larger than max_response_size"):
        client.list_sources()
    assert len(session.requests) == 1
    client = make_client(FakeResponse(200, raw=b"x" * 10, headers={"Content-Length": str(10 ** 9)}),
                         max_response_size=1024)[0]
    with pytest.raises(SmsApiError, match="announced 1000000000 bytes"):
        client.list_sources()


def test_error_pages_are_shown_redacted_and_without_terminal_escapes():
    page = ("<html>\x1b[31mgateway down\x1b[0m for %s</html>" % SK).encode()
    client = make_client(FakeResponse(502, raw=page), retries=0)[0]
    with pytest.raises(SmsApiError) as caught:
        client.list_sources()
    assert SK not in str(caught.value) and "\x1b" not in str(caught.value) and "gateway down" in str(caught.value)


def test_find_sources_matches_exactly_client_side():
    records = [{"id": "1", "name": "web01", "ip": "10.0.0.1"}, {"id": "2", "name": "web01-old", "ip": "10.0.0.1"},
               {"id": "3", "name": "web01", "ip": "10.0.0.2"}]
    client, session = make_client(FakeResponse(200, {"count": 3, "source_servers": records}))[:2]
    assert [s["id"] for s in client.find_sources(name="web01", ip="10.0.0.1")] == ["1"]
    assert "name=web01" in session.requests[0]["url"]
    with pytest.raises(ValueError):
        client.find_sources()


def test_requests_are_signed_with_project_and_sent_as_signed():
    client, session = make_client(OK_LIST)[:2]
    client.list_sources({"name": "web 01"})
    sent = session.requests[0]
    assert sent["url"] == "https://sms.example/v3/sources?limit=200&name=web%2001&offset=0"
    assert sent["headers"]["X-Project-Id"] == "p-0001"
    assert sent["headers"]["Authorization"].startswith("SDK-HMAC-SHA256 Access=%s, " % AK)
    assert "x-project-id" in sent["headers"]["Authorization"]


def test_project_id_is_resolved_once_through_iam():
    projects = FakeResponse(200, {"projects": [{"name": "ap-southeast-3", "id": "resolved-id"}]})
    client, session = make_client(projects, OK_LIST, OK_LIST, project_id=None)[:2]
    client.list_sources()
    client.list_sources()
    assert session.requests[0]["url"] == "https://iam.example/v3/projects?name=ap-southeast-3"
    assert "X-Project-Id" not in session.requests[0]["headers"]
    assert [r["headers"].get("X-Project-Id") for r in session.requests[1:]] == ["resolved-id", "resolved-id"]


def test_unknown_region_is_a_clear_error():
    client = make_client(FakeResponse(200, {"projects": []}), project_id=None)[0]
    with pytest.raises(SmsApiError, match="no project named 'ap-southeast-3'"):
        client.list_sources()


def test_password_login_obtains_one_token_and_reuses_it():
    token = FakeResponse(201, {"token": {"project": {"id": "tok-project"}}}, {"X-Subject-Token": "subject-token-xyz"})
    clock = Clock()
    session = ScriptedSession(token, OK_LIST, OK_LIST)
    client = SmsClient.from_options({"username": "u", "password": "secret-password", "domain_name": "d",
                                     "endpoint": "https://sms.example", "iam_endpoint": "https://iam.example"},
                                    session=session, sleep=clock.sleep, monotonic=clock.monotonic)
    client.list_sources()
    client.list_sources()
    assert session.requests[0]["url"] == "https://iam.example/v3/auth/tokens"
    assert json.loads(session.requests[0]["data"])["auth"]["scope"] == {"project": {"name": "ap-southeast-3"}}
    assert [r["headers"].get("X-Auth-Token") for r in session.requests[1:]] == ["subject-token-xyz"] * 2
    assert client.project_id == "tok-project"


def test_error_messages_never_contain_secrets():
    echo = FakeResponse(401, {"error_code": "APIGW.0301", "error_msg": "bad signature for secret %s" % SK})
    client = make_client(echo)[0]
    with pytest.raises(SmsApiError) as caught:
        client.list_sources()
    assert SK not in str(caught.value) and "********" in str(caught.value)


# -- options ------------------------------------------------------------------------------------------

def test_resolve_options_uses_given_values_then_environment_then_defaults():
    env = {"HUAWEICLOUD_SDK_AK": "env-ak", "HUAWEICLOUD_SDK_SK": "env-sk", "HUAWEICLOUD_SDK_REGION": "cn-north-4"}
    opts = resolve_options({"secret_key": "given-sk", "timeout": "12.5", "validate_certs": "no"}, environ=env)
    assert opts["access_key"] == "env-ak" and opts["secret_key"] == "given-sk"
    assert opts["region"] == "cn-north-4"
    assert opts["endpoint"] == "https://sms.ap-southeast-3.myhuaweicloud.com"
    assert opts["iam_endpoint"] == "https://iam.myhuaweicloud.com"
    assert opts["timeout"] == 12.5 and opts["retries"] == 5 and opts["deadline"] == 120.0
    assert opts["validate_certs"] is False
    assert resolve_options({"ak": "alias-ak"}, environ={})["access_key"] == "alias-ak"
    with pytest.raises(SmsApiError, match="retries"):
        resolve_options({"retries": "many"}, environ={})


@pytest.mark.parametrize("options,kind", [
    ({"auth_token": "t", "access_key": "a", "secret_key": "s"}, "token"),
    ({"access_key": "a", "secret_key": "s", "username": "u"}, "aksk"),
    ({"username": "u", "password": "p", "domain_name": "d"}, "password"),
])
def test_credential_precedence(options, kind, monkeypatch):
    for var in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_AUTH_TOKEN", "HUAWEICLOUD_USERNAME",
                "HUAWEICLOUD_PASSWORD", "HUAWEICLOUD_DOMAIN_NAME"):
        monkeypatch.delenv(var, raising=False)
    assert SmsClient.from_options(options, session=ScriptedSession()).auth_kind == kind


@pytest.mark.parametrize("options,message", [
    ({}, "no credentials"),
    ({"access_key": "a"}, "must be given together"),
    ({"username": "u", "password": "p"}, "missing: domain_name"),
])
def test_incomplete_credentials_are_clear_errors(options, message, monkeypatch):
    for var in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_AUTH_TOKEN", "HUAWEICLOUD_USERNAME",
                "HUAWEICLOUD_PASSWORD", "HUAWEICLOUD_DOMAIN_NAME"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(SmsApiError, match=message):
        SmsClient.from_options(options, session=ScriptedSession())


def test_tls_settings_of_the_module_win_over_the_environment(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("pem")
    env = {"REQUESTS_CA_BUNDLE": "/env/requests.pem", "CURL_CA_BUNDLE": "/env/curl.pem"}
    assert sms_client.tls_verify_setting(False, str(bundle), env) is False
    assert sms_client.tls_verify_setting(True, str(bundle), env) == str(bundle)
    assert sms_client.tls_verify_setting(True, None, env) == "/env/requests.pem"
    assert sms_client.tls_verify_setting(True, None, {"CURL_CA_BUNDLE": "/env/curl.pem"}) == "/env/curl.pem"
    assert sms_client.tls_verify_setting(True, None, {}) is True
    client = SmsClient.from_options({"access_key": "a", "secret_key": "s", "ca_path": str(bundle)})
    assert client.session.trust_env is False, "requests must not merge REQUESTS_CA_BUNDLE over verify"
    assert client.verify == str(bundle)
    with pytest.raises(SmsApiError, match="is not a file"):
        SmsClient.from_options({"access_key": "a", "secret_key": "s", "ca_path": str(tmp_path / "missing.pem")})


def test_requests_carry_the_verify_setting_and_the_environment_proxies(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "iam.example")
    projects = FakeResponse(200, {"projects": [{"name": "ap-southeast-3", "id": "p"}]})
    client, session = make_client(projects, OK_LIST, project_id=None, validate_certs=False)[:2]
    client.list_sources()
    assert [r["verify"] for r in session.requests] == [False, False]
    assert session.requests[0]["proxies"] == {}  # NO_PROXY
    assert session.requests[1]["proxies"]["https"] == "http://proxy.example:3128"


@pytest.mark.parametrize("options,refused", [
    ({"auth_token": "tok-123456"}, "token"),
    ({"username": "u", "password": "pw-123456", "domain_name": "d"}, "password"),
])
def test_password_and_token_are_refused_over_plain_http_unless_allowed(options, refused, monkeypatch):
    for var in ("HUAWEICLOUD_SMS_ALLOW_INSECURE_HTTP", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"):
        monkeypatch.delenv(var, raising=False)
    plain = dict(options, endpoint="http://127.0.0.1:9", iam_endpoint="http://127.0.0.1:9")
    with pytest.raises(SmsApiError, match="refusing to send the IAM %s over plain http://" % refused):
        SmsClient.from_options(plain, session=ScriptedSession())
    warned = []
    client = SmsClient.from_options(dict(plain, allow_insecure_http=True), session=ScriptedSession(),
                                    warn=warned.append)
    assert warned and "plain http:// endpoint" in warned[0] and client.warnings == warned
    monkeypatch.setenv("HUAWEICLOUD_SMS_ALLOW_INSECURE_HTTP", "true")
    assert SmsClient.from_options(plain, session=ScriptedSession()).warnings


def test_aksk_over_http_and_unverified_tls_are_warned_about():
    client = SmsClient.from_options({"access_key": "a", "secret_key": "s", "endpoint": "http://127.0.0.1:9",
                                     "project_id": "p"}, session=ScriptedSession())
    assert len(client.warnings) == 1 and "127.0.0.1:9 is a plain http:// endpoint" in client.warnings[0]
    client = SmsClient.from_options({"access_key": "a", "secret_key": "s", "validate_certs": False,
                                     "project_id": "p"}, session=ScriptedSession())
    assert len(client.warnings) == 1 and "validate_certs is false" in client.warnings[0]
    assert SmsClient.from_options({"access_key": "a", "secret_key": "s"}, session=ScriptedSession()).warnings == []


@pytest.mark.parametrize("password", ['qu"ote\\back', "pässwörd-日本", "abcd"])
def test_a_password_echoed_in_any_spelling_never_reaches_the_message(password, monkeypatch):
    monkeypatch.delenv("HUAWEICLOUD_SMS_ALLOW_INSECURE_HTTP", raising=False)
    echoed = json.dumps({"request": {"password": password}})
    answers = [FakeResponse(401, {"error_code": "APIGW.0301", "error_msg": "bad login %s" % echoed}),
               FakeResponse(502, raw=("<pre>%s</pre>" % echoed).encode())]
    for answer in answers:
        clock = Clock()
        client = SmsClient.from_options({"username": "u", "password": password, "domain_name": "d",
                                         "endpoint": "https://sms.example", "iam_endpoint": "https://iam.example",
                                         "retries": 0}, session=ScriptedSession(answer), sleep=clock.sleep,
                                        monotonic=clock.monotonic)
        with pytest.raises(SmsApiError) as caught:
            client.list_sources()
        message = str(caught.value)
        for form in (password, json.dumps(password)[1:-1], json.dumps(password, ensure_ascii=False)[1:-1]):
            assert form not in message.replace("********", "")
