"""SMS migration tasks (``/v3/tasks``) and server templates (``/v3/vm/templates``), plus the
simulation admin API (``/_emulator-sim/``).

Tasks and templates live in memory (not in ``--state-file``). Before any task or source read, the
agent simulation (``agent_sim.py``) brings every task of the caller's account and its source up
to now, so sources show the fields tasks change: ``state``, ``migration_cycle``,
``current_task``, ``replicatesize``. ``init_target_server`` is SMS's recommended target layout,
derived from the source's disks and volume groups on every read until a task freezes it.

Error codes: ``SMS.1038``/``SMS.1039``/``SMS.1040`` (pause/resume/restart refused) and
``SMS.2015`` (delete of a running task) are the legacy documented ones, ``SMS.6103`` is the
documented missing ``disk_id``; ``SMS.82xx`` are this emulator's own (README).
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import uuid
from dataclasses import asdict

from . import agent_sim, sms
from .protocol import SMS_NO_SOURCE, SMS_RANGE, SMS_TYPE, Request, Response, sms_error
from .task_schemas import (
    CONFIGURATION_BODY, POST_TASK_BODY, SPEED_LIMIT_BODY, TEMPLATE_BODY, UPDATE_TASK_STATUS_BODY,
)
from .validation import DELETE_IDS_BODY, validate

SMS_PAUSE_REFUSED = "SMS.1038"  # only created or monitored tasks can be paused
SMS_RESUME_REFUSED = "SMS.1039"  # only paused tasks can be resumed
SMS_RESTART_REFUSED = "SMS.1040"  # only failed tasks can be restarted
SMS_DELETE_RUNNING = "SMS.2015"  # running or stopping tasks cannot be deleted
SMS_MISSING_DISK_ID = "SMS.6103"  # "Missing diskId in disk node!"
SMS_CONCURRENCY = "SMS.8201"
SMS_SOURCE_HAS_TASK = "SMS.8202"
SMS_SOURCE_NOT_READY = "SMS.8203"
SMS_STATE_REFUSED = "SMS.8204"
SMS_NO_TEMPLATE = "SMS.8205"
SMS_NO_TASK = "SMS.8206"
SMS_NOT_EMULATED = "SMS.8207"

PAGE_LIMIT = 200
SETTINGS_STATES = ("READY", "ABORT", "SYNCING")  # FAQ 8.2, 8.3
# PY ShowTaskResponse / TasksResponseBody / TaskByServerSources / TemplateResponseBody keys.
SHOW_FIELDS = (
    "name", "type", "os_type", "id", "priority", "speed_limit", "region_id", "start_target_server",
    "enterprise_project_id", "migration_ip", "region_name", "project_name", "project_id", "vm_template_id",
    "source_server", "target_server", "state", "estimate_complete_time", "connected", "create_date", "start_date",
    "finish_date", "migrate_speed", "compress_rate", "error_json", "total_time", "remain_seconds", "sub_tasks",
    "need_migration_test", "subtask_info",
)
LIST_FIELDS = (
    "id", "name", "type", "os_type", "state", "estimate_complete_time", "create_date", "priority", "speed_limit",
    "migrate_speed", "compress_rate", "start_target_server", "error_json", "total_time", "migration_ip",
    "sub_tasks", "source_server", "enterprise_project_id", "target_server", "syncing", "special_config",
    "need_migration_test", "subtask_info",
)
CURRENT_TASK_FIELDS = (
    "id", "name", "type", "state", "estimate_complete_time", "start_date", "speed_limit", "migrate_speed",
    "compress_rate", "start_target_server", "vm_template_id", "region_id", "project_name", "project_id",
    "exist_server", "use_public_ip", "remain_seconds", "subtask_info",
)
TEMPLATE_FIELDS = (
    "id", "name", "is_template", "region", "projectid", "target_server_name", "availability_zone", "volumetype",
    "flavor", "vpc", "nics", "security_groups", "publicip", "disk", "data_volume_type", "image_id",
)
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_TEMPLATE_NAME = re.compile(r"^[\w\u4e00-\u9fff-]+$")


class Lifecycle:
    """Tasks, templates, simulation settings and injections of one emulator."""

    def __init__(self):
        self.lock = threading.RLock()
        self.tasks: dict[str, dict] = {}
        self.templates: dict[str, dict] = {}
        self.settings = agent_sim.Settings()
        self.injections: dict[str, agent_sim.Injection] = {}  # by source id or name

    def injection(self, source) -> agent_sim.Injection | None:
        return self.injections.get(source["id"]) or self.injections.get(source.get("name"))


_ATTACH_LOCK = threading.Lock()


def lifecycle(app) -> Lifecycle:
    with _ATTACH_LOCK:
        if not hasattr(app, "lifecycle"):
            app.lifecycle = Lifecycle()
        return app.lifecycle


def _domain(request: Request) -> str:
    return request.principal.account.domain_id


def _now() -> float:
    return time.time()


# -- init_target_server: SMS's recommended target layout ---------------------------------------

_PV_KEYS = ("device_use", "file_system", "index", "mount_point", "name", "size", "inode_size", "used_size", "uuid")


def init_target_server(record: dict) -> dict | None:
    """Disks (with physical volumes) and volume groups as SMS recommends them for the target."""
    disks = record.get("disks") or []
    if not disks:
        return None
    return {
        "disks": [{
            "name": d.get("name"), "size": d.get("size"), "used_size": d.get("used_size"),
            "device_use": d.get("device_use") or ("BOOT" if d.get("os_disk") else "NORMAL"),
            "physical_volumes": [{k: pv.get(k) for k in _PV_KEYS if pv.get(k) is not None}
                                 for pv in d.get("physical_volumes") or []],
        } for d in disks],
        "volume_groups": copy.deepcopy(record.get("volume_groups") or []),
    }


def _with_layout(view: dict, record: dict) -> dict:
    if view.get("init_target_server") is None and not view.get("current_task"):
        view["init_target_server"] = init_target_server(record)
    return view


# -- the simulation catching up ----------------------------------------------------------------


def catch_up(app, domain: str):
    """Advance every task of ``domain`` and write the changed source records."""
    state = lifecycle(app)
    now = _now()
    with state.lock:
        if not any(task["owner_domain_id"] == domain for task in state.tasks.values()):
            return  # nothing to advance: no write transaction on every source read
    with state.lock, app.store.transaction() as store:
        for task_id, task in list(state.tasks.items()):
            if task["owner_domain_id"] != domain:
                continue
            source = store.get(task["source_server"]["id"], domain)
            if source is None:  # deleting the source deletes its task
                del state.tasks[task_id]
                continue
            before = json.dumps(source, sort_keys=True)
            agent_sim.advance(task, source, now, state.settings, state.injection(source))
            source["current_task"] = {k: task.get(k) for k in CURRENT_TASK_FIELDS}
            source["current_task"]["target_server"] = {k: task["target_server"].get(k) for k in ("vm_id", "name")}
            task["source_server"]["state"] = source.get("state")
            if json.dumps(source, sort_keys=True) != before:
                store.put(source)


# -- wrapped source routes ---------------------------------------------------------------------


def list_sources(app, request: Request) -> Response:
    catch_up(app, _domain(request))
    response = sms.list_sources(app, request)
    for item in response.body["source_servers"]:
        if item.get("init_target_server") is None and not item.get("current_task"):
            _with_layout(item, app.store.get(item["id"], _domain(request)) or {})
    return response


def show_source(app, request: Request, source_id: str) -> Response:
    catch_up(app, _domain(request))
    response = sms.show_source(app, request, source_id)
    _with_layout(response.body, response.body)
    return response


def _forget_tasks_of(app, source_ids):
    state = lifecycle(app)
    with state.lock:
        for task_id, task in list(state.tasks.items()):
            if task["source_server"]["id"] in source_ids:
                del state.tasks[task_id]


def delete_source(app, request: Request, source_id: str) -> Response:
    response = sms.delete_source(app, request, source_id)
    _forget_tasks_of(app, {source_id})
    return response


def delete_sources(app, request: Request) -> Response:
    ids = validate(sms.json_body(request), DELETE_IDS_BODY, strict=app.config.strict)["ids"]
    response = sms.delete_sources(app, request)
    _forget_tasks_of(app, set(ids))
    return response


# -- tasks -------------------------------------------------------------------------------------


def _owned(items: dict, item_id: str, request: Request, code: str, what: str, param: str) -> dict:
    """The caller's task or template ``item_id``, else 404 with ``code``."""
    item = items.get(item_id)
    if item is None or item["owner_domain_id"] != _domain(request):
        raise sms_error(404, code, f"the {what} {item_id} does not exist", [param])
    return item


