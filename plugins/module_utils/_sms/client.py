# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP client for the SMS ``/v3/sources`` API and the IAM calls it needs.

This module util is PRIVATE: its interface may change without notice.

One ``SmsClient`` per module run (or inventory parse): a ``requests`` session (TLS verified by
default, ``ca_path``, proxies from the environment), authentication (AK/SK signing, a given
token, or a token obtained once from username/password), the project id resolved once, and
one retry policy:

* 429 / ``APIGW.0308``: retried, waiting ``Retry-After`` plus jitter;
* 5xx, timeouts and dropped connections: retried for idempotent requests (GET, DELETE, and
  ``POST /v3/sources`` *with* ``id``); for a ``POST`` without ``id`` they raise
  :class:`SmsAmbiguousError` instead, because the server may have created the record: the
  caller looks it up before deciding to post again (see ``registration.py``);
* connection refused / connect timeout (nothing was sent): retried for every request;
* other 4xx: never retried.

Waits use exponential backoff with full jitter, bounded by ``retries`` and by ``deadline``
(seconds for one logical call, retries included).
"""

from __future__ import annotations

import datetime
import json
import os
import random
import time
import traceback
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ansible_collections.hwcloud.sms.plugins.module_utils._sms import auth as _auth
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.errors import (
    SmsAmbiguousError,
    SmsApiError,
    error_fields,
    explain,
    parse_error_body,
    transport_message,
)

try:
    import requests
    import urllib3.exceptions
except ImportError:  # pragma: no cover - exercised through missing_required_lib
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

HAS_REQUESTS = requests is not None

__all__ = ["SmsClient", "SmsApiError", "SmsAmbiguousError", "SmsNotFoundError", "RetryPolicy",
           "CONNECTION_OPTIONS", "HAS_REQUESTS", "REQUESTS_IMPORT_ERROR"]

VERSION = "1.0.0"
USER_AGENT = "hwcloud.sms-ansible/%s" % VERSION
PAGE_SIZE = 200
SOURCES_PATH = "/v3/sources"


@dataclass(frozen=True)
class ConnectionOption:
    type: str
    default: object = None
    env: tuple = ()
    no_log: bool = False
    aliases: tuple = ()


# The shared connection/auth options: the argument spec (module.py), the doc fragment
# (doc_fragments/sms.py) and from_options() all follow this table.
CONNECTION_OPTIONS = {
    "endpoint": ConnectionOption("str", "https://sms.ap-southeast-3.myhuaweicloud.com", ("HUAWEICLOUD_SMS_ENDPOINT",)),
    "region": ConnectionOption("str", "ap-southeast-3", ("HUAWEICLOUD_SDK_REGION",)),
    "iam_endpoint": ConnectionOption("str", "https://iam.myhuaweicloud.com", ("HUAWEICLOUD_SDK_IAM_ENDPOINT",)),
    "access_key": ConnectionOption("str", None, ("HUAWEICLOUD_SDK_AK",), aliases=("ak",)),
    "secret_key": ConnectionOption("str", None, ("HUAWEICLOUD_SDK_SK",), no_log=True, aliases=("sk",)),
    "security_token": ConnectionOption("str", None, ("HUAWEICLOUD_SDK_SECURITY_TOKEN",), no_log=True),
    "project_id": ConnectionOption("str", None, ("HUAWEICLOUD_SDK_PROJECT_ID",)),
    "auth_token": ConnectionOption("str", None, ("HUAWEICLOUD_SDK_AUTH_TOKEN",), no_log=True),
    "username": ConnectionOption("str", None, ("HUAWEICLOUD_USERNAME",)),
    "password": ConnectionOption("str", None, ("HUAWEICLOUD_PASSWORD",), no_log=True),
    "domain_name": ConnectionOption("str", None, ("HUAWEICLOUD_DOMAIN_NAME",)),
    "validate_certs": ConnectionOption("bool", True),
    "ca_path": ConnectionOption("path", None),
    "timeout": ConnectionOption("float", 30.0),
    "retries": ConnectionOption("int", 5),
    "deadline": ConnectionOption("float", 120.0),
}


class SmsNotFoundError(SmsApiError):
    """HTTP 404, or the SMS 'source does not exist' code."""


# ---------------------------------------------------------------------------------------------
# Retry policy (pure: the unit tests drive it with an injected clock, sleep and random source)


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 5
    deadline: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 20.0

    def backoff(self, retry: int, rand: float) -> float:
        """Full jitter: uniform in ``[0, min(max_delay, base_delay * 2**retry)]``."""
        return rand * min(self.max_delay, self.base_delay * (2 ** retry))

    def next_delay(self, retry: int, elapsed: float, rand: float, retry_after: float | None = None):
        """Seconds to sleep before retry number ``retry`` (0-based), or None to give up.

        With ``Retry-After`` the wait is that long plus the jittered backoff, so throttled
        clients do not all come back at the same instant.
        """
        if retry >= self.retries:
            return None
        delay = self.backoff(retry, rand) + (max(0.0, retry_after) if retry_after is not None else 0.0)
        if elapsed + delay >= self.deadline:
            return None
        return delay


RETRY, AMBIGUOUS, FAIL = "retry", "ambiguous", "fail"


def decide(status=None, code=None, failure=None, idempotent=True) -> str:
    """What to do after one attempt: ``retry``, ``ambiguous`` (caller must look up) or ``fail``.

    ``failure`` is the transport failure kind when there is no HTTP status: ``connect`` (nothing
    was sent), ``timeout`` or ``dropped`` (sent, outcome unknown), ``tls`` or ``invalid`` (URL).
    """
    if failure in ("tls", "invalid"):
        return FAIL
    if failure == "connect":
        return RETRY
    if failure is not None:
        return RETRY if idempotent else AMBIGUOUS
    if status == 429 or code == "APIGW.0308":
        return RETRY
    if status is not None and status >= 500:
        return RETRY if idempotent else AMBIGUOUS
    return FAIL


def retry_after_seconds(value, now: datetime.datetime | None = None):
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or None."""
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = _auth.parse_http_date(value)
    if when is None:
        return None
    return max(0.0, (when - (now or _auth.utc_now())).total_seconds())


