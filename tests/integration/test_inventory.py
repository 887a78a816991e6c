"""hwcloud.sms.sources against the SMS emulator, through the real ansible-inventory CLI.

Sources are registered with the official Huawei Cloud SDK (huaweicloudsdksms, test-only), an
oracle independent of the collection's own client; their state is changed with
``PUT /v3/sources/{id}/changestate``. Every ansible-inventory run reads its credentials from the
HUAWEICLOUD_* environment only, and no output may contain the secret key.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import yaml

from tests.conftest import ANSIBLE_CORES, AnsibleCore
from tests.emulator.harness import run_emulator

sdk = pytest.importorskip("huaweicloudsdksms.v3", reason="huaweicloudsdksms (test-only oracle) is not installed")
from huaweicloudsdkcore.auth.credentials import BasicCredentials  # noqa: E402

INVENTORY_FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inventory")

# name, ip, os_type, os_version, (copystate, migrationcycle) or None to stay "waiting"
FLEET = [
    ("web01", "10.10.0.11", "LINUX", "CENTOS_7_9_64BIT", None),
    ("web02", "10.10.0.12", "LINUX", "UBUNTU_22_4_64BIT", ("replicate", "replicating")),
    ("db01", "10.10.0.21", "LINUX", "SUSE12_64BIT_SP2", ("finished", "cutovered")),
    ("app01", "10.10.0.31", "LINUX", "UBUNTU_20_4_64BIT", ("syncing", "syncing")),
    ("win01", "10.10.0.41", "WINDOWS", "WINDOWS2019_64BIT", None),
    ("web01", "10.10.0.99", "LINUX", "CENTOS_7_9_64BIT", None),  # same name registered again
]


def sdk_client(emu):
    credentials = BasicCredentials(emu.ak, emu.sk, emu.project_id)
    return sdk.SmsClient.new_builder().with_credentials(credentials).with_endpoints([emu.base_url]).build()


def register(client, name, ip, os_type="LINUX", os_version="CENTOS_7_9_64BIT", index=0):
    mac = "52:54:00:%02x:%02x:%02x" % ((index >> 16) & 0xFF, (index >> 8) & 0xFF, index & 0xFF)
    body = sdk.PostSourceServerBody(
        name=name, ip=ip, os_type=os_type, os_version=os_version, agent_version="25.5.0",
        cpu_quantity=2, memory=4 * 1024 ** 3, firmware="BIOS",
        networks=[sdk.NetWork(name="eth0", ip=ip, netmask="255.255.255.0", gateway="10.10.0.1", mtu=1500, mac=mac)],
    )
    if os_type == "LINUX":
        body.btrfs_list, body.volume_groups, body.raw_devices = [], [], ""
        body.has_rsync, body.paravirtualization, body.boot_loader, body.has_tc = True, False, "GRUB", True
    else:
        body.driver_files, body.system_services, body.account_rights = False, False, True
        body.system_dir = "C:\\Windows\\System32"
    return client.register_server(sdk.RegisterServerRequest(body=body)).id


def change_state(client, source_id, copystate, migrationcycle):
    client.update_copy_state(sdk.UpdateCopyStateRequest(
        source_id=source_id, body=sdk.PutCopyStateReq(copystate=copystate, migrationcycle=migrationcycle)))


@pytest.fixture(scope="module")
def fleet():
    """One emulator for the module with FLEET registered: ``.emu`` and ``.ids`` ({ip: source id})."""
    with run_emulator() as emu:
        client = sdk_client(emu)
        ids = {}
        for index, (name, ip, os_type, os_version, state) in enumerate(FLEET):
            ids[ip] = register(client, name, ip, os_type, os_version, index)
            if state:
                change_state(client, ids[ip], *state)
        yield SimpleNamespace(emu=emu, ids=ids)


class Runner:
    """Runs ansible-inventory (and ansible-playbook) of one ansible-core with credentials in the
    environment; no output may show the secret key."""

    def __init__(self, emu, tmp_path, core: AnsibleCore):
        self.emu = emu
        self.tmp_path = tmp_path
        self.core = core
        self.env = {key: value for key, value in core.env().items()
                    if key.lower() not in ("http_proxy", "https_proxy")}
        self.env.update({
            "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true",
            "HUAWEICLOUD_SDK_AK": emu.ak,
            "HUAWEICLOUD_SDK_SK": emu.sk,
            "HUAWEICLOUD_SDK_PROJECT_ID": emu.project_id,
            "HUAWEICLOUD_SDK_REGION": emu.region,
            "HUAWEICLOUD_SMS_ENDPOINT": emu.base_url,
            "HUAWEICLOUD_SDK_IAM_ENDPOINT": emu.base_url,
        })

    def config(self, name, **overrides):
        """A copy of tests/integration/inventory/<name> with ``overrides`` merged in."""
        with open(os.path.join(INVENTORY_FILES, name), encoding="utf-8") as handle:
            config = yaml.safe_load(handle)
        config.update(overrides)
        path = self.tmp_path / name
        path.write_text(yaml.safe_dump(config))
        return path

    def run(self, path, *args, check=True, env=None, command="ansible-inventory"):
        proc = subprocess.run(
            [self.core.command(command), "-i", str(path), *args], cwd=self.tmp_path, env={**self.env, **(env or {})},
            capture_output=True, text=True, timeout=120, check=False,
        )
        for secret in {self.emu.sk, self.env["HUAWEICLOUD_SDK_SK"], (env or {}).get("HUAWEICLOUD_SDK_SK")} - {None}:
            assert secret not in proc.stdout + proc.stderr, "the secret key leaked into ansible-inventory output"
        if check:
            assert proc.returncode == 0, f"ansible-inventory failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            # The emulator speaks plain http://, which the client rightly warns about.
            unexpected = [line for line in proc.stderr.split("[WARNING]")[1:]
                          if "SMS sources are named" not in line and "plain http:// endpoint" not in " ".join(line.split())]
            assert not unexpected, proc.stderr
        return proc

    def inventory(self, path, *args, **kwargs):
        return json.loads(self.run(path, "--list", *args, **kwargs).stdout, object_hook=untagged)

    def list_calls(self):
        return [entry for entry in self.emu.log() if entry["route"] == "GET /v3/sources"]


@pytest.fixture
def runner(fleet, tmp_path):
    """A runner on ansible-core 2.19 (.venv) for the behaviour that does not depend on the version."""
    home = tmp_path / "ansible-home"
    return Runner(fleet.emu, tmp_path, AnsibleCore("2.19", os.path.join(ANSIBLE_CORES["2.19"], "bin"), str(home)))


def untagged(mapping):
    """Strings that could be templates are written as {"__ansible_unsafe": value} by ansible-inventory."""
    return mapping["__ansible_unsafe"] if set(mapping) == {"__ansible_unsafe"} else mapping


def cache_entry(path):
    """The plugin's entry in a jsonfile cache file (2.19 nests it as a JSON string in __payload__)."""
    entry = json.loads(path.read_text())
    return json.loads(entry["__payload__"]) if "__payload__" in entry else entry


