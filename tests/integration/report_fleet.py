"""A generated fleet of mixed, realistic hosts for the report tests and benchmark.

Each host is an ``sms_discovery`` structure as docs/discovery.md describes it (sizes in bytes,
disks with partitions, LVM, Btrfs, NICs), plus sometimes an SMS source record and a migration
task. The mix is seeded, so a test can rely on it, and covers every verdict: supported and
unsupported OSs, aarch64, UEFI, missing rsync, /tmp noexec, raw disks, many or huge disks,
Btrfs, LVM thin pools, unknown values; a share of hosts is unreachable or failed discovery.
"""

from __future__ import annotations

import json
import random
import socket
import subprocess
from pathlib import Path

GIB = 1024 ** 3
OSES = (
    ("centos", "CentOS Linux 7 (Core)", "7.9.2009", 7, 9),
    ("rhel", "Red Hat Enterprise Linux 8.8 (Ootpa)", "8.8", 8, 8),
    ("rocky", "Rocky Linux 9.3 (Blue Onyx)", "9.3", 9, 3),
    ("ubuntu", "Ubuntu 22.04.4 LTS", "22.04", 22, 4),
    ("ubuntu", "Ubuntu 20.04.6 LTS", "20.04", 20, 4),
    ("debian", "Debian GNU/Linux 12 (bookworm)", "12.5", 12, 5),
    ("debian", "Debian GNU/Linux 11 (bullseye)", "11.9", 11, 9),
    ("sles", "SUSE Linux Enterprise Server 15 SP5", "15.5", 15, 5),
    ("sles", "SUSE Linux Enterprise Server 12 SP5", "12.5", 12, 5),
    ("ol", "Oracle Linux Server 8.9", "8.9", 8, 9),
    ("arch", "Arch Linux", None, None, None),
    ("debian", "Debian GNU/Linux 13 (trixie)", "13.1", 13, 1),
)
OS_WEIGHTS = (14, 12, 6, 14, 8, 10, 6, 6, 4, 4, 1, 2)
PLAYBOOK_TIMEOUT = 300
SOURCE_STATES = (("waiting", 30), ("unavailable", 4), ("replicate", 10), ("syncing", 8), ("finished", 5),
                 ("error", 2), ("stopped", 2))