def _task(app, request: Request, task_id: str) -> dict:
    return _owned(lifecycle(app).tasks, task_id, request, SMS_NO_TASK, "task", "task_id")


def _show_view(task: dict) -> dict:
    view = {k: copy.deepcopy(task.get(k)) for k in SHOW_FIELDS}
    target = task["target_server"]
    view["target_server"] = {
        "id": target.get("vm_id"), "vm_id": target.get("vm_id"), "name": target.get("name"), "ip": None,
        "os_type": task.get("os_type"), "os_version": task["source_server"].get("os_version"),
        "disks": copy.deepcopy(target.get("disks") or []),
        "volume_groups": copy.deepcopy(target.get("volume_groups") or []),
        "btrfs_list": [b.get("name") for b in target.get("btrfs_list") or []],
    }
    return view


def _list_view(task: dict) -> dict:
    view = {k: copy.deepcopy(task.get(k)) for k in LIST_FIELDS}
    target = task["target_server"]
    view["target_server"] = {"id": target.get("vm_id"), "vm_id": target.get("vm_id"), "name": target.get("name"),
                             "ip": None, "os_type": task.get("os_type"),
                             "os_version": task["source_server"].get("os_version")}
    view["sub_tasks"] = [{k: s.get(k) for k in ("id", "name", "progress", "start_date", "end_date", "process_trace")}
                         for s in task.get("sub_tasks") or []]
    return view


