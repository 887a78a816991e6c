"""Benchmark: register a synthetic fleet with ``hwcloud.sms.source`` against the SMS emulator.

    .venv/bin/python tests/bench/fleet.py [--hosts 200] [--forks 20] [--no-faults] [--json FILE]

Runs ``tests/integration/registration/fleet.yml`` twice on the same emulator: the first run
registers every host, the second finds every host unchanged. For each run it prints the wall
time, hosts per second, the API calls the emulator received (from its counters) and calls per
host, the committed writes and the faults injected. By default the emulator injects the faults
of the fleet test (20 % 5xx, 5 % commit-then-drop, 5 % 429 on every route); ``--no-faults``
measures the clean path.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:  # run as a script (make bench) rather than with -m
    sys.path.insert(0, ROOT)

from tests.emulator.harness import run_emulator  # noqa: E402
from tests.integration.registration.fleet_inventory import FAULTS, write_inventory  # noqa: E402
from tests.integration.registration.runner import playbook_env, run_playbook  # noqa: E402


def measure(emulator, inventory, env, forks, label) -> dict:
    emulator.reset(log=True, state=False, faults=False, auth=False)
    run = run_playbook("fleet.yml", inventory, env, args=["--forks", str(forks)], timeout=3600)
    if run.rc != 0:
        raise SystemExit("%s run failed (rc %d):\n%s" % (label, run.rc, run.failures() or run.output[-3000:]))
    recap = run.recap()
    counters = emulator.counters()
    hosts = len(recap)
    return {
        "run": label,
        "hosts": hosts,
        "changed": sum(r["changed"] for r in recap.values()),
        "seconds": round(run.seconds, 1),
        "hosts_per_second": round(hosts / run.seconds, 2),
        "api_calls": counters["requests"],
        "calls_per_host": round(counters["requests"] / hosts, 2),
        "writes": counters["writes"],
        "faults": sum(counters["faults_injected"].values()),
    }


def table(rows) -> str:
    columns = ["run", "hosts", "changed", "seconds", "hosts_per_second", "api_calls", "calls_per_host", "writes",
               "faults"]
    headers = ["run", "hosts", "changed", "seconds", "hosts/s", "API calls", "calls/host", "writes", "faults"]
    cells = [headers] + [[str(row[c]) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(line, widths)) for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tests/bench/fleet.py", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--no-faults", dest="faults", action="store_false")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="sms-bench-") as tmp, run_emulator() as emulator:
        inventory = write_inventory(tmp, args.hosts)
        env = playbook_env(emulator, tmp)
        emulator.set_faults(FAULTS if args.faults else {"rules": []})
        rows = [measure(emulator, inventory, env, args.forks, "first"),
                measure(emulator, inventory, env, args.forks, "second")]
        sources = len(emulator.sources())

    machine = "%s, %d CPUs, Python %s, load average %.1f at the end" % (
        platform.machine(), os.cpu_count() or 0, platform.python_version(), os.getloadavg()[0])
    print("hwcloud.sms fleet registration: %d hosts, %d forks, faults %s (%s)"
          % (args.hosts, args.forks, "on" if args.faults else "off", machine))
    print(table(rows))
    print("records in the emulator after both runs: %d" % sources)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"hosts": args.hosts, "forks": args.forks, "faults": args.faults, "machine": machine,
                       "runs": rows, "records": sources}, handle, indent=2)
    return 0 if sources == args.hosts else 1


if __name__ == "__main__":
    sys.exit(main())