def graph(text):
    """``ansible-inventory --graph`` output as {group: names of its hosts and child groups}."""
    groups, stack = {}, []
    for line in text.splitlines():
        entry = line.lstrip(" |-")
        if not entry:
            continue
        indent = len(line) - len(entry)  # "@all:" 0, "  |--@g:" 5, "  |  |--host" 8, ...
        depth = 0 if indent == 0 else (indent - 2) // 3
        name = entry.lstrip("@").rstrip(":")
        stack[depth:] = [name]
        if depth:
            groups.setdefault(stack[depth - 1], set()).add(name)
        if entry.startswith("@"):
            groups.setdefault(name, set())
    return groups


# ---- tests -----------------------------------------------------------------------------------

def test_list_gives_every_source_with_its_fields(runner, fleet):
    ids = fleet.ids
    inventory = runner.inventory(runner.config("sms_sources.yml"))
    hostvars = inventory["_meta"]["hostvars"]
    assert sorted(hostvars) == sorted(["web01", "web02", "db01", "app01", "win01", "web01_" + ids["10.10.0.99"]])

    web02 = hostvars["web02"]
    assert web02["ansible_host"] == "10.10.0.12"
    assert web02["sms_id"] == ids["10.10.0.12"]
    assert web02["sms_state"] == "replicate" and web02["sms_migration_cycle"] == "replicating"
    assert web02["sms_os_type"] == "LINUX" and web02["sms_os_version"] == "UBUNTU_22_4_64BIT"
    assert web02["sms_connected"] is True and isinstance(web02["sms_add_date"], int)
    assert web02["sms_memory"] == 4 * 1024 ** 3 and web02["sms_cpu_quantity"] == 2
    assert hostvars["db01"]["sms_state"] == "finished"
    assert hostvars["win01"]["sms_os_type"] == "WINDOWS"
    # the oldest of the two "web01" keeps the name, the newer one is suffixed with its id
    assert hostvars["web01"]["sms_id"] == ids["10.10.0.11"]
    assert hostvars["web01_" + ids["10.10.0.99"]]["ansible_host"] == "10.10.0.99"
    assert hostvars["web01"]["migration_stage"] == "waiting/none"  # compose


