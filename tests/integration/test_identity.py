"""Registration identity (issue 9): exactly one SMS record per server, never another server's.

Against the emulator over real HTTP; every test asserts the records the emulator holds afterwards
(count, name, IP, MAC, which record was written). Cases about roles and playbooks run real
``ansible-playbook`` (synthetic local hosts whose facts come from ``fleet_inventory.host_facts``,
each index with its own host name, IPs and MACs; ``identity/role.yml`` feeds them to the register
role, ``identity/source.yml`` to ``hwcloud.sms.source``). Cases about the registration logic alone
(long names, races inside one machine, every garbled body) drive ``registration`` with a real
``SmsClient``, which is much cheaper than a playbook per case.
"""

import collections
import copy
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.client import SmsApiError, SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import build_payload
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.registration import ensure_present
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.rules import fit_name
from tests.emulator.harness import run_emulator
from tests.integration.registration.fleet_inventory import host_facts
from tests.integration.registration.runner import ANSIBLE_PLAYBOOK, playbook_env, run_playbook, secrets_of
from tests.unit.emulator.emulator_helpers import Api

HERE = Path(__file__).resolve().parent
PLAYBOOKS = HERE / "identity"
COLLECTION_PLAYBOOKS = HERE.parents[1] / "playbooks"
WRITES = ("POST", "PUT", "DELETE")


def write_inventory(tmp_path, hosts, shared_facts_dir=False, name="inventory.json"):
    """``hosts``: {inventory name: sms_discovery, or (sms_discovery, host vars)}; each host gets its
    own facts directory unless shared."""
    entries = {}
    for host, spec in hosts.items():
        facts, host_vars = spec if isinstance(spec, tuple) else (spec, {})
        host_vars = dict(host_vars)
        fact_dir = tmp_path / "facts" / ("shared" if shared_facts_dir or host_vars.pop("shared", False) else host)
        entries[host] = dict(host_vars, sms_fleet_discovery=facts, sms_register_fact_dir=str(fact_dir))
    doc = {"all": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
                   "hosts": entries}}
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def readdressed(facts, ip):
    facts = copy.deepcopy(facts)
    facts["network"]["primary_ipv4"] = ip
    facts["network"]["interfaces"][3]["ipv4"][0]["address"] = ip
    return facts


def macs(record):
    return {n["mac"] for n in record.get("networks") or []}


def said(run, text):
    """``text`` is in the run's output, whatever line wrapping the callback applied (2.16 wraps warnings)."""
    return " ".join(text.split()) in " ".join(run.output.split())


def client(emulator, **options):
    return SmsClient.from_options(dict({
        "endpoint": emulator.base_url, "iam_endpoint": emulator.base_url, "access_key": emulator.ak,
        "secret_key": emulator.sk, "project_id": emulator.project_id, "retries": 3}, **options))


def body_of(facts, name=None):
    return build_payload(facts, name=name, warnings=[])


def writes(emulator):
    return [(r["method"], r["path"]) for r in emulator.log()
            if r["method"] in WRITES and r["path"] != "/v3/auth/tokens"]


class World:
    """One emulator, one temporary directory, the playbook runs made against them."""

    def __init__(self, emulator, tmp_path):
        self.emulator, self.tmp_path = emulator, tmp_path
        self.output = tmp_path / "out"
        self.output.mkdir()
        self.runs = []

    def env(self, **extra):
        return playbook_env(self.emulator, self.tmp_path, extra)

    def play(self, playbook, inventory, env=None, forks=10, **extra_vars):
        variables = dict(extra_vars, sms_output_dir=str(self.output))
        run = run_playbook(str(playbook), inventory, env or self.env(), extra_vars=variables,
                           args=["--forks", str(forks)])
        self.runs.append(run)
        return run

    def role(self, inventory, **extra_vars):
        return self.play(PLAYBOOKS / "role.yml", inventory, **extra_vars)

    def source(self, inventory, **extra_vars):
        return self.play(PLAYBOOKS / "source.yml", inventory, **extra_vars)

    def exposed(self, host):
        return json.loads((self.output / ("%s.json" % host)).read_text())["sms_source_id"]

    def fact(self, host, shared=False):
        path = self.tmp_path / "facts" / ("shared" if shared else host) / "hwcloud_sms.fact"
        return json.loads(path.read_text()) if path.exists() else None

    def by_name(self):
        return {s["name"]: s for s in self.emulator.sources()}

    def clean_log(self):
        self.emulator.reset(log=True, state=False, faults=False, auth=False)

    def assert_ok(self, run, hosts):
        assert run.rc == 0, run.failures() or run.output[-3000:]
        recap = run.recap()
        assert all(recap[h]["failed"] == 0 and recap[h]["unreachable"] == 0 for h in hosts), recap

    def assert_no_secret_printed(self):
        for run in self.runs:
            for secret in secrets_of(self.emulator):
                assert secret not in run.output


