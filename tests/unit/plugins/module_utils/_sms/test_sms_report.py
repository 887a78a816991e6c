"""The fleet report's pure layer: verdicts, rows, summary, CSV, JSON, the page's escaping."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.rules import evaluate_readiness as readiness
from ansible_collections.hwcloud.sms.plugins.module_utils._sms import report, report_html
from tests.integration.report_fleet import fleet


def checks(*statuses):
    return [{"name": "c%d" % i, "status": s, "message": "%s %d" % (s, i), "fix": "" if s == "ok" else "do %d" % i}
            for i, s in enumerate(statuses)]


@pytest.mark.parametrize("statuses, expected", [
    (("ok", "ok"), ("ready", "")),
    (("ok", "warn", "warn"), ("conditional", "warn 1")),
    (("warn", "error", "error"), ("not_ready", "error 1")),
    ((), ("ready", "")),
])
def test_verdict_from_the_check_results(statuses, expected):
    assert report.verdict(checks(*statuses)) == expected


def test_no_facts_or_a_failure_is_unknown_with_the_reason():
    assert report.verdict(None) == ("unknown", "no discovery facts")
    assert report.verdict(checks("ok"), failure="unreachable: timed out") == ("unknown", "unreachable: timed out")
    row = report.host_row("web1")
    assert row["verdict"] == "unknown" and "not discovered" in row["reason"] and row["disks"] is None


def test_a_host_whose_checks_raise_is_unknown_and_the_others_are_reported():
    def evaluate(discovery):
        if discovery.get("bad"):
            raise ValueError("unexpected facts")
        return checks("ok")

    built = report.build([{"name": "b", "discovery": {"bad": True}}, {"name": "a", "discovery": {}}], evaluate)
    assert [(row["name"], row["verdict"]) for row in built["hosts"]] == [("a", "ready"), ("b", "unknown")]
    assert built["hosts"][1]["reason"] == "readiness could not be evaluated: unexpected facts"


def test_rows_and_summary_of_a_generated_fleet_follow_the_readiness_filter():
    hosts = fleet(200)
    built = report.build(hosts, readiness)
    by_name = {row["name"]: row for row in built["hosts"]}
    for host in hosts:
        row = by_name[host["name"]]
        if "failure" in host:
            assert (row["verdict"], row["reason"]) == ("unknown", host["failure"])
            continue
        statuses = [c["status"] for c in readiness(host["discovery"])]
        assert row["verdict"] == ("not_ready" if "error" in statuses else
                                  "conditional" if "warn" in statuses else "ready")
        assert len(row["checks"]) == len(statuses)
    summary = built["summary"]
    assert summary["hosts"] == 200 == sum(count for _k, _l, count in summary["verdicts"])
    verdicts_seen = {key for key, _label, count in summary["verdicts"] if count}
    assert verdicts_seen == {"ready", "conditional", "not_ready", "unknown"}
    assert summary["capacity_bytes"] == sum(row["capacity_bytes"] or 0 for row in built["hosts"])
    assert summary["registered"] == len([h for h in hosts if h.get("source")])


def test_used_bytes_count_each_file_system_once_and_loop_devices_are_not_disks():
    usage = {"used_bytes": 10}
    discovery = {
        "storage": {
            "disks": [{"path": "/dev/sda", "type": "disk", "size_bytes": 100},
                      {"path": "/dev/loop0", "type": "loop", "size_bytes": 50}],
            "mounts": [{"mountpoint": "/", "device": "/dev/sda1", "major_minor": "8:1", "usage": usage},
                       {"mountpoint": "/srv", "device": "/dev/sda1", "major_minor": "8:1", "usage": usage},
                       {"mountpoint": "/data", "device": "/dev/sda2", "major_minor": "8:2", "usage": {"used_bytes": 5}},
                       {"mountpoint": "/run", "device": None, "major_minor": "0:25", "usage": {"used_bytes": 7}}],
        },
    }
    row = report.host_row("h", discovery, checks("ok"))
    assert (row["disks"], row["capacity_bytes"], row["used_bytes"]) == (1, 100, 15)


def test_progress_from_the_task_or_from_replicated_size():
    assert report.host_row("h", {}, [], task={"progress": 42.4})["progress"] == 42
    assert report.host_row("h", {}, [], source={"replicatesize": 1, "totalsize": 4})["progress"] == 25
    assert report.host_row("h", {}, [], source={"replicatesize": 9, "totalsize": 0})["progress"] is None
    assert report.host_row("h", {}, [], task={"progress": True})["progress"] is None
    migration = report.host_row("h", {}, [], task={"phase": "failed", "percent": "62", "error": "SMS.0806",
                                                   "source_id": "s1"})
    assert (migration["progress"], migration["task_state"], migration["task_error"], migration["source_id"]) == (
        62, "failed", "SMS.0806", "s1")
    assert report.host_row("h", {}, [], task={"percent": "n/a"})["progress"] is None


def test_hostile_shapes_and_sizes_are_bounded():
    discovery = {"system": "not a dict", "storage": {"disks": ["x", {"path": "A" * 10000, "size_bytes": "big"}] * 400},
                 "network": {"interfaces": None}, "warnings": list(range(1000))}
    row = report.host_row(["a", "list"], discovery, [{"name": 1, "status": "error", "message": None}], source=[1])
    assert row["name"] == "['a', 'list']" and row["verdict"] == "not_ready"
    assert len(row["disk_list"]) <= report.MAX_ITEMS and len(row["warnings"]) == report.MAX_ITEMS
    assert all(len(disk["path"]) == report.MAX_TEXT and disk["size_bytes"] is None for disk in row["disk_list"])


def test_csv_has_one_line_per_host_and_defuses_formulas():
    built = report.build([{"name": "=cmd|' /C calc'!A0", "discovery": {}}, {"name": "@SUM(1)", "failure": "-x"},
                          {"name": "web1", "discovery": {}}], lambda d: checks("warn"))
    lines = list(csv.reader(io.StringIO(report.to_csv(built))))
    assert lines[0] == [heading for _key, heading in report.COLUMNS]
    assert [line[0] for line in lines[1:]] == ["'=cmd|' /C calc'!A0", "'@SUM(1)", "web1"]
    assert lines[2][3:5] == ["Unknown", "'-x"] and lines[3][3] == "Ready with conditions"


def test_json_is_stable_and_complete():
    built = report.build(fleet(20), readiness, generated_at="2026-12-06T00:00:00Z")
    text = report.to_json(built)
    assert json.loads(text) == json.loads(json.dumps(built)) and text == report.to_json(built)
    assert json.loads(text)["schema_version"] == report.SCHEMA_VERSION


def test_embedded_json_cannot_break_out_of_its_script_element():
    value = "</script><script>alert(1)</script> & <!-- \u2028\u2029"
    embedded = report_html.embed_json({"v": value})
    assert not re.search(r"[<>&\u2028\u2029]", embedded)
    assert json.loads(embedded) == {"v": value}


def test_page_escapes_everything_and_allows_only_its_own_script():
    hostile = "<script>x</script>\"'&"
    built = report.build([{"name": hostile, "discovery": {"system": {"distribution": {"id": hostile, "version": "1"}}}}],
                         lambda d: [{"name": hostile, "status": "warn", "message": hostile, "fix": hostile}],
                         title=hostile, generated_at=hostile)
    page = report_html.render(built)
    assert hostile not in page and page.count("<script") == 2
    assert "&lt;script&gt;x&lt;/script&gt;" in page  # title, summary and chart labels, escaped
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp and report_html.script_hash() in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert report_html.SCRIPT in page and "innerHTML" not in report_html.SCRIPT


def test_page_data_keeps_each_usual_fix_and_reference_once():
    data = report_html.page_data(report.build(fleet(30), readiness))
    assert data["usual"]["fix"]["rsync"] and data["usual"]["reference"]["rsync"] == "SMS.6517"
    assert all(len(check) == 3 for row in data["hosts"] for check in row["checks"])
    mixed = report.build([{"name": "a", "discovery": {}}, {"name": "b", "discovery": {"x": 1}}],
                         lambda d: [{"name": "c", "status": "error", "message": "m", "fix": "usual" if d else "rare",
                                     "reference": "R"}, {"name": "d", "status": "ok", "message": "m", "fix": "odd"}])
    # the first fix seen (hosts in name order) is the usual one; the other is kept with its host
    assert [row["checks"] for row in report_html.page_data(mixed)["hosts"]] == [
        [["c", "error", "m"], ["d", "ok", "m", {"fix": "odd"}]],
        [["c", "error", "m", {"fix": "usual"}], ["d", "ok", "m", {"fix": "odd"}]]]


def test_charts_count_hosts_and_bucket_sizes():
    built = report.build(fleet(100), readiness)
    svg = report_html.charts(built)
    assert svg.count("<svg") == 4
    counts = dict(re.findall(r'class="bar bar-(ready|conditional|not_ready|unknown)">.*?class="bar-value"[^>]*>(\d+)<',
                             svg))
    assert {key: int(value) for key, value in counts.items()} == {
        key: count for key, _label, count in built["summary"]["verdicts"]}