def test_graph_groups_by_state_and_os(runner, fleet):
    ids = fleet.ids
    proc = runner.run(runner.config("sms_sources.yml"), "--graph")
    groups = graph(proc.stdout)
    duplicate = "web01_" + ids["10.10.0.99"]
    assert groups["state_waiting"] == {"web01", duplicate, "win01"}
    assert groups["state_replicate"] == {"web02"}
    assert groups["state_finished"] == {"db01"}
    assert groups["state_syncing"] == {"app01"}
    assert groups["os_linux"] == {"web01", duplicate, "web02", "db01", "app01"}
    assert groups["os_windows"] == {"win01"}
    assert groups["cycle_replicating"] == {"web02"} and groups["cycle_none"] == {"web01", duplicate, "win01"}
    assert groups["migrating"] == {"web02", "app01"}
    assert {"state_waiting", "os_linux", "migrating"} <= groups["all"]
    assert "2 SMS sources are named 'web01'" in proc.stderr


def test_filters_go_to_the_list_api(runner, fleet):
    ids = fleet.ids
    before = len(runner.list_calls())
    inventory = runner.inventory(runner.config("sms_sources.yml", filters={"state": "waiting", "connected": True}))
    assert sorted(inventory["_meta"]["hostvars"]) == sorted(["web01", "web01_" + ids["10.10.0.99"], "win01"])
    (call,) = runner.list_calls()[before:]
    assert call["query"]["state"] == "waiting" and call["query"]["connected"] == "true"


def test_query_selects_with_jmespath(runner):
    inventory = runner.inventory(runner.config(
        "sms_sources.yml", query="[?os_type=='LINUX' && state!='finished' && state!='waiting']"))
    assert sorted(inventory["_meta"]["hostvars"]) == ["app01", "web02"]


def test_hostname_from_ip_and_strict_duplicates(runner, fleet):
    ids = fleet.ids
    by_ip = runner.inventory(runner.config("sms_sources.yml", hostname_from="ip"))
    assert sorted(by_ip["_meta"]["hostvars"]) == sorted(ids)

    proc = runner.run(runner.config("sms_sources.yml", allow_duplicates=False), "--list", check=False)
    assert proc.returncode != 0
    assert "several sources share a host name (allow_duplicates is false): web01: " in proc.stderr
    assert ids["10.10.0.11"] in proc.stderr and ids["10.10.0.99"] in proc.stderr


