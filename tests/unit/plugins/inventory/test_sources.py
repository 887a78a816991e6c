"""hwcloud.sms.sources: the pure helpers, and parse() with the SMS client replaced at its boundary.

The whole chain (configuration file, doc fragment, env fallbacks, real HTTP against the emulator,
ansible-inventory output) is covered by tests/integration/test_inventory.py.
"""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.utils.display import Display

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19 has no template trust
    def trust_as_template(value):
        return value

from ansible_collections.hwcloud.sms.plugins.inventory import sources
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.client import SmsApiError

SECRET = "unit-test-secret-key-0000000000000000001"


def record(source_id, name, ip="10.0.0.1", state="waiting", os_type="LINUX", add_date=1000, **extra):
    return {"id": source_id, "name": name, "ip": ip, "state": state, "os_type": os_type,
            "os_version": "CENTOS_7_9_64BIT", "add_date": add_date, "connected": True,
            "migration_cycle": None, **extra}


# ---- verify_file -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, accepted", [
    ("sms_sources.yml", True),
    ("sms_sources.yaml", True),
    ("prod.sms_sources.yaml", True),
    ("a.b.sms_sources.yml", True),
    ("sources.yml", False),
    ("resources.yml", False),
    ("datasources.yml", False),
    ("my_sms_sources.yml", False),
    ("inventory.yml", False),
    ("sources.json", False),
    ("sms_sources.yml.bak", False),
])
def test_verify_file_accepts_only_sources_yaml_names(tmp_path, name, accepted):
    path = tmp_path / name
    path.write_text("plugin: hwcloud.sms.sources\n")
    assert sources.InventoryModule().verify_file(str(path)) is accepted


def test_verify_file_rejects_missing_file(tmp_path):
    assert not sources.InventoryModule().verify_file(str(tmp_path / "sms_sources.yml"))


# ---- filters ---------------------------------------------------------------------------------

def test_filters_pass_through_the_list_api_parameters():
    given = {"state": "waiting", "connected": False, "migration_cycle": "cutovering"}
    assert sources.validated_filters(given) == given
    assert sources.validated_filters(None) == {}


def test_unknown_filter_is_named_with_the_allowed_ones():
    with pytest.raises(AnsibleError, match=r"unknown filters os_type; the list API accepts connected, .*vm_id"):
        sources.validated_filters({"os_type": "LINUX", "state": "waiting"})


@pytest.mark.parametrize("bad", [["state"], "state=waiting"])
def test_filters_must_be_a_mapping(bad):
    with pytest.raises(AnsibleError, match="filters must be a dictionary"):
        sources.validated_filters(bad)


def test_filter_values_must_be_scalars():
    with pytest.raises(AnsibleError, match="filter state must be a string, number or boolean, got list"):
        sources.validated_filters({"state": ["waiting", "finished"]})


# ---- query -----------------------------------------------------------------------------------

RECORDS = [
    record("a", "web01", state="waiting"),
    record("b", "db01", state="finished", os_type="WINDOWS"),
    record("c", "app01", state="replicate"),
]


def test_query_selects_records():
    selected = sources.apply_query(RECORDS, "[?os_type=='LINUX' && state!='finished']")
    assert [r["id"] for r in selected] == ["a", "c"]


def test_query_that_matches_nothing_gives_no_records():
    assert sources.apply_query(RECORDS, "[?state=='cleared']") == []
    assert sources.apply_query(RECORDS, "missing_key") == []


def test_query_that_projects_fields_is_refused():
    with pytest.raises(AnsibleError, match="did not return a list of source records"):
        sources.apply_query(RECORDS, "[].name")


def test_invalid_query_is_a_clear_error():
    with pytest.raises(AnsibleError, match="is not a valid JMESPath expression"):
        sources.apply_query(RECORDS, "[?state==")


def test_query_without_jmespath_says_what_to_install(monkeypatch):
    monkeypatch.setattr(sources, "jmespath", None)
    with pytest.raises(AnsibleError, match="needs the Python library jmespath"):
        sources.apply_query(RECORDS, "[?state=='waiting']")


# ---- host names ------------------------------------------------------------------------------

def host_names_only(named):
    return sorted(pair[0] for pair in named)


def test_unique_names_are_used_as_they_are():
    named, duplicates, renamed = sources.host_names(RECORDS, "name", True)
    assert host_names_only(named) == ["app01", "db01", "web01"]
    assert duplicates == {} and renamed == {}


