"""An unidentified boot loader fails hwcloud.sms.source before any request, in check mode too.

Real ansible-playbook runs (each supported ansible-core) against the emulator: the failure names
the field and the override that fixes it, the emulator logs no request, and the override
registers the host.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.unit.plugins.module_utils._sms.sms_samples import sample

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Register
      hwcloud.sms.source:
        discovery: "{{ facts }}"
        overrides: "{{ overrides }}"
      register: result
      ignore_errors: true

    - name: Show the result
      ansible.builtin.copy:
        content: "{{ result | to_json }}"
        dest: "{{ out }}"
      check_mode: false
"""
MESSAGE = ("boot_loader: discovery could not identify the boot loader and SMS accepts only GRUB; if the host boots "
           "with GRUB, set overrides: {boot_loader: GRUB}")


def _run(ansible_core, sms_emulator, tmp_path, overrides, check):
    facts = sample()
    facts["firmware"]["boot_loader"] = {"name": None, "method": None, "evidence": []}
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    out = tmp_path / "result.json"
    (tmp_path / "vars.json").write_text(json.dumps({"facts": facts, "overrides": overrides, "out": str(out)}))
    argv = [ansible_core.command("ansible-playbook"), "-e", "@%s" % (tmp_path / "vars.json"), str(tmp_path / "play.yml")]
    env = ansible_core.env(dict(sms_emulator.env(), ANSIBLE_PYTHON_INTERPRETER=ansible_core.python))
    completed = subprocess.run(argv + (["--check"] if check else []), capture_output=True, text=True, env=env,
                               timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads(out.read_text())


@pytest.mark.parametrize("check", [True, False], ids=["check-mode", "run"])
def test_unidentified_boot_loader_fails_before_any_request(ansible_core, sms_emulator, tmp_path, check):
    result = _run(ansible_core, sms_emulator, tmp_path, {}, check)
    assert result["failed"] is True and result["field"] == "boot_loader"
    assert result["msg"].endswith(MESSAGE)
    assert sms_emulator.log() == []  # not a single request: no token, no lookup, no POST


def test_the_override_named_in_the_message_registers_the_host(ansible_core, sms_emulator, tmp_path):
    result = _run(ansible_core, sms_emulator, tmp_path, {"boot_loader": "GRUB"}, False)
    assert result.get("failed") is not True, result
    assert result["changed"] is True and result["payload"]["boot_loader"] == "GRUB"
    assert [source["name"] for source in sms_emulator.sources()] == ["web01"]
