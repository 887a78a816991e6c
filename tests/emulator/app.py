"""The emulator's request pipeline, independent of the HTTP plumbing in ``server.py``.

SMS/IAM requests go: route lookup (404 APIGW.0101) -> body limit (413) -> fault decision and
latency -> authentication -> per-AK rate limit -> injected 429/500/503 -> late-commit hold ->
handler. A handler's 2xx may then be turned into a dropped connection (commit-then-drop, late
commit) or a garbled body by the HTTP layer.
"""

from __future__ import annotations

import json
import re
import time
import traceback
from dataclasses import dataclass
from typing import Callable
from urllib.parse import unquote

from . import iam, sms, tasks
from .accounts import Accounts
from .auth import Authenticator
from .faults import Decision, FaultConfigError, Faults, retry_after_header
from .protocol import (
    APIGW_NO_API, APIGW_THROTTLED, SMS_INTERNAL, SMS_UNAVAILABLE, ApiError, Request, Response,
    gateway_error, sms_error,
)
from .store import Store
from .telemetry import Telemetry

ADMIN_PREFIX = "/_emulator/"


@dataclass(frozen=True)
class Config:
    strict: bool = True
    max_body_bytes: int = 1024 * 1024
    source_quota: int = 1000
    token_ttl: float = 86400
    lockout_threshold: int = 5
    lockout_seconds: float = 300
    max_skew_seconds: float = 900
    log_limit: int = 100_000
    state_file: str | None = None
    accounts_file: str | None = None


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # also the route's name in the counters
    handler: Callable
    auth: str  # "sms": AK/SK with X-Project-Id or a project token; "iam": any credential; "none"

    @property
    def name(self) -> str:
        return f"{self.method} {self.pattern}"

    @property
    def regex(self):
        return re.compile("^" + re.sub(r"\{\w+\}", "([^/]+)", self.pattern) + "$")


ROUTES = (
    Route("POST", "/v3/auth/tokens", iam.issue_token, "none"),
    Route("GET", "/v3/projects", iam.list_projects, "iam"),
    Route("POST", "/v3/sources", sms.register, "sms"),
    # the source reads and deletes go through tasks.py: the agent simulation catches up first
    Route("GET", "/v3/sources", tasks.list_sources, "sms"),
    Route("GET", "/v3/sources/overview", sms.overview, "sms"),
    Route("POST", "/v3/sources/delete", tasks.delete_sources, "sms"),
    Route("GET", "/v3/sources/{id}", tasks.show_source, "sms"),
    Route("PUT", "/v3/sources/{id}", sms.update_source, "sms"),
    Route("DELETE", "/v3/sources/{id}", tasks.delete_source, "sms"),
    Route("PUT", "/v3/sources/{id}/diskinfo", sms.update_disk_info, "sms"),
    Route("PUT", "/v3/sources/{id}/changestate", sms.change_state, "sms"),
    Route("GET", "/v3/migprojects", sms.list_migprojects, "sms"),
    Route("POST", "/v3/tasks", tasks.create_task, "sms"),
    Route("GET", "/v3/tasks", tasks.list_tasks, "sms"),
    Route("POST", "/v3/tasks/delete", tasks.delete_tasks, "sms"),
    Route("GET", "/v3/tasks/{id}", tasks.show_task, "sms"),
    Route("DELETE", "/v3/tasks/{id}", tasks.delete_task, "sms"),
    Route("POST", "/v3/tasks/{id}/action", tasks.task_action, "sms"),
    Route("GET", "/v3/tasks/{id}/speed-limit", tasks.show_speed_limit, "sms"),
    Route("POST", "/v3/tasks/{id}/speed-limit", tasks.update_speed_limit, "sms"),
    Route("GET", "/v3/tasks/{id}/configuration-setting", tasks.show_configuration, "sms"),
    Route("POST", "/v3/tasks/{id}/configuration-setting", tasks.update_configuration, "sms"),
    Route("POST", "/v3/vm/templates", tasks.create_template, "sms"),
    Route("GET", "/v3/vm/templates", tasks.list_templates, "sms"),
    Route("POST", "/v3/vm/templates/delete", tasks.delete_templates, "sms"),
    Route("GET", "/v3/vm/templates/{id}", tasks.show_template, "sms"),
    Route("PUT", "/v3/vm/templates/{id}", tasks.update_template, "sms"),
    Route("DELETE", "/v3/vm/templates/{id}", tasks.delete_template, "sms"),
    # the agent simulation's admin API (tasks.py): no authentication, logged like API calls
    Route("GET", "/_emulator-sim/settings", tasks.sim_settings, "none"),
    Route("PUT", "/_emulator-sim/settings", tasks.sim_settings, "none"),
    Route("PUT", "/_emulator-sim/sources/{id}", tasks.sim_inject, "none"),
    Route("GET", "/_emulator-sim/tasks", tasks.sim_tasks, "none"),
    Route("POST", "/_emulator-sim/reset", tasks.sim_reset, "none"),
)
_COMPILED = tuple((route, route.regex) for route in ROUTES)