@pytest.mark.parametrize("raw, safe", [
    ("web01.example-2_b", "web01.example-2_b"),
    ("数据库01", "数据库01"),
    ("../../../../tmp/x", "________tmp_x"),
    ("..", "_"),
    (".hidden", "_hidden"),
    ("-l", "_l"),
    ("a/b\\c", "a_b_c"),
    ("web\x1b[31mred\x07", "web__31mred_"),
    ("line\nbreak\ttab\x00", "line_break_tab_"),
    ("{{ lookup('pipe', 'id') }}", "___lookup__pipe____id_____"),
    ("a" * 100, "a" * 64),
    ("name with spaces:and,commas", "name_with_spaces_and_commas"),
    ("\u202egnp.exe", "_gnp.exe"),
])
def test_host_names_are_made_safe(raw, safe):
    assert sources.safe_host_name(raw) == safe


def test_unsafe_names_are_renamed_reported_and_still_deduplicated():
    records = [record("a1", "../etc/x", add_date=1), record("b2", "__etc_x", add_date=2), record("c3", "...")]
    named, duplicates, renamed = sources.host_names(records, "name", True)
    assert {name: r["id"] for name, r in named} == {"__etc_x": "a1", "__etc_x_b2": "b2", "_": "c3"}
    assert duplicates == {"__etc_x": ["a1", "b2"]}
    assert renamed == {"a1": "../etc/x", "c3": "..."}


def test_duplicate_names_keep_the_oldest_and_suffix_the_others():
    records = [record("new", "web01", add_date=3000), record("old", "web01", add_date=1000),
               record("mid", "web01", add_date=2000), record("x", "db01")]
    named, duplicates, _renamed = sources.host_names(records, "name", True)
    assert dict(named)["web01"]["id"] == "old"
    assert {name: r["id"] for name, r in named} == {
        "web01": "old", "web01_mid": "mid", "web01_new": "new", "db01": "x"}
    assert duplicates == {"web01": ["old", "mid", "new"]}


def test_duplicates_fail_when_not_allowed():
    records = [record("one", "web01"), record("two", "web01", add_date=2)]
    with pytest.raises(AnsibleError, match=r"allow_duplicates is false\): web01: two, one"):
        sources.host_names(records, "name", False)


def test_hostname_from_ip_and_id_with_fallback_to_id():
    records = [record("a", "web01", ip="10.0.0.5"), record("b", "v6only", ip=None)]
    assert host_names_only(sources.host_names(records, "ip", True)[0]) == ["10.0.0.5", "b"]
    assert host_names_only(sources.host_names(records, "id", True)[0]) == ["a", "b"]


# ---- hostvar_prefix and record shapes ----------------------------------------------------------

@pytest.mark.parametrize("prefix", ["sms_", "hw", "x", "_", "ansiblex_", "my_ansible_"])
def test_prefixes_that_cannot_make_ansible_names_are_accepted(prefix):
    assert sources.validated_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix, message", [
    ("", "must start with a letter"),
    (None, "must start with a letter"),
    ("sms-", "must start with a letter"),
    ("{{ x }}", "must start with a letter"),
    ("ansible_", "could make ansible_\\* variables"),
    ("ansible_sms_", "could make ansible_\\* variables"),
    ("ANSIBLE_", "could make ansible_\\* variables"),
    ("ans", "could make ansible_\\* variables"),
    ("a", "could make ansible_\\* variables"),
    ("ansible", "could make ansible_\\* variables"),
])
def test_empty_or_ansible_prefixes_are_refused(prefix, message):
    with pytest.raises(AnsibleError, match="hostvar_prefix .*" + message):
        sources.validated_prefix(prefix)


@pytest.mark.parametrize("bad, problem", [
    ("just a string", "record #1 of the list: not a JSON object but str"),
    (["a", "list"], "record #1 of the list: not a JSON object but list"),
    (record("s1", "web09", add_date="2024-01-01"), "source s1 of the list: add_date must be int or null, got str"),
    (record("s2", "web09", add_date=True), "source s2 of the list: add_date must be int or null, got bool"),
    (record("s3", ["web09"]), "source s3 of the list: name must be str or null, got list"),
    (record("s4", "web09", ip=10), "source s4 of the list: ip must be str or null, got int"),
    (record(7, "web09"), "record #1 of the list: id 7 is not an SMS source id"),
    (record("../x", "web09"), "record #1 of the list: id '../x' is not an SMS source id"),
    (dict(record("s5", "web09"), **{"_connection": "local"}), "source s5 of the list: field name '_connection'"),
    (dict(record("s6", "web09"), **{"{{x}}": 1}), "source s6 of the list: field name '{{x}}'"),
])
def test_bad_records_are_skipped_with_a_warning_naming_them(bad, problem):
    usable, skipped = sources.usable_records([RECORDS[0], bad, RECORDS[1]])
    assert usable == [RECORDS[0], RECORDS[1]]
    assert len(skipped) == 1 and skipped[0].startswith("skipped SMS " + problem), skipped


