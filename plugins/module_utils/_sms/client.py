# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP client for the SMS API and the IAM calls it needs: the only HTTP code of the collection.

This module util is PRIVATE: its interface may change without notice.

One ``SmsClient`` per module run (or inventory parse): a ``requests`` session, authentication
(AK/SK signing, a given token, or a token obtained once from username/password), the project id
resolved once, and one policy for everything that comes back from the network, which is
treated as hostile:

* **Deadline**: every logical call (retries, waits, IAM look-ups and all pages of a listing
  included) ends within ``deadline`` seconds of wall-clock time. ``requests`` timeouts bound
  each socket read only, so a watchdog shuts the call's sockets down when the deadline passes:
  a server that drips its headers or its body byte by byte cannot hold the call.
* **Size**: a response body is read in chunks and decompressed here (``gzip``/``deflate``,
  counted after decompression); more than ``max_response_size`` bytes is an error, so a huge
  body or a compression bomb costs at most that much memory.
* **Shape**: every call says which JSON shape a success must have (next to each call below); a
  2xx with another body (an HTML page from a proxy, nothing, ``null``, a list, a truncated
  document, wrong types) is an :class:`SmsApiError`, retried like a 5xx, never read as "empty".
* **Pagination** stops with an error on an inconsistent ``count``, a repeated page or more
  than ``MAX_PAGES`` pages.
* **Redirects** are never followed (credentials must not travel to another host): a 3xx is an
  error naming the new location.
* **TLS**: ``validate_certs`` and ``ca_path`` win over ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``;
  proxies still come from ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``. ``http://`` endpoints and
  ``validate_certs: false`` are warned about; a password or a token is never sent over
  ``http://`` unless ``allow_insecure_http`` is set.

Retry policy:

* 429 / ``APIGW.0308``: retried, waiting ``Retry-After`` plus jitter;
* 5xx, timeouts, dropped connections and malformed 2xx bodies: retried for idempotent requests
  (GET, DELETE, and ``POST /v3/sources`` *with* ``id``); for a ``POST`` without ``id`` they raise
  :class:`SmsAmbiguousError` instead, because the server may have created the record: the
  caller looks it up before deciding to post again (see ``registration.py``);
* connection refused / connect timeout (nothing was sent): retried for every request;
* other 4xx, redirects, TLS failures, oversized bodies: never retried.

Waits use exponential backoff with full jitter, bounded by ``retries`` and by ``deadline``.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import re
import socket
import threading
import time
import traceback
import warnings
import zlib
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
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.redaction import redact

