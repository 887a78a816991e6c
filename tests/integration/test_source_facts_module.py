"""hwcloud.sms.source_facts on this machine through the real ansible and ansible-playbook."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import stat
import subprocess
import textwrap

import pytest
import yaml

from ansible_collections.hwcloud.sms.plugins.modules import source_facts
from source_facts_helpers import (
    VENV_BIN, all_values, ansible_env, meminfo_total_bytes, run, run_adhoc,
)
from tests.fixtures.system.fakeroot import undocumented_keys

pytestmark = pytest.mark.skipif(not os.access(os.path.join(VENV_BIN, 'ansible'), os.X_OK),
                                reason='ansible missing from .venv (make venv)')


@pytest.fixture(scope='module')
def full_run(tmp_path_factory):
    """One default run of the module (all sections) shared by the structure tests."""
    rc, status, result, output = run_adhoc(tmp_path_factory.mktemp('ansible-home'))
    assert (rc, status) == (0, 'SUCCESS'), output
    return result, output


def test_every_section_is_collected_without_internal_error(full_run):
    result, output = full_run
    assert result['changed'] is False
    discovery = result['ansible_facts']['sms_discovery']
    assert discovery['schema_version'] == 1
    assert discovery['sections'] == ['storage', 'network', 'firmware', 'system', 'platform']
    for section in discovery['sections']:
        assert isinstance(discovery[section], dict), section
        assert isinstance(discovery['provenance'][section]['seconds'], float)
    assert not [w for w in discovery['warnings'] if 'internal error' in w]
    assert 'Traceback' not in output
    # warnings are reported to Ansible as task warnings too
    for warning in discovery['warnings']:
        assert warning.split(':', 1)[0] in discovery['sections']
    assert ('[WARNING]' in output) == bool(discovery['warnings'])


def test_return_documentation_covers_this_machine(full_run):
    documented = yaml.safe_load(source_facts.RETURN)['ansible_facts']['contains']['sms_discovery']['contains']
    assert undocumented_keys(full_run[0]['ansible_facts']['sms_discovery'], documented, 'sms_discovery') == []


def test_sizes_and_counts_are_integers(full_run):
    discovery = full_run[0]['ansible_facts']['sms_discovery']
    checked = 0
    for path, key, value in all_values(discovery):
        if key.endswith(('_bytes', '_count')) or key in ('mtu', 'prefix', 'major', 'minor', 'metric', 'ifindex'):
            assert value is None or (isinstance(value, int) and not isinstance(value, bool)), (path, key, value)
            checked += 1
    assert checked > 10


def test_system_facts_match_the_kernel(full_run):
    system = full_run[0]['ansible_facts']['sms_discovery']['system']
    assert system['memory_bytes'] == meminfo_total_bytes()
    assert system['kernel_release'] == platform.release()
    assert system['architecture'] == platform.machine()
    assert system['cpu_count'] == os.cpu_count()
    assert system['is_root'] == (os.geteuid() == 0)
    assert system['has_rsync'] == (shutil.which('rsync', path=os.environ['PATH'] + ':/usr/sbin:/sbin') is not None)
    with open('/etc/os-release') as handle:
        assert 'ID=%s\n' % system['distribution']['id'] in handle.read().replace('"', '')


def test_network_facts_match_ip(full_run):
    network = full_run[0]['ansible_facts']['sms_discovery']['network']
    ip_addr = subprocess.run(['ip', '-o', 'addr', 'show'], capture_output=True, text=True, check=True).stdout
    names = set(os.listdir('/sys/class/net'))
    assert set(entry['name'] for entry in network['interfaces']) == names
    if network['primary_ipv4']:
        assert ' inet %s/' % network['primary_ipv4'] in ip_addr
    for entry in network['interfaces']:
        for address in entry['ipv4']:
            assert '%s    inet %s/%d ' % (entry['name'], address['address'], address['prefix']) in ip_addr
    ip_route = subprocess.run(['ip', '-4', 'route', 'show', 'default'], capture_output=True, text=True, check=True).stdout
    if network['default_gateway']:
        assert 'default via %s dev %s' % (network['default_gateway'], network['default_interface']) in ip_route


def test_firmware_and_platform_match_sysfs(full_run):
    discovery = full_run[0]['ansible_facts']['sms_discovery']
    assert discovery['firmware']['boot_mode'] == ('uefi' if os.path.isdir('/sys/firmware/efi') else 'bios')
    assert discovery['platform']['cloud'] in ('huaweicloud', 'alibaba', 'aws', 'azure', 'gcp', 'tencent', 'openstack',
                                              'vmware', 'hyperv', 'kvm', 'xen', 'physical', 'other')
    assert discovery['platform']['cloud_evidence']


@pytest.mark.parametrize('method', ['auto', 'shell'])
def test_check_mode(tmp_path, method):
    rc, status, result, output = run_adhoc(tmp_path, {'sections': ['system'], 'method': method},
                                           interpreter='/usr/bin/python3', extra_argv=['--check'])
    assert (rc, status, result['changed']) == (0, 'SUCCESS', False), output
    discovery = result['ansible_facts']['sms_discovery']
    assert discovery['system']['memory_bytes'] == meminfo_total_bytes()
    assert discovery['provenance']['method'] == ('python' if method == 'auto' else 'shell')


def test_on_timeout_error_fails_clearly(tmp_path):
    rc, status, result, output = run_adhoc(tmp_path, {'timeout': 0.000001, 'on_timeout': 'error'})
    assert rc != 0 and status == 'FAILED!'
    # storage runs first; whichever of its commands, reads or statvfs comes first times out
    assert re.match(r'^discovery stopped because on_timeout=error: storage: .+ did not finish within 1e-06 seconds '
                    r'\(raise timeout, or use on_timeout=warn for partial results\)$', result['msg']), result['msg']
    assert 'ansible_facts' not in result
    assert 'Traceback' not in output and 'MODULE FAILURE' not in output


PLAYBOOK = textwrap.dedent('''\
    - name: Gather the discovery with the usual facts
      hosts: localhost
      connection: local
      gather_facts: true
      vars:
        ansible_facts_modules:
          - smart
          - hwcloud.sms.source_facts
      module_defaults:
        hwcloud.sms.source_facts:
          sections: [system, network]
          timeout: 7
          method: shell
      tasks:
        - name: Save what fact gathering produced
          ansible.builtin.copy:
            content: "{{ {'discovery': ansible_facts['sms_discovery'], 'kernel': ansible_facts['kernel'],
                          'fqdn_core': ansible_facts['fqdn']} | to_json }}"
            dest: "{{ output_file }}"
            mode: "0600"
    ''')


def test_gather_facts_with_facts_modules_and_module_defaults(tmp_path):
    playbook = tmp_path / 'gather.yml'
    playbook.write_text(PLAYBOOK)
    output_file = tmp_path / 'facts.json'
    # The machine's Python: fact modules run in parallel (async), which fails under pyenv shims.
    rc, stdout, stderr = run([os.path.join(VENV_BIN, 'ansible-playbook'), str(playbook), '-i', 'localhost,',
                              '-e', 'output_file=%s' % output_file, '-e', 'ansible_python_interpreter=/usr/bin/python3'],
                             ansible_env(tmp_path / 'home'))
    assert rc == 0, stdout + stderr
    saved = json.loads(output_file.read_text())
    assert saved['kernel'] == platform.release()  # the smart/setup facts are still there
    discovery = saved['discovery']
    assert discovery['sections'] == ['network', 'system']  # module_defaults reached the facts module
    assert discovery['system']['memory_bytes'] == meminfo_total_bytes()
    # gather_facts runs the module itself, not its action plugin (ansible-core 2.16 and 2.19)
    assert discovery['provenance']['method'] == 'python'
    assert any('method=shell needs the hwcloud.sms.source_facts action' in w for w in discovery['warnings'])
    assert 'Traceback' not in stdout + stderr


def _nobody_ids():
    import pwd
    try:
        entry = pwd.getpwnam('nobody')
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


@pytest.mark.skipif(os.geteuid() != 0, reason='switching to an unprivileged user needs root')
@pytest.mark.skipif(shutil.which('setpriv') is None, reason='setpriv (util-linux) is missing')
@pytest.mark.skipif(_nobody_ids() is None, reason='no nobody user')
def test_unprivileged_run_gives_partial_results_with_warnings(tmp_path):
    """The module runs as nobody: ansible streams it (pipelining) to an interpreter started by
    setpriv, with an ANSIBLE_HOME nobody can write."""
    uid, gid = _nobody_ids()
    home = tmp_path / 'home'
    home.mkdir()
    os.chmod(str(tmp_path), 0o755)
    os.chmod(str(home), 0o777)
    python = shutil.which('python3', path='/usr/bin:/bin')
    wrapper = tmp_path / 'python-as-nobody'
    wrapper.write_text('#!/bin/sh\nexec setpriv --reuid=%d --regid=%d --clear-groups %s "$@"\n' % (uid, gid, python))
    wrapper.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    rc, status, result, output = run_adhoc(home, interpreter=str(wrapper),
                                           env_extra={'ANSIBLE_PIPELINING': 'true',
                                                      'ANSIBLE_REMOTE_TMP': str(home / 'remote-tmp')})
    assert (rc, status) == (0, 'SUCCESS'), output
    discovery = result['ansible_facts']['sms_discovery']
    assert discovery['system']['is_root'] is False
    assert discovery['system']['memory_bytes'] == meminfo_total_bytes()
    assert discovery['platform']['dmi']['product_uuid'] is None
    assert discovery['warnings'], 'a non-root run must say what it could not see'
    assert not [w for w in discovery['warnings'] if 'internal error' in w]
    assert all(isinstance(discovery[section], dict) for section in discovery['sections'])
    assert 'Traceback' not in output