# ---------------------------------------------------------------------------------------------
# Options


def _to_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "y", "t"):
        return True
    if text in ("0", "false", "no", "off", "n", "f"):
        return False
    raise ValueError("not a boolean: %r" % value)


_CONVERTERS = {"str": str, "path": lambda v: os.path.expanduser(str(v)), "bool": _to_bool, "int": int, "float": float}


def resolve_options(options, environ=None) -> dict:
    """Every connection option: given value, else its environment variable, else its default."""
    environ = os.environ if environ is None else environ
    options = dict(options or {})
    resolved = {}
    for name, spec in CONNECTION_OPTIONS.items():
        value = options.get(name)
        for alias in spec.aliases:
            if value in (None, ""):
                value = options.get(alias)
        for var in spec.env:
            if value in (None, ""):
                value = environ.get(var)
        if value in (None, ""):
            value = spec.default
        if value is not None:
            try:
                value = _CONVERTERS[spec.type](value)
            except (TypeError, ValueError):
                raise SmsApiError("option %s: %r is not a valid %s" % (name, value, spec.type)) from None
        resolved[name] = value
    return resolved


class _PasswordLogin:
    """username/password/domain_name: a project-scoped token is obtained once, on first use."""

    kind = "password"

    def __init__(self, username, password, domain_name):
        self.username, self.password, self.domain_name = username, password, domain_name

    def secrets(self) -> list:
        return [self.password]


def _select_auth(opts, clock):
    if opts["auth_token"]:
        return _auth.TokenAuth(opts["auth_token"])
    if opts["access_key"] or opts["secret_key"]:
        if not (opts["access_key"] and opts["secret_key"]):
            raise SmsApiError("access_key and secret_key must be given together (HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK)")
        return _auth.AkSkAuth(opts["access_key"], opts["secret_key"], opts["security_token"], clock=clock)
    if opts["username"] or opts["password"]:
        missing = [n for n in ("username", "password", "domain_name") if not opts[n]]
        if missing:
            raise SmsApiError("password authentication needs username, password and domain_name; missing: %s"
                              % ", ".join(missing))
        return _PasswordLogin(opts["username"], opts["password"], opts["domain_name"])
    raise SmsApiError("no credentials: set access_key and secret_key (HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK), "
                      "or auth_token, or username, password and domain_name")


# ---------------------------------------------------------------------------------------------
# The client


class _Response:
    __slots__ = ("status", "headers", "data")

    def __init__(self, status, headers, data):
        self.status, self.headers, self.data = status, headers, data