def test_a_list_answer_that_is_not_a_list_is_an_error():
    with pytest.raises(AnsibleError, match="returned dict instead of a list of sources"):
        sources.usable_records({"sources": []})


# ---- API data is data, never a template -------------------------------------------------------

HOSTILE = "{{ lookup('pipe', 'touch %s') }}"


def rendered(value, tmp_path):
    """``value`` as Ansible's public Templar renders it."""
    from ansible.template import Templar
    return Templar(loader=DataLoader(), variables={"value": value}).template(trust_as_template("{{ value }}"))


def test_templates_from_the_api_are_never_rendered(tmp_path):
    marker = tmp_path / "pwned"
    data = sources.as_data({"name": HOSTILE % marker, "nested": [{"x": HOSTILE % marker}], "n": 3, "ok": None})
    for value in (data["name"], data["nested"][0]["x"], data):
        assert rendered(value, tmp_path) in (value, str(value))
    assert not marker.exists()
    assert data["name"] == HOSTILE % marker and data["n"] == 3 and data["ok"] is None


def test_only_values_that_could_be_templates_are_marked(tmp_path):
    data = sources.as_data({"plain": "CENTOS_7_9_64BIT", "brace": "a{b", "closing": "}", "key{": "v"})
    try:
        from ansible.template import is_trusted_as_template  # ansible-core >= 2.19
    except ImportError:
        from ansible.utils.unsafe_proxy import AnsibleUnsafe

        def is_marked(value):
            return isinstance(value, AnsibleUnsafe)
    else:
        def is_marked(value):
            return not is_trusted_as_template(value)
    assert not is_marked(data["plain"])
    assert is_marked(data["brace"]) and is_marked(data["closing"])
    assert [is_marked(key) for key in sorted(data)] == [False, False, True, False]


def test_plain_json_drops_wrappers_and_tags():
    from ansible.utils.unsafe_proxy import wrap_var
    records = sources.plain_json([wrap_var({"name": "x{"}), {"name": trust_as_template("{{ 1 }}")}])
    assert records == [{"name": "x{"}, {"name": "{{ 1 }}"}]
    assert all(r["name"].__class__ is str for r in records)  # no unsafe or tagged subclass left


# ---- cache fingerprint -----------------------------------------------------------------------

def test_fingerprint_follows_identity_and_filters_but_not_secrets():
    base = {"endpoint": "https://sms.example", "project_id": "p1", "access_key": "AK1", "secret_key": SECRET}
    fingerprint = sources.request_fingerprint(base, {"state": "waiting"})
    assert fingerprint == sources.request_fingerprint(dict(base, secret_key="other"), {"state": "waiting"})
    assert fingerprint != sources.request_fingerprint(base, {"state": "finished"})
    assert fingerprint != sources.request_fingerprint(dict(base, project_id="p2"), {"state": "waiting"})
    assert SECRET not in fingerprint


# ---- parse() with a fake client --------------------------------------------------------------

class FakeClient:
    """Stands in for SmsClient: records what the plugin asked for."""

    records: list = []
    created: list = []
    errors: list = []  # list_sources raises the first one, if any

    def __init__(self, options):
        self.options = options
        self.calls = 0
        self.filters = None

    @classmethod
    def from_options(cls, options, warn=None):
        assert callable(warn), "the plugin must show the client's warnings"
        client = cls(dict(options))
        cls.created.append(client)
        return client

    def list_sources(self, filters=None):
        self.calls += 1
        self.filters = filters
        if self.errors:
            raise self.errors[0]
        return [dict(r) if isinstance(r, dict) else r for r in self.records]


DEFAULT_OPTIONS = {
    "plugin": "hwcloud.sms.sources", "hostname_from": "name", "hostvar_prefix": "sms_", "filters": {},
    "query": None, "allow_duplicates": True, "strict": False, "compose": {}, "groups": {},
    "keyed_groups": [], "use_extra_vars": False, "leading_separator": True, "cache": False,
    "access_key": "AK1", "secret_key": SECRET, "project_id": "p1", "endpoint": "http://127.0.0.1:1",
    "security_token": "",
}