@pytest.fixture
def world(sms_emulator, tmp_path):
    return World(sms_emulator, tmp_path)


# ---------------------------------------------------------------------------------------------
# Ambiguous creates


def test_late_commit_with_default_settings_is_awaited_not_reposted(world):
    """The POST commits after 31 s, past the client's default 30 s timeout: one record, one POST."""
    emulator = world.emulator
    inventory = write_inventory(world.tmp_path, {"late-default": host_facts(1)})
    emulator.set_faults({"rules": [{"method": "POST", "path": "/v3/sources", "late_commit_rate": 1.0,
                                    "late_commit_ms": 31000}]})
    run = world.source(inventory)
    world.assert_ok(run, ["late-default"])
    [record] = emulator.sources()
    assert record["name"] == "late-default" and record["ip"] == host_facts(1)["network"]["primary_ipv4"]
    assert writes(emulator) == [("POST", "/v3/sources")]
    assert emulator.counters()["faults_injected"]["late_commit"] == 1


def race(*jobs):
    """Run the callables at the same moment in threads; their results (or exceptions) in order."""
    results = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(index, job):
        start.wait()
        try:
            results[index] = job()
        except Exception as exc:  # pylint: disable=broad-exception-caught
            results[index] = exc
    threads = [threading.Thread(target=run, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results


def test_late_commits_with_short_timeouts_leave_one_record_per_host(sms_emulator):
    """timeout 2 s, every registration commits 4 s after it was sent, 10 hosts at once: one record each."""
    emulator = sms_emulator
    emulator.set_faults({"rules": [{"method": "POST", "path": "/v3/sources", "late_commit_rate": 1.0,
                                    "late_commit_ms": 4000}]})
    hosts = {i: body_of(host_facts(i)) for i in range(1, 11)}
    outcomes = race(*(lambda b=b: ensure_present(client(emulator, timeout=2), b) for b in hosts.values()))
    assert all(o.action == "created" for o in outcomes), outcomes
    records = {s["name"]: s for s in emulator.sources()}
    assert sorted(records) == sorted(b["name"] for b in hosts.values())
    assert {records[b["name"]]["id"] for b in hosts.values()} == {o.source_id for o in outcomes}
    assert len(writes(emulator)) == len(hosts)  # each registration sent once, none re-sent
    assert emulator.counters()["faults_injected"]["late_commit"] == len(hosts)


@pytest.mark.parametrize("kind", ["html", "empty", "truncated", "null"])
def test_garbled_200_bodies_on_the_list_are_errors(sms_emulator, kind):
    emulator = sms_emulator
    body = body_of(host_facts(3))
    source_id = ensure_present(client(emulator), body).source_id
    [before] = emulator.sources()
    emulator.set_faults({"rules": [{"method": "GET", "path": "/v3/sources", "garble_rate": 1.0, "garble": kind}]})
    with pytest.raises(SmsApiError) as caught:
        ensure_present(client(emulator, retries=1), body)
    assert "GET /v3/sources" in str(caught.value)
    assert emulator.sources() == [before] and writes(emulator) == [("POST", "/v3/sources")]  # the first one only
    emulator.set_faults({"rules": [{"method": "GET", "path": "/v3/sources", "garble_rate": 0.3, "garble": kind}],
                         "seed": 9})
    outcome = ensure_present(client(emulator, retries=8), body)
    assert (outcome.action, outcome.source_id) == ("unchanged", source_id)
    assert emulator.sources() == [before] and emulator.counters()["faults_injected"]["garbled"] >= 2


def test_garbled_200_in_a_playbook_fails_clearly_and_registers_nothing_twice(world):
    emulator = world.emulator
    inventory = write_inventory(world.tmp_path, {"garbled": host_facts(3)})
    world.assert_ok(world.source(inventory), ["garbled"])
    [before] = emulator.sources()
    world.clean_log()
    emulator.set_faults({"rules": [{"method": "GET", "path": "/v3/sources", "garble_rate": 1.0, "garble": "html"}]})
    failed = world.source(inventory, sms_retries=1)
    assert failed.rc != 0 and failed.recap()["garbled"]["failed"] == 1
    assert "GET /v3/sources" in failed.stdout
    assert "Traceback" not in failed.output and "AttributeError" not in failed.output
    assert writes(emulator) == [] and emulator.sources() == [before]


def test_long_names_sharing_64_characters_stay_two_records(sms_emulator):
    emulator = sms_emulator
    stem = "db-primary-cluster-frankfurt-availability-zone-b-rack-17-node"  # 61 characters
    names = (stem + "-0001-alpha", stem + "-0001-omega")
    bodies = [body_of(host_facts(31), names[0]), body_of(host_facts(32), names[1])]
    outcomes = [ensure_present(client(emulator), b) for b in bodies]
    records = {s["name"]: s for s in emulator.sources()}
    assert sorted(records) == sorted(fit_name(n) for n in names) and len(records) == 2
    assert all(len(name) == 64 and name[:55] == names[0][:55] for name in records)
    for outcome, facts_index in zip(outcomes, (31, 32)):
        assert records[outcome.source["name"]]["ip"] == host_facts(facts_index)["network"]["primary_ipv4"]
    emulator.reset(log=True, state=False, faults=False, auth=False)
    assert [ensure_present(client(emulator), b).action for b in bodies] == ["unchanged", "unchanged"]
    assert writes(emulator) == []


def test_two_inventory_names_for_one_machine_register_once(sms_emulator):
    """One machine under two names, both registering at the same moment: one record survives."""
    emulator = sms_emulator
    emulator.set_faults({"rules": [{"method": "*", "path": "/v3/sources", "latency_ms": 300}]})  # let them race
    facts = host_facts(40)
    bodies = [body_of(facts, "alias-a"), body_of(facts, "alias-b")]
    for _round in range(2):
        outcomes = race(*(lambda b=b: ensure_present(client(emulator, retries=5), b, settle=5) for b in bodies))
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        [record] = emulator.sources()
        assert {o.source_id for o in outcomes} == {record["id"]}
        assert record["name"] in ("alias-a", "alias-b") and record["ip"] == facts["network"]["primary_ipv4"]
    posts = [r for r in emulator.log() if r["method"] == "POST" and r["path"] == "/v3/sources"]
    assert posts and emulator.counters()["sources"] == 1


def test_two_overlapping_runs_over_the_same_20_hosts(world):
    emulator = world.emulator
    hosts = {"overlap-%02d" % i: host_facts(50 + i) for i in range(1, 21)}
    inventory = write_inventory(world.tmp_path, hosts)
    # A registration commits 3 s after it arrives: the other run's lookups in that window see nothing.
    emulator.set_faults({"rules": [{"method": "POST", "path": "/v3/sources", "latency_ms": 3000},
                                   {"method": "*", "path": "/v3/sources", "latency_ms": 200}]})
    command = [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(PLAYBOOKS / "source.yml"), "--forks", "20",
               "-e", json.dumps({"sms_settle": 5})]
    processes = [subprocess.Popen(command, env=world.env(), cwd=str(HERE), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True) for _run in range(2)]
    try:
        outputs = [p.communicate(timeout=400)[0] for p in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert [p.returncode for p in processes] == [0, 0], "\n".join(o[-2000:] for o in outputs)
    names = collections.Counter(s["name"] for s in emulator.sources())
    assert names == collections.Counter(list(hosts)), {n: c for n, c in names.items() if c != 1}
    merged = [r for r in emulator.log() if r["method"] == "DELETE" and r["status"] == 200]
    assert merged, "no duplicate was created and merged: the runs did not overlap, the test proves nothing"

    world.clean_log()
    emulator.set_faults({"rules": []})
    world.assert_ok(world.source(inventory, forks=20), hosts)
    assert writes(emulator) == [] and len(emulator.sources()) == len(hosts)


# ---------------------------------------------------------------------------------------------
# The register role: one scenario of three runs, one test per case.
#   run 1: moving, golden, shared-1..3 (one facts directory), busy register;
#   then busy's migration starts, a clone of golden appears with golden's id in its fact file;
#   run 2: moving (new IP), clone, shared-1..3 register again, busy is deregistered (skipped);
#   run 3: clone (again holding golden's id) and busy (force) are deregistered.


class RoleScenario(World):
    def __init__(self, emulator, tmp_path):
        super().__init__(emulator, tmp_path)
        shared = {"shared-%d" % i: (host_facts(20 + i), {"shared": True}) for i in range(1, 4)}
        first = dict({"moving": host_facts(5), "golden": host_facts(7), "busy": host_facts(60)}, **shared)
        self.run1 = self.role(write_inventory(tmp_path, first))
        self.after1 = self.by_name()
        self.clean_log()

        busy = self.after1["fleet-060"]["id"]
        response = Api(emulator).put("/v3/sources/%s/changestate" % busy,
                                     {"copystate": "replicate", "migrationcycle": "replicating"})
        assert response.status_code == 200, response.text
        self.golden = self.after1["fleet-007"]
        self.stale = {"source_id": self.golden["id"], "name": self.golden["name"], "ip": self.golden["ip"]}
        self.write_clone_fact()
        second = dict({"moving": readdressed(host_facts(5), "10.20.99.5"), "clone": host_facts(8),
                       "busy": (host_facts(60), {"sms_register_state": "absent"})},
                      **{h: (f, dict(v)) for h, (f, v) in shared.items()})
        self.run2 = self.role(write_inventory(tmp_path, second))
        self.log2 = self.emulator.log()
        self.after2 = self.by_name()
        self.exposed2 = {h: self.exposed(h) for h in second}
        self.facts2 = {h: self.fact(h) for h in ("moving", "clone", "busy")}
        self.clean_log()

        self.write_clone_fact()
        third = {"clone": (host_facts(8), {"sms_register_state": "absent"}),
                 "busy": (host_facts(60), {"sms_register_state": "absent", "sms_register_force": True})}
        self.run3 = self.role(write_inventory(tmp_path, third))
        self.after3 = self.by_name()
        self.exposed3 = {h: self.exposed(h) for h in third}

    def write_clone_fact(self):
        """The clone's disk holds the fact file of the original (edited: without its owner)."""
        directory = self.tmp_path / "facts" / "clone"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "hwcloud_sms.fact").write_text(json.dumps(self.stale))

    def writes_to(self, log, source_id):
        return [r for r in log if r["method"] in WRITES and source_id in (r["path"], r["path"].rsplit("/", 1)[-1])]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    with run_emulator() as emulator:
        yield RoleScenario(emulator, tmp_path_factory.mktemp("role-scenario"))


def test_role_scenario_runs_cleanly(scenario):
    for run in (scenario.run1, scenario.run2, scenario.run3):
        assert run.rc == 0, run.failures() or run.output[-3000:]
        assert all(r["failed"] == 0 for r in run.recap().values()), run.recap()
    assert sorted(scenario.after1) == ["fleet-005", "fleet-007", "fleet-021", "fleet-022", "fleet-023", "fleet-060"]
    scenario.assert_no_secret_printed()


def test_ip_change_updates_the_same_record(scenario):
    first, after = scenario.after1["fleet-005"], scenario.after2["fleet-005"]
    assert after["id"] == first["id"] and after["ip"] == "10.20.99.5" and first["ip"] != after["ip"]
    assert macs(after) == macs(first)
    assert [r for r in scenario.log2 if r["method"] == "POST" and r["path"] == "/v3/sources"]
    assert scenario.facts2["moving"] == {"source_id": first["id"], "name": "fleet-005", "ip": "10.20.99.5",
                                         "host": "moving"}
    assert scenario.exposed2["moving"] == first["id"]


def test_cloned_fact_never_writes_the_original(scenario):
    golden = scenario.golden
    assert said(scenario.run2, "the recorded source %s is not this server" % golden["id"])
    assert scenario.after2["fleet-007"] == golden and scenario.after3["fleet-007"] == golden  # not one field
    clone = scenario.after2["fleet-008"]
    assert clone["id"] != golden["id"] and clone["ip"] == host_facts(8)["network"]["primary_ipv4"]
    assert scenario.exposed2["clone"] == clone["id"] == scenario.facts2["clone"]["source_id"]
    assert scenario.writes_to(scenario.log2, golden["id"]) == []
    assert "fleet-008" not in scenario.after3, "deregistering the clone deletes the clone's record"
    assert scenario.exposed3["clone"] == "" and scenario.fact("clone") is None


def test_shared_facts_directory_hosts_keep_their_own_records(scenario):
    for i in range(1, 4):
        name, host = "fleet-%03d" % (20 + i), "shared-%d" % i
        assert scenario.after2[name] == scenario.after1[name]
        assert scenario.exposed2[host] == scenario.after1[name]["id"]
        assert scenario.writes_to(scenario.log2, scenario.after1[name]["id"]) == []
        assert scenario.run2.recap()[host]["changed"] == 0, scenario.run2.recap()
    assert scenario.fact(None, shared=True)["host"] in ("shared-1", "shared-2", "shared-3")
    assert said(scenario.run2, "was written for")


def test_absent_while_migrating_keeps_the_record_and_the_fact(scenario):
    busy = scenario.after1["fleet-060"]
    assert said(scenario.run2, "was not deleted because")
    assert scenario.after2["fleet-060"]["id"] == busy["id"]
    assert scenario.facts2["busy"]["source_id"] == busy["id"] and scenario.exposed2["busy"] == busy["id"]
    assert scenario.writes_to(scenario.log2, busy["id"]) == []
    # with force the migrating record goes, and only then the fact and sms_source_id
    assert "fleet-060" not in scenario.after3 and scenario.exposed3["busy"] == ""
    assert scenario.fact("busy") is None


@pytest.mark.parametrize("playbook", ["register.yml", "deregister.yml", "rollout.yml"])
def test_wrong_secret_key_on_20_hosts_is_one_authentication_attempt(world, playbook):
    emulator = world.emulator
    hosts = {"wrongsk-%02d" % i: host_facts(70 + i) for i in range(1, 21)}
    inventory = write_inventory(world.tmp_path, hosts)
    wrong = "hwc-emulator-secret-key-wrong-wrong-0009"
    run = world.play(COLLECTION_PLAYBOOKS / playbook, inventory, env=world.env(HUAWEICLOUD_SDK_SK=wrong), forks=20,
                     sms_become=False)
    assert run.rc != 0
    log = emulator.log()
    assert len(log) == 1 and log[0]["status"] == 401 and log[0]["ak"] == emulator.ak, log
    fatal = [line for line in run.stdout.splitlines() if line.startswith("fatal:")]
    assert len(fatal) == 1 and "authentication failed" in fatal[0], run.stdout[-3000:]
    assert "Traceback" not in run.output and wrong not in run.output
    assert emulator.sources() == []
    assert not (world.tmp_path / "facts").exists()  # no host got as far as its fact