def _check_target(body: dict, app, domain: str):
    target = body["target_server"]
    if body.get("exist_server"):
        missing = [k for k in ("vm_id", "name") if not target.get(k)]
        if not body.get("migration_ip"):
            missing.append("migration_ip")
        if missing:
            raise sms_error(400, "SMS.8002", f"an existing target server needs {', '.join(missing)}",
                            [m if m == "migration_ip" else f"target_server.{m}" for m in missing])
        without = [f"target_server.disks[{i}].disk_id" for i, d in enumerate(target.get("disks") or [])
                   if not d.get("disk_id")]
        if without:
            raise sms_error(400, SMS_MISSING_DISK_ID, "Missing diskId in disk node!", without)
    else:
        template_id = body.get("vm_template_id")
        if not template_id:
            raise sms_error(400, "SMS.8002", "vm_template_id is required unless exist_server is true",
                            ["vm_template_id"])
        template = lifecycle(app).templates.get(template_id)
        if template is None or template["owner_domain_id"] != domain:
            raise sms_error(400, SMS_NO_TEMPLATE, f"the server template {template_id} does not exist",
                            ["vm_template_id"])
    if not target.get("disks"):
        raise sms_error(400, "SMS.8002", "target_server.disks is required", ["target_server.disks"])


def create_task(app, request: Request) -> Response:
    body = validate(sms.json_body(request), POST_TASK_BODY, strict=app.config.strict)
    domain = _domain(request)
    if body["project_id"] != request.principal.project["id"]:
        raise sms_error(400, SMS_RANGE, "project_id is not the project of the request", ["project_id"])
    catch_up(app, domain)
    state = lifecycle(app)
    with state.lock, app.store.transaction() as store:
        source = store.get(body["source_server"]["id"], domain)
        if source is None:
            raise sms_error(400, SMS_NO_SOURCE, f"the source server {body['source_server']['id']} does not exist",
                            ["source_server.id"])
        if any(t["source_server"]["id"] == source["id"] for t in state.tasks.values()):
            raise sms_error(400, SMS_SOURCE_HAS_TASK, f"the source server {source['id']} already has a migration task",
                            ["source_server.id"])
        failed = [c["name"] for c in source.get("checks") or [] if c.get("result") == "ERROR"]
        injection = state.injection(source)
        if failed or source.get("state") == "unavailable" or (injection and not injection.connected):
            reason = f"environment checks failed: {', '.join(failed)}" if failed else "the agent is not connected"
            raise sms_error(400, SMS_SOURCE_NOT_READY, f"the source server cannot be migrated: {reason}",
                            ["source_server.id"])
        _check_target(body, app, domain)
        stamp = int(_now() * 1000)
        task = {
            "id": str(uuid.uuid4()), "owner_domain_id": domain, "name": body["name"], "type": body["type"],
            "os_type": body.get("os_type") or source.get("os_type"), "priority": body.get("priority", 1),
            "speed_limit": body.get("speed_limit", 0), "region_id": body["region_id"],
            "region_name": body["region_name"], "project_name": body["project_name"],
            "project_id": body["project_id"], "start_target_server": body.get("start_target_server", True),
            "enterprise_project_id": "0", "migration_ip": body.get("migration_ip"),
            "vm_template_id": body.get("vm_template_id"), "syncing": body.get("syncing", False),
            "exist_server": body.get("exist_server", False), "use_public_ip": body.get("use_public_ip", True),
            "auto_start": body.get("auto_start", False), "need_migration_test": body.get("need_migration_test", False),
            "source_server": {k: source.get(k) for k in ("id", "ip", "name", "os_type", "os_version", "oem_system",
                                                         "state")},
            "target_server": copy.deepcopy(body["target_server"]),
            "state": "READY", "estimate_complete_time": None, "connected": source.get("connected", True),
            "create_date": stamp, "start_date": None, "finish_date": None, "migrate_speed": 0.0,
            "compress_rate": 0.0, "error_json": None, "total_time": 0, "remain_seconds": None, "sub_tasks": [],
            "subtask_info": None, "special_config": [], "speed_limits": [],
            "_sim": {},
        }
        state.tasks[task["id"]] = task
        source["current_task"] = {k: task.get(k) for k in CURRENT_TASK_FIELDS}
        source["init_target_server"] = init_target_server(source)
        source["migration_cycle"] = "setting"
        source["replicatesize"] = 0
        store.put(source)
    return Response(200, {"id": task["id"]}, write=True)


