"""hwcloud.sms.server_template, task and task_info run as Ansible runs modules, against the emulator
over HTTP: idempotence, check mode and diff, waiting with a bounded progress history, refusals,
a disconnected agent, and no secret in any result."""

import json
import urllib.request

import pytest

from ansible_collections.hwcloud.sms.plugins.modules import server_template, task, task_info
from tests.emulator.harness import run_emulator
from tests.unit.emulator.emulator_helpers import LINUX_BODY, Api
from tests.unit.plugins.module_utils._sms.module_harness import run_module

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def emu():
    with run_emulator() as emulator:
        yield emulator


def _sim(emu, method, name, body):
    request = urllib.request.Request(f"{emu.base_url}/_emulator-sim/{name}", data=json.dumps(body).encode(),
                                     method=method, headers={"Content-Type": "application/json"})
    with _NO_PROXY.open(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture
def run(emu, monkeypatch, capsys):
    emu.reset()
    _sim(emu, "POST", "reset", {})
    _sim(emu, "PUT", "settings", {"replication_seconds": 1.5, "setup_seconds": 0.1, "launch_seconds": 0.2,
                                  "stop_seconds": 0.1})
    auth = {"endpoint": emu.base_url, "iam_endpoint": emu.base_url, "access_key": emu.ak, "secret_key": emu.sk,
            "project_id": emu.project_id, "region": emu.region}

    def runner(main, args, **kwargs):
        rc, result = run_module(main, dict(auth, **args), monkeypatch, capsys, **kwargs)
        assert emu.sk not in json.dumps(result)
        return rc, result
    return runner


@pytest.fixture
def source_id(emu):
    return Api(emu).register(LINUX_BODY)


TEMPLATE = {"name": "web-target", "availability_zone": "ap-southeast-3a", "flavor": "s6.large.2",
            "target_password": "Target-Passw0rd!"}


def test_server_template_is_idempotent_by_name_with_check_and_diff(run):
    rc, dry = run(server_template.main, TEMPLATE, check_mode=True, diff=True)
    assert rc == 0 and dry["changed"] and dry["template_id"] is None
    assert dry["diff"]["after"]["flavor"] == "s6.large.2" and "target_password" not in dry["diff"]["after"]
    rc, created = run(server_template.main, TEMPLATE)
    assert created["action"] == "created" and created["template"]["is_template"] == "true"
    rc, again = run(server_template.main, TEMPLATE)
    assert again["changed"] is False and again["template_id"] == created["template_id"]
    rc, updated = run(server_template.main, dict(TEMPLATE, flavor="s6.xlarge.2"), diff=True)
    assert updated["action"] == "updated"
    assert updated["diff"] == {"before": {"flavor": "s6.large.2"}, "after": {"flavor": "s6.xlarge.2"}}
    rc, gone = run(server_template.main, {"name": "web-target", "state": "absent"})
    assert gone["action"] == "deleted"
    rc, absent = run(server_template.main, {"name": "web-target", "state": "absent"})
    assert absent["changed"] is False and absent["action"] == "absent" and absent["template_id"] is None
    rc, missing = run(server_template.main, {"name": "nowhere"})
    assert rc == 1 and "availability_zone is required" in missing["msg"]


def test_task_waits_with_a_bounded_history_and_reruns_change_nothing(run, source_id):
    run(server_template.main, TEMPLATE)
    args = {"source_id": source_id, "template": "web-target", "continuous_sync": True, "state": "started",
            "speed_limits": [{"start": "08:00", "end": "18:00", "speed": 100}],
            "configuration": {"cpu_limit": 50, "exclude_dirs": ["/var/cache"]}}
    rc, dry = run(task.main, args, check_mode=True, diff=True)
    assert rc == 0 and dry["operations"] == ["create", "start"] and dry["diff"]["before"] == {"phase": "absent"}
    assert dry["diff"]["after"]["target_server"]["volume_groups"][0]["name"] == "vg0"
    assert dry["diff"]["after"]["target_server"]["btrfs_list"][0]["name"] == "data"
    rc, started = run(task.main, dict(args, wait=True, poll_interval=0.2, wait_timeout=60))
    assert rc == 0, started
    assert started["operations"] == ["create", "set_speed_limits", "set_configurations", "start"]
    assert started["progress"]["phase"] == "replicated" and started["progress"]["percent"] == 100
    history = started["progress_history"]
    assert 2 <= len(history) <= 20 and history[-1]["phase"] == "replicated"
    assert any(h["subtask"] == "MIGRATE_LINUX_FILE" for h in history)
    rc, again = run(task.main, dict(args, wait=True, poll_interval=0.2))
    assert again["changed"] is False and again["operations"] == []
    rc, listed = run(task_info.main, {"source_id": source_id})
    assert [t["progress"]["phase"] for t in listed["tasks"]] == ["replicated"]
    rc, everything = run(task_info.main, {})
    assert [t["id"] for t in everything["tasks"]] == [started["task_id"]]
    rc, cut = run(task.main, {"source_id": source_id, "state": "cutover", "wait": True, "poll_interval": 0.2},
                  diff=True)
    assert cut["operations"] == ["cutover"] and cut["progress"]["phase"] == "cutover"
    assert cut["progress"]["target_server_id"] and cut["diff"]["after"]["phase"] == "cutting_over"
    rc, gone = run(task.main, {"source_id": source_id, "state": "absent"})
    assert gone["changed"] and gone["operations"] == ["delete"]


def test_refusals_and_a_disconnected_agent(run, emu, source_id):
    run(server_template.main, TEMPLATE)
    _sim(emu, "PUT", "settings", {"replication_seconds": 60})
    rc, started = run(task.main, {"source_id": source_id, "template": "web-target", "state": "started"})
    assert rc == 0 and started["progress"]["phase"] == "replicating"
    rc, refused = run(task.main, {"source_id": source_id, "state": "cutover"})
    assert rc == 1 and refused["msg"].startswith("cannot cut over: full replication is at ")
    assert refused["progress"]["phase"] == "replicating"
    rc, kept = run(task.main, {"source_id": source_id, "state": "absent"})
    assert rc == 1 and "stop it first" in kept["msg"]
    _sim(emu, "PUT", "sources/web-01", {"connected": False})
    rc, timed_out = run(task.main, {"source_id": source_id, "state": "started", "wait": True, "wait_timeout": 1,
                                    "poll_interval": 0.2})
    assert rc == 1 and "timed out after 1 s" in timed_out["msg"] and "disconnected" in timed_out["msg"]
    _sim(emu, "PUT", "sources/web-01", {})
    rc, forced = run(task.main, {"source_id": source_id, "state": "absent", "force": True, "poll_interval": 0.2})
    assert rc == 0 and forced["operations"] == ["stop", "delete"]
    rc, not_yet = run(task.main, {"source_id": source_id, "state": "cutover"})
    assert rc == 1 and "has no migration task" in not_yet["msg"]
    rc, idle = run(task.main, {"source_id": source_id, "state": "stopped"})
    assert rc == 0 and idle["changed"] is False and idle["progress"]["phase"] == "absent"
    rc, nothing = run(task.main, {"source_name": "no-such-host", "state": "present"})
    assert rc == 1 and "does not exist" in nothing["msg"]
