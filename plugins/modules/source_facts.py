#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: source_facts
short_description: Discover a Linux server for Huawei Cloud SMS (storage, network, firmware, OS, platform)
version_added: 1.0.0
description:
  - Collects what a migration with Huawei Cloud Server Migration Service (SMS) needs to know about a
    Linux server and returns it as one neutral fact, C(ansible_facts['sms_discovery']).
  - Storage (disks, partition tables, partitions, file systems with usage and inodes, LVM keyed by
    C(vg/lv), Btrfs with subvolumes, md, swap, raw devices, the disks holding C(/), C(/boot) and the
    ESP), network (interfaces with MAC, MTU, state, IPv4/IPv6, default routes, primary address),
    firmware (BIOS or UEFI, Secure Boot, boot loader), system (distribution, kernel, CPU, memory,
    locale, tools) and platform (hypervisor, Xen paravirtualization, cloud from DMI).
  - Sizes are integers in bytes; C(null) means unknown. Every problem met while collecting (a
    missing tool, no permission, a timeout, an unparseable line) is a warning, never a failure,
    unless O(on_timeout=error).
  - Every external command and every C(statvfs) is bounded by O(timeout); network and pseudo file
    systems are not stat'ed by default, so a dead NFS or FUSE mount cannot hang the module. The
    module sends no network traffic (no cloud metadata service, no DNS query).
  - Runs unprivileged with partial results (LVM, Btrfs details, the DMI UUID and the MBR need
    root), in containers without udev, and on Python 2.7 and 3.6+ (standard library only).
  - Usable as a facts module of C(gather_facts) through C(FACTS_MODULES) (see the examples).
  - The full reference of the fact is C(docs/discovery.md) in the collection.
author:
  - hwcloud.sms contributors (@hwcloud)
options:
  sections:
    description:
      - Which parts to collect. The fact always lists the collected ones in RV(ansible_facts.sms_discovery.sections).
    type: list
    elements: str
    choices: [storage, network, firmware, system, platform]
    default: [storage, network, firmware, system, platform]
  exclude_devices:
    description:
      - Shell-style globs on kernel block device names (V(loop*), V(sdb)) left out of the storage section.
      - The pattern V(nbd*) only leaves out nbd devices that are not connected (size 0).
      - V([]) includes every block device.
    type: list
    elements: str
    default: ['loop*', 'ram*', 'zram*', 'sr*', 'fd*', 'nbd*']
  exclude_fstypes:
    description:
      - Globs on file-system types whose mounts are listed but not stat'ed (network, FUSE and pseudo
        file systems by default, because a statvfs on a dead server can block for ever).
      - V([]) stats every mount, each still bounded by O(timeout).
    type: list
    elements: str
    default: ['nfs*', 'cifs', 'smb*', 'fuse*', 'ceph', 'glusterfs', '9p', 'autofs', 'proc', 'sysfs',
              'cgroup*', 'devpts', 'mqueue', 'debugfs', 'tracefs', 'securityfs', 'pstore', 'bpf',
              'configfs', 'binfmt_misc', 'hugetlbfs', 'rpc_pipefs', 'nsfs', 'fusectl', 'efivarfs',
              'selinuxfs', 'overlay', 'squashfs', 'devtmpfs']
  timeout:
    description:
      - Seconds each external command, each C(statvfs) and each raw device read may take.
    type: float
    default: 10
  method:
    description:
      - How the facts are collected; the result is the same (C(docs/discovery.md), C(docs/capture.md)).
      - V(python) runs this module on the target (Python 2.7 or 3.6+ for ansible-core 2.16, 3.7+ for 2.17,
        3.8+ for 2.18 and later).
      - V(shell) needs only C(/bin/sh) on the target. The action plugin sends the capture script
        C(scripts/sms-capture.sh) through the connection (on stdin, with C(become) when set), and the same
        collectors and parsers run over its output on the controller.
      - V(auto) asks the target once for a Python this ansible-core can run modules with (the configured
        C(ansible_python_interpreter), else the usual names) and uses V(python) when there is one, else V(shell).
      - Run from C(gather_facts) (C(FACTS_MODULES)), ansible-core 2.16 and 2.19 run the module without its
        action plugin, so the method is always V(python) there; use a task for hosts without Python.
      - C(provenance.method) in RV(ansible_facts.sms_discovery) says which method ran.
    type: str
    choices: [auto, python, shell]
    default: auto
    version_added: 1.1.0
  on_timeout:
    description:
      - What to do when something exceeds O(timeout).
      - V(warn) keeps the partial result and adds a warning, V(ignore) keeps it silently,
        V(error) fails the task.
    type: str
    choices: [warn, error, ignore]
    default: warn
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
    details: The module only reads; check mode returns the same facts.
  diff_mode:
    support: N/A
    details: The module changes nothing, so there is no difference to show.
  facts:
    support: full
  platform:
    platforms: posix
    details: Linux only.
