"""The fleet report, end to end, in a real browser.

One real ``ansible-playbook hwcloud.sms.report`` run writes the report for this machine
(discovered for real by the discover role), a generated fleet of mixed, realistic hosts (their
facts loaded the way a fact cache would hand them over), one unreachable host and one whose
discovery fails. Headless Chromium (Debian's ``chromium``) then loads the HTML file from disk
and the tests drive it over the DevTools protocol with real key presses: counts, sorting,
filtering, searching, paging, the detail view, no request leaving the page, screenshots. A
second page built from hostile strings in every field must show them as text and run nothing.
One browser and one playbook run serve the whole module.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.rules import evaluate_readiness as readiness
from ansible_collections.hwcloud.sms.plugins.module_utils._sms import report as report_data
from ansible_collections.hwcloud.sms.plugins.module_utils._sms import report_html
from tests.conftest import ANSIBLE_CORES, AnsibleCore
from tests.integration.report_browser import CHROMIUM, Browser
from tests.integration.report_fleet import fleet, prepare, run_report

pytestmark = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="chromium is not installed")

FLEET_SIZE = 60
VERDICT_OF = {"error": "not_ready", "warn": "conditional"}


def expected_verdicts(hosts: list) -> dict:
    """The verdict of each generated host, straight from the readiness filter's results."""
    verdicts = {}
    for host in hosts:
        if "failure" in host:
            continue
        statuses = {check["status"] for check in readiness(host["discovery"])}
        verdicts[host["name"]] = next((VERDICT_OF[s] for s in ("error", "warn") if s in statuses), "ready")
    return verdicts


@pytest.fixture(scope="module")
def core(tmp_path_factory):
    bin_dir = os.path.join(ANSIBLE_CORES["2.19"], "bin")
    if not os.access(os.path.join(bin_dir, "ansible-playbook"), os.X_OK):
        pytest.skip("ansible-core 2.19 (.venv) is missing")
    return AnsibleCore(version="2.19", bin_dir=bin_dir, home=str(tmp_path_factory.mktemp("ansible-home")))


@pytest.fixture(scope="module")
def fleet_run(core, tmp_path_factory):
    work = tmp_path_factory.mktemp("report-run")
    hosts = prepare(work, core, FLEET_SIZE)
    proc = run_report(core, work, hosts)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    report = json.loads((work / "out" / "sms-report.json").read_text(encoding="utf-8"))
    return {"work": work, "hosts": hosts, "report": report, "proc": proc,
            "rows": {row["name"]: row for row in report["hosts"]}}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chrome = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield chrome
    chrome.close()


@pytest.fixture
def page(browser, fleet_run):
    """The real run's report, freshly loaded from disk."""
    url = (fleet_run["work"] / "out" / "sms-report.html").as_uri()
    browser.open(url)
    browser.wait_for("document.documentElement.dataset.ready === 'true'")
    return browser


def table_column(page, index: int) -> list:
    return page.evaluate(f"[...document.querySelectorAll('#host-rows tr')].map(r => r.cells[{index}].textContent)")


