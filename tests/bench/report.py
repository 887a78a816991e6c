"""Benchmark: the fleet report for 5,000 generated hosts (goal: generated in under 10 s).

    .venv/bin/python tests/bench/report.py [--hosts 5000] [--runs 5] [--no-browser] [--json FILE]

Times what the ``hwcloud.sms.report`` action does once it has the hosts' facts: the readiness
checks of every host, the report data, the HTML page, the CSV and the JSON (median of ``--runs``
runs; the fleet is generated once, before timing, by tests/integration/report_fleet.py). The CPU
time is printed too: on a busy machine the wall time is mostly waiting. Prints
the file sizes, then opens the page in headless Chromium and times how long it takes until the
table is drawn, a sort on the capacity column, a search and a page change (each the median of
three, measured inside the page with ``performance.now()``). Reading the facts from ``hostvars``
is Ansible's part and not in these figures (docs/report.md gives it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for path in (ROOT, os.path.join(ROOT, ".tmp", "collections")):
    if path not in sys.path:  # run as a script (make bench) rather than with -m
        sys.path.insert(0, path)

from ansible_collections.hwcloud.sms.plugins.module_utils._sms.rules import evaluate_readiness as readiness  # noqa: E402
from ansible_collections.hwcloud.sms.plugins.module_utils._sms import report, report_html  # noqa: E402
from tests.integration.report_browser import CHROMIUM, Browser  # noqa: E402
from tests.integration.report_fleet import fleet  # noqa: E402

GOAL_SECONDS = 10.0


def generate(hosts):
    built = report.build(hosts, readiness, generated_at="2026-12-06T00:00:00Z")
    return built, report_html.render(built), report.to_csv(built), report.to_json(built)


def in_page(browser, action: str) -> float:
    """Milliseconds ``action`` (page script) takes, measured in the page."""
    return browser.evaluate(f"(() => {{ const t = performance.now(); {action}; return performance.now() - t; }})()")


def browser_figures(html_path: Path, profile: Path) -> dict:
    browser = Browser(profile)
    try:
        started = time.monotonic()
        browser.open(html_path.as_uri())
        browser.wait_for("document.documentElement.dataset.ready === 'true'", timeout=120)
        load = time.monotonic() - started
        sort = statistics.median(in_page(browser, "document.querySelector("
                                                  "'#host-head button[data-key=capacity_bytes]').click()")
                                 for _run in range(3))
        searches = []
        for term in ("rsync", "ubuntu", "10.0.1"):
            searches.append(in_page(browser, "const q = document.getElementById('search'); q.value = %s;"
                                             " q.dispatchEvent(new Event('input'))" % json.dumps(term)))
        in_page(browser, "const q = document.getElementById('search'); q.value = '';"
                         " q.dispatchEvent(new Event('input'))")
        paging = statistics.median(in_page(browser, "document.getElementById('next-page').click()") for _run in range(3))
        return {"load_s": round(load, 2), "sort_ms": round(sort, 1), "search_ms": round(statistics.median(searches), 1),
                "next_page_ms": round(paging, 1), "requests": browser.requests()}
    finally:
        browser.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    hosts = fleet(args.hosts)
    times, cpu = [], []
    for _run in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        built, html, csv_text, json_text = generate(hosts)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    median = statistics.median(times)
    figures = {
        "hosts": args.hosts, "runs": args.runs, "median_s": round(median, 2), "min_s": round(min(times), 2),
        "max_s": round(max(times), 2), "cpu_median_s": round(statistics.median(cpu), 2), "goal_s": GOAL_SECONDS, "met": median < GOAL_SECONDS,
        "html_bytes": len(html.encode("utf-8")), "csv_bytes": len(csv_text.encode("utf-8")),
        "json_bytes": len(json_text.encode("utf-8")),
        "verdicts": {key: count for key, _label, count in built["summary"]["verdicts"]},
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_average": [round(x, 1) for x in os.getloadavg()]},
    }
    print(f"fleet report, {args.hosts} hosts, {args.runs} runs: median {median:.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}; CPU {figures['cpu_median_s']:.2f} s); goal < {GOAL_SECONDS:.0f} s: "
          f"{'met' if figures['met'] else 'NOT met'}")
    print(f"files: HTML {figures['html_bytes'] / 1e6:.1f} MB, CSV {figures['csv_bytes'] / 1e6:.2f} MB, "
          f"JSON {figures['json_bytes'] / 1e6:.1f} MB; verdicts {figures['verdicts']}")
    if not args.no_browser and os.access(CHROMIUM, os.X_OK):
        with tempfile.TemporaryDirectory(prefix="bench-report-") as work:
            page = Path(work) / "report.html"
            page.write_text(html, encoding="utf-8")
            figures["browser"] = browser_figures(page, Path(work) / "profile")
        shown = figures["browser"]
        print(f"chromium: table drawn {shown['load_s']} s after navigation; sort {shown['sort_ms']} ms, "
              f"search {shown['search_ms']} ms, next page {shown['next_page_ms']} ms; "
              f"requests {len(shown['requests'])} (the file itself)")
    print(f"machine: {figures['machine']}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0  # a missed goal is a figure to report, not a failure of `make bench`


if __name__ == "__main__":
    sys.exit(main())
