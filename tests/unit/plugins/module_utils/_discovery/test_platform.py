"""The platform collector on the DMI/sysfs marker sets of each cloud and hypervisor."""

from __future__ import annotations

import os

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import dmi, platform
from tests.fixtures.system.fakeroot import HERE, CannedContext, load_json, write_tree

DMI_DIR = os.path.join(HERE, 'dmi')

# fixture -> (cloud, virtualization_type, virtualization_role, xen_guest_type, paravirtualized)
EXPECTED = {
    'huaweicloud-kvm': ('huaweicloud', 'kvm', 'guest', None, False),
    'alibaba-ecs': ('alibaba', 'kvm', 'guest', None, False),
    'tencent-cvm': ('tencent', 'kvm', 'guest', None, False),
    'aws-nitro': ('aws', 'kvm', 'guest', None, False),
    'aws-xen-hvm': ('aws', 'xen', 'guest', 'HVM', False),
    'azure': ('azure', 'hyperv', 'guest', None, False),
    'hyperv': ('hyperv', 'hyperv', 'guest', None, False),
    'gcp': ('gcp', 'kvm', 'guest', None, False),
    'openstack': ('openstack', 'kvm', 'guest', None, False),
    'vmware': ('vmware', 'vmware', 'guest', None, False),
    'kvm-qemu': ('kvm', 'kvm', 'guest', None, False),
    'kvm-rhev': ('kvm', 'kvm', 'guest', None, False),
    'xen-hvm': ('xen', 'xen', 'guest', 'HVM', False),
    'xen-pv': ('xen', 'xen', 'guest', 'PV', True),
    'xen-pv-old-kernel': ('xen', 'xen', 'guest', 'PV', True),
    'xen-dom0': ('physical', 'xen', 'host', None, False),
    'physical-dell': ('physical', None, None, None, False),
    'physical-kvm-host': ('physical', 'kvm', 'host', None, False),
    'virtualbox': ('other', 'virtualbox', 'guest', None, False),
    'firecracker-no-dmi': ('other', None, 'guest', None, False),
}


def collect(tmp_path, name):
    ctx = CannedContext(write_tree(tmp_path, load_json(DMI_DIR, name + '.json')['files']))
    return platform.collect(ctx, {}), ctx


def test_every_fixture_has_an_expectation():
    assert sorted(name[:-5] for name in os.listdir(DMI_DIR)) == sorted(EXPECTED)


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_platform_of_each_marker_set(tmp_path, name):
    facts, _ctx = collect(tmp_path, name)
    got = (facts['cloud'], facts['virtualization_type'], facts['virtualization_role'], facts['xen_guest_type'],
           facts['paravirtualized'])
    assert got == EXPECTED[name]
    assert facts['cloud_evidence'], 'every cloud decision names its evidence'
    assert set(facts['dmi']) == set(dmi.DMI_FIELDS)


def test_huawei_cloud_evidence_and_dmi_values(tmp_path):
    facts, ctx = collect(tmp_path, 'huaweicloud-kvm')
    assert facts['cloud_evidence'] == ["dmi chassis_asset_tag='HUAWEICLOUD'"]
    assert facts['virtualization_evidence'] == ["dmi product_name='OpenStack Nova'"]
    assert facts['dmi']['sys_vendor'] == 'OpenStack Foundation'
    assert facts['dmi']['board_vendor'] is None  # empty string -> null
    assert facts['dmi']['product_uuid'] is None  # not in the tree (root-only on a real machine)
    assert ctx.warnings == []


def test_aws_evidence_lists_every_marker(tmp_path):
    facts, _ctx = collect(tmp_path, 'aws-nitro')
    assert facts['cloud_evidence'] == [
        "dmi sys_vendor='Amazon EC2'", "dmi bios_vendor='Amazon EC2'", 'dmi product_uuid starts with ec2']
    facts, _ctx = collect(tmp_path / 'xen', 'aws-xen-hvm')
    assert "dmi bios_version='4.11.amazon'" in facts['cloud_evidence']
    assert '/sys/hypervisor/uuid starts with ec2' in facts['cloud_evidence']
    assert facts['virtualization_evidence'] == ['/sys/hypervisor/type=xen', '/sys/hypervisor/guest_type=HVM']


def test_xen_pv_without_guest_type_uses_the_vme_heuristic(tmp_path):
    facts, _ctx = collect(tmp_path, 'xen-pv-old-kernel')
    assert facts['virtualization_evidence'] == ['/sys/hypervisor/type=xen', '/proc/xen exists',
                                                '/proc/cpuinfo lacks the vme flag']


def test_missing_dmi_is_warned(tmp_path):
    _facts, ctx = collect(tmp_path, 'firecracker-no-dmi')
    assert ctx.warnings == ['platform: no DMI tables (/sys/class/dmi/id missing): cloud from sysfs markers only']


def test_azure_needs_its_asset_tag_and_hyperv_needs_microsoft():
    assert dmi.identify_cloud({'chassis_asset_tag': dmi.AZURE_ASSET_TAG})[0] == 'azure'
    generic = {'dmi': {'sys_vendor': 'Some Vendor', 'product_name': 'Virtual Machine'}}
    assert dmi.identify_hypervisor(generic)[0] is None


@pytest.mark.parametrize('uuid, expected', [
    ('EC2D6E1C-5B1A-8A2E-9D3C-0242AC120002', True),
    ('45E12AEC-DCD1-B213-94ED-012345ABCDEF', True),   # SMBIOS < 2.6 byte order: "EC2" swapped
    ('ec2e1916-9099-7caf-fd21-012345abcdef', True),
    ('4C4C4544-0042-3510-8048-B4C04F4A4D32', False),
    ('', False), (None, False), ('not-a-uuid', False),
])
def test_ec2_uuid(uuid, expected):
    assert dmi._is_ec2_uuid(uuid) is expected  # pylint: disable=protected-access


def test_containers_without_hypervisor_markers(tmp_path):
    cpuinfo = 'processor\t: 0\nflags\t\t: fpu vme de pse\n'
    files = {'/proc/cpuinfo': cpuinfo, '/.dockerenv': ''}
    facts = platform.collect(CannedContext(write_tree(tmp_path, files)), {})
    assert (facts['virtualization_type'], facts['virtualization_role'], facts['cloud']) == ('docker', 'guest', 'other')


def test_openvz_markers():
    assert dmi.identify_hypervisor({'proc_vz': True, 'proc_bc': True})[:2] == ('openvz', 'host')
    assert dmi.identify_hypervisor({'proc_vz': True})[:2] == ('openvz', 'guest')
    assert dmi.identify_hypervisor({'hyperv_kvp': True})[:2] == ('hyperv', 'guest')


def test_unknown_architecture_without_flags_is_not_called_physical():
    facts = dmi.classify({'dmi': {}, 'cpu_flags': None})
    assert (facts['cloud'], facts['virtualization_type'], facts['virtualization_role']) == ('other', None, None)


@pytest.mark.parametrize('text, flags, model', [
    ('processor\t: 0\nmodel name\t: QEMU Virtual CPU version 2.5+\nflags\t\t: fpu vme hypervisor\n\n'
     'processor\t: 1\nflags\t\t: other\n', ['fpu', 'vme', 'hypervisor'], 'QEMU Virtual CPU version 2.5+'),
    ('processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm\nCPU implementer\t: 0x41\n', None, None),
    ('', None, None),
])
def test_parse_cpuinfo(text, flags, model):
    assert platform.parse_cpuinfo(text) == (flags, model)