def test_cache_hit_makes_no_api_call_until_flushed(runner, fleet):
    emu = fleet.emu
    cache_dir = runner.tmp_path / "cache"
    path = runner.config("cached.sms_sources.yml", cache_connection=str(cache_dir))

    seq = emu.log()[-1]["seq"]
    first = runner.inventory(path)
    calls = [e for e in emu.log() if e["seq"] > seq]
    assert [e["route"] for e in calls] == ["GET /v3/sources"]
    cached_files = list(cache_dir.iterdir())
    assert len(cached_files) == 1
    assert emu.sk not in cached_files[0].read_text()

    client = sdk_client(emu)
    late_id = register(client, "late01", "10.10.1.1", index=1000)
    try:
        seq = emu.log()[-1]["seq"]
        second = runner.inventory(path)
        assert [e for e in emu.log() if e["seq"] > seq] == [], "a cache hit must not call SMS or IAM"
        assert second["_meta"]["hostvars"] == first["_meta"]["hostvars"]
        assert "late01" not in second["_meta"]["hostvars"]

        flushed = runner.inventory(path, "--flush-cache")
        assert [e["route"] for e in emu.log() if e["seq"] > seq] == ["GET /v3/sources"]
        assert flushed["_meta"]["hostvars"]["late01"]["sms_id"] == late_id
        assert late_id in [source["id"] for source in cache_entry(cached_files[0])["sources"]]
    finally:
        client.delete_server(sdk.DeleteServerRequest(source_id=late_id))


def test_wrong_secret_key_is_a_clear_error_without_the_key(runner):
    wrong = "not-the-right-secret-key-000000000000000"
    proc = runner.run(runner.config("sms_sources.yml"), "--list", "-vvv", check=False,
                      env={"HUAWEICLOUD_SDK_SK": wrong})
    assert proc.returncode != 0
    assert "cannot list SMS sources: GET /v3/sources: authentication failed" in proc.stderr
    assert wrong not in proc.stdout + proc.stderr


def test_pagination_lists_every_page(sms_emulator, tmp_path):
    client = sdk_client(sms_emulator)
    total = 205  # the list API returns at most 200 per page
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: register(client, "bulk%03d" % i, "10.20.%d.%d" % (i // 250, i % 250 + 1), index=i),
                      range(total)))
    runner = Runner(sms_emulator, tmp_path, AnsibleCore("2.19", os.path.join(ANSIBLE_CORES["2.19"], "bin"),
                                                        str(tmp_path / "ansible-home")))
    inventory = runner.inventory(runner.config("sms_sources.yml"))
    assert sorted(inventory["_meta"]["hostvars"]) == ["bulk%03d" % i for i in range(total)]
    offsets = [(c["query"].get("limit"), c["query"].get("offset")) for c in runner.list_calls()]
    assert offsets == [("200", "0"), ("200", "200")]


# ---- hostile API data, on every supported ansible-core -----------------------------------------
# A compromised account, a man in the middle or a migrated server naming itself: whatever the SMS
# API returns must stay data. Each expression would create a file under $PWNED if rendered.

def pwn(field):
    return "{{ lookup('pipe', 'touch $PWNED/%s') }}" % field


HOSTILE_NAME = pwn("name")  # 42 characters: fits SMS's 64-character name
EVIL_HOST = "___lookup__pipe____touch__PWNED_name_____"  # HOSTILE_NAME made safe
HOSTILE_IP = pwn("ip")
HOSTILE_OS = pwn("os")
TRAVERSAL = "../../evil"  # host_vars/../../evil.yml from the inventory directory
ESCAPES = "web\x1b[2J\x1b]0;owned\x07"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """An emulator whose records hold what a hostile API could send: Jinja2 in the name, IP and
    OS version, a traversal name, terminal escapes, a string add_date. The benign ones come from
    the SDK; the rest is written into the emulator's state file (the real API would refuse it at
    registration, a hostile one serves it anyway)."""
    state = tmp_path_factory.mktemp("hostile-sms") / "sms.db"
    with run_emulator(state_file=str(state)) as emu:
        client = sdk_client(emu)
        ids = {name: register(client, name, "10.30.0.%d" % (index + 1), index=index)
               for index, name in enumerate(("plain01", "evil", "traversal", "escapes", "badtype"))}
        patches = {
            ids["evil"]: {"name": HOSTILE_NAME, "ip": HOSTILE_IP, "os_version": HOSTILE_OS},
            ids["traversal"]: {"name": TRAVERSAL},
            ids["escapes"]: {"name": ESCAPES},
            ids["badtype"]: {"add_date": "2024-01-01T00:00:00Z"},
        }
        with sqlite3.connect(str(state)) as db:
            for source_id, fields in patches.items():
                (doc,) = db.execute("SELECT doc FROM sources WHERE id = ?", (source_id,)).fetchone()
                db.execute("UPDATE sources SET doc = ? WHERE id = ?", (json.dumps({**json.loads(doc), **fields}), source_id))
        yield SimpleNamespace(emu=emu, ids=ids)


