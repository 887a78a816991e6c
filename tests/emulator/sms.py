"""SMS ``/v3`` endpoints. Every handler runs after authentication, scoped to the caller's account."""

from __future__ import annotations

import json

from . import records
from .protocol import (
    SMS_BAD_BODY, SMS_NO_SOURCE, SMS_QUOTA, SMS_RANGE, SMS_TYPE, Request, Response, sms_error,
)
from .validation import (
    CHANGE_STATE_BODY, DELETE_IDS_BODY, DISK_INFO_BODY, PUT_SOURCE_BODY, validate, validate_register,
)

DEFAULT_LIMIT = 200
_STRING_FILTERS = ("name", "id", "ip", "ipv6", "state", "migration_cycle", "enterprise_project_id", "migproject", "vm_id")
_BOOL_FILTERS = ("connected", "is_consistency_result_exist")


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def json_body(request: Request):
    if not request.body:
        raise sms_error(400, SMS_BAD_BODY, "the request body is empty")
    content_type = (request.headers.get("Content-Type") or "").lower()
    if not content_type.startswith("application/json"):
        raise sms_error(400, SMS_BAD_BODY, "Content-Type must be application/json")
    try:
        return json.loads(request.body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise sms_error(400, SMS_BAD_BODY, f"the request body is not valid JSON: {exc}") from None


def _not_found(source_id: str, status: int = 404, param: str = "source_id"):
    return sms_error(status, SMS_NO_SOURCE, f"the source server {source_id} does not exist", [param])


def _domain(request: Request) -> str:
    return request.principal.account.domain_id


def register(app, request: Request) -> Response:
    body = validate_register(json_body(request), strict=app.config.strict)
    principal = request.principal
    with app.store.transaction() as store:
        if body.get("id"):
            record = store.get(body["id"], _domain(request))
            if record is None:
                raise _not_found(body["id"], 400, "id")
            record = records.update_record(record, body, report_bytes=len(request.body))
        else:
            if store.count(_domain(request)) >= app.config.source_quota:
                raise sms_error(
                    400, SMS_QUOTA,
                    f"insufficient quota: an account can register at most {app.config.source_quota} source servers",
                )
            record = records.new_record(
                body, account=principal.account, project_id=principal.project["id"], report_bytes=len(request.body)
            )
        store.put(record)
    return Response(200, {"id": record["id"]}, write=True)


def _int_param(params: dict, key: str, default: int) -> int:
    raw = params.get(key)
    if raw in (None, ""):
        return default
    if not raw.isdigit():
        raise sms_error(400, SMS_TYPE, f"{key} must be a non-negative integer", [key])
    return int(raw)


def _list_filters(params: dict) -> dict:
    filters = {key: params[key] for key in _STRING_FILTERS if params.get(key)}
    for key in _BOOL_FILTERS:
        if params.get(key):
            if params[key].lower() not in ("true", "false"):
                raise sms_error(400, SMS_TYPE, f"{key} must be true or false", [key])
            filters[key] = params[key].lower() == "true"
    return filters


def list_sources(app, request: Request) -> Response:
    limit = _int_param(request.params, "limit", 0) or DEFAULT_LIMIT
    if limit > DEFAULT_LIMIT:
        if app.config.strict:
            raise sms_error(400, SMS_RANGE, f"limit must be between 0 and {DEFAULT_LIMIT}", ["limit"])
        limit = DEFAULT_LIMIT
    offset = _int_param(request.params, "offset", 0)
    filters = _list_filters(request.params)
    found = [r for r in app.store.list(_domain(request)) if records.matches(r, filters)]
    page = found[offset:offset + limit]
    return Response(200, {"count": len(found), "source_servers": [records.list_view(r) for r in page]})


def show_source(app, request: Request, source_id: str) -> Response:
    record = app.store.get(source_id, _domain(request))
    if record is None:
        raise _not_found(source_id)
    return Response(200, records.show_view(record))


def _change(app, request: Request, source_id: str, changes: dict) -> Response:
    with app.store.transaction() as store:
        record = store.get(source_id, _domain(request))
        if record is None:
            raise _not_found(source_id)
        store.put(records.update_record(record, changes))
    return Response(200, {}, write=True)


def update_source(app, request: Request, source_id: str) -> Response:
    body = validate(json_body(request), PUT_SOURCE_BODY, strict=app.config.strict)
    changes = {k: body[k] for k in ("name", "migprojectid") if k in body}
    if "migprojectid" in changes and changes["migprojectid"] != records.default_migproject(request.principal.account)["id"]:
        raise sms_error(400, SMS_RANGE, f"the migration project {changes['migprojectid']} does not exist", ["migprojectid"])
    adjustments = {k: body[k] for k in ("disks", "volume_groups") if k in body}
    if adjustments:
        changes["adjustments"] = adjustments
    return _change(app, request, source_id, changes)


def update_disk_info(app, request: Request, source_id: str) -> Response:
    body = validate(json_body(request), DISK_INFO_BODY, strict=app.config.strict)
    renamed = {"volumegroups": "volume_groups"}
    return _change(app, request, source_id, {renamed.get(k, k): v for k, v in body.items()})


def change_state(app, request: Request, source_id: str) -> Response:
    body = validate(json_body(request), CHANGE_STATE_BODY, strict=app.config.strict)
    changes = {
        "state": body["copystate"],
        "migration_cycle": body["migrationcycle"],
        "state_action_time": records.now_ms(),
    }
    return _change(app, request, source_id, changes)


def delete_source(app, request: Request, source_id: str) -> Response:
    with app.store.transaction() as store:
        if store.get(source_id, _domain(request)) is None:
            raise _not_found(source_id)
        store.delete([source_id])
    return Response(200, {}, write=True)


def delete_sources(app, request: Request) -> Response:
    """All or nothing: any unknown id rejects the whole request."""
    ids = validate(json_body(request), DELETE_IDS_BODY, strict=app.config.strict)["ids"]
    with app.store.transaction() as store:
        unknown = [f"ids[{i}]" for i, sid in enumerate(ids) if store.get(sid, _domain(request)) is None]
        if unknown:
            raise sms_error(400, SMS_NO_SOURCE, f"{len(unknown)} of the source servers do not exist", unknown)
        store.delete(ids)
    return Response(200, {}, write=True)


def overview(app, request: Request) -> Response:
    return Response(200, records.overview(app.store.list(_domain(request))))


def list_migprojects(app, request: Request) -> Response:
    return Response(200, {"count": 1, "migprojects": [records.default_migproject(request.principal.account)]})