def _nic(index, rng, host_index):
    ip = "10.%d.%d.%d" % (index, host_index // 250 % 250, host_index % 250 + 1)
    mac = "fa:16:3e:%02x:%02x:%02x" % (host_index // 65536 % 256, host_index // 256 % 256, host_index % 256)
    return {"name": "eth%d" % index, "ifindex": index + 2, "mac": mac, "mtu": 1500, "state": "up",
            "type": "ether", "kind": "physical", "virtual": False, "container_runtime": False,
            "driver": "virtio_net", "master": None,
            "ipv4": [{"address": ip, "prefix": 24, "netmask": "255.255.255.0", "broadcast": None, "scope": "global"}],
            "ipv6": [{"address": "fe80::f816:3eff:fe00:%x" % host_index, "prefix": 64, "scope": "link"}]}


def _usage(total, rng):
    used = int(total * rng.uniform(0.05, 0.9))
    return {"total_bytes": total, "used_bytes": used, "free_bytes": total - used, "available_bytes": total - used,
            "inodes_total": total // 16384, "inodes_used": used // 65536, "inodes_free": (total - used) // 65536,
            "block_size": 4096, "source": "statvfs"}


def discovery(host_index, rng):
    """One host's facts."""
    dist_id, pretty, version, major, minor = rng.choices(OSES, OS_WEIGHTS)[0]
    uefi = rng.random() < 0.3
    fstype = "btrfs" if dist_id == "sles" and rng.random() < 0.5 else rng.choice(("xfs", "ext4", "ext4"))
    root_size = rng.choice((40, 50, 80, 100, 200)) * GIB
    if rng.random() < 0.01:
        root_size = 1200 * GIB  # a system disk over SMS's 1 TiB
    disks, mounts, lvs, vgs, btrfs = [], [], [], [], []
    root_usage = _usage(root_size - GIB, rng)
    if rng.random() < 0.02:
        root_usage["available_bytes"] = 50 * 1024 ** 2  # a full root file system
    boot_part = {"name": "vda1", "path": "/dev/vda1", "number": 1, "start_bytes": 1048576, "size_bytes": GIB,
                 "type_id": "0x83", "partuuid": None, "partlabel": None, "fstype": "vfat" if uefi else "ext4",
                 "uuid": "b%07x-0000" % host_index, "label": None,
                 "mountpoints": ["/boot/efi" if uefi else "/boot"], "usage": _usage(GIB, rng), "inode_size": None,
                 "holders": [], "lvm_pv": False, "roles": ["efi" if uefi else "boot"]}
    use_lvm = dist_id in ("centos", "rhel", "rocky", "ol") or rng.random() < 0.2
    root_part = {"name": "vda2", "path": "/dev/vda2", "number": 2, "start_bytes": GIB + 1048576,
                 "size_bytes": root_size - GIB, "type_id": "0x8e" if use_lvm else "0x83", "partuuid": None,
                 "partlabel": None, "fstype": "LVM2_member" if use_lvm else fstype, "uuid": "r%07x" % host_index,
                 "label": None, "mountpoints": [] if use_lvm else ["/"], "usage": None if use_lvm else root_usage,
                 "inode_size": 256, "holders": ["dm-0"] if use_lvm else [], "lvm_pv": use_lvm, "roles": ["root"]}
    disks.append({"name": "vda", "path": "/dev/vda", "type": "disk", "size_bytes": root_size,
                  "logical_sector_size": 512, "physical_sector_size": 512, "model": None, "vendor": "0x1af4",
                  "serial": "sys%05d" % host_index, "rotational": False, "removable": False, "read_only": False,
                  "partition_table": "gpt" if uefi else "dos", "partition_table_uuid": None, "filesystem": None,
                  "holders": [], "slaves": [], "lvm_pv": False, "roles": ["root", "efi" if uefi else "boot"],
                  "partitions": [boot_part, root_part]})
    mounts.append({"mountpoint": "/", "source": "/dev/mapper/vg0-root" if use_lvm else "/dev/vda2",
                   "device": "/dev/mapper/vg0-root" if use_lvm else "/dev/vda2", "major_minor": "253:0" if use_lvm
                   else "252:2", "fstype": fstype, "options": ["rw", "relatime"], "root": "/", "subvol": None,
                   "subvolid": None, "usage": root_usage, "skipped": None})
    mounts.append({"mountpoint": boot_part["mountpoints"][0], "source": "/dev/vda1", "device": "/dev/vda1",
                   "major_minor": "252:1", "fstype": boot_part["fstype"], "options": ["rw"], "root": "/",
                   "subvol": None, "subvolid": None, "usage": boot_part["usage"], "skipped": None})
    if use_lvm:
        thin = rng.random() < 0.02
        lvs.append({"key": "vg0/root", "vg": "vg0", "vg_uuid": "vg%06d" % host_index, "name": "root",
                    "path": "/dev/vg0/root", "mapper": "/dev/mapper/vg0-root", "lv_uuid": "lv%06d" % host_index,
                    "size_bytes": root_size - 2 * GIB, "segment_type": "thin" if thin else "linear",
                    "pool": "pool" if thin else None, "attr": "-wi-ao----", "active": True, "fstype": fstype,
                    "uuid": "f%07x" % host_index, "label": None, "mountpoints": ["/"], "usage": root_usage,
                    "inode_size": 256})
        vgs.append({"name": "vg0", "uuid": "vg%06d" % host_index, "size_bytes": root_size - GIB,
                    "free_bytes": GIB, "extent_size_bytes": 4194304, "pv_count": 1, "pv_paths": ["/dev/vda2"],
                    "lv_count": 1, "attr": "wz--n-", "duplicate_name": False})
    if fstype == "btrfs":
        btrfs.append({"fsid": "%08x-btrfs" % host_index, "label": "root", "devices": ["/dev/vda2"],
                      "subvolumes": [{"id": 256 + i, "path": "@/%s" % name} for i, name in
                                     enumerate(("home", "opt", "srv", "var"))], "mountpoints": ["/"]})
    data_disks = rng.choices((0, 1, 2, 4, 30), (30, 40, 20, 9, 1))[0]
    for number in range(data_disks):
        name = "vd" + "abcdefghijklmnopqrstuvwxyz"[(number + 1) % 26] + ("" if number < 25 else "a")
        size = rng.choice((100, 200, 500, 1024, 2048)) * GIB
        raw = rng.random() < 0.03
        part = {"name": name + "1", "path": "/dev/%s1" % name, "number": 1, "start_bytes": 1048576,
                "size_bytes": size - 1048576, "type_id": "0x83", "partuuid": None, "partlabel": None,
                "fstype": "xfs", "uuid": "d%05d%03d" % (host_index, number), "label": "data%d" % number,
                "mountpoints": ["/data%d" % number], "usage": _usage(size, rng), "inode_size": 512,
                "holders": [], "lvm_pv": False, "roles": []}
        disks.append({"name": name, "path": "/dev/" + name, "type": "disk", "size_bytes": size,
                      "logical_sector_size": 512, "physical_sector_size": 4096, "model": None, "vendor": "0x1af4",
                      "serial": "d%05d%03d" % (host_index, number), "rotational": False, "removable": False,
                      "read_only": False, "partition_table": None if raw else "gpt", "partition_table_uuid": None,
                      "filesystem": None, "holders": [], "slaves": [], "lvm_pv": False, "roles": [],
                      "partitions": [] if raw else [part]})
        if not raw:
            mounts.append({"mountpoint": "/data%d" % number, "source": part["path"], "device": part["path"],
                           "major_minor": "252:%d" % (16 * (number + 1) + 1), "fstype": "xfs", "options": ["rw"],
                           "root": "/", "subvol": None, "subvolid": None, "usage": part["usage"], "skipped": None})
    raw_devices = [disk["path"] for disk in disks if not disk["partitions"]]
    nics = [_nic(index, rng, host_index) for index in range(rng.choice((1, 1, 1, 2, 3)))]
    arch = "aarch64" if rng.random() < 0.03 else "x86_64"
    warnings = ["storage: lvm: not root?"] if rng.random() < 0.05 else []
    return {
        "schema_version": 1, "collected_at": "2026-12-06T08:00:00Z",
        "sections": ["storage", "network", "firmware", "system", "platform"],
        "warnings": warnings, "provenance": {},
        "system": {"os_family": "linux", "distribution": {
            "id": dist_id, "name": pretty.split(" ")[0], "version": version, "version_id": version,
            "major": major, "minor": minor, "service_pack": minor if dist_id == "sles" else None,
            "pretty_name": pretty, "like": [], "codename": None, "source": "/etc/os-release"},
            "architecture": arch, "kernel_release": "5.14.0-%d.el9.%s" % (host_index % 400, arch),
            "kernel_version": "#1 SMP", "hostname": "host%05d" % host_index, "fqdn": None,
            "cpu_count": rng.choice((2, 4, 8, 16, 32)), "memory_bytes": rng.choice((4, 8, 16, 32, 64)) * GIB,
            "locale": "en_US.UTF-8", "locale_source": "/etc/locale.conf", "locale_is_utf8": rng.random() > 0.02,
            "tools": {}, "has_rsync": rng.random() > 0.08, "has_tc": True, "is_root": True, "container": None},
        "firmware": {"boot_mode": "uefi" if uefi else "bios", "secure_boot": uefi and rng.random() < 0.3,
                     "boot_loader": {"name": "grub2", "method": "config-file",
                                     "evidence": ["/boot/grub2/grub.cfg"]}},
        "platform": {"virtualization_type": "kvm", "virtualization_role": "guest", "virtualization_evidence": [],
                     "xen_guest_type": None, "paravirtualized": False, "cloud": rng.choice(("openstack", "vmware",
                                                                                            "physical", "kvm")),
                     "cloud_evidence": [], "dmi": {}},
        "network": {"interfaces": nics, "default_routes": [], "default_interface": "eth0",
                    "default_gateway": "10.0.0.1", "primary_ipv4": nics[0]["ipv4"][0]["address"], "primary_ipv6": None},
        "storage": {"disks": disks, "mounts": mounts, "lvm": {"available": True, "pvs": [], "vgs": vgs, "lvs": lvs},
                    "btrfs": btrfs, "swap": [], "raw_devices": raw_devices, "boot_devices": {},
                    "tmp": {"mountpoint": "/", "noexec": rng.random() < 0.05,
                            "available_bytes": root_usage["available_bytes"]}},
    }


def sms_records(host_index, rng, discovered):
    """(sms_source, sms_migration) as the register and migrate roles leave them, or (None, None);
    ``percent`` is sometimes a string, as a templated fact can be."""
    if rng.random() < 0.4:
        return None, None
    state = rng.choices([s for s, _w in SOURCE_STATES], [w for _s, w in SOURCE_STATES])[0]
    ip = discovered["network"]["primary_ipv4"]
    source = {"id": "%08x-0000-4000-8000-%012x" % (host_index, host_index), "name": "host%05d" % host_index,
              "ip": ip, "state": state, "connected": state != "unavailable"}
    if state in ("waiting", "unavailable"):
        return source, None
    total = sum(d["size_bytes"] for d in discovered["storage"]["disks"]) // 4
    done = total if state == "finished" else int(total * rng.uniform(0, 1))
    source.update(replicatesize=done, totalsize=total,
                  migration_cycle={"replicate": "replicating", "syncing": "syncing", "finished": "cutovered"}
                  .get(state, "checking"))
    percent = round(100 * done / total) if total else 0
    task = {"source_id": source["id"], "name": source["name"], "task_id": "task-%05d" % host_index,
            "phase": {"finished": "cutover", "error": "failed", "syncing": "replicated", "stopped": "stopped"}
            .get(state, "replicating"), "percent": str(percent) if host_index % 2 else percent,
            "target_server_id": None, "error_code": "SMS.0806" if state == "error" else "",
            "error": "Partition sync failed" if state == "error" else ""}
    return source, task


def fleet(count, seed=14):
    """``count`` host inputs for ``report.build``: name, discovery or failure, source, task."""
    rng = random.Random(seed)
    hosts = []
    for index in range(count):
        name = "host%05d.example.net" % index
        roll = rng.random()
        if roll < 0.02:
            hosts.append({"name": name, "failure": "unreachable: ssh: connect to host %s port 22: Connection timed "
                                                   "out" % name})
            continue
        if roll < 0.03:
            hosts.append({"name": name, "failure": "discovery failed: MODULE FAILURE (python not found)"})
            continue
        facts = discovery(index, rng)
        source, task = sms_records(index, rng, facts)
        hosts.append({"name": name, "discovery": facts, "source": source, "task": task})
    return hosts


FLEET_PLAY = """\
- name: Load the facts of the generated fleet, as a fact cache would
  hosts: fleet
  gather_facts: false
  tasks:
    - name: Set the discovery facts
      ansible.builtin.set_fact:
        sms_discovery: "{{ _fleet_host['discovery'] }}"
        cacheable: true
      vars:
        _fleet_host: "{{ lookup('ansible.builtin.file', fleet_dir ~ '/' ~ inventory_hostname ~ '.json') | from_json }}"

    - name: Set the SMS records
      ansible.builtin.set_fact:
        sms_source: "{{ _fleet_host['source'] }}"
        sms_migration: "{{ _fleet_host['task'] }}"
      vars:
        _fleet_host: "{{ lookup('ansible.builtin.file', fleet_dir ~ '/' ~ inventory_hostname ~ '.json') | from_json }}"
      when: _fleet_host['source'] is not none

- name: The collection's report playbook
  ansible.builtin.import_playbook: hwcloud.sms.report
"""


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_inventory(path: Path, hosts: list, python: str):
    """localhost discovered for real, the generated fleet, an unreachable and a broken host."""
    local = {"ansible_connection": "local", "ansible_python_interpreter": python}
    inventory = {"all": {
        "vars": {"sms_become": False, "sms_discover_show_summary": False},
        "hosts": {
            "localhost": local,
            "gone.example.net": {"ansible_host": "127.0.0.1", "ansible_port": closed_port(),
                                 "ansible_connection": "ssh", "ansible_user": "nobody",
                                 "ansible_ssh_common_args": "-o ConnectTimeout=5 -o BatchMode=yes"},
            # the discover role refuses this value: its discovery fails
            "broken.example.net": dict(local, sms_discover_on_timeout="explode"),
        },
        "children": {"fleet": {"hosts": {host["name"]: local for host in hosts}}},
    }}
    path.write_text(json.dumps(inventory), encoding="utf-8")


def run_report(core, work: Path, hosts: list, *options: str) -> subprocess.CompletedProcess:
    env = core.env({"ANSIBLE_HOST_KEY_CHECKING": "false", "ANSIBLE_SSH_CONTROL_PATH_DIR": str(work / "cp")})
    argv = [core.command("ansible-playbook"), "-i", str(work / "inventory.json"), str(work / "site.yml"),
            "-e", f"fleet_dir={work / 'fleet'}", "-e", f"sms_report_dir={work / 'out'}", *options]
    return subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT,
                          check=False)


def prepare(work: Path, core, size: int) -> list:
    hosts = fleet(size)
    (work / "fleet").mkdir(parents=True)
    for host in hosts:
        host = dict({"discovery": None, "source": None, "task": None}, **host)
        (work / "fleet" / f"{host['name']}.json").write_text(json.dumps(host), encoding="utf-8")
    write_inventory(work / "inventory.json", [h for h in hosts if "failure" not in h], core.python)
    (work / "site.yml").write_text(FLEET_PLAY, encoding="utf-8")
    return hosts