def _paging(request: Request) -> tuple:
    """``(limit, offset)`` of a task or template listing: limit 0 means 50, at most PAGE_LIMIT."""
    limit = sms._int_param(request.params, "limit", 0) or 50  # pylint: disable=protected-access
    if limit > PAGE_LIMIT:
        raise sms_error(400, SMS_RANGE, f"limit must be between 0 and {PAGE_LIMIT}", ["limit"])
    return limit, sms._int_param(request.params, "offset", 0)  # pylint: disable=protected-access


def _task_filters(params: dict) -> dict:
    return {k: params[k] for k in ("state", "name", "id", "source_server_id", "enterprise_project_id") if params.get(k)}


def list_tasks(app, request: Request) -> Response:
    domain = _domain(request)
    catch_up(app, domain)
    limit, offset = _paging(request)
    filters = _task_filters(request.params)
    state = lifecycle(app)
    with state.lock:
        found = [t for t in sorted(state.tasks.values(), key=lambda t: (-t["create_date"], t["id"]))
                 if t["owner_domain_id"] == domain
                 and all((t["source_server"]["id"] if k == "source_server_id" else t.get(k)) == v
                         for k, v in filters.items())]
        page = [_list_view(t) for t in found[offset:offset + limit]]
    return Response(200, {"count": len(found), "tasks": page})


def show_task(app, request: Request, task_id: str) -> Response:
    catch_up(app, _domain(request))
    with lifecycle(app).lock:
        return Response(200, _show_view(_task(app, request, task_id)))


def _source_after_delete(store, task, domain):
    source = store.get(task["source_server"]["id"], domain)
    if source is None:
        return
    source["current_task"] = None
    if task["state"] not in ("MIGRATE_SUCCESS", "SYNC_SUCCESS"):
        source.update(state="waiting", migration_cycle="checking", replicatesize=0)
    store.put(source)


def _deletable(task):
    if task["state"] in ("RUNNING", "SYNCING", "ABORTING") or task["_sim"].get("launching_since") is not None:
        raise sms_error(400, SMS_DELETE_RUNNING, f"the task {task['id']} is {task['state']}: running or stopping tasks "
                        "cannot be deleted", ["task_id"])


def delete_task(app, request: Request, task_id: str) -> Response:
    domain = _domain(request)
    catch_up(app, domain)
    state = lifecycle(app)
    with state.lock, app.store.transaction() as store:
        task = _task(app, request, task_id)
        _deletable(task)
        del state.tasks[task_id]
        _source_after_delete(store, task, domain)
    return Response(200, {}, write=True)


def delete_tasks(app, request: Request) -> Response:
    ids = validate(sms.json_body(request), DELETE_IDS_BODY, strict=app.config.strict)["ids"]
    domain = _domain(request)
    catch_up(app, domain)
    state = lifecycle(app)
    with state.lock, app.store.transaction() as store:
        tasks = [_task(app, request, i) for i in ids]
        for task in tasks:
            _deletable(task)
        for task in tasks:
            del state.tasks[task["id"]]
            _source_after_delete(store, task, domain)
    return Response(200, {}, write=True)