notes:
  - The Tencent Cloud DMI marker is not confirmed by public documentation; V(tencent) is reported when
    C(sys_vendor), C(product_name) or C(bios_vendor) contains C(Tencent).
  - The host name's FQDN comes from the kernel host name or C(/etc/hosts), never from DNS.
seealso:
  - name: The sms_discovery fact reference
    description: Every key with its meaning and unit (docs/discovery.md in the collection).
    link: https://example.invalid/hwcloud/sms/docs
"""

EXAMPLES = r"""
- name: Discover the server
  hwcloud.sms.source_facts:

- name: Show where / lives and the primary address
  ansible.builtin.debug:
    msg: >-
      {{ ansible_facts['sms_discovery']['storage']['boot_devices']['root'] }}
      {{ ansible_facts['sms_discovery']['network']['primary_ipv4'] }}

- name: Only network and OS facts, failing if a command hangs for 5 seconds
  hwcloud.sms.source_facts:
    sections: [network, system]
    timeout: 5
    on_timeout: error

- name: Include loop devices (test machines)
  hwcloud.sms.source_facts:
    sections: [storage]
    exclude_devices: []

# Gather the discovery together with the usual facts in the play's fact gathering.
- name: Discover while gathering facts
  hosts: all
  gather_facts: true
  vars:
    ansible_facts_modules:
      - smart
      - hwcloud.sms.source_facts
  module_defaults:
    hwcloud.sms.source_facts:
      timeout: 20
  tasks:
    - name: Show the distribution
      ansible.builtin.debug:
        var: ansible_facts['sms_discovery']['system']['distribution']