def match_route(method: str, path: str):
    """Return (route, path args), (None, "method") when only the method is wrong, or (None, None)."""
    path_known = False
    for route, regex in _COMPILED:
        found = regex.match(path)
        if found:
            if route.method == method:
                return route, tuple(unquote(arg) for arg in found.groups())
            path_known = True
    return None, "method" if path_known else None


def _auth_kind(request: Request) -> tuple[str, str | None]:
    authorization = request.headers.get("Authorization")
    if authorization:
        ak = re.search(r"Access=([^,\s]+)", authorization)
        return "aksk", ak.group(1) if ak else None
    return ("token" if request.headers.get("X-Auth-Token") else "none"), None


class App:
    def __init__(self, config: Config, faults: dict | None = None):
        self.config = config
        self.accounts = Accounts.load(config.accounts_file)
        self.store = Store(config.state_file)
        self.auth = Authenticator(
            self.accounts, token_ttl=config.token_ttl, lockout_threshold=config.lockout_threshold,
            lockout_seconds=config.lockout_seconds, max_skew_seconds=config.max_skew_seconds,
        )
        self.faults = Faults(faults)
        self.telemetry = Telemetry(config.log_limit)

    def close(self):
        self.store.close()

    # ---- SMS and IAM --------------------------------------------------------------------------

    def handle_api(self, request: Request, body_error: ApiError | None = None) -> tuple[Response, bool | str]:
        """Return the response and its fate: False (send it), True (drop the connection instead) or
        the name of the garbled body to send instead of its JSON (faults.GARBLED_BODIES)."""
        route, detail = match_route(request.method, request.path)
        decision = Decision()
        try:
            if route is None:
                message = "The API does not exist." if detail == "method" else \
                    "The API does not exist or has not been published in the environment."
                raise gateway_error(404, APIGW_NO_API, message)
            if body_error is not None:
                raise body_error
            decision = self.faults.decide(request.method, request.path)
            if decision.latency_ms:
                self.telemetry.fault("latency")
                time.sleep(decision.latency_ms / 1000)
            if route.auth != "none":
                request.principal = self.auth.authenticate(request, need_project=route.auth == "sms")
                self._rate_limit(request.principal.rate_key)
            if decision.status is not None:
                raise self._injected(decision)
            if decision.late_commit_ms:
                self.telemetry.fault("late_commit")
                time.sleep(decision.late_commit_ms / 1000)  # the client times out meanwhile
            response = route.handler(self, request, *detail)
        except ApiError as error:
            response = error.response(request.request_id)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # an emulator bug must still produce an answer the client can report
            traceback.print_exc()
            response = sms_error(500, SMS_INTERNAL, f"emulator bug: {exc!r}").response(request.request_id)
        success = 200 <= response.status < 300
        drop = decision.drop and success
        garble = decision.garble if success and not drop else None
        if drop and not decision.late_commit_ms:
            self.telemetry.fault("drop_after_commit")
        if garble:
            self.telemetry.fault("garbled")
        self._record(request, route, response, drop, garble=garble, late_commit_ms=decision.late_commit_ms)
        return response, garble or drop

    def _rate_limit(self, key: str):
        limited = self.faults.rate_limited(key)
        if limited is not None:
            limit, wait = limited
            self.telemetry.fault("rate_limit_429")
            raise gateway_error(
                429, APIGW_THROTTLED,
                "The throttling threshold has been reached: policy user over ratelimit,"
                f"limit:{limit['requests']},time:{limit['per_seconds']} second",
                {"Retry-After": retry_after_header(wait)},
            )

    def _injected(self, decision: Decision) -> ApiError:
        if decision.status == 429:
            self.telemetry.fault("throttle_429")
            return gateway_error(
                429, APIGW_THROTTLED, "The throttling threshold has been reached: policy user over ratelimit (injected)",
                {"Retry-After": str(decision.retry_after)},
            )
        if decision.status == 500:
            self.telemetry.fault("status_500")
            return sms_error(500, SMS_INTERNAL, "Internal server error (injected by the emulator)")
        self.telemetry.fault("status_503")
        return sms_error(503, SMS_UNAVAILABLE, "Service temporarily unavailable (injected by the emulator)")

    def _record(self, request: Request, route: Route | None, response: Response, dropped: bool, **faults):
        kind, ak = _auth_kind(request)
        body = response.body if isinstance(response.body, dict) else {}
        error_code = body.get("error_code") or (body.get("error") or {}).get("code")
        self.telemetry.record(
            {
                "time": time.time(),
                "request_id": request.request_id,
                "method": request.method,
                "path": request.path,
                "route": route.name if route else None,
                "query": dict(request.params),
                "status": response.status,
                "auth": kind,
                "ak": ak,
                "error_code": error_code,
                "dropped": dropped,
                **{key: value for key, value in faults.items() if value},  # garble, late_commit_ms
            },
            route=route.name if route else "UNMATCHED",
            write=response.write and 200 <= response.status < 300,
        )

    # ---- /_emulator/ --------------------------------------------------------------------------

    def handle_admin(self, request: Request) -> Response:
        name = request.path[len(ADMIN_PREFIX):].strip("/")
        handler = {
            ("GET", "health"): lambda: {"ok": True},
            ("GET", "log"): lambda: {"requests": self.telemetry.log()},
            ("GET", "counters"): lambda: self.telemetry.counters(self.store.count()),
            ("GET", "sources"): lambda: {"sources": self.store.list()},
            ("GET", "faults"): self.faults.snapshot,
            ("PUT", "faults"): lambda: self.faults.configure(self._admin_json(request, None)),
            ("POST", "reset"): lambda: self._reset(self._admin_json(request, {})),
        }.get((request.method, name))
        if handler is None:
            return Response(404, {"error": f"no admin endpoint {request.method} {request.path}"})
        try:
            return Response(200, handler())
        except (ValueError, FaultConfigError) as exc:
            return Response(400, {"error": str(exc)})

    @staticmethod
    def _admin_json(request: Request, default):
        if not request.body:
            if default is None:
                raise ValueError("a JSON body is required")
            return default
        return json.loads(request.body)

    def _reset(self, options: dict) -> dict:
        if not isinstance(options, dict) or set(options) - {"log", "state", "faults", "auth"}:
            raise ValueError('reset takes an object with the optional booleans "log", "state", "faults", "auth"')
        actions = {
            "log": self.telemetry.reset,
            "state": self.store.clear,
            "faults": self.faults.reset,
            "auth": self.auth.reset,
        }
        done = []
        for key, action in actions.items():
            if options.get(key, True):
                action()
                done.append(key)
        return {"ok": True, "reset": done}
