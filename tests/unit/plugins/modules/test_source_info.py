"""hwcloud.sms.source_info: filters, exact matching, show by id, over a fake SMS client."""

import pytest

from ansible_collections.hwcloud.sms.plugins.modules import source_info
from ansible_collections.hwcloud.sms.plugins.module_utils._sms.payload import build_payload
from tests.unit.plugins.module_utils._sms.fake_sms import FakeSms
from tests.unit.plugins.module_utils._sms.module_harness import run_module
from tests.unit.plugins.module_utils._sms.sms_samples import sample


@pytest.fixture
def sms():
    fake = FakeSms()
    for name, ip in (("web01", "10.0.0.1"), ("web01-old", "10.0.0.1"), ("db01", "10.0.0.2")):
        fake.add(build_payload(sample(), name=name, overrides={"ip": ip}, warnings=[]))
    fake.records["src-0003"]["state"] = "replicate"
    return fake


@pytest.fixture
def run(monkeypatch, capsys, sms):
    return lambda args, **kw: run_module(source_info.main, args, monkeypatch, capsys, client=sms, **kw)


def test_lists_everything(run):
    rc, result = run({})
    assert rc == 0 and result["changed"] is False
    assert sorted(s["name"] for s in result["sources"]) == ["db01", "web01", "web01-old"]
    assert "disks" not in result["sources"][0]  # list fields only


@pytest.mark.parametrize("args,names", [
    ({"name": "web01"}, ["web01"]),
    ({"ip": "10.0.0.1"}, ["web01", "web01-old"]),
    ({"state": "replicate"}, ["db01"]),
    ({"name": "web0"}, []),
])
def test_filters_match_exactly(run, args, names):
    assert sorted(s["name"] for s in run(args, check_mode=True)[1]["sources"]) == names


def test_show_by_id_returns_the_full_record_or_nothing(run):
    (record,) = run({"source_id": "src-0001"})[1]["sources"]
    assert record["id"] == "src-0001" and record["disks"]
    assert run({"source_id": "missing"})[1]["sources"] == []