def test_the_run_reports_every_host_with_its_verdict(fleet_run):
    rows, hosts = fleet_run["rows"], fleet_run["hosts"]
    assert len(rows) == len([h for h in hosts if "failure" not in h]) + 3  # the fleet, localhost, gone, broken
    for name, verdict in expected_verdicts(hosts).items():
        assert rows[name]["verdict"] == verdict, name
    for host in hosts:
        if "failure" in host:  # the generated failures are not in this inventory
            assert host["name"] not in rows
    gone, broken = rows["gone.example.net"], rows["broken.example.net"]
    assert gone["verdict"] == broken["verdict"] == "unknown"
    assert gone["reason"].startswith("unreachable:") and "Connection refused" in gone["reason"]
    assert broken["reason"].startswith("discovery failed:")
    local = rows["localhost"]
    assert local["verdict"] != "unknown" and len(local["checks"]) == len(readiness({}))
    assert local["disk_list"] or local["nics"], "the real discovery of this machine is in the report"
    with open(fleet_run["work"] / "out" / "sms-report.csv", encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [line["Host"] for line in table] == sorted(rows)
    assert {line["Verdict"] for line in table} <= set(report_data.VERDICT_LABELS.values())


def test_the_page_counts_what_the_run_found(page, fleet_run):
    rows = fleet_run["rows"].values()
    for key, _label in report_data.VERDICTS:
        shown = page.evaluate(f"document.querySelector('#summary .verdict-{key} .count').textContent")
        assert int(shown) == len([row for row in rows if row["verdict"] == key]), key
    assert page.evaluate("document.getElementById('match-count').textContent") == str(len(rows))
    assert page.evaluate("document.querySelectorAll('#host-rows tr').length") == min(100, len(rows))
    assert page.evaluate("document.querySelectorAll('svg rect').length") > 10, "charts are drawn"
    assert page.requests() == [(fleet_run["work"] / "out" / "sms-report.html").as_uri()], "only the file itself"
    assert page.console_errors() == [], "no CSP violation, no script error"


def test_headers_sort_with_the_keyboard(page):
    page.evaluate("document.querySelector('#host-head button[data-key=capacity_bytes]').focus()")
    page.press("Enter")
    assert page.evaluate("document.querySelector('th[data-key=capacity_bytes]').getAttribute('aria-sort')") == "ascending"
    ascending = page.evaluate("[...document.querySelectorAll('#host-rows tr')].map(r => r.dataset.hostIndex)")
    page.press(" ")
    assert page.evaluate("document.activeElement.dataset.key") == "capacity_bytes", "focus stays on the header"
    assert page.evaluate("document.querySelector('th[data-key=capacity_bytes]').getAttribute('aria-sort')") == "descending"
    sizes = page.evaluate("(() => { const d = JSON.parse(document.getElementById('report-data').textContent);"
                          " return [...document.querySelectorAll('#host-rows tr')]"
                          ".map(r => d.hosts[r.dataset.hostIndex].capacity_bytes); })()")
    known = [size for size in sizes if size is not None]
    assert known == sorted(known, reverse=True) and len(known) > 50
    assert ascending != page.evaluate("[...document.querySelectorAll('#host-rows tr')].map(r => r.dataset.hostIndex)")
    page.evaluate("document.querySelector('#host-head button[data-key=name]').focus()")
    page.press("Enter")
    names = table_column(page, 0)
    assert names == sorted(names) and names[0] == "broken.example.net"


def test_verdict_filter_search_and_paging(page, fleet_run):
    rows = list(fleet_run["rows"].values())
    not_ready = len([row for row in rows if row["verdict"] == "not_ready"])
    page.evaluate("{ const s = document.getElementById('verdict-filter'); s.focus(); s.value = 'not_ready';"
                  " s.dispatchEvent(new Event('change')); }")
    assert page.evaluate("document.getElementById('match-count').textContent") == str(not_ready)
    assert set(table_column(page, 3)) == {"Not ready"}
    page.evaluate("document.getElementById('search').focus()")
    page.type_text("rsync")
    expected = len([row for row in rows if row["verdict"] == "not_ready" and "rsync" in (row["reason"] or "")])
    assert 0 < expected == int(page.evaluate("document.getElementById('match-count').textContent"))
    page.evaluate("{ const s = document.getElementById('verdict-filter'); s.value = '';"
                  " s.dispatchEvent(new Event('change')); const q = document.getElementById('search');"
                  " q.value = ''; q.focus(); }")
    page.type_text("Connection refused")
    assert table_column(page, 0) == ["gone.example.net"]
    ip = next(row["ip"] for row in rows if row["ip"] and row["name"].startswith("host"))
    page.evaluate("document.getElementById('search').value = ''")
    page.type_text(ip)
    assert ip in table_column(page, 1)
    page.evaluate("{ const q = document.getElementById('search'); q.value = ''; q.dispatchEvent(new Event('input'));"
                  " const n = document.getElementById('page-size'); n.value = '50'; n.dispatchEvent(new Event('change'));"
                  " document.getElementById('next-page').focus(); }")
    first_page = table_column(page, 0)
    assert len(first_page) == 50
    page.press("Enter")
    assert page.evaluate("document.getElementById('page-info').textContent").startswith("Hosts 51\u2013")
    assert not set(first_page) & set(table_column(page, 0))


def test_detail_view_shows_every_check_disks_and_nics(page, fleet_run, tmp_path):
    local = fleet_run["rows"]["localhost"]
    page.evaluate("document.getElementById('search').focus()")
    page.type_text("localhost")
    page.evaluate("document.querySelector('#host-rows .hostlink').focus()")
    page.press("Enter")
    assert page.evaluate("document.getElementById('detail').hidden") is False
    assert page.evaluate("document.getElementById('detail-title').textContent") == "localhost"
    assert page.evaluate("document.activeElement.id") == "detail-close"
    checks = page.evaluate("(() => { const t = [...document.querySelectorAll('#detail-body table')][0];"
                           " return [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent)); })()")
    assert [row[0] for row in checks] == [check["name"] for check in local["checks"]]
    for (name, status, why, fix, reference), check in zip(checks, local["checks"]):
        assert (status, why, fix, reference) == (check["status"], check["message"], check["fix"],
                                                 check["reference"]), name
        assert reference, "every rule names the SMS reference it rests on"
    text = page.evaluate("document.getElementById('detail-body').textContent")
    for heading in ("Disks and partitions", "LVM", "Btrfs", "Network interfaces"):
        assert heading in text
    for disk in local["disk_list"]:
        assert disk["path"] in text
    for nic in local["nics"]:
        assert nic["name"] in text
    shot = tmp_path / "report-detail.png"
    page.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10000
    page.press("Enter")  # the Close button has the focus
    assert page.evaluate("document.getElementById('detail').hidden") is True


def test_screenshot_of_the_whole_page(page, tmp_path):
    shot = tmp_path / "report.png"
    page.screenshot(shot, full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50000
    if os.environ.get("REPORT_SCREENSHOT"):  # REPORT_SCREENSHOT=docs/images/report.png refreshes the README's
        page.screenshot(Path(os.environ["REPORT_SCREENSHOT"]), height=1500)


HOSTILE = [
    "<script>window.__pwned = 1</script>",
    "\"><img src=x onerror=\"window.__pwned = 1\">",
    "</script><script>window.__pwned = 1</script>",
    "line\u2028separator\u2029paragraph",
    "\u202eevil\u202c.exe",
    "{{ lookup('pipe', 'id') }}",
    "javascript:window.__pwned = 1",
    "=HYPERLINK(\"http://127.0.0.1/x\")",
    "<svg onload=window.__pwned=1>",
    "A" * 5000,
]


def hostile_host(index: int, value: str) -> dict:
    """A generated host with ``value`` in every string field that reaches the page."""
    def poison(data):
        if isinstance(data, dict):
            return {key: poison(item) for key, item in data.items()}
        if isinstance(data, list):
            return [poison(item) for item in data]
        return value if isinstance(data, str) else data

    host = fleet(1, seed=index)[0]
    if "failure" in host:
        return {"name": value + str(index), "failure": value}
    discovery = poison(host["discovery"])
    discovery["system"]["distribution"]["id"] = value  # an id no rule knows
    return {"name": value + str(index), "discovery": discovery,
            "source": {"id": value, "state": value, "replicatesize": 1, "totalsize": 2,
                       "current_task": {"state": value}}, "task": {"state": value}}


def hostile_checks(discovery):
    """The real checks, then ones whose every field is hostile too."""
    return readiness(discovery) + [{"name": v, "status": "warn", "message": v, "fix": v} for v in HOSTILE[:3]]


def test_hostile_strings_are_shown_as_text_and_run_nothing(browser, tmp_path):
    hosts = [hostile_host(index, value) for index, value in enumerate(HOSTILE)]
    report = report_data.build(hosts, hostile_checks, title=HOSTILE[2], generated_at=HOSTILE[0])
    html = report_html.render(report)
    assert html.count("<script") == 2 and "<img" not in html and "<svg onload" not in html
    path = tmp_path / "hostile.html"
    path.write_text(html, encoding="utf-8")
    csv_text = report_data.to_csv(report)
    assert "\n=HYPERLINK" not in csv_text and "'=HYPERLINK" in csv_text

    browser.open(path.as_uri())
    browser.wait_for("document.documentElement.dataset.ready === 'true'")
    assert browser.evaluate("document.title") == HOSTILE[2]
    names = browser.evaluate("[...document.querySelectorAll('#host-rows .hostlink')].map(b => b.textContent)")
    assert sorted(names) == sorted(row["name"] for row in report["hosts"])
    assert any(name.startswith("<script>") for name in names)
    for index in range(len(hosts)):
        browser.evaluate(f"document.querySelectorAll('#host-rows .hostlink')[{index}].focus()")
        browser.press("Enter")
        detail = browser.evaluate("document.getElementById('detail-body').textContent")
        assert "window.__pwned" in detail or "AAAA" in detail or "\u202e" in detail or "lookup" in detail
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert browser.evaluate("document.querySelectorAll('script').length") == 2
    assert browser.evaluate("document.querySelectorAll('svg [onload], [onerror]').length") == 0
    assert browser.requests() == [path.as_uri()]
    assert browser.console_errors() == []
    long_name = next(row["name"] for row in report["hosts"] if row["name"].startswith("AAAA"))
    assert len(long_name) <= report_data.MAX_TEXT, "values are bounded"