def task_action(app, request: Request, task_id: str) -> Response:
    body = validate(sms.json_body(request), UPDATE_TASK_STATUS_BODY, strict=app.config.strict)
    operation = body["operation"]
    domain = _domain(request)
    catch_up(app, domain)
    state = lifecycle(app)
    now = _now()
    with state.lock, app.store.transaction() as store:
        task = _task(app, request, task_id)
        source = store.get(task["source_server"]["id"], domain)
        current = task["state"]
        launching = task["_sim"].get("launching_since") is not None
        if operation == "start":
            if current not in ("READY", "ABORT"):
                raise sms_error(400, SMS_RESUME_REFUSED, f"only ready or paused tasks can be started; the task is {current}",
                                ["operation"])
            running = sum(1 for t in state.tasks.values()
                          if t["owner_domain_id"] == domain and t["state"] == "RUNNING")
            if running >= state.settings.max_running:
                raise sms_error(400, SMS_CONCURRENCY, f"at most {state.settings.max_running} migrations can run at "
                                "the same time", ["operation"])
            agent_sim.start(task, source, now, resume=current == "ABORT")
        elif operation == "stop":
            if current not in ("RUNNING", "SYNCING") or launching:
                raise sms_error(400, SMS_PAUSE_REFUSED, f"only running tasks can be paused; the task is {current}",
                                ["operation"])
            agent_sim.stop(task, source, now)
        elif operation == "restart":
            if current not in ("MIGRATE_FAIL", "SYNC_FAIL"):
                raise sms_error(400, SMS_RESTART_REFUSED, f"only failed tasks can be restarted; the task is {current}",
                                ["operation"])
            agent_sim.start(task, source, now, resume=True)
        elif operation == "cutover":
            if current != "SYNCING" or launching:
                raise sms_error(400, SMS_STATE_REFUSED, f"the target can only be launched from continuous sync; the "
                                f"task is {current}", ["operation"])
            agent_sim.cutover(task, source, now)
        else:
            raise sms_error(400, SMS_NOT_EMULATED, f"the operation {operation} is not emulated", ["operation"])
        source["current_task"] = {k: task.get(k) for k in CURRENT_TASK_FIELDS}
        store.put(source)
    return Response(200, {}, write=True)


def show_speed_limit(app, request: Request, task_id: str) -> Response:
    with lifecycle(app).lock:
        return Response(200, {"speed_limit": copy.deepcopy(_task(app, request, task_id)["speed_limits"])})


def update_speed_limit(app, request: Request, task_id: str) -> Response:
    periods = validate(sms.json_body(request), SPEED_LIMIT_BODY, strict=app.config.strict)["speed_limit"]
    bad = [f"speed_limit[{i}].{k}" for i, p in enumerate(periods) for k in ("start", "end") if not _TIME.match(p[k])]
    if bad:
        raise sms_error(400, SMS_RANGE, "start and end must be HH:MM", bad)
    with lifecycle(app).lock:
        task = _task(app, request, task_id)
        task["speed_limits"] = [dict(p, over_speed_threshold=p.get("over_speed_threshold", 10)) for p in periods]
        task["speed_limit"] = min((p["speed"] for p in periods), default=0)
    return Response(200, {}, write=True)


def show_configuration(app, request: Request, task_id: str) -> Response:
    with lifecycle(app).lock:
        task = _task(app, request, task_id)
        return Response(200, {"task_id": task_id, "migrate_type": task["type"],
                              "configurations": copy.deepcopy(task["special_config"])})


def update_configuration(app, request: Request, task_id: str) -> Response:
    entries = validate(sms.json_body(request), CONFIGURATION_BODY, strict=app.config.strict)["configurations"]
    catch_up(app, _domain(request))
    with lifecycle(app).lock:
        task = _task(app, request, task_id)
        if task["state"] not in SETTINGS_STATES:
            raise sms_error(400, SMS_STATE_REFUSED, f"settings can only change while the task is configured, paused "
                            f"or in continuous sync; the task is {task['state']}", ["configurations"])
        merged = {c["config_key"]: c for c in task["special_config"]}
        merged.update({c["config_key"]: dict(c, config_status=c.get("config_status", "1")) for c in entries})
        task["special_config"] = sorted(merged.values(), key=lambda c: c["config_key"])
    return Response(200, {}, write=True)


# -- templates ---------------------------------------------------------------------------------


