"""The migration lifecycle with real ``ansible-playbook`` runs against the emulator (issue 13).

A wave of 10 hosts goes through playbooks/migrate.yml (readiness gate, template, task, full
replication, continuous sync) and playbooks/cutover.yml (target launch, target id recorded on
the host). One host's replication fails with SMS.0806 and is reported with its error code while
the others finish; one host's replication is stuck at 62 % (it does not wait) and its cutover is
refused with that percentage; every rerun changes nothing and writes nothing; check mode writes
nothing and shows a diff; ``absent`` (forced) cleans up. The agent simulation runs in compressed
time (a full replication takes a few seconds).
"""

import pytest

from tests.integration.migrate.wave import HERE, PLAYBOOKS, fact, hosts, sim, write_wave, writes
from tests.integration.registration.runner import playbook_env, run_playbook, secrets_of

WAVE = 10
FAILING = "fleet-003"
STUCK = "fleet-010"


def _recap(run, changed=None, failed=()):
    """Check PLAY RECAP: exactly the ``failed`` hosts failed, the others changed ``changed`` times."""
    recap = run.recap()
    assert recap, run.output[-3000:]
    for host, counts in recap.items():
        assert counts["unreachable"] == 0
        assert counts["failed"] == (1 if host in failed else 0), (host, run.failures() or run.output[-3000:])
        if changed is not None:
            assert counts["changed"] == changed, (host, counts, run.output[-3000:])
    return recap


