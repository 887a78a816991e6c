"""``make demo``: discover this machine, check its SMS readiness and register it with the emulator.

    .venv/bin/python tools/demo.py [--keep-going-on-error]

Starts the offline SMS emulator (tests/emulator) on a loopback port, runs the collection's
``hwcloud.sms.register`` playbook (discover + readiness + register) against localhost with
the emulator's demo AK/SK in the environment, prints a summary (host, readiness, source id,
disks, volume groups, Btrfs, NICs) and where the full JSON is, and stops the emulator --
always, also when something fails. Nothing leaves the machine: the only endpoint is the
emulator on 127.0.0.1. Files go to .tmp/demo/ (report, local fact, inventory, ansible.log).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.emulator.harness import run_emulator  # noqa: E402  (needs ROOT on sys.path)

WORK = ROOT / ".tmp" / "demo"
COLLECTIONS = ROOT / ".tmp" / "collections"
PLAYBOOK_TIMEOUT = 170
STATUS_ORDER = {"error": 0, "warn": 1, "ok": 2}

# The demo host: this machine over a local connection, with the collection's variables for a
# throw-away run (files under .tmp/demo, no sudo). A container often has no readable boot
# loader; the emulator (like SMS's check) accepts only GRUB, so GRUB is claimed only when
# discovery could not tell.
INVENTORY = """\
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: {python}
  vars:
    sms_become: false
    sms_discover_report_dir: {work}/reports
    sms_register_fact_dir: {work}/facts.d
    sms_register_overrides: >-
      {{{{ {{'boot_loader': 'GRUB'}}
         if ansible_facts['sms_discovery']['firmware']['boot_loader']['name'] | default(none) is none
         else {{}} }}}}
