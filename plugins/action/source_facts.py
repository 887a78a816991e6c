# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hwcloud.sms.source_facts: ``method: auto | python | shell``.

``python`` runs the module on the target. ``shell`` sends ``scripts/sms-capture.sh`` to the
target's ``/bin/sh`` on stdin through the connection (become applies), and runs the same
collectors over its output here, on the controller (module_utils/_discovery/capture.py).
``auto`` picks ``python`` when the target has an interpreter this ansible-core can run modules
with, else ``shell``. The documentation is the module's.
"""

from __future__ import annotations

import os
import shlex

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase
from ansible.release import __version__ as ANSIBLE_VERSION

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import capture, facts
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.runner import DiscoveryTimeout
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.storage import (
    DEFAULT_EXCLUDE_DEVICES,
    DEFAULT_EXCLUDE_FSTYPES,
)

MODULE = "hwcloud.sms.source_facts"
SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                      "scripts", "sms-capture.sh")
# Oldest target Python each ansible-core runs modules with (its support matrix).
_MIN_TARGET_PYTHON = {(2, 16): "(2, 7) <= v < (3,) or v >= (3, 6)", (2, 17): "v >= (3, 7)"}
_DEFAULT_MIN_TARGET_PYTHON = "v >= (3, 8)"
_INTERPRETERS = ("python3", "/usr/libexec/platform-python", "python", "python2.7", "python2")


def _core_version():
    return tuple(int(part) for part in ANSIBLE_VERSION.split(".")[:2])


def usable_python_check():
    """A Python expression over ``v = sys.version_info[:2]`` true when modules can run."""
    return _MIN_TARGET_PYTHON.get(_core_version(), _DEFAULT_MIN_TARGET_PYTHON)


def capture_command(options):
    """The remote command that runs the capture script read from stdin."""
    argv = ["/bin/sh", "-s", "--", "-t", "%d" % max(1, int(round(options["timeout"]))),
            "-x", ",".join(options["exclude_fstypes"])]
    return " ".join(shlex.quote(arg) for arg in argv)


class ActionModule(ActionBase):
    """Runs discovery by the method asked (or found) and returns ``ansible_facts.sms_discovery``."""

    TRANSFERS_FILES = False
    _requires_connection = True

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        valid, args = self.validate_argument_spec(
            argument_spec=facts.argument_spec(DEFAULT_EXCLUDE_DEVICES, DEFAULT_EXCLUDE_FSTYPES))
        del valid
        if args["timeout"] <= 0:
            return dict(result, failed=True,
                        msg="timeout must be a positive number of seconds, got %s" % args["timeout"])
        method = args["method"]
        reason = None
        if method == "auto":
            method, reason = self._pick_method(task_vars)
        if method == "python":
            module_args = dict(self._task.args, method="python")
            result.update(self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars))
            self._note_auto(result, reason)
            return result
        result.update(self._shell(args))
        self._note_auto(result, reason)
        return result

    @staticmethod
    def _note_auto(result, reason):
        discovery = result.get("ansible_facts", {}).get("sms_discovery")
        if reason and isinstance(discovery, dict) and isinstance(discovery.get("provenance"), dict):
            discovery["provenance"]["method_reason"] = reason

    # -- auto ----------------------------------------------------------------------------------
    def _pick_method(self, task_vars):
        """(method, reason): python when a usable interpreter answers, else shell."""
        configured = task_vars.get("ansible_python_interpreter")
        if configured is not None:
            configured = to_text(self._templar.template(configured)).strip()
        if configured and configured not in ("auto", "auto_legacy", "auto_silent", "auto_legacy_silent"):
            candidates = [configured]
        else:
            candidates = list(_INTERPRETERS)
        check = "import sys; v = sys.version_info[:2]; sys.exit(0 if %s else 3)" % usable_python_check()
        probe = "for p in %s; do command -v \"$p\" >/dev/null 2>&1 && \"$p\" -c %s 2>/dev/null && " \
                "{ echo \"$p\"; exit 0; }; done; exit 1" % (
                    " ".join(shlex.quote(c) for c in candidates), shlex.quote(check))
        answer = self._low_level_execute_command(probe, sudoable=False)
        found = to_text(answer.get("stdout", "")).strip()
        if answer.get("rc") == 0 and found:
            return "python", "auto: %s can run modules" % found
        return "shell", "auto: no Python this ansible-core can run modules with (%s)" % ", ".join(candidates)

    # -- shell ---------------------------------------------------------------------------------
    def _shell(self, args):
        try:
            with open(SCRIPT, "rb") as handle:
                script = handle.read()
        except OSError as exc:
            raise AnsibleError("cannot read the capture script %s: %s" % (SCRIPT, exc))
        answer = self._low_level_execute_command(capture_command(args), sudoable=True, in_data=script)
        stdout = to_bytes(answer.get("stdout", ""), errors="surrogate_or_strict")
        options = dict((key, args[key]) for key in ("exclude_devices", "exclude_fstypes", "timeout", "on_timeout"))
        try:
            discovery = capture.discover(stdout, sections=args["sections"], options=options)
        except capture.CaptureError as exc:
            stderr = to_text(answer.get("stderr", "")).strip()[-500:]
            return dict(failed=True, rc=answer.get("rc"),
                        msg="the capture script failed on the target (rc=%s): %s%s" % (
                            answer.get("rc"), exc, "; stderr: %s" % stderr if stderr else ""))
        except DiscoveryTimeout as exc:
            return dict(failed=True, msg="discovery stopped because on_timeout=error: %s "
                                         "(raise timeout, or use on_timeout=warn for partial results)" % exc)
        return dict(changed=False, ansible_facts={"sms_discovery": discovery},
                    warnings=list(discovery["warnings"]))