HOSTILE_CONFIG = {
    "plugin": "hwcloud.sms.sources",
    "compose": {"shown_name": "sms_name", "shown_os": "sms_os_version | upper", "shown_ip": "ansible_host"},
    "keyed_groups": [{"key": "sms_os_version", "prefix": "os"}, {"key": "sms_name", "prefix": "name"}],
    "groups": {"lookups": "'lookup' in sms_name"},
}

PRINT_PLAY = """
- name: Print what the inventory holds
  hosts: all
  gather_facts: false
  tasks:
    - name: Show the values
      ansible.builtin.debug:
        msg: >-
          NAME={{ sms_name }} IP={{ ansible_host }} OS={{ sms_os_version }}
          COMPOSED={{ shown_name }} {{ shown_os }} {{ shown_ip }}
          HOST={{ inventory_hostname }} GROUPS={{ group_names }}
"""


@pytest.fixture
def hostile_runner(hostile, tmp_path, ansible_core):
    runner = Runner(hostile.emu, tmp_path, ansible_core)
    (tmp_path / "pwned").mkdir()
    runner.env["PWNED"] = str(tmp_path / "pwned")
    inventory_dir = tmp_path / "inventory"
    (inventory_dir / "host_vars").mkdir(parents=True)
    (tmp_path / "evil.yml").write_text("traversal_loaded: true\n")  # host_vars/../../evil.yml
    runner.path = inventory_dir / "sms_sources.yml"
    runner.path.write_text(yaml.safe_dump(HOSTILE_CONFIG))
    return runner


def pwned(runner):
    return sorted(os.listdir(runner.env["PWNED"]))


def test_hostile_values_are_listed_as_text_and_never_run(hostile_runner, hostile):
    runner, ids = hostile_runner, hostile.ids
    proc = runner.run(runner.path, "--list", check=False)
    assert proc.returncode == 0, proc.stderr
    assert pwned(runner) == [], "a lookup from the API ran on the controller"
    raw = json.loads(proc.stdout)
    hostvars = raw["_meta"]["hostvars"]
    evil = next(name for name, hv in hostvars.items() if untagged(hv["sms_id"]) == ids["evil"])
    assert evil == EVIL_HOST
    values = hostvars[evil]
    # what could be a template is kept as text, marked unsafe for whoever reads the JSON back
    for key, text in (("sms_name", HOSTILE_NAME), ("ansible_host", HOSTILE_IP), ("sms_os_version", HOSTILE_OS),
                      ("shown_name", HOSTILE_NAME), ("shown_ip", HOSTILE_IP), ("shown_os", HOSTILE_OS.upper())):
        assert values[key] == {"__ansible_unsafe": text}, (key, values[key])
    # everything else is a plain JSON value: AWX imports this output as it is
    plain = hostvars["plain01"]
    assert plain["ansible_host"] == "10.30.0.1" and plain["sms_name"] == plain["shown_name"] == "plain01"
    assert plain["sms_id"] == ids["plain01"] and plain["sms_state"] == "waiting"
    assert plain["sms_os_version"] == "CENTOS_7_9_64BIT" and plain["shown_os"] == "CENTOS_7_9_64BIT"
    assert isinstance(plain["sms_add_date"], int) and plain["sms_connected"] in (True, False)
    for hv in hostvars.values():
        for key, value in hv.items():
            if isinstance(value, dict):
                assert set(value) == {"__ansible_unsafe"} and "{" in value["__ansible_unsafe"] + "}", (key, value)
    # group names made from hostile values hold no template either
    assert all("{" not in group and "}" not in group for group in raw), sorted(raw)
    assert "lookups" in raw and raw["lookups"]["hosts"] == [evil]


