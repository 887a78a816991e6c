# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure classification of DMI strings and sysfs/procfs markers into hypervisor and cloud.

This module util is PRIVATE to the hwcloud.sms collection. Standard library only, Python 2.7
and 3.6+. Values in, decisions with their evidence out; nothing here touches the system.

The cloud (who runs the machine) and the hypervisor (what virtualizes it) are separate answers:
Huawei Cloud, Alibaba, GCP and AWS Nitro run KVM, older AWS runs Xen, Azure runs Hyper-V.
Markers come from cloud-init ds-identify, systemd ``virt.c``, Ohai, Facter and Ansible (see
``docs/discovery.md``, platform). No marker needs a network call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DMI_FIELDS = ('sys_vendor', 'product_name', 'product_version', 'product_uuid', 'bios_vendor',
              'bios_version', 'chassis_asset_tag', 'chassis_vendor', 'board_vendor')
# Read for classification only, not reported (product_serial is root-only and host-specific).
DMI_EXTRA_FIELDS = ('product_serial',)

AZURE_ASSET_TAG = '7783-7084-3265-9085-8269-3286-77'


def _matches(value, test, needle):
    if not value:
        return False
    value, needle = value.strip().lower(), needle.lower()
    if test == 'equals':
        return value == needle
    if test == 'startswith':
        return value.startswith(needle)
    return needle in value


def _marker_hits(rules, dmi):
    """``(name, evidence)`` for every rule ``(name, field, test, needle)`` that matches ``dmi``."""
    hits = []
    for name, field, test, needle in rules:
        value = dmi.get(field)
        if _matches(value, test, needle):
            hits.append((name, 'dmi %s=%r' % (field, value.strip())))
    return hits


def _first(hits, order):
    """The first name of ``order`` that has hits, with all of its evidence."""
    for name in order:
        evidence = [text for hit, text in hits if hit == name]
        if evidence:
            return name, evidence
    return None, []


# Cloud markers, in decision order: a cloud built on OpenStack (Huawei Cloud) must be tested
# before OpenStack itself, and Azure (asset tag) before plain Hyper-V.
CLOUD_ORDER = ('huaweicloud', 'alibaba', 'tencent', 'aws', 'azure', 'gcp', 'openstack')
CLOUD_RULES = (
    ('huaweicloud', 'chassis_asset_tag', 'equals', 'HUAWEICLOUD'),
    ('alibaba', 'sys_vendor', 'contains', 'Alibaba'),
    ('alibaba', 'product_name', 'contains', 'Alibaba Cloud'),
    # Unconfirmed: no published DMI marker for Tencent Cloud CVM; "Tencent" anywhere is a guess.
    ('tencent', 'sys_vendor', 'contains', 'Tencent'),
    ('tencent', 'product_name', 'contains', 'Tencent'),
    ('tencent', 'bios_vendor', 'contains', 'Tencent'),
    ('aws', 'sys_vendor', 'startswith', 'Amazon'),
    ('aws', 'bios_vendor', 'contains', 'Amazon'),
    ('aws', 'bios_version', 'contains', 'amazon'),
    ('aws', 'product_version', 'contains', 'amazon'),
    ('azure', 'chassis_asset_tag', 'equals', AZURE_ASSET_TAG),
    ('gcp', 'product_name', 'contains', 'Google Compute Engine'),
    ('gcp', 'sys_vendor', 'equals', 'Google'),
    ('gcp', 'bios_vendor', 'contains', 'Google'),
    ('gcp', 'product_serial', 'startswith', 'GoogleCloud-'),
    ('openstack', 'product_name', 'startswith', 'OpenStack'),
    ('openstack', 'sys_vendor', 'startswith', 'OpenStack'),
    ('openstack', 'chassis_asset_tag', 'equals', 'OpenTelekomCloud'),
    ('openstack', 'chassis_asset_tag', 'equals', 'SAP CCloud VM'),
)

