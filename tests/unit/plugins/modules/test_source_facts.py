"""hwcloud.sms.source_facts: argument spec, documentation and the module run as a process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import facts, storage
from ansible_collections.hwcloud.sms.plugins.modules import source_facts
from tests.fixtures.system.fakeroot import (
    HERE, CannedContext, load_json, release_files, undocumented_keys, write_tree,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
MODULE = os.path.join(ROOT, 'plugins', 'modules', 'source_facts.py')
COLLECTIONS = os.path.join(ROOT, '.tmp', 'collections')
MODULE_DOC = yaml.safe_load(source_facts.DOCUMENTATION)
MODULE_RETURN = yaml.safe_load(source_facts.RETURN)
DISCOVERY_DOC = os.path.join(ROOT, 'docs', 'discovery.md')


def run_module(tmp_path, args):
    """Run the module file as Ansible would run it on the target; (rc, result dict, stderr)."""
    args_file = tmp_path / 'args.json'
    args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    proc = subprocess.run([sys.executable, MODULE, str(args_file)], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def warning_messages(result):
    return [entry['event']['msg'] if isinstance(entry, dict) else entry for entry in result.get('warnings', [])]


def test_documented_options_match_the_defaults_in_code():
    options = MODULE_DOC['options']
    assert options['sections']['choices'] == list(facts.SECTIONS)
    assert options['sections']['default'] == list(facts.SECTIONS)
    assert options['exclude_devices']['default'] == storage.DEFAULT_EXCLUDE_DEVICES
    assert options['exclude_fstypes']['default'] == storage.DEFAULT_EXCLUDE_FSTYPES
    assert options['timeout']['default'] == 10
    assert options['on_timeout']['choices'] == ['warn', 'error', 'ignore']
    attributes = MODULE_DOC['attributes']
    assert (attributes['check_mode']['support'], attributes['diff_mode']['support'], attributes['facts']['support']) == \
        ('full', 'N/A', 'full')


def fake_machine_discovery(tmp_path):
    """Every non-storage section of a fake UEFI Huawei Cloud VM with a bridge and a bond."""
    files = dict(release_files(os.path.join(HERE, 'os', 'sles12sp2')))
    files.update(load_json(HERE, 'dmi', 'huaweicloud-kvm.json')['files'])
    files.update({'/proc/meminfo': 'MemTotal: 1024 kB\n', '/boot/grub2/grub.cfg': '', '/etc/locale.conf': 'LANG=C\n',
                  '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c': b'\x06\0\0\0\x01'})
    for name, index in (('eth0', 2), ('br0', 3)):
        files.update({'/sys/class/net/%s/address' % name: '02:00:5e:00:00:0%d\n' % index,
                      '/sys/class/net/%s/mtu' % name: '1500\n', '/sys/class/net/%s/type' % name: '1\n',
                      '/sys/class/net/%s/ifindex' % name: '%d\n' % index, '/sys/class/net/%s/iflink' % name: '%d\n' % index})
    ctx = CannedContext(write_tree(tmp_path, files), commands={
        ('ip', '-o', 'addr', 'show'): '2: eth0    inet 192.0.2.8/24 brd 192.0.2.255 scope global eth0\n'
                                      '2: eth0    inet6 2001:db8::8/64 scope global \n',
        ('ip', '-4', 'route', 'show', 'table', 'all'): 'default via 192.0.2.1 dev eth0 metric 5\n',
        ('ip', '-6', 'route', 'show', 'table', 'all'): 'default via 2001:db8::1 dev eth0\n',
    })
    return facts.collect(sections=['network', 'firmware', 'system', 'platform'], ctx=ctx)


def test_return_documents_every_key(tmp_path):
    discovery = fake_machine_discovery(tmp_path)
    documented = MODULE_RETURN['ansible_facts']['contains']['sms_discovery']['contains']
    assert undocumented_keys(discovery, documented, 'sms_discovery') == []
    assert set(documented) == set(discovery) | {'storage'}


def test_docs_discovery_md_mentions_every_key(tmp_path):
    with open(DISCOVERY_DOC) as handle:
        text = handle.read()
    documented = set(re.findall(r'`([a-z0-9_]+)`', text))

    def keys(value):
        if isinstance(value, dict):
            for key, item in value.items():
                yield key
                if key not in ('tools', 'provenance'):
                    yield from keys(item)
        elif isinstance(value, list):
            for item in value:
                yield from keys(item)

    assert sorted(set(keys(fake_machine_discovery(tmp_path))) - documented) == []


def test_module_returns_the_fact_and_mirrors_warnings(tmp_path):
    rc, result, stderr = run_module(tmp_path, {'sections': ['platform', 'system']})
    assert rc == 0, stderr
    assert result['changed'] is False
    discovery = result['ansible_facts']['sms_discovery']
    assert discovery['sections'] == ['system', 'platform']
    assert 'network' not in discovery and 'storage' not in discovery
    assert discovery['system']['memory_bytes'] > 0
    assert warning_messages(result) == discovery['warnings']
    assert 'Traceback' not in stderr


def test_check_mode_gives_the_same_facts(tmp_path):
    rc, result, _stderr = run_module(tmp_path, {'sections': ['system'], '_ansible_check_mode': True})
    assert rc == 0
    assert result['changed'] is False
    assert result['ansible_facts']['sms_discovery']['system']['os_family'] == 'linux'


def test_on_timeout_error_fails_with_a_clear_message(tmp_path):
    rc, result, stderr = run_module(tmp_path, {'sections': ['network'], 'timeout': 0.000001, 'on_timeout': 'error'})
    if os.path.exists('/usr/sbin/ip') or os.path.exists('/sbin/ip') or os.path.exists('/usr/bin/ip'):
        assert rc == 1
        assert result['failed'] is True
        assert re.match(r"^discovery stopped because on_timeout=error: network: command 'ip [-a-z0-9 ]+' "
                        r"did not finish within 1e-06 seconds \(raise timeout, or use on_timeout=warn for "
                        r"partial results\)$", result['msg']), result['msg']
        assert 'ansible_facts' not in result
    else:
        pytest.skip('no ip command: the network section runs no command that could time out')
    assert 'Traceback' not in stderr


def test_on_timeout_warn_keeps_partial_results(tmp_path):
    rc, result, _stderr = run_module(tmp_path, {'sections': ['network'], 'timeout': 0.000001})
    assert rc == 0
    discovery = result['ansible_facts']['sms_discovery']
    assert any('did not finish within 1e-06 seconds' in warning for warning in discovery['warnings'])
    assert discovery['network']['interfaces']  # sysfs still answered


@pytest.mark.parametrize('args, message', [
    ({'timeout': 0}, 'timeout must be a positive number of seconds, got 0.0'),
    ({'sections': ['disks']}, 'value of sections must be one or more of: storage, network, firmware, system, platform'),
    ({'on_timeout': 'panic'}, 'value of on_timeout must be one of: warn, error, ignore'),
])
def test_bad_arguments_fail_cleanly(tmp_path, args, message):
    rc, result, stderr = run_module(tmp_path, args)
    assert rc == 1
    assert message in result['msg']
    assert 'Traceback' not in stderr
