"""``ansible-playbook hwcloud.sms.report`` on every supported ansible-core: unreachable and
failed hosts are reported as Unknown with the reason, host data is never templated, a second run
changes nothing; and, on the newest ansible-core only (to keep the test time down), check mode
writes nothing, ``--diff`` shows the host whose verdict changed and the role in a playbook of one's
own still lists the hosts that failed earlier."""

from __future__ import annotations

import json
import re
import stat

from tests.integration.report_fleet import prepare, run_report

# The role in a playbook of one's own, without the report playbook's failure handling.
OWN_PLAYBOOK = """\
- name: Discover
  hosts: all
  gather_facts: false
  roles:
    - role: hwcloud.sms.discover
- name: Report
  hosts: all
  gather_facts: false
  roles:
    - role: hwcloud.sms.report
      vars:
        sms_report_basename: own
"""

FLEET_SIZE = 6
NOT_LOCALHOST = ("--limit", "!localhost")  # the browser test covers the real discovery; this one runs fast


def report_task_status(output: str) -> str:
    """``changed`` or ``ok``: the status line that follows the report task's header."""
    match = re.search(r"^TASK \[hwcloud\.sms\.report : Write the fleet report.*?^(changed|ok|fatal): ", output,
                      re.DOTALL | re.MULTILINE)
    assert match, output[-4000:]
    return match.group(1)


def test_report_playbook_unknown_hosts_no_templating_idempotence_check_mode(ansible_core, tmp_path):
    hosts = prepare(tmp_path, ansible_core, FLEET_SIZE)
    fleet = [host for host in hosts if "failure" not in host]
    marker = tmp_path / "templated"
    poisoned = tmp_path / "fleet" / f"{fleet[0]['name']}.json"
    data = json.loads(poisoned.read_text())
    data["discovery"]["system"]["distribution"]["pretty_name"] = "{{ lookup('pipe', 'touch %s') }}" % marker
    poisoned.write_text(json.dumps(data))

    first = run_report(ansible_core, tmp_path, hosts, *NOT_LOCALHOST)
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-2000:]
    assert report_task_status(first.stdout) == "changed"
    out = tmp_path / "out"
    report = json.loads((out / "sms-report.json").read_text())
    rows = {row["name"]: row for row in report["hosts"]}
    assert set(rows) == {host["name"] for host in fleet} | {"gone.example.net", "broken.example.net"}
    assert rows["gone.example.net"]["verdict"] == "unknown"
    assert rows["gone.example.net"]["reason"].startswith("unreachable:")
    assert rows["broken.example.net"]["verdict"] == "unknown"
    assert rows["broken.example.net"]["reason"].startswith("discovery failed:")
    assert rows[fleet[0]["name"]]["os"].startswith("{{ lookup('pipe'"), "host data is shown as it is"
    assert not marker.exists(), "host data must never be templated"
    for name in ("sms-report.html", "sms-report.csv", "sms-report.json"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o640
    stamps = {path.name: path.stat().st_mtime_ns for path in out.iterdir()}

    again = run_report(ansible_core, tmp_path, hosts, *NOT_LOCALHOST)
    assert again.returncode == 0 and report_task_status(again.stdout) == "ok", again.stdout[-4000:]
    assert {path.name: path.stat().st_mtime_ns for path in out.iterdir()} == stamps

    if ansible_core.version != "2.19":
        return  # check mode and the role in a playbook of one's own: on one ansible-core (test time)
    data = json.loads(poisoned.read_text())
    data["discovery"]["system"]["has_rsync"] = False
    poisoned.write_text(json.dumps(data))
    before = (out / "sms-report.csv").read_text()
    check = run_report(ansible_core, tmp_path, hosts, *NOT_LOCALHOST, "--check", "--diff")
    assert check.returncode == 0 and report_task_status(check.stdout) == "changed", check.stdout[-4000:]
    changed_lines = [line for line in check.stdout.splitlines() if line.startswith("+" + fleet[0]["name"])]
    assert len(changed_lines) == 1 and "Not ready" in changed_lines[0] and "rsync" in changed_lines[0]
    assert {path.name: path.stat().st_mtime_ns for path in out.iterdir()} == stamps
    assert (out / "sms-report.csv").read_text() == before

    (tmp_path / "site.yml").write_text(OWN_PLAYBOOK)
    # localhost succeeds (were every host to fail, Ansible would end the run before the report)
    own = run_report(ansible_core, tmp_path, hosts, "--limit", "gone.example.net,broken.example.net,localhost")
    assert own.returncode != 0 and "PLAY [Report]" in own.stdout, own.stdout[-4000:]
    rows = {row["name"]: row for row in json.loads((out / "own.json").read_text())["hosts"]}
    assert {name: row["verdict"] for name, row in rows.items() if name != "localhost"} == {
        "gone.example.net": "unknown", "broken.example.net": "unknown"}
    assert rows["localhost"]["verdict"] != "unknown"
    assert all("unreachable or failed earlier" in rows[name]["reason"]
               for name in ("gone.example.net", "broken.example.net"))
