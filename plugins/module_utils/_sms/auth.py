# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request authentication for SMS and IAM: SDK-HMAC-SHA256 signing and IAM tokens.

This module util is PRIVATE: its interface may change without notice.

The signer is written from the algorithm (docs/auth.md, sms-api.md section 7.2), not imported
from ``huaweicloudsdkcore``; the unit tests check it against the reference test vectors and
against the SDK's signer on random requests. Everything here is pure: no network I/O. The
client calls ``headers_for()`` on every attempt (a fresh ``X-Sdk-Date`` each time) and uses the
IAM helpers to build and read the token and project requests.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from urllib.parse import quote, unquote, urlsplit

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_SHA256 = hashlib.sha256(b"").hexdigest()
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _encode(text) -> str:
    return quote(str(text), safe="~")


def canonical_uri(path: str) -> str:
    """Percent-decode, re-encode every segment, and end with ``/`` (the request itself does not)."""
    uri = "/".join(_encode(segment) for segment in unquote(path or "/").split("/"))
    return uri if uri.endswith("/") else uri + "/"


def _query_value(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def canonical_query(params) -> str:
    """``k=v`` pairs sorted by key, then value; list values repeated; booleans lower-cased.

    ``params`` is a mapping or a sequence of ``(key, value)`` pairs. The same string is used as
    the query of the URL actually sent, so what is signed is what goes on the wire.
    """
    items = params.items() if hasattr(params, "items") else list(params or ())
    pairs = []
    for key, value in items:
        if value is None:
            continue
        values = sorted(_query_value(v) for v in value) if isinstance(value, (list, tuple)) else [_query_value(value)]
        pairs.extend((str(key), v) for v in values)
    pairs.sort()
    return "&".join("%s=%s" % (_encode(key), _encode(value)) for key, value in pairs)


def signed_header_names(headers) -> list:
    """Lower-cased names of every header without ``_``, sorted."""
    return sorted(name.lower() for name in headers if "_" not in name)


def canonical_request(method: str, path: str, query: str, headers, body: bytes) -> tuple:
    """``(canonical_request, signed_header_names)`` for already-complete headers."""
    lowered = {name.lower(): str(value).strip() for name, value in headers.items()}
    names = signed_header_names(headers)
    payload_hash = lowered.get("x-sdk-content-sha256") if body else None
    if not payload_hash:
        payload_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_SHA256
    lines = [
        method.upper(),
        canonical_uri(path),
        query,
        "".join("%s:%s\n" % (name, lowered[name]) for name in names),
        ";".join(names),
        payload_hash,
    ]
    return "\n".join(lines), names


def string_to_sign(canonical: str, sdk_date: str) -> str:
    return "%s\n%s\n%s" % (ALGORITHM, sdk_date, hashlib.sha256(canonical.encode("utf-8")).hexdigest())


def signature(secret_key: str, text: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(method: str, url: str, headers, body: bytes, access_key: str, secret_key: str, now=None) -> dict:
    """Return ``headers`` plus ``X-Sdk-Date``, ``Host`` and ``Authorization``.

    ``url`` must already carry the canonical query string (``canonical_query``). Headers that
    must be covered by the signature (``X-Project-Id``, ``X-Security-Token``) must be in
    ``headers`` before this is called.
    """
    parts = urlsplit(url)
    signed = dict(headers)
    content_type = _get(signed, "Content-Type")
    if content_type and not content_type.startswith(("application/json", "application/bson")):
        signed["X-Sdk-Content-Sha256"] = "UNSIGNED-PAYLOAD"
    sdk_date = _get(signed, "X-Sdk-Date")
    if sdk_date is None:
        sdk_date = (now or utc_now()).strftime(DATE_FORMAT)
        signed["X-Sdk-Date"] = sdk_date
    if _get(signed, "Host") is None:
        signed["Host"] = parts.netloc.rpartition("@")[2]
    canonical, names = canonical_request(method, parts.path, parts.query, signed, body or b"")
    signed["Authorization"] = "%s Access=%s, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM, access_key, ";".join(names), signature(secret_key, string_to_sign(canonical, sdk_date)))
    return signed


def _get(headers, name):
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


class AkSkAuth:
    """Permanent or temporary AK/SK: every request is signed; nothing is fetched."""

    kind = "aksk"

    def __init__(self, access_key: str, secret_key: str, security_token: str | None = None, clock=utc_now):
        self.access_key = access_key
        self.secret_key = secret_key
        self.security_token = security_token
        self.clock = clock

    def secrets(self) -> list:
        return [s for s in (self.secret_key, self.security_token) if s]

    def headers_for(self, method, url, headers, body, project_id=None) -> dict:
        headers = dict(headers)
        if project_id:
            headers["X-Project-Id"] = project_id
        if self.security_token:
            headers["X-Security-Token"] = self.security_token
        return sign(method, url, headers, body, self.access_key, self.secret_key, now=self.clock())


class TokenAuth:
    """A project-scoped IAM token sent as ``X-Auth-Token``."""

    kind = "token"

    def __init__(self, token: str):
        self.token = token

    def secrets(self) -> list:
        return [self.token] if self.token else []

    def headers_for(self, method, url, headers, body, project_id=None) -> dict:
        headers = dict(headers)
        headers["X-Auth-Token"] = self.token
        if project_id:
            headers["X-Project-Id"] = project_id
        return headers


def password_token_body(username: str, password: str, domain_name: str, project_name=None, project_id=None) -> dict:
    """Body of ``POST /v3/auth/tokens`` for a project-scoped token (password method)."""
    project = {"id": project_id} if project_id else {"name": project_name}
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": username, "password": password, "domain": {"name": domain_name}}},
            },
            "scope": {"project": project},
        }
    }


def project_id_from_token(body) -> str | None:
    """The project of a token response (``token.project.id``)."""
    try:
        return body["token"]["project"]["id"] or None
    except (KeyError, TypeError):
        return None


def project_id_from_projects(body, region: str) -> str | None:
    """The id of the project named ``region`` in a ``GET /v3/projects?name=`` response."""
    projects = body.get("projects") if isinstance(body, dict) else None
    for project in projects or []:
        if isinstance(project, dict) and project.get("name") == region and project.get("id"):
            return project["id"]
    return None


def parse_http_date(value: str) -> datetime.datetime | None:
    """An RFC 7231 date (``Date``, ``Retry-After``) as an aware UTC datetime, or None."""
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)