# Hypervisor markers from DMI. Clouds whose DMI names only the cloud map to the hypervisor
# they are documented to use (KVM for Alibaba, GCP, AWS Nitro, OpenStack Nova by default).
HYPERVISOR_ORDER = ('xen', 'vmware', 'hyperv', 'virtualbox', 'parallels', 'bhyve', 'kvm')
HYPERVISOR_RULES = (
    ('xen', 'sys_vendor', 'equals', 'Xen'),
    ('xen', 'product_name', 'equals', 'HVM domU'),
    ('xen', 'bios_vendor', 'equals', 'Xen'),
    ('vmware', 'sys_vendor', 'startswith', 'VMware'),
    ('vmware', 'product_name', 'startswith', 'VMware'),
    ('hyperv', 'product_name', 'equals', 'Virtual Machine'),
    ('virtualbox', 'product_name', 'equals', 'VirtualBox'),
    ('virtualbox', 'sys_vendor', 'equals', 'innotek GmbH'),
    ('parallels', 'sys_vendor', 'startswith', 'Parallels'),
    ('bhyve', 'sys_vendor', 'equals', 'BHYVE'),
    ('kvm', 'product_name', 'startswith', 'KVM'),
    ('kvm', 'product_name', 'equals', 'Bochs'),
    ('kvm', 'product_name', 'equals', 'AHV'),
    ('kvm', 'product_name', 'equals', 'RHEV Hypervisor'),
    ('kvm', 'sys_vendor', 'equals', 'QEMU'),
    ('kvm', 'sys_vendor', 'equals', 'oVirt'),
    ('kvm', 'sys_vendor', 'equals', 'Nutanix'),
    ('kvm', 'sys_vendor', 'equals', 'Amazon EC2'),
    ('kvm', 'sys_vendor', 'equals', 'Google'),
    ('kvm', 'sys_vendor', 'contains', 'Alibaba'),
    ('kvm', 'sys_vendor', 'contains', 'Tencent'),
    ('kvm', 'product_name', 'startswith', 'OpenStack'),
)
# Hyper-V's product name "Virtual Machine" alone is too generic: require Microsoft as vendor.
_HYPERV_VENDOR = 'Microsoft Corporation'
# Hypervisors that are also a value of ``cloud`` when no public cloud is recognised.
PRIVATE_PLATFORMS = ('vmware', 'hyperv', 'kvm', 'xen')


def _is_ec2_uuid(uuid):
    """AWS: product/hypervisor UUID starts with ``ec2``, or has it byte-swapped (SMBIOS 2.4 vs 2.6)."""
    uuid = (uuid or '').strip().lower()
    if uuid.startswith('ec2'):
        return True
    first = uuid.split('-', 1)[0]
    if len(first) != 8:
        return False
    swapped = first[6:8] + first[4:6] + first[2:4] + first[0:2]
    return swapped.startswith('ec2')


def identify_cloud(dmi, hypervisor_uuid=None):
    """``(cloud, evidence)`` of a recognised public/private cloud from DMI, else ``(None, [])``."""
    hits = _marker_hits(CLOUD_RULES, dmi)
    if _is_ec2_uuid(hypervisor_uuid):
        hits.append(('aws', '/sys/hypervisor/uuid starts with ec2'))
    if _is_ec2_uuid(dmi.get('product_uuid')):
        hits.append(('aws', 'dmi product_uuid starts with ec2'))
    return _first(hits, CLOUD_ORDER)