def test_hostile_names_are_made_safe_and_bad_records_skipped(hostile_runner, hostile):
    runner, ids = hostile_runner, hostile.ids
    proc = runner.run(runner.path, "--list", check=False)
    assert proc.returncode == 0, proc.stderr
    hostvars = json.loads(proc.stdout, object_hook=untagged)["_meta"]["hostvars"]
    by_id = {hv["sms_id"]: name for name, hv in hostvars.items()}
    assert by_id[ids["traversal"]] == "____evil"
    assert by_id[ids["escapes"]] == "web__2J__0_owned_"
    assert "traversal_loaded" not in hostvars["____evil"], "host_vars were read from outside the inventory"
    assert ids["badtype"] not in by_id
    stderr = " ".join(proc.stderr.split())  # warnings wrap
    assert "skipped SMS source %s of the list: add_date must be int or null, got str" % ids["badtype"] in stderr
    assert "source %s: '../../evil' is not a safe host name, using ____evil" % ids["traversal"] in stderr
    assert "\x1b" not in proc.stdout + proc.stderr, "a terminal escape from the API reached the screen"


def test_a_play_prints_hostile_values_as_text(hostile_runner, hostile):
    runner = hostile_runner
    play = runner.tmp_path / "print.yml"
    play.write_text(PRINT_PLAY)
    proc = runner.run(runner.path, str(play), "-c", "local", check=False, command="ansible-playbook")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert pwned(runner) == [], "a lookup from the API ran on the controller"
    shown = "NAME=%s IP=%s OS=%s COMPOSED=%s %s %s HOST=%s" % (
        HOSTILE_NAME, HOSTILE_IP, HOSTILE_OS, HOSTILE_NAME, HOSTILE_OS.upper(), HOSTILE_IP, EVIL_HOST)
    assert shown in proc.stdout.replace('\\"', '"'), proc.stdout
    assert "HOST=plain01" in proc.stdout and "traversal_loaded" not in proc.stdout


def test_ad_hoc_ping_with_a_hostile_address_runs_nothing(hostile_runner):
    runner = hostile_runner
    proc = runner.run(runner.path, EVIL_HOST, "-m", "ansible.builtin.ping",
                      "-c", "local", check=False, command="ansible")
    assert pwned(runner) == [], "a lookup from the API ran on the controller"
    assert proc.returncode == 0 and '"ping": "pong"' in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("prefix", ["", "ansible_"])
def test_a_prefix_that_lets_the_api_set_ansible_variables_is_refused(hostile_runner, prefix):
    runner = hostile_runner
    runner.path.write_text(yaml.safe_dump(dict(HOSTILE_CONFIG, hostvar_prefix=prefix, compose={}, groups={},
                                               keyed_groups=[])))
    proc = runner.run(runner.path, "--list", check=False)
    assert proc.returncode != 0
    assert "hostvar_prefix %r could make ansible_* variables" % prefix in " ".join(proc.stderr.split()) \
        or "hostvar_prefix must start with a letter" in " ".join(proc.stderr.split()), proc.stderr


@pytest.mark.parametrize("name, accepted", [("prod.sms_sources.yaml", True), ("resources.yml", False)])
def test_only_sms_sources_file_names_are_read(hostile_runner, name, accepted):
    runner = hostile_runner
    path = runner.path.parent / name
    path.write_text(yaml.safe_dump({"plugin": "hwcloud.sms.sources"}))
    proc = runner.run(path, "--list", check=False)
    assert (proc.returncode == 0) is accepted, proc.stderr
    if accepted:
        assert "plain01" in json.loads(proc.stdout)["_meta"]["hostvars"]