"""

RETURN = r"""
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: dict
  contains:
    sms_discovery:
      description: The discovery of this server. C(null) anywhere means unknown.
      returned: always
      type: dict
      contains:
        schema_version:
          description: Version of this structure.
          returned: always
          type: int
          sample: 1
        collected_at:
          description: UTC time of the collection, ISO 8601.
          returned: always
          type: str
          sample: '2026-11-30T10:00:00Z'
        sections:
          description: Sections collected, in canonical order.
          returned: always
          type: list
          elements: str
          sample: [storage, network, firmware, system, platform]
        warnings:
          description: Everything that degraded the result (also emitted as task warnings).
          returned: always
          type: list
          elements: str
          sample: ['storage: lvm: not root, LVM report skipped']
        provenance:
          description:
            - Per collected section, C(sources) (commands run and files read) and C(seconds) taken.
            - C(method) (since 1.1.0) is the method that ran, V(python) or V(shell) (V(capture) for a capture
              file turned into facts by P(hwcloud.sms.capture_facts#filter)); C(method_reason) says why
              O(method=auto) chose it.
          returned: always
          type: dict
          sample: {method: shell, network: {sources: ['/sys/class/net/eth0/mtu', 'ip -o addr'], seconds: 0.02}}
        system:
          description: Operating system, kernel, CPU, memory, locale and tools. C(null) if the section failed.
          returned: when O(sections) contains V(system)
          type: dict
          contains:
            os_family:
              description: Always V(linux).
              type: str
              returned: success
            distribution:
              description: The distribution, from os-release with the older release files as fallback and refinement.
              type: dict
              returned: success
              contains:
                id:
                  description: os-release C(ID) (V(centos), V(rhel), V(sles), V(ubuntu), V(debian), ...).
                  type: str
                  returned: success
                name:
                  description: os-release C(NAME).
                  type: str
                  returned: success
                version:
                  description: >-
                    The most precise version known (V(7.9.2009) from C(/etc/centos-release), V(16.04.7) from C(VERSION),
                    V(12.5) from C(/etc/debian_version)).
                  type: str
                  returned: success
                version_id:
                  description: os-release C(VERSION_ID).
                  type: str
                  returned: success
                major:
                  description: Major version.
                  type: int
                  returned: success
                minor:
                  description: Minor version (the service pack on SLES, the point release on CentOS and Debian), or C(null).
                  type: int
                  returned: success
                service_pack:
                  description: SUSE Linux Enterprise service pack (0 for GA), C(null) for other distributions.
                  type: int
                  returned: success
                pretty_name:
                  description: os-release C(PRETTY_NAME).
                  type: str
                  returned: success
                like:
                  description: os-release C(ID_LIKE) as a list.
                  type: list
                  elements: str
                  returned: success
                codename:
                  description: Release code name (V(bookworm), V(jammy), V(Core)).
                  type: str
                  returned: success
                source:
                  description: File the distribution was identified from.
                  type: str
                  returned: success
            architecture:
              description: Machine hardware name (C(uname -m)).
              type: str
              returned: success
              sample: x86_64
            kernel_release:
              description: Kernel release (C(uname -r)).
              type: str
              returned: success
            kernel_version:
              description: Kernel version (C(uname -v)).
              type: str
              returned: success
            hostname:
              description: Short host name.
              type: str
              returned: success
            fqdn:
              description: Fully qualified name from the kernel host name or C(/etc/hosts); C(null) if none is known (no DNS query).
              type: str
              returned: success
            cpu_count:
              description: Logical CPUs online.
              type: int
              returned: success
            memory_bytes:
              description: C(MemTotal) of C(/proc/meminfo) in bytes.
              type: int
              returned: success
            locale:
              description: The system default locale (C(LC_ALL), else C(LANG)).
              type: str
              returned: success
              sample: en_US.UTF-8
            locale_source:
              description: Where the locale was read (V(/etc/locale.conf), V(/etc/default/locale), V(/etc/sysconfig/language), V(environment)).
              type: str
              returned: success
            locale_is_utf8:
              description: Whether the locale's code set is UTF-8; C(null) when the locale is unknown.
              type: bool
              returned: success
            tools:
              description: >-
                Tool name to absolute path, or C(null) when not installed, for C(rsync), C(tc), C(btrfs), C(lvm), C(blkid), C(ip),
                C(grub2-install), C(grub-install), C(parted), C(sgdisk).
              type: dict
              returned: success
            has_rsync:
              description: Whether rsync is installed.
              type: bool
              returned: success
            has_tc:
              description: Whether tc is installed.
              type: bool
              returned: success
            is_root:
              description: Whether the discovery ran with uid 0.
              type: bool
              returned: success
            container:
              description: Container runtime the module ran in (V(docker), V(podman), V(lxc), V(systemd-nspawn), V(container)), else C(null).
              type: str
              returned: success
        firmware:
          description: Boot mode, Secure Boot and boot loader. C(null) if the section failed.
          returned: when O(sections) contains V(firmware)
          type: dict
          contains:
            boot_mode:
              description: V(uefi) when C(/sys/firmware/efi) exists, else V(bios).
              type: str
              returned: success
            secure_boot:
              description: Secure Boot state from the C(SecureBoot) EFI variable; C(null) when BIOS or unreadable.
              type: bool
              returned: success
            boot_loader:
              description: The boot loader and how it was found.
              type: dict
              returned: success
              contains:
                name:
                  description: V(grub2), V(grub) (legacy), V(lilo), V(systemd-boot), V(none) (boot disk read, no signature), or C(null) (unknown).
                  type: str
                  returned: success
                method:
                  description: V(sysconfig) (SUSE C(LOADER_TYPE)), V(config-file), V(efi-entry), V(mbr-signature), or C(null).
                  type: str
                  returned: success
                evidence:
                  description: Paths or markers found.
                  type: list
                  elements: str
                  returned: success
        platform:
          description: Virtualization, Xen paravirtualization, cloud and DMI. C(null) if the section failed.
          returned: when O(sections) contains V(platform)
          type: dict
          contains:
            virtualization_type:
              description: >-
                Hypervisor or container technology (V(kvm), V(xen), V(vmware), V(hyperv), V(virtualbox), V(openvz), V(docker), ...),
                C(null) when physical or unknown.
              type: str
              returned: success
            virtualization_role:
              description: V(guest), V(host) or C(null).
              type: str
              returned: success
            virtualization_evidence:
              description: Markers that decided the virtualization type, role and Xen guest type.
              type: list
              elements: str
              returned: success
            xen_guest_type:
              description: V(PV), V(HVM) or V(PVH) under Xen, else C(null).
              type: str
              returned: success
            paravirtualized:
              description: Whether this is a Xen PV guest (SMS cannot migrate those).
              type: bool
              returned: success
            cloud:
              description: >-
                V(huaweicloud), V(alibaba), V(aws), V(azure), V(gcp), V(tencent), V(openstack), V(vmware), V(hyperv), V(kvm), V(xen),
                V(physical) or V(other).
              type: str
              returned: success
            cloud_evidence:
              description: Markers that decided RV(ansible_facts.sms_discovery.platform.cloud).
              type: list
              elements: str
              returned: success
            dmi:
              description: >-
                DMI strings C(sys_vendor), C(product_name), C(product_version), C(product_uuid) (root only), C(bios_vendor),
                C(bios_version), C(chassis_asset_tag), C(chassis_vendor), C(board_vendor); each C(null) when empty or unreadable.
              type: dict
              returned: success
        network:
          description: Interfaces, addresses and default routes. C(null) if the section failed.
          returned: when O(sections) contains V(network)
          type: dict
          contains:
            interfaces:
              description: One entry per interface, in interface index order.
              type: list
              elements: dict
              returned: success
              contains:
                name:
                  description: Interface name.
                  type: str
                  returned: success
                ifindex:
                  description: Kernel interface index.
                  type: int
                  returned: success
                mac:
                  description: MAC address in lower case; C(null) when none or all zero.
                  type: str
                  returned: success
                mtu:
                  description: MTU in bytes.
                  type: int
                  returned: success
                state:
                  description: C(operstate) (V(up), V(down), V(unknown), ...).
                  type: str
                  returned: success
                type:
                  description: Link type (V(ether), V(loopback), V(infiniband), V(ppp), V(tunnel), V(other)).
                  type: str
                  returned: success
                kind:
                  description: >-
                    V(physical), V(loopback), V(bridge), V(bond), V(vlan), V(veth), V(tun), V(tap), V(vxlan), V(wlan), ... or V(virtual)
                    (another software interface).
                  type: str
                  returned: success
                virtual:
                  description: Whether the interface has no backing device.
                  type: bool
                  returned: success
                container_runtime:
                  description: >-
                    Whether it is plumbing of a container runtime or libvirt (veth, C(docker0), C(br-*), C(cni*), C(virbr*), C(podman*),
                    and their ports).
                  type: bool
                  returned: success
                driver:
                  description: Kernel driver of the backing device, C(null) for software interfaces.
                  type: str
                  returned: success
                master:
                  description: Bridge or bond this interface is enslaved to, or C(null).
                  type: str
                  returned: success
                ipv4:
                  description: >-
                    IPv4 addresses, each with C(address), C(prefix) (int), C(netmask) (dotted), C(broadcast) and C(scope);
                    C(null) when unknown (no C(ip) command).
                  type: list
                  elements: dict
                  returned: success
                ipv6:
                  description: IPv6 addresses, each with C(address), C(prefix) (int) and C(scope) (V(global), V(link), V(host), V(site)).
                  type: list
                  elements: dict
                  returned: success
            default_routes:
              description: >-
                Every default route of every routing table, each with C(family) (V(ipv4)/V(ipv6)), C(gateway) (or C(null)),
                C(interface), C(metric) (int or C(null)) and C(table) (V(main) or the table name/number).
              type: list
              elements: dict
              returned: success
            default_interface:
              description: Interface of the preferred IPv4 default route (main table, lowest metric).
              type: str
              returned: success
            default_gateway:
              description: Gateway of that route.
              type: str
              returned: success
            primary_ipv4:
              description: First global IPv4 of RV(ansible_facts.sms_discovery.network.default_interface), else of a non-virtual interface.
              type: str
              returned: success
            primary_ipv6:
              description: Same for global IPv6 (following the preferred IPv6 default route).
              type: str
              returned: success
        storage:
          description: Disks, partitions, mounts, LVM, Btrfs, swap, raw and boot devices. C(null) if the section failed.
          returned: when O(sections) contains V(storage)
          type: dict
          contains:
            disks:
              description: >-
                Whole disks, md arrays and multipath maps with C(name), C(path), C(type), C(size_bytes), sector sizes,
                C(model), C(vendor), C(serial), C(rotational), C(removable), C(read_only), C(partition_table) (V(gpt), V(dos) or C(null)),
                C(partition_table_uuid), C(filesystem), C(holders), C(slaves), C(lvm_pv), C(roles) and C(partitions) (each with
                C(number), C(start_bytes), C(size_bytes), C(type_id), C(partuuid), C(partlabel), the file-system keys C(fstype),
                C(uuid), C(label), C(mountpoints), C(usage), C(inode_size), and C(holders), C(lvm_pv), C(roles)).
              type: list
              elements: dict
              returned: success
            mounts:
              description: >-
                Mounted file systems from C(/proc/self/mountinfo) with C(mountpoint), C(source), C(device), C(major_minor),
                C(fstype), C(options), C(root), C(subvol), C(subvolid), C(usage) (bytes and inodes, or C(null)) and C(skipped)
                (why it was not stat'ed, or C(null)).
              type: list
              elements: dict
              returned: success
            lvm:
              description: >-
                C(available) (bool), C(pvs), C(vgs) and C(lvs), sizes in bytes. LVs are keyed by C(vg/lv) in their C(key) and
                carry their own C(lv_uuid) and C(vg_uuid); their C(uuid) is the file-system UUID, as on partitions.
              type: dict
              returned: success
            btrfs:
              description: >-
                One entry per Btrfs file system with C(fsid), C(label), C(devices), C(total_bytes), C(used_bytes), C(nodesize),
                C(sectorsize), C(profiles), C(global_reserve), C(mountpoints), C(default_subvolume) and C(subvolumes).
              type: list
              elements: dict
              returned: success
            swap:
              description: C(/proc/swaps) entries with C(path), C(type), C(size_bytes), C(used_bytes), C(priority).
              type: list
              elements: dict
              returned: success
            raw_devices:
              description: >-
                Device paths with no partition table, file system, holders, mount, swap or PV; C(null) when that could
                not be decided (devices unreadable, for example without root).
              type: list
              elements: str
              returned: success
            boot_devices:
              description: C(root), C(boot), C(efi), each C({device, disks}) or C(null).
              type: dict
              returned: success
            tmp:
              description: C(/tmp) with C(mountpoint), C(noexec) (bool) and C(available_bytes).
              type: dict
              returned: success
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import facts
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.runner import DiscoveryTimeout
from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.storage import (
    DEFAULT_EXCLUDE_DEVICES, DEFAULT_EXCLUDE_FSTYPES,
)


def main():
    module = AnsibleModule(
        argument_spec=facts.argument_spec(DEFAULT_EXCLUDE_DEVICES, DEFAULT_EXCLUDE_FSTYPES),
        supports_check_mode=True,
    )
    params = module.params
    if params['timeout'] <= 0:
        module.fail_json(msg='timeout must be a positive number of seconds, got %s' % params['timeout'])
    options = dict((key, params[key]) for key in ('exclude_devices', 'exclude_fstypes', 'timeout', 'on_timeout'))
    try:
        discovery = facts.collect(sections=params['sections'], options=options)
    except DiscoveryTimeout as exc:
        module.fail_json(msg='discovery stopped because on_timeout=error: %s '
                             '(raise timeout, or use on_timeout=warn for partial results)' % exc)
    if params['method'] == 'shell':
        # Only gather_facts runs the module without its action plugin, which does the shell method.
        discovery['warnings'].append('method=shell needs the hwcloud.sms.source_facts action (gather_facts '
                                     'runs the module directly): collected with python')
    discovery['provenance']['method'] = 'python'
    for warning in discovery['warnings']:
        module.warn(warning)
    module.exit_json(changed=False, ansible_facts={'sms_discovery': discovery})


if __name__ == '__main__':
    main()
