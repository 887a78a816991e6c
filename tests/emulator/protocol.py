"""Request/response values shared by the emulator modules, and every error code it returns.

Gateway (``APIGW.*``) codes and statuses are the documented API Gateway ones. The real SMS
validation codes are not public: the ``SMS.8xxx`` codes below are this emulator's own choice and
the ``SMS.9998``/``SMS.9999`` codes mark injected faults. README.md lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

# API Gateway, documented (API Request Signing Guide / APIG user guide "Error Codes").
APIGW_NO_API = "APIGW.0101"  # 404 the API does not exist
APIGW_BAD_REQUEST = "APIGW.0201"  # 400 bad request / 413 request entity too large
APIGW_AUTH = "APIGW.0301"  # 401 incorrect IAM authentication information
APIGW_FORBIDDEN = "APIGW.0302"  # 403 the IAM user is not authorized to access the API
APIGW_THROTTLED = "APIGW.0308"  # 429 the throttling threshold has been reached

# SMS. 2216 and 2004 come from the legacy v1 table, 6517 and 0206 from the current FAQ;
# 6526 is the agent's "insufficient quota" code, reused for the 1,000-source quota.
SMS_BAD_BODY = "SMS.8001"
SMS_MISSING = "SMS.8002"
SMS_TYPE = "SMS.8003"
SMS_UNKNOWN_KEY = "SMS.8004"
SMS_RANGE = "SMS.8005"
SMS_ENUM = "SMS.8006"
SMS_NO_SOURCE = "SMS.2216"
SMS_QUOTA = "SMS.6526"
SMS_INTERNAL = "SMS.9999"
SMS_UNAVAILABLE = "SMS.9998"


class Headers:
    """Case-insensitive, order-preserving view of request headers."""

    def __init__(self, items):
        self.items = list(items)
        self._lower = {}
        for name, value in self.items:
            self._lower.setdefault(name.lower(), value)

    def get(self, name: str, default=None):
        return self._lower.get(name.lower(), default)

    def as_dict(self) -> dict:
        return dict(self.items)


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: Headers
    body: bytes
    request_id: str
    params: dict = field(init=False)
    principal: object = None

    def __post_init__(self):
        self.params = {}
        for key, value in parse_qsl(self.query, keep_blank_values=True):
            self.params.setdefault(key, value)

    @property
    def host(self) -> str:
        return self.headers.get("Host", "")


@dataclass
class Response:
    status: int
    body: object = None
    headers: dict = field(default_factory=dict)
    write: bool = False  # a committed change to the source store


class ApiError(Exception):
    """An error response; ``body`` is already in the wire shape of the component that sends it."""

    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(body)
        self.status = status
        self.body = body
        self.headers = headers or {}

    @property
    def code(self) -> str | None:
        return self.body.get("error_code") or (self.body.get("error") or {}).get("code")

    def response(self, request_id: str) -> Response:
        body = dict(self.body)
        if "request_id" in body:
            body["request_id"] = request_id
        return Response(self.status, body, dict(self.headers))


def gateway_error(status: int, code: str, message: str, headers: dict | None = None) -> ApiError:
    return ApiError(status, {"error_code": code, "error_msg": message, "request_id": ""}, headers)


def sms_error(status: int, code: str, message: str, params: list[str] | None = None) -> ApiError:
    body = {"error_code": code, "error_msg": message}
    if params:
        body["error_param"] = params
    return ApiError(status, body)


_IAM_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}


def iam_error(status: int, message: str) -> ApiError:
    return ApiError(status, {"error": {"code": status, "message": message, "title": _IAM_TITLES.get(status, "Error")}})
