# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for ``hwcloud.sms.report``: the fleet report, built and written on the controller.

It runs in the controller process because it reads every host's facts from ``hostvars``
(5,000 hosts' facts would otherwise be serialised into one module call); documentation in
``plugins/modules/report.py``.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from collections.abc import Mapping

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.hwcloud.sms.plugins.module_utils._sms import report as report_data
from ansible_collections.hwcloud.sms.plugins.module_utils._sms import report_html
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.rules import ReadinessOptionsError, evaluate_readiness

ARGUMENT_SPEC = {
    "dest": {"type": "path", "required": True},
    "basename": {"type": "str", "default": "sms-report"},
    "hosts": {"type": "list", "elements": "str"},
    "title": {"type": "str", "default": "SMS fleet readiness"},
    "readiness": {"type": "dict", "default": {}, "options": {
        "skip": {"type": "list", "elements": "str", "default": []},
        "severity": {"type": "dict", "default": {}},
        "limits": {"type": "dict", "default": {}},
        "uefi_supported": {"type": "list", "elements": "str", "default": []},
    }},
    "mode": {"type": "raw", "default": "0640"},
}
# Host variables the report reads besides ansible_facts.sms_discovery.
FAILURE_VAR = "sms_report_failure"
SOURCE_VAR = "sms_source"
TASK_VAR = "sms_migration"
MAX_DEPTH = 32


def plain(value, depth=0):
    """Host data as plain JSON types (hostvars hand out lazy or tagged containers)."""
    if depth > MAX_DEPTH:
        return None
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item, depth + 1) for item in value]
    return str(value)


def _mode(value):
    if isinstance(value, int):
        return value
    try:
        return int(str(value), 8)
    except ValueError:
        raise AnsibleError(f"report: mode must be an octal number such as 0640, got {value!r}") from None


def _host_input(name, hostvars, play_hosts):
    """What the report needs of one host: its facts, or why it has none."""
    # raw_get: the variables as stored, not templated (host data is never templated) and much
    # faster than hostvars[name], which renders every fact of the host.
    try:
        host_vars = hostvars.raw_get(name) if hasattr(hostvars, "raw_get") else hostvars[name]
    except KeyError:
        return {"name": name, "failure": "not in the inventory"}
    if not isinstance(host_vars, Mapping):  # 2.16 returns an undefined for a host it does not know
        return {"name": name, "failure": "not in the inventory"}
    facts = host_vars.get("ansible_facts") or {}
    discovery = facts.get("sms_discovery") if isinstance(facts, Mapping) else None
    failure = host_vars.get(FAILURE_VAR)
    if not failure and discovery is None:
        failure = ("no discovery facts: unreachable or failed earlier in this run" if name not in play_hosts
                   else "no discovery facts: the discover role did not run on this host")
    return {"name": name, "discovery": plain(discovery) if isinstance(discovery, Mapping) else None,
            "failure": plain(failure), "source": plain(host_vars.get(SOURCE_VAR)), "task": plain(host_vars.get(TASK_VAR))}


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _same_report(old_json, new_report):
    """Equal but for the time of generation."""
    if old_json is None:
        return False
    try:
        old = json.loads(old_json)
    except ValueError:
        return False
    return isinstance(old, dict) and dict(old, generated_at=None) == json.loads(
        report_data.to_json(dict(new_report, generated_at=None)))


def _write(path, content, mode):
    directory = os.path.dirname(path)
    handle, temp = tempfile.mkstemp(dir=directory, prefix=".sms-report-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(content)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


class ActionModule(ActionBase):
    """Build the report from hostvars and write the HTML, CSV and JSON files."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(self._task.args)
        if validation.error_messages:
            return dict(result, failed=True, msg="report: " + "; ".join(validation.error_messages))
        args = validation.validated_parameters
        mode = _mode(args["mode"])
        if not args["basename"] or os.sep in args["basename"] or args["basename"].startswith("."):
            return dict(result, failed=True, msg=f"report: basename must be a plain file name, got {args['basename']!r}")
        hosts = args["hosts"] if args["hosts"] is not None else list(task_vars.get("ansible_play_hosts_all") or [])
        play_hosts = set(task_vars.get("ansible_play_hosts") or [])
        hostvars = task_vars.get("hostvars") or {}
        options = args["readiness"]
        try:
            evaluate_readiness({}, **options)  # bad options fail the task, not every host
        except ReadinessOptionsError as exc:
            return dict(result, failed=True, msg=f"report: readiness: {exc}")

        def evaluate(discovery):
            return evaluate_readiness(discovery, **options)

        generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        report = report_data.build([_host_input(name, hostvars, play_hosts) for name in dict.fromkeys(hosts)],
                                   evaluate, title=args["title"], generated_at=generated)
        dest = os.path.abspath(os.path.expanduser(args["dest"]))
        paths = {kind: os.path.join(dest, f"{args['basename']}.{kind}") for kind in ("html", "csv", "json")}
        csv_text = report_data.to_csv(report)
        old_csv = _read(paths["csv"])
        changed = not (_same_report(_read(paths["json"]), report) and old_csv == csv_text
                       and os.path.exists(paths["html"]))
        summary = {key: count for key, _label, count in report["summary"]["verdicts"]}
        result.update(changed=changed, files=paths, hosts=len(report["hosts"]), verdicts=summary,
                      unknown=[row["name"] for row in report["hosts"] if row["verdict"] == "unknown"])
        if self._task.diff and changed:
            result["diff"] = [{"before_header": paths["csv"], "after_header": paths["csv"],
                               "before": old_csv or "", "after": csv_text}]
        if changed and not self._task.check_mode:
            os.makedirs(dest, mode=0o750, exist_ok=True)
            _write(paths["json"], report_data.to_json(report), mode)
            _write(paths["csv"], csv_text, mode)
            _write(paths["html"], report_html.render(report), mode)
        return result