@pytest.fixture
def fake_client(monkeypatch):
    monkeypatch.setattr(FakeClient, "records", list(RECORDS))
    monkeypatch.setattr(FakeClient, "created", [])
    monkeypatch.setattr(FakeClient, "errors", [])
    monkeypatch.setattr(sources, "SmsClient", FakeClient)
    return FakeClient


def run_parse(tmp_path, store=None, flush=False, **options):
    """parse() as ansible-inventory calls it; ``flush`` is --flush-cache, ``options`` the file's."""
    merged = dict(DEFAULT_OPTIONS, **options)
    plugin = sources.InventoryModule()
    plugin._read_config_data = lambda path: None
    plugin.get_option = merged.__getitem__
    plugin.get_options = lambda: dict(merged)
    plugin._cache = store if store is not None else {}
    inventory = InventoryData()
    path = tmp_path / "sms_sources.yml"
    path.write_text("plugin: hwcloud.sms.sources\n")
    plugin.parse(inventory, DataLoader(), str(path), cache=not flush)
    return inventory


def test_hosts_get_prefixed_vars_and_ansible_host(tmp_path, fake_client):
    inventory = run_parse(tmp_path)
    assert sorted(inventory.hosts) == ["app01", "db01", "web01"]
    hostvars = inventory.get_host("web01").get_vars()
    assert hostvars["ansible_host"] == "10.0.0.1"
    assert hostvars["sms_id"] == "a" and hostvars["sms_state"] == "waiting"
    assert hostvars["sms_os_version"] == "CENTOS_7_9_64BIT"
    assert hostvars["sms_migration_cycle"] is None
    assert not any(key in hostvars for key in ("id", "state", "secret_key", "access_key"))


def test_connection_options_skip_empty_values(tmp_path, fake_client):
    run_parse(tmp_path)
    options = fake_client.created[0].options
    assert options["secret_key"] == SECRET and options["project_id"] == "p1"
    assert "security_token" not in options, "AWX injects unset fields as '': they must read as unset"


def test_custom_prefix_keyed_groups_groups_and_compose(tmp_path, fake_client):
    inventory = run_parse(
        tmp_path, hostvar_prefix="hw_", strict=True,
        # expressions from an inventory file are trusted templates; mark them as the loader does
        keyed_groups=[{"key": trust_as_template("hw_state"), "prefix": "state"},
                      {"key": trust_as_template("hw_os_type | lower"), "prefix": "os"}],
        groups={"linux_waiting": trust_as_template("hw_os_type == 'LINUX' and hw_state == 'waiting'")},
        compose={"stage": trust_as_template("hw_state ~ '-' ~ hw_os_type")},
    )
    assert set(inventory.groups["state_waiting"].hosts) == {inventory.get_host("web01")}
    assert {h.name for h in inventory.groups["os_linux"].hosts} == {"web01", "app01"}
    assert {h.name for h in inventory.groups["os_windows"].hosts} == {"db01"}
    assert {h.name for h in inventory.groups["linux_waiting"].hosts} == {"web01"}
    assert inventory.get_host("db01").get_vars()["stage"] == "finished-WINDOWS"


def test_filters_reach_the_client_and_query_runs_after(tmp_path, fake_client):
    inventory = run_parse(tmp_path, filters={"connected": True}, query="[?state!='finished']")
    assert fake_client.created[0].filters == {"connected": True}
    assert sorted(inventory.hosts) == ["app01", "web01"]


def test_duplicates_are_suffixed_with_a_warning(tmp_path, fake_client, monkeypatch):
    fake_client.records = RECORDS + [record("d", "web01", add_date=5000)]
    warnings = []
    monkeypatch.setattr(Display, "warning", lambda self, msg, *args, **kwargs: warnings.append(msg))
    inventory = run_parse(tmp_path)
    assert inventory.get_host("web01").get_vars()["sms_id"] == "a"
    assert inventory.get_host("web01_d").get_vars()["sms_id"] == "d"
    assert warnings == ["2 SMS sources are named 'web01' (ids a, d); the newer ones are added as web01_<id>"]