try:
    import requests
    import requests.adapters
    import requests.utils
    import urllib3.connection
    import urllib3.connectionpool
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
# A listing ends with an error after this many pages: 20,000 records, twenty times the 1,000
# sources an account may register (sms-api.md section 9).
MAX_PAGES = 100
DEFAULT_MAX_RESPONSE_SIZE = 16 * 1024 * 1024
READ_CHUNK = 16 * 1024
DECODE_STEP = 256 * 1024  # decompressed bytes produced at a time (a 16 KiB chunk may hold 16 MiB)
SOURCES_PATH = "/v3/sources"
MESSAGE_LIMIT = 2000


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
    "allow_insecure_http": ConnectionOption("bool", False, ("HUAWEICLOUD_SMS_ALLOW_INSECURE_HTTP",)),
    "timeout": ConnectionOption("float", 30.0),
    "retries": ConnectionOption("int", 5),
    "deadline": ConnectionOption("float", 120.0),
    "max_response_size": ConnectionOption("int", DEFAULT_MAX_RESPONSE_SIZE),
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

    ``failure`` is the failure kind when there is no usable answer: ``connect`` (nothing was
    sent), ``timeout``, ``dropped`` or ``garbled`` (a 2xx whose body is not the expected JSON)
    (sent, outcome unknown, worth another try), ``deadline`` or ``too_large`` (sent, outcome
    unknown, another try cannot help), ``tls`` or ``invalid`` (URL).
    """
    if failure in ("tls", "invalid"):
        return FAIL
    if failure == "connect":
        return RETRY
    if failure in ("deadline", "too_large"):
        return FAIL if idempotent else AMBIGUOUS
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
# Expected shapes of successful answers. Each check returns None when ``data`` fits, else what
# is wrong; ``data`` is the parsed JSON, None for an empty body, or NOT_JSON.


class _NotJson:
    def __repr__(self):
        return "NOT_JSON"


NOT_JSON = _NotJson()


def _describe(value) -> str:
    if value is NOT_JSON:
        return "a body that is not JSON"
    if value is None:
        return "no body (or null)"
    kinds = ((bool, "a boolean"), (dict, "an object"), (list, "an array"), (str, "a string"),
             ((int, float), "a number"))
    return next(("%s" % name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def expect_json(data):
    """Any JSON document, or no body at all (the default for ``request()``)."""
    return "expected JSON, got a body that is not JSON" if data is NOT_JSON else None


def expect_object(data):
    """A JSON object."""
    return None if isinstance(data, dict) else "expected a JSON object, got %s" % _describe(data)


def expect_object_or_empty(data):
    """No body, or a JSON object (DELETE answers)."""
    return None if data is None else expect_object(data)


def _field_problem(record, name, types, required=False, where="") -> str | None:
    value = record.get(name)
    if value is None:
        return "%s%r is missing" % (where, name) if required else None
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        expected = " or ".join(_describe(kind()) for kind in types)
        return "%s%r is %s, expected %s" % (where, name, _describe(value), expected)
    if required and value == "":
        return "%s%r is empty" % (where, name)
    return None


def expect_id(data):
    """``{"id": "<non-empty string>", ...}`` (``POST /v3/sources`` without ``id``)."""
    return expect_object(data) or _field_problem(data, "id", (str,), required=True)


def expect_optional_id(data):
    """A JSON object whose ``id``, if any, is a string (``POST /v3/sources`` with ``id``)."""
    return expect_object(data) or _field_problem(data, "id", (str,))


# Fields of a source record whose type is checked (a list item or GET /v3/sources/{id}).
_SOURCE_TEXT_FIELDS = ("name", "ip", "state", "os_type", "os_version", "migration_cycle")


def expect_source(data, where=""):
    """A source record: an object with a string ``id`` and string (or null) text fields."""
    problem = expect_object(data)
    if problem:
        return where + problem
    for name in ("id",) + _SOURCE_TEXT_FIELDS:
        problem = _field_problem(data, name, (str,), required=name == "id", where=where)
        if problem:
            return problem
    return None


def expect_page(key, item_check=expect_source):
    """One page of a listing: ``{"count": int >= 0, key: [item, ...]}`` with at most PAGE_SIZE items."""

    def check(data):
        problem = expect_object(data) or _field_problem(data, "count", (int,), required=True)
        if problem:
            return problem
        if data["count"] < 0:
            return "'count' is negative"
        items = data.get(key)
        if not isinstance(items, list):
            return "%r is %s, expected an array" % (key, _describe(items))
        if len(items) > PAGE_SIZE:
            return "%d items on one page, more than the %d asked for" % (len(items), PAGE_SIZE)
        for index, item in enumerate(items):
            problem = item_check(item, where="%s[%d]: " % (key, index))
            if problem:
                return problem
        return None

    return check


def expect_token(data):
    """The IAM token body: ``{"token": {...}}``."""
    return expect_object(data) or (None if isinstance(data.get("token"), dict) else "'token' is not an object")


def expect_projects(data):
    """``GET /v3/projects``: ``{"projects": [{...}, ...]}``."""
    return expect_object(data) or (None if isinstance(data.get("projects"), list) else "'projects' is not an array")


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


def tls_verify_setting(validate_certs, ca_path, environ=None):
    """What ``requests`` gets as ``verify``: the module's options first, then the environment.

    ``validate_certs: false`` → no verification; ``ca_path`` → that bundle; neither →
    ``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE``, else the default store of ``requests``.
    """
    environ = os.environ if environ is None else environ
    if not validate_certs:
        return False
    if ca_path:
        return ca_path
    return environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or True


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
# Wall-clock deadline: a watchdog shuts the sockets of one attempt down when its time is up.

_ACTIVE = threading.local()


class _Watchdog:
    """Guards the sockets opened or reused during one attempt (``requests`` is synchronous, so
    they are created in the calling thread, where ``_ACTIVE.watchdog`` points at this)."""

    def __init__(self, seconds):
        self.expired = False
        self._lock = threading.Lock()
        self._sockets = []
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True

    def __enter__(self):
        _ACTIVE.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        self._timer.cancel()
        _ACTIVE.watchdog = None
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets = []

    def guard(self, sock):
        """Keep a duplicate of ``sock``: shutting the duplicate down ends every read on it."""
        try:
            duplicate = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except (OSError, ValueError, AttributeError):
            return
        with self._lock:
            self._sockets.append(duplicate)
            if self.expired:
                _shutdown(duplicate)

    def _fire(self):
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _guard_socket(sock):
    watchdog = getattr(_ACTIVE, "watchdog", None)
    if watchdog is not None and sock is not None:
        watchdog.guard(sock)


_GUARDED = {}


def _guarded_adapter():
    """An ``HTTPAdapter`` whose connections (direct and through HTTP(S) proxies) are guarded."""
    if not _GUARDED:
        class GuardedHTTPConnection(urllib3.connection.HTTPConnection):
            def _new_conn(self):
                sock = super()._new_conn()
                _guard_socket(sock)
                return sock

        class GuardedHTTPSConnection(urllib3.connection.HTTPSConnection):
            def _new_conn(self):
                sock = super()._new_conn()
                _guard_socket(sock)
                return sock

        class GuardedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
            ConnectionCls = GuardedHTTPConnection

            def _get_conn(self, timeout=None):
                conn = super()._get_conn(timeout=timeout)
                _guard_socket(getattr(conn, "sock", None))  # a kept-alive connection
                return conn

        class GuardedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
            ConnectionCls = GuardedHTTPSConnection

            def _get_conn(self, timeout=None):
                conn = super()._get_conn(timeout=timeout)
                _guard_socket(getattr(conn, "sock", None))
                return conn

        pools = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}

        class GuardedAdapter(requests.adapters.HTTPAdapter):
            def init_poolmanager(self, *args, **kwargs):
                super().init_poolmanager(*args, **kwargs)
                self.poolmanager.pool_classes_by_scheme = pools

            def proxy_manager_for(self, proxy, **proxy_kwargs):
                manager = super().proxy_manager_for(proxy, **proxy_kwargs)
                if not proxy.lower().startswith("socks"):
                    manager.pool_classes_by_scheme = pools
                return manager

        _GUARDED["adapter"] = GuardedAdapter
    return _GUARDED["adapter"]()


def new_session():
    """The client's ``requests`` session: guarded sockets, no settings from the environment
    (CA bundle variables and ``.netrc`` must not override the module's options; proxies are
    passed per request, from the environment), and only the encodings the client decodes."""
    session = requests.Session()
    session.trust_env = False
    adapter = _guarded_adapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json",
                            "Accept-Encoding": "gzip, deflate"})
    return session


# ---------------------------------------------------------------------------------------------
# Bounded bodies


class _BodyError(Exception):
    def __init__(self, kind, detail):
        super().__init__(detail)
        self.kind, self.detail = kind, detail


class _Decoder:
    """``Content-Encoding`` (identity, gzip, deflate) decoded with a bound on the output."""

    def __init__(self, encoding):
        encoding = (encoding or "").strip().lower()
        if encoding in ("", "identity"):
            self._wbits = None
        elif encoding in ("gzip", "x-gzip"):
            self._wbits = 16 + zlib.MAX_WBITS
        elif encoding == "deflate":
            self._wbits = zlib.MAX_WBITS
        else:
            raise _BodyError("garbled", "unsupported Content-Encoding %r" % encoding[:40])
        self._decompressor = zlib.decompressobj(self._wbits) if self._wbits else None
        self._started = False

    def feed(self, data: bytes, out: bytearray, limit: int):
        """Append the decoded bytes of ``data`` to ``out``; ``out`` growing past ``limit`` is an error."""
        if self._decompressor is None:
            if len(out) + len(data) > limit:
                raise _BodyError("too_large", "")
            out += data
            return
        pending = data
        while pending:
            if self._decompressor.eof:  # a gzip stream of several members
                self._decompressor = zlib.decompressobj(self._wbits)
            try:
                out += self._decompressor.decompress(pending, min(limit - len(out) + 1, DECODE_STEP))
            except zlib.error as exc:
                if self._wbits == zlib.MAX_WBITS and not self._started:  # raw deflate, no zlib header
                    self._wbits = -zlib.MAX_WBITS
                    self._decompressor = zlib.decompressobj(self._wbits)
                    continue
                raise _BodyError("garbled", "the compressed body is corrupt (%s)" % exc) from None
            self._started = True
            if len(out) > limit:
                raise _BodyError("too_large", "")
            pending = self._decompressor.unused_data if self._decompressor.eof else self._decompressor.unconsumed_tail

    def finish(self):
        if self._decompressor is not None and self._started and not self._decompressor.eof:
            raise _BodyError("garbled", "the compressed body is truncated")


def read_body(response, limit: int) -> bytes:
    """The decoded body of a streamed ``requests`` response, at most ``limit`` bytes."""
    announced = str(response.headers.get("Content-Length") or "").strip()
    if announced.isdigit() and int(announced) > limit and not response.headers.get("Content-Encoding"):
        raise _BodyError("too_large", "announced %s bytes" % announced)
    decoder = _Decoder(response.headers.get("Content-Encoding"))
    body = bytearray()
    received = 0
    for chunk in response.raw.stream(READ_CHUNK, decode_content=False):
        received += len(chunk)
        if received > limit + READ_CHUNK:  # compressed, yet larger than the decoded limit
            raise _BodyError("too_large", "")
        decoder.feed(chunk, body, limit)
    decoder.finish()
    return bytes(body)


def parse_json(body: bytes):
    """Parsed JSON, None for an empty body, NOT_JSON for anything else (also deep nesting)."""
    if not body.strip():
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return NOT_JSON


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Control characters and terminal escapes made visible, and the length bounded."""
    text = _UNPRINTABLE.sub(lambda m: "\\x%02x" % ord(m.group(0)) if ord(m.group(0)) < 256
                            else "\\u%04x" % ord(m.group(0)), text)
    return text if len(text) <= limit else text[:limit] + "…[truncated]"


