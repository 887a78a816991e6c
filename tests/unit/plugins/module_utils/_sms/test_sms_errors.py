"""SMS and API Gateway errors become messages a person can act on."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.errors import (
    SmsApiError,
    error_fields,
    explain,
    parse_error_body,
    transport_message,
)


@pytest.mark.parametrize("status,code,text,auth_kind,skew,expected", [
    (401, "APIGW.0301", "verify aksk signature fail", "aksk", None, "AK/SK signature was rejected"),
    (401, "APIGW.0301", "Get secretKey failed,ak:NOPE,err:ak not exist", "aksk", None, "access key is unknown"),
    (401, "APIGW.0301", "the request time 20261130T031837Z differs from the server time by more than 15 minutes",
     "aksk", None, "clock skew"),
    (401, "APIGW.0301", "signature fail", "aksk", -1800.0, "differs from the server's by -1800 seconds"),
    (400, "SMS.0205", "wrong time", "aksk", None, "synchronise this machine's clock"),
    (401, "APIGW.0301", "the token is invalid", "token", None, "IAM token is invalid or expired"),
    (401, "APIGW.0307", "token expired", "token", None, "token has expired"),
    (401, "APIGW.0301", "the AK is locked for 300 seconds after too many failures", "aksk", None, "AK is locked"),
    (401, "APIGW.0301", "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden",
     "aksk", None, "AK is locked"),
    (401, "401", "The username or password is wrong.", "password", None, "check username, password and domain_name"),
    (401, "APIGW.0301", "x-project-id not found (required with AK/SK)", "aksk", None, "set project_id"),
    (401, "APIGW.0301", "token expires, expires_at: 2026-01-01", "password", None, "IAM token is invalid or expired"),
    (403, "APIGW.0302", "not authorized", "aksk", None, "SMS FullAccess"),
    (400, "SMS.0204", "insufficient permissions", "aksk", None, "SMS FullAccess"),
    (403, None, "", "aksk", None, "permission denied"),
    (400, "SMS.6526", "quota exceeded: 1000 sources", "aksk", None, "1000 registered source servers"),
    (429, "APIGW.0308", "The throttling threshold has been reached", "aksk", None, "throttle"),
    (404, "APIGW.0101", "The API does not exist", "aksk", None, "HUAWEICLOUD_SMS_ENDPOINT"),
    (404, "SMS.2216", "source does not exist", "aksk", None, "does not exist in SMS"),
    (503, "SMS.9998", "temporarily unavailable", "aksk", None, "HTTP 503"),
])
def test_explain_gives_actionable_advice(status, code, text, auth_kind, skew, expected):
    message = explain(status, code, text, auth_kind=auth_kind, clock_skew=skew)
    assert expected in message
    if code or text:
        assert "server said" in message


@pytest.mark.parametrize("text", ["x-sdk-date not found",
                                  "x-sdk-date '2025-01-01' is not in the format YYYYMMDDTHHMMSSZ",
                                  "verify aksk signature fail, signed headers missing from the request: x-sdk-date",
                                  "token expires, expires_at: 2026-01-01"])
def test_a_message_that_only_names_the_date_header_is_not_clock_skew(text):
    message = explain(401, "APIGW.0301", text, auth_kind="aksk")
    assert "clock skew" not in message


@pytest.mark.parametrize("text", ["Signature expired",
                                  "the request time 20261130T031837Z differs from the server time by more than "
                                  "15 minutes"])
def test_only_a_real_skew_answer_is_reported_as_clock_skew(text):
    assert explain(401, "APIGW.0301", text, auth_kind="aksk").startswith("clock skew")


@pytest.mark.parametrize("text", ["verify security token fail",
                                  "x-security-token not found; the AK is a temporary credential"])
def test_a_wrong_security_token_is_not_an_expired_iam_token(text):
    message = explain(401, "APIGW.0301", text, auth_kind="aksk")
    assert "security_token does not match the temporary AK/SK" in message
    assert "IAM token" not in message


def test_validation_errors_name_the_offending_field():
    message = explain(400, "SMS.8003", "disks[0].size must be an integer", fields=["disks[0].size"])
    assert "in field disks[0].size" in message and "disks[0].size must be an integer" in message


def test_error_fields_from_error_param_and_details():
    assert error_fields({"error_param": ["name", "ip"]}) == ["name", "ip"]
    assert error_fields({"error_param": "name"}) == ["name"]
    assert error_fields({"details": [{"error_code": "x", "error_param": ["a"]}]}) == ["a"]
    assert error_fields("oops") == []


@pytest.mark.parametrize("body,expected", [
    ({"error_code": "SMS.1", "error_msg": "m"}, ("SMS.1", "m")),
    ({"errorCode": "SMS.2", "errorMsg": "n"}, ("SMS.2", "n")),
    ({"code": "APIGW.0101", "message": "o"}, ("APIGW.0101", "o")),
    ({"error": {"code": "SMS.3", "message": "p"}}, ("SMS.3", "p")),
    ({"other": 1}, (None, None)),
    (None, (None, None)),
])
def test_parse_error_body_accepts_the_sdk_shapes(body, expected):
    assert parse_error_body(body) == expected


@pytest.mark.parametrize("kind,expected", [("tls", "ca_path"), ("connect", "HTTPS_PROXY"),
                                           ("timeout", "raise timeout"), ("dropped", "after the request was sent"),
                                           ("invalid", "not valid")])
def test_transport_messages(kind, expected):
    assert expected in transport_message(kind, "sms.example", "detail")


def test_error_result_has_only_known_keys():
    error = SmsApiError("x", status=400, code="SMS.8003", fields=["name"], request_id="")
    assert error.to_result() == {"status": 400, "error_code": "SMS.8003", "error_fields": ["name"]}