"""


def size(num) -> str:
    if not isinstance(num, (int, float)):
        return "?"
    value = float(num)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(num)


def write_inventory() -> Path:
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    inventory = WORK / "inventory.yml"
    inventory.write_text(INVENTORY.format(python=sys.executable, work=WORK), encoding="utf-8")
    link = COLLECTIONS / "ansible_collections" / "hwcloud" / "sms"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(ROOT)
    return inventory


def run_playbook(inventory: Path, emulator) -> int:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "HUAWEICLOUD_"))}
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_HOME": str(ROOT / ".tmp" / "ansible-home"),
        "ANSIBLE_LOG_PATH": str(WORK / "ansible.log"),
        "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "false",
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "yaml",
        "ANSIBLE_PIPELINING": "true",
        "ANSIBLE_NOCOLOR": "1",
        # Credentials the way AWX injects them; SMS and IAM are both the emulator.
        "HUAWEICLOUD_SDK_AK": emulator.ak,
        "HUAWEICLOUD_SDK_SK": emulator.sk,
        "HUAWEICLOUD_SMS_ENDPOINT": emulator.base_url,
        "HUAWEICLOUD_SDK_IAM_ENDPOINT": emulator.base_url,
        "HUAWEICLOUD_SDK_REGION": emulator.region,
    })
    argv = [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "hwcloud.sms.register", "-i", str(inventory)]
    print("$ ansible-playbook hwcloud.sms.register -i", inventory.relative_to(ROOT), flush=True)
    try:
        return subprocess.run(argv, cwd=ROOT, env=env, timeout=PLAYBOOK_TIMEOUT, check=False).returncode
    except subprocess.TimeoutExpired:
        print(f"ansible-playbook did not finish within {PLAYBOOK_TIMEOUT} s", file=sys.stderr)
        return 124


def row(label: str, text: str = ""):
    print(f"  {label:<11} {text}")


def rows(label: str, lines: list, empty: str = "none"):
    """The first line next to the label, the others below it."""
    for index, line in enumerate(lines or [empty]):
        row(label if index == 0 else "", line)


def _volume(fs: dict) -> str:
    return f"{fs.get('fstype') or '?'} {','.join(fs.get('mountpoints') or []) or '-'}"


def summary(report: dict, recorded: dict, sources: list, emulator_url: str, report_path: Path):
    discovery = report["discovery"]
    system = discovery.get("system") or {}
    dist = system.get("distribution") or {}
    network = discovery.get("network") or {}
    storage = discovery.get("storage") or {}
    readiness = sorted(report["readiness"], key=lambda check: STATUS_ORDER.get(check["status"], 3))
    counts = {status: sum(1 for c in readiness if c["status"] == status) for status in ("ok", "warn", "error")}

    print("\n" + "=" * 78)
    print(f" hwcloud.sms demo -- discover + readiness + register  (SMS emulator {emulator_url})")
    print("=" * 78)
    row("Host", f"{system.get('hostname')}  {dist.get('pretty_name') or dist.get('id')}, {system.get('architecture')}, "
                f"kernel {system.get('kernel_release')}, {system.get('cpu_count')} CPUs, "
                f"{size(system.get('memory_bytes'))} RAM")
    platform = discovery.get("platform") or {}
    firmware = discovery.get("firmware") or {}
    row("", f"boot {firmware.get('boot_mode')}, loader {(firmware.get('boot_loader') or {}).get('name') or 'unknown'}, "
            f"platform {platform.get('cloud')}, container {system.get('container') or 'no'}")
    row("Readiness", f"{counts['ok']} ok, {counts['warn']} warn, {counts['error']} error")
    for check in readiness:
        if check["status"] != "ok":
            row("", f"{check['status']:<5} {check['name']:<18} {check['message']}")
    record = next((s for s in sources if s.get("id") == recorded.get("source_id")), {})
    row("Source id", f"{recorded.get('source_id')}  (name {record.get('name')}, ip {record.get('ip')}, "
                     f"state {record.get('state')}; {len(sources)} source(s) in the emulator)")
    disk_lines = []
    for disk in storage.get("disks") or []:
        whole = f"  {_volume(disk['filesystem'])}" if disk.get("filesystem") else ""
        disk_lines.append(f"{disk.get('path'):<14} {size(disk.get('size_bytes')):>10}  {disk.get('type')}, table "
                          f"{disk.get('partition_table') or '?'}, roles {','.join(disk.get('roles') or []) or '-'}{whole}")
        disk_lines += [f"  {part.get('path'):<12} {size(part.get('size_bytes')):>10}  {_volume(part)}"
                       for part in disk.get("partitions") or []]
    rows("Disks", disk_lines)
    vgs = (storage.get("lvm") or {}).get("vgs") or []
    rows("VGs", [f"{vg['name']}: {size(vg.get('size_bytes'))}, {vg.get('lv_count')} LVs on {', '.join(vg.get('pv_paths') or [])}"
                 for vg in vgs])
    rows("Btrfs", [f"{fs.get('label') or fs.get('fsid')}: {len(fs.get('devices') or [])} device(s), "
                   f"{len(fs.get('subvolumes') or [])} subvolumes, mounted on {', '.join(fs.get('mountpoints') or []) or '-'}"
                   for fs in storage.get("btrfs") or []])
    nic_lines = []
    for nic in network.get("interfaces") or []:
        if nic.get("type") == "loopback":
            continue
        addresses = " ".join(f"{a['address']}/{a['prefix']}" for a in nic.get("ipv4") or []) or "-"
        default = "  (default route)" if nic.get("name") == network.get("default_interface") else ""
        nic_lines.append(f"{nic.get('name'):<10} {nic.get('mac') or '-':<18} {nic.get('state'):<8} {addresses}{default}")
    rows("NICs", nic_lines)
    warnings = discovery.get("warnings") or []
    if warnings:
        row("Warnings", f"{len(warnings)} from discovery (in the JSON)")
    row("Full JSON", str(report_path.relative_to(ROOT)))
    row("Local fact", str((WORK / "facts.d" / "hwcloud_sms.fact").relative_to(ROOT)))
    print("=" * 78)


def main(argv=None) -> int:
    argparse.ArgumentParser(prog="tools/demo.py", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    started = time.monotonic()
    inventory = write_inventory()
    print("Starting the SMS emulator on 127.0.0.1 ...", flush=True)
    with run_emulator(host="127.0.0.1", port=0) as emulator:
        print(f"SMS emulator at {emulator.base_url} (SMS and IAM; demo AK {emulator.ak})", flush=True)
        rc = run_playbook(inventory, emulator)
        report_path = WORK / "reports" / "localhost.json"
        fact_path = WORK / "facts.d" / "hwcloud_sms.fact"
        if rc != 0 or not report_path.exists() or not fact_path.exists():
            print(f"\nThe demo failed (ansible-playbook exit code {rc}); see the output above and "
                  f"{(WORK / 'ansible.log').relative_to(ROOT)}.", file=sys.stderr)
            return rc or 1
        summary(json.loads(report_path.read_text(encoding="utf-8")), json.loads(fact_path.read_text(encoding="utf-8")),
                emulator.sources(), emulator.base_url, report_path)
    print(f"Emulator stopped. Demo took {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