def test_parse_skips_bad_records_and_renames_unsafe_names_with_warnings(tmp_path, fake_client, monkeypatch):
    fake_client.records = RECORDS + ["garbage", record("d", "web09", add_date="yesterday"),
                                     record("e", "../../x\x1b[2J")]
    warnings = []
    monkeypatch.setattr(Display, "warning", lambda self, msg, *args, **kwargs: warnings.append(msg))
    inventory = run_parse(tmp_path)
    assert sorted(inventory.hosts) == ["____x__2J", "app01", "db01", "web01"]
    assert warnings == [
        "hwcloud.sms.sources: skipped SMS record #3 of the list: not a JSON object but str",
        "hwcloud.sms.sources: skipped SMS source d of the list: add_date must be int or null, got str",
        "hwcloud.sms.sources: source e: '../../x\\x1b[2J' is not a safe host name, using ____x__2J",
    ]


@pytest.mark.parametrize("prefix", ["", "ansible_"])
def test_parse_refuses_a_prefix_that_lets_the_api_set_connection_variables(tmp_path, fake_client, prefix):
    with pytest.raises(AnsibleError, match="hostvar_prefix"):
        run_parse(tmp_path, hostvar_prefix=prefix)
    assert fake_client.created == [], "nothing is listed with a refused prefix"


def test_api_error_becomes_an_inventory_error_without_secrets(tmp_path, fake_client):
    fake_client.errors = [SmsApiError("GET /v3/sources: authentication failed: the AK/SK signature was rejected")]
    with pytest.raises(AnsibleError) as caught:
        run_parse(tmp_path)
    assert "cannot list SMS sources: GET /v3/sources: authentication failed" in str(caught.value)
    assert SECRET not in str(caught.value)


# ---- cache -----------------------------------------------------------------------------------

def test_cache_miss_lists_and_writes_then_a_hit_lists_nothing(tmp_path, fake_client):
    store = {}
    run_parse(tmp_path, store, cache=True)
    assert len(fake_client.created) == 1
    assert len(store) == 1
    entry = next(iter(store.values()))
    assert [r["id"] for r in entry["sources"]] == ["a", "b", "c"]
    assert SECRET not in repr(entry)

    fake_client.records = []  # a listing now would lose the hosts
    inventory = run_parse(tmp_path, store, cache=True)
    assert len(fake_client.created) == 1, "a cache hit must not call the API"
    assert sorted(inventory.hosts) == ["app01", "db01", "web01"]


class WatchedCache(dict):
    """Counts writes, like the adjudicator decides whether to rewrite the cache file."""

    writes = 0

    def __setitem__(self, key, value):
        self.writes += 1
        super().__setitem__(key, value)


def test_cache_hit_is_not_written_back(tmp_path, fake_client):
    store = WatchedCache()
    run_parse(tmp_path, store, cache=True)
    run_parse(tmp_path, store, cache=True)
    assert store.writes == 1


def test_flush_cache_lists_again_and_refreshes_the_entry(tmp_path, fake_client):
    store = {}
    run_parse(tmp_path, store, cache=True)
    fake_client.records = [record("z", "new01")]
    inventory = run_parse(tmp_path, store, flush=True, cache=True)
    assert sorted(inventory.hosts) == ["new01"]
    assert len(fake_client.created) == 2
    assert [r["id"] for r in next(iter(store.values()))["sources"]] == ["z"]


def test_cache_entry_for_other_filters_is_not_reused(tmp_path, fake_client):
    store = {}
    run_parse(tmp_path, store, cache=True)
    run_parse(tmp_path, store, filters={"state": "waiting"}, cache=True)
    assert len(fake_client.created) == 2
    assert fake_client.created[1].filters == {"state": "waiting"}


def test_cache_disabled_neither_reads_nor_writes(tmp_path, fake_client):
    store = WatchedCache()
    run_parse(tmp_path, store)
    run_parse(tmp_path, store)
    assert store.writes == 0 and len(fake_client.created) == 2


def test_documentation_and_examples_are_yaml():
    import yaml
    documentation = yaml.safe_load(sources.DOCUMENTATION)
    assert documentation["options"]["hostvar_prefix"]["default"] == "sms_"
    assert all(isinstance(line, str) for line in documentation["description"])
    assert yaml.safe_load(sources.EXAMPLES)["plugin"] == "hwcloud.sms.sources"
    # the commented files ("#   key: value" blocks) are valid configurations too
    blocks, current = [], None
    for line in sources.EXAMPLES.splitlines():
        if line.startswith("#   ") and not line.startswith("#   HUAWEICLOUD"):
            current = current if current is not None else []
            current.append(line[4:])
        elif current is not None:
            blocks.append(yaml.safe_load("\n".join(current)))
            current = None
    assert [block["plugin"] for block in blocks] == ["hwcloud.sms.sources"] * 2
    assert blocks[0]["cache_timeout"] == 3600 and blocks[1]["hostname_from"] == "ip"