class SmsClient:
    """SMS ``/v3/sources`` operations with authentication, retries and pagination."""

    def __init__(self, endpoint, credentials, project_id=None, region="ap-southeast-3",
                 iam_endpoint="https://iam.myhuaweicloud.com", validate_certs=True, ca_path=None, timeout=30.0,
                 policy=None, session=None, sleep=time.sleep, monotonic=time.monotonic, rand=random.random):
        if session is None and not HAS_REQUESTS:
            raise SmsApiError("the Python library 'requests' is required")
        self.endpoint = endpoint.rstrip("/")
        self.iam_endpoint = iam_endpoint.rstrip("/")
        self.region = region
        self.project_id = project_id
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.sleep, self.monotonic, self.rand = sleep, monotonic, rand
        self._credentials = credentials
        self._auth = None if isinstance(credentials, _PasswordLogin) else credentials
        self._secrets = [s for s in credentials.secrets() if s]
        self.calls = 0
        if session is None:
            session = requests.Session()
            session.verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
            session.headers["User-Agent"] = USER_AGENT
        self.session = session

    @classmethod
    def from_options(cls, options, **kwargs) -> "SmsClient":
        """Build a client from the shared option names (missing keys: environment, then defaults)."""
        opts = resolve_options(options)
        credentials = _select_auth(opts, kwargs.pop("clock", _auth.utc_now))
        policy = RetryPolicy(retries=max(0, opts["retries"]), deadline=max(0.0, opts["deadline"]))
        return cls(opts["endpoint"], credentials, project_id=opts["project_id"], region=opts["region"],
                   iam_endpoint=opts["iam_endpoint"], validate_certs=opts["validate_certs"], ca_path=opts["ca_path"],
                   timeout=opts["timeout"], policy=policy, **kwargs)

    @property
    def auth_kind(self) -> str:
        return self._credentials.kind

    # -- sources ---------------------------------------------------------------------------

    def list_sources(self, filters=None) -> list:
        """All sources matching the server-side ``filters`` (every page)."""
        query = {k: v for k, v in (filters or {}).items() if v not in (None, "") and k not in ("limit", "offset")}
        found, seen, offset = [], set(), 0
        while True:
            data = self.request("GET", SOURCES_PATH, query=dict(query, limit=PAGE_SIZE, offset=offset)).data or {}
            page = data.get("source_servers") or []
            for item in page:
                if item.get("id") not in seen:
                    seen.add(item.get("id"))
                    found.append(item)
            offset += len(page)
            if not page or offset >= int(data.get("count") or 0):
                return found

    def find_sources(self, name=None, ip=None) -> list:
        """Sources whose ``name`` and/or ``ip`` equal the given values exactly."""
        if not name and not ip:
            raise ValueError("find_sources needs name or ip")
        server_filter = {"name": name} if name else {"ip": ip}
        return [s for s in self.list_sources(server_filter)
                if (not name or s.get("name") == name) and (not ip or s.get("ip") == ip)]

    def show_source(self, source_id) -> dict:
        return self.request("GET", "%s/%s" % (SOURCES_PATH, quote(str(source_id), safe=""))).data or {}

    def register_source(self, body) -> str:
        """``POST /v3/sources`` without ``id``: never blindly retried after an ambiguous failure."""
        body = {k: v for k, v in body.items() if k != "id"}
        return self._source_id(self.request("POST", SOURCES_PATH, body=body, idempotent=False))

    def update_source(self, source_id, body) -> str:
        """``POST /v3/sources`` with ``id``: the same update twice is harmless, so it is retried."""
        return self._source_id(self.request("POST", SOURCES_PATH, body=dict(body, id=source_id), idempotent=True),
                               fallback=source_id)

    def delete_source(self, source_id, missing_ok=True) -> bool:
        """Delete one source; False when it did not exist (or a retried delete had already worked)."""
        try:
            self.request("DELETE", "%s/%s" % (SOURCES_PATH, quote(str(source_id), safe="")))
        except SmsNotFoundError:
            if not missing_ok:
                raise
            return False
        return True

    @staticmethod
    def _source_id(response, fallback=None) -> str:
        data = response.data if isinstance(response.data, dict) else {}
        source_id = data.get("id") or fallback
        if not source_id:
            raise SmsApiError("SMS answered the registration without a source id", status=response.status)
        return source_id

    # -- authentication --------------------------------------------------------------------

    def _ensure_auth(self):
        """The request authenticator; with username/password the token is obtained here, once."""
        if self._auth is None:
            login = self._credentials
            body = _auth.password_token_body(login.username, login.password, login.domain_name,
                                             project_name=self.region, project_id=self.project_id)
            response = self.request("POST", "/v3/auth/tokens", body=body, base=self.iam_endpoint,
                                    authenticated=False, idempotent=True)
            token = response.headers.get("X-Subject-Token")
            if not token:
                raise SmsApiError("IAM answered the token request without an X-Subject-Token header",
                                  status=response.status)
            self._secrets.append(token)
            self._auth = _auth.TokenAuth(token)
            self.project_id = self.project_id or _auth.project_id_from_token(response.data)
        return self._auth

    def _ensure_project(self):
        """AK/SK needs ``X-Project-Id``: resolved once from ``region`` through IAM unless given."""
        if self.project_id is None and self._ensure_auth().kind == "aksk":
            response = self.request("GET", "/v3/projects", query={"name": self.region}, base=self.iam_endpoint,
                                    with_project=False)
            self.project_id = _auth.project_id_from_projects(response.data, self.region)
            if not self.project_id:
                raise SmsApiError("IAM has no project named %r for these credentials: set region to the SMS "
                                  "endpoint's region (e.g. ap-southeast-3) or set project_id" % self.region)
        return self.project_id

    # -- transport -------------------------------------------------------------------------

    def request(self, method, path, query=None, body=None, idempotent=None, base=None, authenticated=True,
                with_project=True) -> _Response:
        """One logical call with retries; raises SmsApiError (or a subclass) on failure."""
        method = method.upper()
        if idempotent is None:
            idempotent = method != "POST"
        base = base or self.endpoint
        query_string = _auth.canonical_query(query or {})
        url = base + path + ("?" + query_string if query_string else "")
        payload = json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8") if body is not None else b""
        started = self.monotonic()
        retry = 0
        while True:
            headers = {"Content-Type": _auth.JSON_CONTENT_TYPE}
            if authenticated:
                project_id = self._ensure_project() if with_project else None
                headers = self._ensure_auth().headers_for(method, url, headers, payload, project_id=project_id)
            timeout = max(0.1, min(self.timeout, self.policy.deadline - (self.monotonic() - started)))
            outcome, failure, code, detail = self._attempt(method, url, headers, payload, timeout)
            if failure is None and 200 <= outcome.status < 300:
                return outcome
            status = outcome.status if outcome is not None else None
            verdict = decide(status, code, failure, idempotent)
            delay = None
            if verdict == RETRY:
                retry_after = retry_after_seconds(outcome.headers.get("Retry-After")) if outcome is not None else None
                delay = self.policy.next_delay(retry, self.monotonic() - started, self.rand(), retry_after)
            if delay is None:
                raise self._error(method, path, base, status, code, detail, failure, outcome, verdict, retry + 1)
            self.sleep(delay)
            retry += 1

    def _attempt(self, method, url, headers, payload, timeout) -> tuple:
        """``(response, failure kind, error code, detail)`` of one HTTP exchange."""
        try:
            outcome = self._send(method, url, headers, payload, timeout)
        except _TransportError as exc:
            return None, exc.kind, None, exc.detail
        code, detail = parse_error_body(outcome.data) if outcome.status >= 300 else (None, None)
        return outcome, None, code, detail

    def _send(self, method, url, headers, payload, timeout) -> _Response:
        self.calls += 1
        try:
            response = self.session.request(method, url, headers=headers, data=payload or None, timeout=timeout,
                                            allow_redirects=False)
        except Exception as exc:  # requests/urllib3 raise many kinds; classified below
            raise _TransportError(_failure_kind(exc), "%s: %s" % (type(exc).__name__, exc)) from None
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = {"error_msg": response.text[:500]} if response.status_code >= 300 else None
        return _Response(response.status_code, response.headers, data)

    def _error(self, method, path, base, status, code, detail, failure, outcome, verdict, attempts) -> SmsApiError:
        where = "%s %s" % (method, path)
        if failure is not None:
            text = transport_message(failure, urlsplit(base).netloc or base, detail)
        else:
            text = explain(status, code, detail, auth_kind=self.auth_kind,
                           clock_skew=self._clock_skew(outcome.headers), fields=error_fields(outcome.data))
        if attempts > 1:
            text += " [gave up after %d attempts]" % attempts
        kwargs = dict(status=status, code=code, method=method, path=path, attempts=attempts)
        if outcome is not None:
            data = outcome.data if isinstance(outcome.data, dict) else {}
            kwargs.update(fields=error_fields(data), request_id=outcome.headers.get("X-Request-Id") or data.get("request_id"))
        message = self._redact("%s: %s" % (where, text))
        if verdict == AMBIGUOUS:
            return SmsAmbiguousError(message, **kwargs)
        if status == 404 or code == "SMS.2216":
            return SmsNotFoundError(message, **kwargs)
        return SmsApiError(message, **kwargs)

    def _clock_skew(self, headers):
        server_date = _auth.parse_http_date(headers.get("Date")) if headers.get("Date") else None
        if server_date is None or self._auth is None or not hasattr(self._auth, "clock"):
            return None
        return (self._auth.clock() - server_date).total_seconds()

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret and len(secret) >= 6:
                text = text.replace(secret, "********")
        return text


class _TransportError(Exception):
    def __init__(self, kind, detail):
        super().__init__(detail)
        self.kind, self.detail = kind, detail


def _failure_kind(exc) -> str:
    """``tls``, ``connect`` (nothing sent), ``timeout`` or ``dropped`` (sent, outcome unknown)."""
    if requests is None:
        return "dropped"
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls"
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return "invalid"
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ProxyError)):
        return "connect"
    if isinstance(exc, requests.exceptions.Timeout):
        return "timeout"
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    not_sent = tuple(getattr(urllib3.exceptions, name) for name in
                     ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError")
                     if hasattr(urllib3.exceptions, name))
    if isinstance(reason, not_sent):
        return "connect"
    return "dropped"