@pytest.mark.slow
def test_wave_migrates_cuts_over_and_reruns_change_nothing(sms_emulator, tmp_path):
    emulator = sms_emulator
    inventory = write_wave(tmp_path, WAVE, host_vars={STUCK: {"sms_migrate_wait": False}})
    env = playbook_env(emulator, tmp_path / "home")
    forks = ["--forks", str(WAVE)]
    registered = run_playbook("fleet.yml", inventory, env, args=forks)
    assert registered.rc == 0, registered.failures() or registered.output[-3000:]
    sim(emulator, "PUT", f"sources/{FAILING}", {"fail_at_percent": 40, "error_code": "SMS.0806",
                                                "error_msg": "Partition synchronization failed"})
    sim(emulator, "PUT", f"sources/{STUCK}", {"stall_at_percent": 62})

    # check mode shows what would happen and writes nothing
    emulator.reset(log=True, state=False, faults=False, auth=False)
    dry = run_playbook(PLAYBOOKS / "migrate.yml", inventory, env, args=["--check", "--diff", "--limit", "fleet-001,fleet-002"])
    assert dry.rc == 0, dry.failures() or dry.output[-3000:]
    assert set(_recap(dry)) == {"fleet-001", "fleet-002"}
    assert not writes(emulator)
    assert '"vm_template_id": "wave-target"' in dry.output and '"phase": "absent"' in dry.output

    migrated = run_playbook(PLAYBOOKS / "migrate.yml", inventory, env, args=forks)
    assert migrated.rc != 0
    _recap(migrated, failed=(FAILING,))
    assert f"{FAILING}: failed 40 %, FAILED SMS.0806" in migrated.output
    assert f"{STUCK}: replicating" in migrated.output and "fleet-001: replicated 100 %" in migrated.output
    state = sim(emulator, "GET", "tasks")
    assert len(state["tasks"]) == WAVE and len(state["templates"]) == 1
    tasks = {t["source_server"]["name"]: t for t in state["tasks"]}
    assert tasks[FAILING]["state"] == "MIGRATE_FAIL" and tasks[STUCK]["state"] == "RUNNING"
    assert {t["state"] for n, t in tasks.items() if n not in (FAILING, STUCK)} == {"SYNCING"}
    for host in hosts(WAVE):
        recorded = fact(tmp_path, host)
        assert recorded["task_id"] == tasks[host]["id"]
        assert recorded["phase"] == {FAILING: "failed", STUCK: "replicating"}.get(host, "replicated")
    assert fact(tmp_path, FAILING)["error_code"] == "SMS.0806"
    task = tasks["fleet-001"]
    assert task["syncing"] is True and task["vm_template_id"] == state["templates"][0]["id"]
    source = next(s for s in emulator.sources() if s["name"] == "fleet-001")
    assert [d["size"] for d in task["target_server"]["disks"]] == [d["size"] for d in source["disks"]]

    emulator.reset(log=True, state=False, faults=False, auth=False)
    again = run_playbook(PLAYBOOKS / "migrate.yml", inventory, env, args=forks)
    _recap(again, changed=0, failed=(FAILING,))
    assert "restart_failed" in again.output
    assert not writes(emulator), "a rerun mid-migration writes nothing"

    cutover = run_playbook(PLAYBOOKS / "cutover.yml", inventory, env, args=forks)
    recap = _recap(cutover, failed=(FAILING, STUCK))
    assert all(recap[h]["changed"] == 2 for h in hosts(WAVE) if h not in (FAILING, STUCK)), "task and fact"
    assert "cannot cut over: the task failed with SMS.0806" in cutover.output
    assert "cannot cut over: full replication is at 62 %" in cutover.output
    for task in sim(emulator, "GET", "tasks")["tasks"]:
        host = task["source_server"]["name"]
        if host in (FAILING, STUCK):
            continue
        assert task["state"] == "MIGRATE_SUCCESS"
        assert fact(tmp_path, host) == {"source_id": task["source_server"]["id"], "task_id": task["id"],
                                        "phase": "cutover", "target_server_id": task["target_server"]["vm_id"],
                                        "error_code": ""}
    source = next(s for s in emulator.sources() if s["name"] == "fleet-001")
    assert source["state"] == "finished" and source["migration_cycle"] == "cutovered"

    emulator.reset(log=True, state=False, faults=False, auth=False)
    rerun = run_playbook(PLAYBOOKS / "cutover.yml", inventory, env, args=forks)
    _recap(rerun, changed=0, failed=(FAILING, STUCK))
    assert not writes(emulator), "a rerun after the cutover writes nothing"

    cleaned = run_playbook(HERE / "absent.yml", inventory, env, args=forks)
    assert cleaned.rc == 0, cleaned.failures() or cleaned.output[-3000:]
    assert sim(emulator, "GET", "tasks") == {"tasks": [], "templates": []}
    assert all(fact(tmp_path, host) is None for host in hosts(WAVE))
    assert all(s["current_task"] is None for s in emulator.sources())
    assert len(emulator.sources()) == WAVE, "absent deletes the tasks, not the sources"

    for run in (dry, migrated, again, cutover, rerun, cleaned):
        for secret in secrets_of(emulator):
            assert secret not in run.output


@pytest.mark.slow
def test_max_fail_percentage_stops_the_next_batches(sms_emulator, tmp_path):
    emulator = sms_emulator
    inventory = write_wave(tmp_path, 4)
    env = playbook_env(emulator, tmp_path / "home")
    registered = run_playbook("fleet.yml", inventory, env, args=["--forks", "4"])
    assert registered.rc == 0, registered.failures() or registered.output[-3000:]
    sim(emulator, "PUT", "sources/fleet-001", {"fail_at_percent": 10, "error_code": "SMS.1414"})

    # play keywords (serial, max_fail_percentage) take extra vars, not inventory variables
    migrated = run_playbook(PLAYBOOKS / "migrate.yml", inventory, env, args=["--forks", "4"],
                            extra_vars={"sms_migrate_batch_size": 2, "sms_migrate_max_fail_percentage": 0})
    assert migrated.rc != 0
    assert "fleet-001: failed 10 %, FAILED SMS.1414" in migrated.output
    assert "fleet-002: replicated 100 %" in migrated.output, "the failed host's batch still reports the others"
    started = {t["source_server"]["name"]: t["state"] for t in sim(emulator, "GET", "tasks")["tasks"]}
    assert started == {"fleet-001": "MIGRATE_FAIL", "fleet-002": "SYNCING"}, "the second batch never started"
