"""Benchmark: the discovery itself, without Ansible: python collectors vs capture script + parse.

Interleaved runs on this machine of (a) ``facts.collect()`` in-process (what the module does on
the target, without AnsiballZ) and (b) ``sh scripts/sms-capture.sh`` plus parsing and the same
collectors over the capture (what ``method: shell`` does, without the connection), with the
median wall time of each. Then, as root, the same with 64 extra loop disks of three partitions.

    .venv/bin/python tests/bench/shell_capture.py [--runs 15] [--disks 64]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, ".tmp", "collections"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import capture, facts  # noqa: E402
from facts import loop_disks  # noqa: E402

SCRIPT = os.path.join(ROOT, "scripts", "sms-capture.sh")
OPTIONS = {"exclude_devices": []}


def python_method() -> float:
    started = time.perf_counter()
    facts.collect(options=OPTIONS)
    return time.perf_counter() - started


def shell_method() -> tuple[float, float]:
    started = time.perf_counter()
    data = subprocess.run(["sh", SCRIPT], capture_output=True, check=True).stdout
    script = time.perf_counter() - started
    capture.discover(data, options=OPTIONS)
    return time.perf_counter() - started, script


def measure(runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {"python": [], "shell": [], "script": []}
    python_method()
    shell_method()
    for _run in range(runs):
        samples["python"].append(python_method())
        total, script = shell_method()
        samples["shell"].append(total)
        samples["script"].append(script)
    return {name: statistics.median(values) for name, values in samples.items()}


def report(label: str, medians: dict[str, float]) -> None:
    print("%-30s python %6.3f s   shell %6.3f s (script %6.3f s, parse+collect %6.3f s)" % (
        label, medians["python"], medians["shell"], medians["script"], medians["shell"] - medians["script"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--disks", type=int, default=64)
    options = parser.parse_args()
    print("machine: %s, %d CPUs; %d runs, medians; load average %.2f %.2f %.2f" % (
        (os.uname().nodename, os.cpu_count() or 0, options.runs) + os.getloadavg()))
    idle = measure(options.runs)
    report("idle", idle)
    if os.geteuid() == 0:
        with loop_disks(options.disks) as devices:
            loaded = measure(options.runs)
            report("+%d loop disks" % len(devices), loaded)
        print("shell loaded/idle %.2fx, python loaded/idle %.2fx" % (
            loaded["shell"] / idle["shell"], loaded["python"] / idle["python"]))
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())
    return 0


if __name__ == "__main__":
    sys.exit(main())