def _template_body(app, request: Request) -> dict:
    body = validate(sms.json_body(request), TEMPLATE_BODY, strict=app.config.strict)["template"]
    if not _TEMPLATE_NAME.match(body["name"]):
        raise sms_error(400, SMS_RANGE, "template.name may hold letters, digits, _ and - only", ["template.name"])
    return body


def _template_view(template: dict) -> dict:
    view = {k: copy.deepcopy(template.get(k)) for k in TEMPLATE_FIELDS}
    view["is_template"] = "true" if template.get("is_template") else "false"
    return view


def _template(app, request: Request, template_id: str) -> dict:
    return _owned(lifecycle(app).templates, template_id, request, SMS_NO_TEMPLATE, "server template", "id")


def create_template(app, request: Request) -> Response:
    body = _template_body(app, request)
    template = dict(body, id=str(uuid.uuid4()), owner_domain_id=_domain(request), seq=time.monotonic_ns())
    with lifecycle(app).lock:
        lifecycle(app).templates[template["id"]] = template
    return Response(200, {"id": template["id"]}, write=True)


def list_templates(app, request: Request) -> Response:
    limit, offset = _paging(request)
    filters = {k: request.params[k] for k in ("name", "availability_zone", "region", "id") if request.params.get(k)}
    with lifecycle(app).lock:
        found = [t for t in sorted(lifecycle(app).templates.values(), key=lambda t: t["seq"])
                 if t["owner_domain_id"] == _domain(request) and all(t.get(k) == v for k, v in filters.items())]
        return Response(200, {"count": len(found), "templates": [_template_view(t) for t in found[offset:offset + limit]]})


def show_template(app, request: Request, template_id: str) -> Response:
    with lifecycle(app).lock:
        return Response(200, {"template": _template_view(_template(app, request, template_id))})


def update_template(app, request: Request, template_id: str) -> Response:
    body = _template_body(app, request)
    with lifecycle(app).lock:
        template = _template(app, request, template_id)
        keep = {k: template[k] for k in ("id", "owner_domain_id", "seq")}
        template.clear()
        template.update(body, **keep)
    return Response(200, {}, write=True)


def delete_template(app, request: Request, template_id: str) -> Response:
    with lifecycle(app).lock:
        _template(app, request, template_id)
        del lifecycle(app).templates[template_id]
    return Response(200, {}, write=True)


def delete_templates(app, request: Request) -> Response:
    ids = validate(sms.json_body(request), DELETE_IDS_BODY, strict=app.config.strict)["ids"]
    with lifecycle(app).lock:
        for template_id in ids:
            _template(app, request, template_id)
        for template_id in ids:
            del lifecycle(app).templates[template_id]
    return Response(200, {}, write=True)


# -- simulation admin (no authentication; under /_emulator-sim/) --------------------------------


def _admin_json(request: Request):
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        raise sms_error(400, SMS_TYPE, "the body must be JSON") from None


def _admin(action):
    try:
        return Response(200, action())
    except agent_sim.SettingsError as exc:
        return Response(400, {"error": str(exc)})


def sim_settings(app, request: Request) -> Response:
    state = lifecycle(app)
    if request.method == "PUT":
        def update():
            state.settings = agent_sim.Settings.parse(_admin_json(request))
            return asdict(state.settings)
        return _admin(update)
    return Response(200, asdict(state.settings))


def sim_inject(app, request: Request, source: str) -> Response:
    """``PUT /_emulator-sim/sources/{id or name}`` with an Injection; ``{}`` removes it."""
    state = lifecycle(app)

    def update():
        doc = _admin_json(request)
        with state.lock:
            if doc == {}:
                state.injections.pop(source, None)
                return {}
            state.injections[source] = agent_sim.Injection.parse(doc)
            return asdict(state.injections[source])
    return _admin(update)


def sim_tasks(app, request: Request) -> Response:  # pylint: disable=unused-argument
    with lifecycle(app).lock:
        return Response(200, {"tasks": copy.deepcopy(list(lifecycle(app).tasks.values())),
                              "templates": copy.deepcopy(list(lifecycle(app).templates.values()))})


def sim_reset(app, request: Request) -> Response:  # pylint: disable=unused-argument
    state = lifecycle(app)
    with state.lock:
        state.tasks.clear()
        state.templates.clear()
        state.injections.clear()
        state.settings = agent_sim.Settings()
    return Response(200, {"ok": True})