def identify_hypervisor(markers):
    """``(virtualization_type, virtualization_role, evidence)`` from ``markers``.

    ``markers`` keys (all optional): ``dmi`` (dict), ``hypervisor_type`` (``/sys/hypervisor/type``),
    ``proc_xen`` (bool), ``xen_capabilities`` (text), ``cpu_flags`` (list, None when unknown),
    ``cpu_model`` (str), ``hyperv_kvp`` (bool), ``proc_vz`` (bool), ``proc_bc`` (bool),
    ``kvm_device`` (bool: ``/sys/devices/virtual/misc/kvm``), ``container`` (str or None).
    """
    dmi = markers.get('dmi') or {}
    flags = markers.get('cpu_flags')
    has_hypervisor_flag = flags is not None and 'hypervisor' in flags
    if markers.get('hypervisor_type') == 'xen' or markers.get('proc_xen'):
        evidence = []
        if markers.get('hypervisor_type') == 'xen':
            evidence.append('/sys/hypervisor/type=xen')
        if markers.get('proc_xen'):
            evidence.append('/proc/xen exists')
        if 'control_d' in (markers.get('xen_capabilities') or ''):
            return 'xen', 'host', evidence + ['/proc/xen/capabilities has control_d']
        return 'xen', 'guest', evidence
    hits = [(name, text) for name, text in _marker_hits(HYPERVISOR_RULES, dmi)
            if name != 'hyperv' or _matches(dmi.get('sys_vendor'), 'equals', _HYPERV_VENDOR)]
    name, evidence = _first(hits, HYPERVISOR_ORDER)
    if name:
        return name, 'guest', evidence
    model = markers.get('cpu_model') or ''
    if 'QEMU Virtual CPU' in model or 'Common KVM processor' in model:
        return 'kvm', 'guest', ['/proc/cpuinfo model name=%r' % model]
    if markers.get('hyperv_kvp'):
        return 'hyperv', 'guest', ['/var/lib/hyperv/.kvp_pool_3 exists']
    if markers.get('proc_bc'):
        return 'openvz', 'host', ['/proc/bc/0 exists']
    if markers.get('proc_vz'):
        return 'openvz', 'guest', ['/proc/vz exists']
    if has_hypervisor_flag:
        return None, 'guest', ['/proc/cpuinfo has the hypervisor flag']
    if markers.get('kvm_device') and flags is not None:
        return 'kvm', 'host', ['/sys/devices/virtual/misc/kvm exists, no hypervisor cpu flag']
    if markers.get('container'):
        return markers['container'], 'guest', ['container marker: %s' % markers['container']]
    return None, None, []


def xen_guest_type(markers):
    """``(PV|HVM|PVH, evidence)`` of a Xen guest: ``/sys/hypervisor/guest_type`` (Linux 4.13+),
    else the cpuinfo heuristic Ansible uses (Xen PV guests lack the ``vme`` flag)."""
    guest_type = (markers.get('xen_guest_type') or '').strip().upper()
    if guest_type:
        return guest_type, ['/sys/hypervisor/guest_type=%s' % guest_type]
    flags = markers.get('cpu_flags')
    if flags is None:
        return None, []
    if 'vme' in flags:
        return 'HVM', ['/proc/cpuinfo has the vme flag']
    return 'PV', ['/proc/cpuinfo lacks the vme flag']


def classify(markers):
    """The ``platform`` facts except ``dmi``: hypervisor, role, Xen guest type, cloud, evidence."""
    dmi = markers.get('dmi') or {}
    virtualization_type, role, virtualization_evidence = identify_hypervisor(markers)
    guest_type, guest_evidence = (None, [])
    if virtualization_type == 'xen' and role == 'guest':
        guest_type, guest_evidence = xen_guest_type(markers)
    cloud, cloud_evidence = identify_cloud(dmi, markers.get('hypervisor_uuid'))
    if cloud is None:
        flags = markers.get('cpu_flags')
        if virtualization_type in PRIVATE_PLATFORMS and role == 'guest':
            cloud, cloud_evidence = virtualization_type, list(virtualization_evidence)
        elif role == 'guest':
            cloud, cloud_evidence = 'other', list(virtualization_evidence)
        elif role == 'host':
            cloud, cloud_evidence = 'physical', list(virtualization_evidence)
        elif flags is not None and 'hypervisor' not in flags:
            cloud, cloud_evidence = 'physical', ['/proc/cpuinfo lacks the hypervisor flag']
        else:
            cloud, cloud_evidence = 'other', ['no marker identifies the platform']
    return {
        'virtualization_type': virtualization_type,
        'virtualization_role': role,
        'virtualization_evidence': virtualization_evidence + guest_evidence,
        'xen_guest_type': guest_type,
        'paravirtualized': guest_type == 'PV',
        'cloud': cloud,
        'cloud_evidence': cloud_evidence,
    }
