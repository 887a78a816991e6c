"""Gateway authentication: AK/SK signatures checked with the official SDK signer, IAM tokens, lockout.

The signature is recomputed by ``huaweicloudsdkcore``'s own ``Signer`` over an ``SdkRequest`` rebuilt
from the wire request, so the collection's independent client signer is checked against the
reference implementation. Every failure is ``APIGW.0301`` (401) with the message the gateway
uses for that case; authorisation failures are ``APIGW.0302`` (403).
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import NoReturn
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from .accounts import Account, Accounts, Credential, User
from .protocol import APIGW_AUTH, APIGW_FORBIDDEN, ApiError, Request, gateway_error

try:
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    SDK_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised only without the SDK installed
    SDK_IMPORT_ERROR = exc

SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_AUTH_HEADER = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=(?P<ak>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<sig>[0-9a-fA-F]+)$"
)


def require_sdk():
    if SDK_IMPORT_ERROR is not None:
        raise SystemExit(
            "tests.emulator needs the official Huawei Cloud SDK core to verify AK/SK signatures: "
            f"pip install huaweicloudsdkcore==3.1.219 ({SDK_IMPORT_ERROR})"
        )


@dataclass(frozen=True)
class Principal:
    kind: str  # "aksk" | "token"
    account: Account
    ak: str | None = None
    project: dict | None = None
    user: User | None = None

    @property
    def rate_key(self) -> str:
        return self.ak or f"user:{self.user.id}"


@dataclass(frozen=True)
class Token:
    value: str
    account: Account
    user: User
    project: dict | None
    scope: str  # "project" | "domain" | "unscoped"
    issued_at: float
    expires_at: float


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _denied(message: str) -> ApiError:
    return gateway_error(401, APIGW_AUTH, "Incorrect IAM authentication information: " + message)


def _forbidden(message: str) -> ApiError:
    return gateway_error(403, APIGW_FORBIDDEN, "The IAM user is not authorized to access the API: " + message)


class _Keys:
    """The two attributes ``Signer`` reads from a credentials object."""

    def __init__(self, ak: str, sk: str):
        self.ak, self.sk = ak, sk


def sdk_signature(request: Request, ak: str, sk: str, signed_headers: list[str]) -> str:
    """The signature the official SDK signer computes for ``request`` with these signed headers."""
    sdk_request = SdkRequest(
        method=request.method,
        schema="http",
        host=request.host,
        resource_path=request.path,
        query_params=parse_qsl(request.query, keep_blank_values=True),
        header_params=request.headers.as_dict(),
        body=request.body,
    )
    signer = Signer(_Keys(ak, sk))
    signed_at = signer._process_header_time(sdk_request)
    canonical = signer._process_canonical_request(sdk_request, signed_headers)
    return signer._sign_string_to_sign(signer._process_string_to_sign(canonical, signed_at), sk)


class Authenticator:
    def __init__(self, accounts: Accounts, *, token_ttl: float = 86400, lockout_threshold: int = 5,
                 lockout_seconds: float = 300, max_skew_seconds: float = 900):
        self.accounts = accounts
        self.token_ttl = token_ttl
        self.lockout_threshold = lockout_threshold
        self.lockout_seconds = lockout_seconds
        self.max_skew_seconds = max_skew_seconds
        self._lock = threading.Lock()
        self._tokens: dict[str, Token] = {}
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}

    def reset(self):
        """Forget failure counters and lockouts (tokens stay valid)."""
        with self._lock:
            self._failures.clear()
            self._locked_until.clear()

    # ---- tokens -------------------------------------------------------------------------------

    def issue_token(self, account: Account, user: User, project: dict | None, scope: str) -> Token:
        now = time.time()
        token = Token("EMU" + secrets.token_urlsafe(48), account, user, project, scope, now, now + self.token_ttl)
        with self._lock:
            self._tokens[token.value] = token
        return token

    @staticmethod
    def token_body(token: Token) -> dict:
        domain = {"id": token.account.domain_id, "name": token.account.domain_name}
        body = {
            "methods": ["password"],
            "issued_at": _iso(token.issued_at),
            "expires_at": _iso(token.expires_at),
            "user": {"id": token.user.id, "name": token.user.name, "domain": domain, "password_expires_at": ""},
            "roles": [{"id": "0", "name": "te_admin"}],
            "catalog": [],
        }
        if token.scope == "project":
            body["project"] = {"id": token.project["id"], "name": token.project["name"], "domain": domain}
        elif token.scope == "domain":
            body["domain"] = domain
        return {"token": body}

    def _authenticate_token(self, value: str, need_project: bool) -> Principal:
        with self._lock:
            token = self._tokens.get(value)
        if token is None:
            raise _denied("decrypt token fail")
        if time.time() >= token.expires_at:
            raise _denied(f"token expires, expires_at: {_iso(token.expires_at)}")
        if need_project and token.scope != "project":
            raise _forbidden(f"SMS needs a project-scoped token, got a {token.scope} token")
        return Principal("token", token.account, project=token.project, user=token.user)

    # ---- AK/SK --------------------------------------------------------------------------------

    def _fail(self, ak: str, message: str) -> NoReturn:
        with self._lock:
            count = self._failures.get(ak, 0) + 1
            self._failures[ak] = count
            if count >= self.lockout_threshold:
                self._locked_until[ak] = time.monotonic() + self.lockout_seconds
                self._failures[ak] = 0
        raise _denied(message)

    def _check_lock(self, ak: str):
        with self._lock:
            until = self._locked_until.get(ak)
            if until is not None and time.monotonic() >= until:
                del self._locked_until[ak]
                until = None
        if until is not None:
            raise _denied("AK access failed to reach the limit,forbidden")

    def _check_date(self, request: Request, ak: str):
        value = request.headers.get("X-Sdk-Date")
        if value is None:
            self._fail(ak, "x-sdk-date not found")
        try:
            signed_at = datetime.strptime(value, SDK_DATE_FORMAT).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            self._fail(ak, f"x-sdk-date {value!r} is not in the format YYYYMMDDTHHMMSSZ")
        if abs(time.time() - signed_at) > self.max_skew_seconds:
            self._fail(ak, f"the request time {value} differs from the server time by more than "
                           f"{int(self.max_skew_seconds // 60)} minutes")

    def _authenticate_aksk(self, request: Request, header: str, need_project: bool) -> Principal:
        match = _AUTH_HEADER.match(header.strip())
        if match is None:
            raise _denied("unsupported or malformed Authorization header")
        ak = match["ak"]
        found = self.accounts.by_ak(ak)
        if found is None:
            raise _denied(f"Get secretKey failed,ak:{ak},err:ak not exist")
        account, credential = found
        self._check_lock(ak)
        self._check_date(request, ak)
        signed_headers = match["signed"].lower().split(";")
        missing = [h for h in signed_headers if request.headers.get(h) is None]
        if missing:
            self._fail(ak, f"verify aksk signature fail, signed headers missing from the request: {';'.join(missing)}")
        expected = sdk_signature(request, ak, credential.sk, signed_headers)
        if not hmac.compare_digest(expected, match["sig"].lower()):
            self._fail(ak, "verify aksk signature fail")
        self._check_security_token(request, ak, credential)
        with self._lock:
            self._failures.pop(ak, None)
        return Principal("aksk", account, ak=ak, project=self._project(request, account, ak, need_project))

    def _check_security_token(self, request: Request, ak: str, credential: Credential):
        if credential.security_token is None:
            return
        sent = request.headers.get("X-Security-Token")
        if sent is None:
            self._fail(ak, "x-security-token not found; the AK is a temporary credential")
        if not hmac.compare_digest(sent.encode(), credential.security_token.encode()):
            self._fail(ak, "verify security token fail")

    @staticmethod
    def _project(request: Request, account: Account, ak: str, need_project: bool) -> dict | None:
        project_id = request.headers.get("X-Project-Id")
        if project_id is None:
            if need_project:
                raise _denied("x-project-id not found (required with AK/SK)")
            return None
        project = account.project(project_id=project_id)
        if project is None:
            raise _forbidden(f"project {project_id} does not belong to the account of AK {ak}")
        return project

    # ---- entry point --------------------------------------------------------------------------

    def authenticate(self, request: Request, *, need_project: bool) -> Principal:
        authorization = request.headers.get("Authorization")
        if authorization:
            return self._authenticate_aksk(request, authorization, need_project)
        token = request.headers.get("X-Auth-Token")
        if token:
            return self._authenticate_token(token, need_project)
        raise _denied("x-auth-token not found")
