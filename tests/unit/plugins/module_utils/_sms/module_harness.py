"""Run an SMS module's ``main()`` in-process with real argument parsing and real exit_json/fail_json.

Arguments go in through ``basic._ANSIBLE_ARGS`` (the way that survives ansible-core 2.19+); the
result is the JSON the module prints. ``SmsClient.from_options`` is the unit boundary: the test
passes the client the module gets (usually ``FakeSms``).
"""

import json

import pytest

from ansible.module_utils import _internal, basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.hwcloud.sms.plugins.module_utils._sms import module as sms_module

CREDENTIALS = {"access_key": "AKHARNESS0000001", "secret_key": "harness-secret-key-000000000000000001",
               "project_id": "p-harness"}


def run_module(main, args, monkeypatch, capsys, client=None, check_mode=False, diff=False):
    """``(rc, result)`` of one module run."""
    if client is not None:
        monkeypatch.setattr(sms_module.SmsClient, "from_options", classmethod(lambda cls, options: client))
    payload = dict(CREDENTIALS, **args)
    payload.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": payload})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
    # Modules run apart from the controller: once a test imported controller code (ansible.errors),
    # ansible-core 2.19 would route module warnings to the controller's display instead of the result.
    if hasattr(_internal, "is_controller"):
        monkeypatch.setattr(_internal, "is_controller", False)
    with pytest.raises(SystemExit) as caught:
        main()
    out = capsys.readouterr().out
    return caught.value.code, json.loads(out[out.index("{"):])


def warning_texts(result):
    """Warning messages of a result: plain strings (ansible-core < 2.19) or WarningSummary dicts."""
    texts = []
    for warning in result.get("warnings", []):
        texts.append(warning["event"]["msg"] if isinstance(warning, dict) else warning)
    return texts
