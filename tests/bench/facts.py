"""Benchmark: hwcloud.sms.source_facts (each method) against ansible.builtin.setup and ping.

Runs each module on localhost through the real ``ansible`` CLI, interleaved, and reports the
median wall time of each and the ratio (source_facts[method] - ping) / (setup - ping) for the
methods python, shell and auto: the cost of our
discovery relative to Ansible's own fact gathering, with the fixed cost of starting Ansible
and shipping a module taken out. Then, when run as root, it attaches 64 extra loop disks of
three partitions each and measures again (discovery told to include loop devices).

    .venv/bin/python tests/bench/facts.py [--runs 7] [--disks 64]
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")

MODULES = {
    "ping": ("ansible.builtin.ping", ""),
    "setup": ("ansible.builtin.setup", ""),
    "python": ("hwcloud.sms.source_facts", json.dumps({"exclude_devices": [], "method": "python"})),
    "shell": ("hwcloud.sms.source_facts", json.dumps({"exclude_devices": [], "method": "shell"})),
    "auto": ("hwcloud.sms.source_facts", json.dumps({"exclude_devices": []})),
}
METHODS = ("python", "shell", "auto")
# Goals per method: idle ratio, and loaded cost (source_facts - ping) relative to the idle cost.
GOALS = {"python": (0.2, 2.0), "shell": (0.10, 1.5), "auto": (0.2, 2.0)}


def ansible_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".tmp", "collections"),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_HOME=os.path.join(ROOT, ".tmp", "ansible-home"),
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    return env


def time_module(name: str) -> float:
    module, args = MODULES[name]
    argv = [ANSIBLE, "localhost", "-c", "local", "-m", module, "-o",
            "-e", "ansible_python_interpreter=%s" % sys.executable]
    if args:
        argv += ["-a", args]
    started = time.perf_counter()
    proc = subprocess.run(argv, env=ansible_env(), capture_output=True, text=True, timeout=600, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0 or "SUCCESS" not in proc.stdout:
        raise SystemExit("%s failed (rc %s):\n%s%s" % (module, proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:]))
    return elapsed


def measure(runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in MODULES}
    for name in MODULES:  # warm-up: page cache, pyc files
        time_module(name)
    for _run in range(runs):
        for name in MODULES:
            samples[name].append(time_module(name))
    return {name: statistics.median(values) for name, values in samples.items()}


def ratio(medians: dict[str, float], method: str) -> float:
    return (medians[method] - medians["ping"]) / (medians["setup"] - medians["ping"])


def report(label: str, medians: dict[str, float]) -> dict[str, float]:
    print("%-30s ping %6.3f s   setup %6.3f s" % (label, medians["ping"], medians["setup"]))
    for method in METHODS:
        print("%30s source_facts[%s] %6.3f s   ratio %.3f   cost %6.3f s" % (
            "", method, medians[method], ratio(medians, method), medians[method] - medians["ping"]))
    return medians


@contextlib.contextmanager
def loop_disks(count: int):
    """Attach ``count`` sparse 16 MiB loop disks, each with three GPT partitions."""
    workdir = tempfile.mkdtemp(prefix="hwcsms-bench-")
    devices: list[str] = []
    try:
        for index in range(count):
            image = os.path.join(workdir, "disk%03d.img" % index)
            with open(image, "wb") as handle:
                handle.truncate(16 * 1024 * 1024)
            subprocess.run(["sfdisk", "-q", image], input="label: gpt\n,4M\n,4M\n,\n", text=True, check=True,
                           capture_output=True)
            devices.append(subprocess.run(["losetup", "-P", "--show", "-f", image], check=True,
                                          capture_output=True, text=True).stdout.strip())
            # Kernels without partition-table parsers for loop devices need the partitions added.
            subprocess.run(["partx", "-a", devices[-1]], check=False, capture_output=True)
        yield devices
    finally:
        for device in devices:
            subprocess.run(["partx", "-d", device], check=False, capture_output=True)
            subprocess.run(["losetup", "-d", device], check=False, capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured runs per module (median is reported)")
    parser.add_argument("--disks", type=int, default=64, help="extra loop disks for the second measurement")
    options = parser.parse_args()

    print("machine: %s, %d CPUs; %d runs per module, medians" % (os.uname().nodename, os.cpu_count() or 0, options.runs))
    print("load average before: %.2f %.2f %.2f" % os.getloadavg())
    idle = report("idle", measure(options.runs))
    loaded = None
    if os.geteuid() != 0 or not shutil.which("losetup") or not shutil.which("sfdisk"):
        print("loaded measurement skipped: needs root, losetup and sfdisk")
    else:
        with loop_disks(options.disks) as devices:
            partitions = sum(len(glob.glob("/sys/block/%s/%s*" % ((os.path.basename(d),) * 2))) for d in devices)
            loaded = report("+%d loop disks, %d partitions" % (len(devices), partitions), measure(options.runs))
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())
    for method in METHODS:
        idle_goal, loaded_goal = GOALS[method]
        line = "target[%s]: ratio <= %.2f idle (%s)" % (
            method, idle_goal, "met" if ratio(idle, method) <= idle_goal else "NOT met")
        idle_cost = idle[method] - idle["ping"]
        if loaded is not None and idle_cost <= 0:
            line += "; loaded growth not measurable (idle cost %.3f s: noise larger than the cost)" % idle_cost
        elif loaded is not None:
            growth = (loaded[method] - loaded["ping"]) / idle_cost
            line += "; loaded cost <= %.1fx idle cost (%.2fx, %s)" % (
                loaded_goal, growth, "met" if 0 <= growth <= loaded_goal else "NOT met")
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
