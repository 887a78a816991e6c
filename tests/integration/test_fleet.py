"""A fleet of 200 hosts registered with forks against the emulator under faults.

20 % HTTP 5xx, 5 % commit-then-drop and 5 % throttling on every route, plus late commits on
registrations (5 %: held 8 s, committed after the client's 6 s timeout, answer lost): every host
converges, the emulator holds exactly one record per host (no duplicates from retried or late
registrations), and a second run, under the same faults, changes nothing and writes nothing. No
credential appears in the output.
"""

import collections

import pytest

from tests.integration.registration.fleet_inventory import FAULTS, host_name, write_inventory
from tests.integration.registration.runner import playbook_env, run_playbook, secrets_of

HOSTS = 200
FORKS = 20
# Registrations first (the first matching rule applies): the same faults plus late commits.
LATE_FAULTS = dict(FAULTS, rules=[dict(FAULTS["rules"][0], method="POST", path="/v3/sources", late_commit_rate=0.05,
                                       late_commit_ms=8000)] + FAULTS["rules"])
# A 6 s client timeout makes every late commit an unknown outcome; the settle window (12 s) outlasts
# it. (Much shorter timeouts also time out honest answers of an emulator serving 20 forks on 2 cores.)
RUN_VARS = {"sms_timeout": 6, "sms_settle": 12}


@pytest.mark.slow
def test_fleet_registers_exactly_once_per_host_under_faults(sms_emulator, tmp_path):
    emulator = sms_emulator
    inventory = write_inventory(tmp_path, HOSTS)
    env = playbook_env(emulator, tmp_path)
    emulator.set_faults(LATE_FAULTS)
    hosts = {host_name(i) for i in range(1, HOSTS + 1)}

    first = run_playbook("fleet.yml", inventory, env, extra_vars=RUN_VARS, args=["--forks", str(FORKS)])
    assert first.rc == 0, first.failures() or first.output[-3000:]
    recap = first.recap()
    assert set(recap) == hosts
    assert all(r["failed"] == 0 and r["unreachable"] == 0 and r["changed"] == 1 for r in recap.values())

    names = collections.Counter(s["name"] for s in emulator.sources())
    assert set(names) == hosts and set(names.values()) == {1}, "duplicates: %s" % {
        n: c for n, c in names.items() if c > 1}
    injected = emulator.counters()["faults_injected"]
    assert injected["status_500"] and injected["status_503"] and injected["throttle_429"]
    dropped_posts = [r for r in emulator.log() if r["method"] == "POST" and r.get("dropped")]
    assert dropped_posts, "no registration was committed and then dropped: the fault run proves nothing"
    late_posts = [r for r in dropped_posts if r.get("late_commit_ms")]
    assert late_posts, "no registration was committed late: the run proves nothing"

    emulator.reset(log=True, state=False, faults=False, auth=False)
    second = run_playbook("fleet.yml", inventory, env, extra_vars=RUN_VARS, args=["--forks", str(FORKS)])
    assert second.rc == 0, second.failures() or second.output[-3000:]
    assert all(r["failed"] == 0 and r["changed"] == 0 for r in second.recap().values())
    assert len(second.recap()) == HOSTS
    assert not [r for r in emulator.log() if r["method"] in ("POST", "PUT", "DELETE")]
    assert emulator.counters()["writes"] == 0 and len(emulator.sources()) == HOSTS

    for run in (first, second):
        for secret in secrets_of(emulator):
            assert secret not in run.output