# ---------------------------------------------------------------------------------------------
# The client


class _Response:
    __slots__ = ("status", "headers", "data", "text")

    def __init__(self, status, headers, data, text=""):
        self.status, self.headers, self.data, self.text = status, headers, data, text


class SmsClient:
    """SMS ``/v3/sources`` operations with authentication, retries and pagination."""

    def __init__(self, endpoint, credentials, project_id=None, region="ap-southeast-3",
                 iam_endpoint="https://iam.myhuaweicloud.com", validate_certs=True, ca_path=None, timeout=30.0,
                 policy=None, session=None, sleep=time.sleep, monotonic=time.monotonic, rand=random.random,
                 allow_insecure_http=False, max_response_size=DEFAULT_MAX_RESPONSE_SIZE, warn=None):
        if session is None and not HAS_REQUESTS:
            raise SmsApiError("the Python library 'requests' is required")
        self.endpoint = endpoint.rstrip("/")
        self.iam_endpoint = iam_endpoint.rstrip("/")
        self.region = region
        self.project_id = project_id
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.sleep, self.monotonic, self.rand = sleep, monotonic, rand
        self.max_response_size = max(1, int(max_response_size))
        self.warnings = []
        self._warn = warn
        self._credentials = credentials
        self._auth = None if isinstance(credentials, _PasswordLogin) else credentials
        self._secrets = [s for s in credentials.secrets() if s]
        self.calls = 0
        if ca_path and validate_certs and not os.path.isfile(ca_path):
            raise SmsApiError("ca_path %r is not a file: give the PEM bundle of the CAs to trust" % ca_path)
        self.verify = tls_verify_setting(validate_certs, ca_path)
        self._check_transport(allow_insecure_http)
        self.session = new_session() if session is None else session

    @classmethod
    def from_options(cls, options, **kwargs) -> "SmsClient":
        """Build a client from the shared option names (missing keys: environment, then defaults)."""
        opts = resolve_options(options)
        credentials = _select_auth(opts, kwargs.pop("clock", _auth.utc_now))
        policy = RetryPolicy(retries=max(0, opts["retries"]), deadline=max(0.0, opts["deadline"]))
        return cls(opts["endpoint"], credentials, project_id=opts["project_id"], region=opts["region"],
                   iam_endpoint=opts["iam_endpoint"], validate_certs=opts["validate_certs"], ca_path=opts["ca_path"],
                   timeout=opts["timeout"], policy=policy, allow_insecure_http=opts["allow_insecure_http"],
                   max_response_size=opts["max_response_size"], **kwargs)

    @property
    def auth_kind(self) -> str:
        return self._credentials.kind

    def warn(self, message):
        self.warnings.append(message)
        if self._warn is not None:
            self._warn(message)

    def _check_transport(self, allow_insecure_http):
        """Refuse a password or token over ``http://``; warn about ``http://`` and unverified TLS."""
        used = [self.endpoint]
        if self.auth_kind == "password" or (self.auth_kind == "aksk" and not self.project_id):
            used.append(self.iam_endpoint)
        for url in dict.fromkeys(used):
            if urlsplit(url).scheme.lower() != "http":
                continue
            if self.auth_kind in ("password", "token") and not allow_insecure_http:
                raise SmsApiError(
                    "refusing to send the IAM %s over plain http:// to %s: use an https:// endpoint, or set "
                    "allow_insecure_http (HUAWEICLOUD_SMS_ALLOW_INSECURE_HTTP) for a test endpoint"
                    % (self.auth_kind if self.auth_kind == "password" else "token", urlsplit(url).netloc))
            self.warn("%s is a plain http:// endpoint: requests and answers travel unencrypted and can be read "
                      "or changed on the way; use https://" % urlsplit(url).netloc)
        if self.verify is False and any(urlsplit(u).scheme.lower() == "https" for u in used):
            self.warn("validate_certs is false: the TLS certificate of the SMS and IAM endpoints is not checked, "
                      "so anyone on the path can read the credentials; use ca_path instead")

    def _until(self, until=None) -> float:
        return until if until is not None else self.monotonic() + self.policy.deadline

    # -- sources ---------------------------------------------------------------------------

    def paginate(self, path, key, query=None, item_check=expect_source, until=None) -> list:
        """Every item of every page of ``GET path?limit=&offset=``, de-duplicated by ``id``.

        Each page must be ``{"count": int, key: [item, ...]}`` (``expect_page``). The listing
        stops with an error on a page that repeats items already seen, an empty page before
        ``count`` is reached, a ``count`` beyond ``MAX_PAGES`` pages, or after ``MAX_PAGES``
        pages; it ends within one ``deadline`` as a whole.
        """
        until = self._until(until)
        query = {k: v for k, v in (query or {}).items() if v not in (None, "") and k not in ("limit", "offset")}
        found, seen, offset = [], set(), 0
        for _page in range(MAX_PAGES):
            response = self.request("GET", path, query=dict(query, limit=PAGE_SIZE, offset=offset),
                                    expect=expect_page(key, item_check), until=until)
            count, items = response.data["count"], response.data[key]
            where = "GET %s (offset %d)" % (path, offset)
            if count > MAX_PAGES * PAGE_SIZE:
                raise SmsApiError("%s: the server reports %d records, more than the %d this client lists; "
                                  "narrow the listing with filters" % (where, count, MAX_PAGES * PAGE_SIZE),
                                  status=response.status, method="GET", path=path)
            fresh = [item for item in items if item["id"] not in seen]
            if items and not fresh:
                raise SmsApiError("%s: the server sent a page it had already sent (inconsistent pagination); "
                                  "try again later" % where, status=response.status, method="GET", path=path)
            if not items and offset < count:
                raise SmsApiError("%s: the server reports %d records but sent an empty page after %d "
                                  "(inconsistent count); try again later" % (where, count, offset),
                                  status=response.status, method="GET", path=path)
            for item in fresh:
                seen.add(item["id"])
                found.append(item)
            offset += len(items)
            if not items or offset >= count:
                return found
        raise SmsApiError("GET %s: still more records after %d pages; narrow the listing with filters"
                          % (path, MAX_PAGES), method="GET", path=path)

    def list_sources(self, filters=None) -> list:
        """All sources matching the server-side ``filters`` (every page; see ``paginate``)."""
        return self.paginate(SOURCES_PATH, "source_servers", filters)

    def find_sources(self, name=None, ip=None) -> list:
        """Sources whose ``name`` and/or ``ip`` equal the given values exactly."""
        if not name and not ip:
            raise ValueError("find_sources needs name or ip")
        server_filter = {"name": name} if name else {"ip": ip}
        return [s for s in self.list_sources(server_filter)
                if (not name or s.get("name") == name) and (not ip or s.get("ip") == ip)]

    def show_source(self, source_id) -> dict:
        """``GET /v3/sources/{id}``: a source record (``expect_source``)."""
        return self.request("GET", "%s/%s" % (SOURCES_PATH, quote(str(source_id), safe="")),
                            expect=expect_source).data

    def register_source(self, body) -> str:
        """``POST /v3/sources`` without ``id`` → ``{"id": ...}``; never blindly retried after an
        ambiguous failure (including a 2xx whose body is not that shape)."""
        body = {k: v for k, v in body.items() if k != "id"}
        return self.request("POST", SOURCES_PATH, body=body, idempotent=False, expect=expect_id).data["id"]

    def update_source(self, source_id, body) -> str:
        """``POST /v3/sources`` with ``id`` → an object (``id`` optional): the same update twice is
        harmless, so it is retried."""
        data = self.request("POST", SOURCES_PATH, body=dict(body, id=source_id), idempotent=True,
                            expect=expect_optional_id).data
        return data.get("id") or source_id

    def delete_source(self, source_id, missing_ok=True) -> bool:
        """``DELETE /v3/sources/{id}`` → no body or an object. False when the source did not exist
        (or a retried delete had already worked)."""
        try:
            self.request("DELETE", "%s/%s" % (SOURCES_PATH, quote(str(source_id), safe="")),
                         expect=expect_object_or_empty)
        except SmsNotFoundError:
            if not missing_ok:
                raise
            return False
        return True

    # -- authentication --------------------------------------------------------------------

    def _ensure_auth(self, until=None):
        """The request authenticator; with username/password the token is obtained here, once."""
        if self._auth is None:
            login = self._credentials
            body = _auth.password_token_body(login.username, login.password, login.domain_name,
                                             project_name=self.region, project_id=self.project_id)
            response = self.request("POST", "/v3/auth/tokens", body=body, base=self.iam_endpoint,
                                    authenticated=False, idempotent=True, expect=expect_token, until=until)
            token = response.headers.get("X-Subject-Token")
            if not token:
                raise SmsApiError("IAM answered the token request without an X-Subject-Token header",
                                  status=response.status)
            self._secrets.append(token)
            self._auth = _auth.TokenAuth(token)
            self.project_id = self.project_id or _auth.project_id_from_token(response.data)
        return self._auth

    def _ensure_project(self, until=None):
        """AK/SK needs ``X-Project-Id``: resolved once from ``region`` through IAM unless given."""
        if self.project_id is None and self._ensure_auth(until).kind == "aksk":
            response = self.request("GET", "/v3/projects", query={"name": self.region}, base=self.iam_endpoint,
                                    with_project=False, expect=expect_projects, until=until)
            self.project_id = _auth.project_id_from_projects(response.data, self.region)
            if not self.project_id:
                raise SmsApiError("IAM has no project named %r for these credentials: set region to the SMS "
                                  "endpoint's region (e.g. ap-southeast-3) or set project_id" % self.region)
        return self.project_id

    # -- transport -------------------------------------------------------------------------

    def request(self, method, path, query=None, body=None, idempotent=None, base=None, authenticated=True,
                with_project=True, expect=expect_json, until=None) -> _Response:
        """One logical call with retries; raises SmsApiError (or a subclass) on failure.

        ``expect`` checks the JSON of a 2xx answer (one of the ``expect_*`` functions: None
        when it fits, else what is wrong); a misfit is retried like a 5xx. ``until`` is the
        ``monotonic()`` time the call must end by (default: now + ``deadline``).
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method != "POST"
        base = base or self.endpoint
        until = self._until(until)
        query_string = _auth.canonical_query(query or {})
        url = base + path + ("?" + query_string if query_string else "")
        payload = json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8") if body is not None else b""
        retry = 0
        while True:
            headers = {"Content-Type": _auth.JSON_CONTENT_TYPE}
            if authenticated:
                project_id = self._ensure_project(until) if with_project else None
                headers = self._ensure_auth(until).headers_for(method, url, headers, payload, project_id=project_id)
            remaining = until - self.monotonic()
            if remaining <= 0:
                outcome, failure, code, detail = None, "deadline", None, "no time left for another attempt"
            else:
                outcome, failure, code, detail = self._attempt(method, url, headers, payload, remaining)
            if failure is None and 200 <= outcome.status < 300:
                problem = (expect or expect_json)(outcome.data)
                if problem is None:
                    return outcome
                failure, detail = "garbled", self._garbled_detail(outcome, problem)
            status = outcome.status if outcome is not None else None
            verdict = decide(status, code, failure, idempotent)
            delay = None
            if verdict == RETRY:
                retry_after = retry_after_seconds(outcome.headers.get("Retry-After")) if outcome is not None else None
                elapsed = self.policy.deadline - (until - self.monotonic())
                delay = self.policy.next_delay(retry, elapsed, self.rand(), retry_after)
            if delay is None:
                raise self._error(method, path, base, status, code, detail, failure, outcome, verdict, retry + 1)
            self.sleep(delay)
            retry += 1

    def _attempt(self, method, url, headers, payload, remaining) -> tuple:
        """``(response, failure kind, error code, detail)`` of one HTTP exchange."""
        try:
            outcome = self._send(method, url, headers, payload, remaining)
        except _TransportError as exc:
            return None, exc.kind, None, exc.detail
        code, detail = parse_error_body(outcome.data) if outcome.status >= 300 else (None, None)
        return outcome, None, code, detail

    def _send(self, method, url, headers, payload, remaining) -> _Response:
        """One exchange, over within ``remaining`` seconds of wall-clock time, whatever the server does."""
        self.calls += 1
        timeout = max(0.05, min(self.timeout, remaining))
        phase = "connecting or waiting for the response headers"
        with _Watchdog(remaining) as watchdog:
            try:
                with warnings.catch_warnings():
                    if self.verify is False:
                        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                    response = self.session.request(method, url, headers=headers, data=payload or None,
                                                    timeout=(timeout, timeout), allow_redirects=False, stream=True,
                                                    verify=self.verify, proxies=self._proxies(url))
                phase = "reading the response body"
                try:
                    body = read_body(response, self.max_response_size)
                finally:
                    response.close()
            except _BodyError as exc:
                if watchdog.expired:
                    raise _TransportError("deadline", phase) from None
                if exc.kind == "too_large":
                    raise _TransportError("too_large", "max_response_size is %d bytes%s" % (
                        self.max_response_size, "; " + exc.detail if exc.detail else "")) from None
                raise _TransportError(exc.kind, "HTTP %d, %s" % (response.status_code, exc.detail)) from None
            except Exception as exc:  # requests/urllib3 raise many kinds; classified below
                if watchdog.expired:
                    raise _TransportError("deadline", phase) from None
                raise _TransportError(_failure_kind(exc), "%s: %s" % (type(exc).__name__, exc)) from None
            if watchdog.expired:  # a body cut short by the watchdog may look complete
                raise _TransportError("deadline", phase)
        data = parse_json(body)
        text = ""
        if data is NOT_JSON or response.status_code >= 300:
            text = printable(self._redact(body[:4096].decode("utf-8", "replace")).strip(), 200)
        if data is NOT_JSON and response.status_code >= 300:
            data = {"error_msg": text}
        return _Response(response.status_code, response.headers, data, text)

    @staticmethod
    def _proxies(url) -> dict:
        """Proxies from HTTPS_PROXY/HTTP_PROXY/NO_PROXY (the session itself ignores the environment)."""
        return requests.utils.get_environ_proxies(url) if HAS_REQUESTS else {}

    @staticmethod
    def _garbled_detail(outcome, problem) -> str:
        detail = "HTTP %d, %s" % (outcome.status, problem)
        content_type = outcome.headers.get("Content-Type")
        if outcome.data is NOT_JSON:
            detail += " (Content-Type %s, body starts %r)" % (content_type or "missing", outcome.text[:80])
        return detail

    def _error(self, method, path, base, status, code, detail, failure, outcome, verdict, attempts) -> SmsApiError:
        where = "%s %s" % (method, path)
        host = urlsplit(base).netloc or base
        if failure == "deadline":
            text = transport_message(failure, host, "deadline %g s, %s" % (self.policy.deadline, detail))
        elif failure is not None:
            text = transport_message(failure, host, detail)
        elif status is not None and 300 <= status < 400:
            location = urlsplit(str(outcome.headers.get("Location") or ""))
            target = "%s://%s%s" % (location.scheme, location.netloc.rpartition("@")[2], location.path) \
                if location.netloc else (location.path or "nowhere")
            text = ("%s answered HTTP %d, a redirect to %s: redirects are not followed, so that credentials never "
                    "go to another host; set endpoint (or iam_endpoint) to the final address"
                    % (host, status, target))
        else:
            text = explain(status, code, detail, auth_kind=self.auth_kind,
                           clock_skew=self._clock_skew(outcome.headers), fields=error_fields(outcome.data))
        if attempts > 1:
            text += " [gave up after %d attempts]" % attempts
        kwargs = dict(status=status, code=code, method=method, path=path, attempts=attempts)
        if outcome is not None:
            data = outcome.data if isinstance(outcome.data, dict) else {}
            request_id = outcome.headers.get("X-Request-Id") or data.get("request_id")
            kwargs.update(fields=error_fields(data),
                          request_id=printable(str(request_id), 100) if request_id else None)
        message = printable(self._redact("%s: %s" % (where, text)))
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
        return redact(text, self._secrets)


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
