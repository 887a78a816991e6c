# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SMS and API Gateway error codes turned into messages a person can act on.

This module util is PRIVATE: its interface may change without notice.

``explain()`` is pure: status, error code, server message and a little context in, one
sentence-or-two out. The client raises :class:`SmsApiError` with that text; modules hand the
text to ``fail_json`` unchanged. Nothing here ever sees a credential.
"""

from __future__ import annotations

import re

SOURCE_QUOTA = 1000
CLOCK_SKEW_LIMIT_SECONDS = 15 * 60


class SmsApiError(Exception):
    """A call to SMS or IAM failed; ``str(error)`` is safe to show (no secrets)."""

    def __init__(self, message, status=None, code=None, request_id=None, method=None, path=None,
                 fields=None, ambiguous=False, attempts=1):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.path = path
        self.fields = list(fields or [])
        self.ambiguous = ambiguous
        self.attempts = attempts

    def to_result(self) -> dict:
        """The keys a module adds to ``fail_json`` next to ``msg``."""
        result = {"status": self.status, "error_code": self.code, "request_id": self.request_id}
        if self.fields:
            result["error_fields"] = self.fields
        return {key: value for key, value in result.items() if value not in (None, "")}


class SmsAmbiguousError(SmsApiError):
    """A non-idempotent request may or may not have taken effect (timeout, dropped connection, 5xx).

    The caller must look the resource up before deciding to send it again.
    """

    def __init__(self, message, **kwargs):
        kwargs["ambiguous"] = True
        super().__init__(message, **kwargs)


_CREDENTIALS_HINT = ("check access_key/secret_key (HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK), "
                     "security_token for temporary credentials, or auth_token")
_PERMISSION_HINT = ("grant the IAM user the 'SMS FullAccess' policy (plus OBS OperateAccess and "
                    "ECS/VPC/EVS FullAccess for migrations) and use credentials of the project "
                    "that belongs to the SMS endpoint's region")

# Codes whose meaning does not depend on the server's message.
_MESSAGES = {
    "APIGW.0101": "the API does not exist at this endpoint: check endpoint (HUAWEICLOUD_SMS_ENDPOINT), "
                  "e.g. https://sms.ap-southeast-3.myhuaweicloud.com",
    "APIGW.0201": "the API gateway rejected the request as malformed or too large",
    "APIGW.0302": "permission denied by the API gateway: " + _PERMISSION_HINT,
    "APIGW.0303": "authentication failed: the AK/SK signature was rejected; " + _CREDENTIALS_HINT,
    "APIGW.0304": "permission denied by the API gateway: " + _PERMISSION_HINT,
    "APIGW.0305": "authentication failed: " + _CREDENTIALS_HINT,
    "APIGW.0306": "access to the API was denied: " + _PERMISSION_HINT,
    "APIGW.0307": "the IAM token has expired: obtain a new one (auth_token) or use username/password",
    "APIGW.0308": "throttled by the API gateway (too many requests): lower forks or add 'throttle:' "
                  "to the registration task",
    "SMS.0202": "SMS rejected the AK/SK: " + _CREDENTIALS_HINT,
    "SMS.0204": "insufficient permissions for SMS: " + _PERMISSION_HINT,
    "SMS.0205": "the AK/SK signature was rejected because of the time: the clock of the machine "
                "running this task must be within 15 minutes of UTC (enable NTP)",
    "SMS.2002": "insufficient permissions for SMS: " + _PERMISSION_HINT,
    "SMS.2004": "the request body is larger than SMS accepts (10,240 bytes for the legacy API): "
                "leave out virtual interfaces or unneeded disks",
    "SMS.2013": "SMS says this source server already exists",
    "SMS.2216": "the source server does not exist in SMS (deleted, or a wrong source_id)",
    "SMS.6526": "the account's SMS quota is exhausted or the account is frozen/restricted: SMS "
                "allows %d registered source servers per account; delete unused sources" % SOURCE_QUOTA,
    "SMS.6528": "the account needs real-name authentication before it can use SMS",
}

# What the gateway says when the X-Sdk-Date of a signed request is too far from its clock
# (APIGW.0301 "... the request time ... differs from the server time by more than 15 minutes",
# "signature expired", "request expired"). A message that merely names X-Sdk-Date ("x-sdk-date
# not found", a malformed date) or a token that expired is not clock skew.
_SKEW_WORDS = re.compile(r"(clock skew|differs from the server time|signature (has )?expired|"
                         r"request (has )?expired|time ?zone|time difference)", re.I)
_LOCK_WORDS = re.compile(r"(lock|frozen|too many (failed|authentication)|reach(ed)? the limit)", re.I)
_QUOTA_WORDS = re.compile(r"quota", re.I)
_UNKNOWN_AK_WORDS = re.compile(r"(ak\b.*(not exist|not found|unknown|invalid)|access key.*(not|invalid)|"
                               r"unknown ak|ak not)", re.I)
_SECURITY_TOKEN_WORDS = re.compile(r"security[ _-]?token", re.I)
_TOKEN_WORDS = re.compile(r"token", re.I)
_LOGIN_WORDS = re.compile(r"(user ?name|password)", re.I)
_PROJECT_WORDS = re.compile(r"project", re.I)


def error_fields(body) -> list:
    """Field names the server blames: ``error_param`` (list or str) or ``details[].error_param``."""
    if not isinstance(body, dict):
        return []
    found = []
    for value in [body.get("error_param")] + [d.get("error_param") for d in body.get("details") or []
                                              if isinstance(d, dict)]:
        if isinstance(value, str) and value:
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found.extend(str(v) for v in value if v not in (None, ""))
    return found


def parse_error_body(body) -> tuple:
    """``(code, message)`` from the shapes the SDK's exception handler accepts.

    ``{error_code, error_msg}``, ``{errorCode, errorMsg}``, ``{code, message}``, each possibly
    nested one level (``{"error": {...}}``).
    """
    if not isinstance(body, dict):
        return None, None
    for candidate in [body] + [v for v in body.values() if isinstance(v, dict)]:
        for code_key, msg_key in (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")):
            if candidate.get(code_key) or candidate.get(msg_key):
                code = candidate.get(code_key)
                message = candidate.get(msg_key)
                return (str(code) if code is not None else None), (str(message) if message is not None else None)
    return None, None


def explain(status, code, server_message, auth_kind=None, clock_skew=None, fields=None) -> str:
    """One actionable sentence for a failed call.

    ``auth_kind`` is ``aksk``, ``token`` or ``password`` (what the client used), ``clock_skew``
    the seconds between the server's ``Date`` header and the local clock when known.
    """
    server_message = (server_message or "").strip()
    advice = _advice(status, code, server_message, auth_kind, clock_skew, fields or [])
    tail = []
    if code or server_message:
        tail.append("server said: %s%s" % ("%s " % code if code else "", server_message))
    return advice + (" (%s)" % "; ".join(tail) if tail else "")


def _advice(status, code, text, auth_kind, clock_skew, fields) -> str:
    skewed = clock_skew is not None and abs(clock_skew) > CLOCK_SKEW_LIMIT_SECONDS
    signed = auth_kind in (None, "aksk") and code != "APIGW.0307"
    if code == "SMS.0205" or (status == 401 and signed and (skewed or _SKEW_WORDS.search(text))):
        detail = (" (this machine's clock differs from the server's by %d seconds)" % clock_skew
                  if skewed else "")
        return ("clock skew: the request's X-Sdk-Date is more than 15 minutes away from the "
                "server's time%s; synchronise this machine's clock with NTP" % detail)
    if code == "APIGW.0308" or status == 429:
        return _MESSAGES["APIGW.0308"]
    if _LOCK_WORDS.search(text) and status in (401, 403):
        return ("the AK is locked: the API gateway locks an AK/SK for 5 minutes after 5 consecutive "
                "authentication failures; fix the credentials and retry after the lock expires")
    if code == "SMS.6526" or _QUOTA_WORDS.search(text):
        return ("quota exceeded: SMS allows %d registered source servers per account; delete sources "
                "that are no longer needed" % SOURCE_QUOTA)
    if code in _MESSAGES and code not in ("APIGW.0303", "APIGW.0305"):
        return _MESSAGES[code]
    if status == 401 or code in ("APIGW.0301", "APIGW.0303", "APIGW.0305"):
        return _auth_advice(text, auth_kind)
    if status == 403:
        return "permission denied: " + _PERMISSION_HINT
    if status == 404:
        return "not found: the resource does not exist (check source_id and endpoint)"
    if status == 400 or status == 413 or status == 422:
        where = " in field %s" % ", ".join(fields) if fields else ""
        return "SMS rejected the request body%s: fix that value (or override it with 'overrides')" % where
    if status is not None and status >= 500:
        return "the SMS service failed (HTTP %d); retry later" % status
    return "the request failed" + (" (HTTP %d)" % status if status else "")


def _auth_advice(text, auth_kind) -> str:
    if auth_kind == "password" and _LOGIN_WORDS.search(text):
        return ("IAM rejected the login: check username, password and domain_name (HUAWEICLOUD_USERNAME, "
                "HUAWEICLOUD_PASSWORD, HUAWEICLOUD_DOMAIN_NAME)")
    if _UNKNOWN_AK_WORDS.search(text):
        return "authentication failed: the access key is unknown; " + _CREDENTIALS_HINT
    if _SECURITY_TOKEN_WORDS.search(text):
        return ("authentication failed: the security_token does not match the temporary AK/SK (it is "
                "wrong, belongs to other temporary credentials, or is missing): set security_token "
                "(HUAWEICLOUD_SDK_SECURITY_TOKEN) to the token issued with this AK/SK, or obtain new "
                "temporary credentials")
    if auth_kind in ("token", "password") or _TOKEN_WORDS.search(text):
        return ("authentication failed: the IAM token is invalid or expired; set auth_token to a fresh "
                "project-scoped token, or use username/password/domain_name")
    if _PROJECT_WORDS.search(text):
        return ("authentication failed: the project is wrong or missing; set project_id, or region "
                "(HUAWEICLOUD_SDK_REGION) so it can be looked up")
    return ("authentication failed: the AK/SK signature was rejected (wrong secret key, or a "
            "security_token is needed for temporary credentials); " + _CREDENTIALS_HINT)


def transport_message(kind, endpoint, detail) -> str:
    """A network-level failure (no HTTP status)."""
    if kind == "tls":
        return ("TLS verification of %s failed: set ca_path to the CA bundle that signed the server "
                "certificate (validate_certs: false only for testing) (%s)" % (endpoint, detail))
    if kind == "invalid":
        return "the endpoint URL %r is not valid: use https://host[:port] (%s)" % (endpoint, detail)
    if kind == "connect":
        return ("cannot connect to %s: check the endpoint, DNS, firewall and the HTTPS_PROXY/NO_PROXY "
                "environment (%s)" % (endpoint, detail))
    if kind == "timeout":
        return "no answer from %s within the timeout: raise timeout or check the network (%s)" % (endpoint, detail)
    if kind == "deadline":
        return ("no complete answer from %s within the deadline: the server or a proxy is too slow or "
                "sends its answer piecemeal; raise deadline, or check the network and proxies (%s)" % (endpoint, detail))
    if kind == "too_large":
        return ("the answer from %s is larger than max_response_size (counted after decompression): "
                "raise max_response_size if such answers are expected (%s)" % (endpoint, detail))
    if kind == "garbled":
        return ("%s answered without the JSON this call expects, so a proxy or gateway in between may "
                "have answered instead of SMS; nothing was taken from that answer (%s)" % (endpoint, detail))
    return "the connection to %s failed after the request was sent (%s)" % (endpoint, detail)
