"""Capture files: made with ``sh sms-capture.sh > host.smscap`` and registered against the emulator.

The script runs on this machine as a user would run it; the capture becomes ``sms_discovery``
through the ``hwcloud.sms.capture_facts`` filter (same facts as ``method: python``), and
``playbooks/register_captures.yml`` registers a directory of captures exactly once per host,
reporting the one hostile file without losing the others.
"""

import json
import os
import re
import subprocess
import sys

import pytest

from shell_helpers import ROOT, SCRIPT, comparable, differences
from source_facts_helpers import ansible_env, run_adhoc

PLAYBOOK = os.path.join(ROOT, 'playbooks', 'register_captures.yml')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')


def capture(path, *args):
    with open(path, 'wb') as handle:
        subprocess.run(['sh', SCRIPT] + list(args), stdout=handle, check=True, timeout=120)
    return path


def as_other_host(text, name, mac_suffix):
    """The same capture claiming another host name, MAC addresses and IPv4 addresses (a second server)."""
    nonce = text.split('\n', 1)[0].split(' ')[1]
    for address in set(re.findall(r' inet (\d+\.\d+\.\d+\.\d+)/', text)) - {'127.0.0.1'}:
        text = text.replace(address, '198.51.100.%d' % (int(address.split('.')[-1]) % 250 + 1))
    text = re.sub(r'(%s B file /proc/sys/kernel/hostname\n)[^\n]*' % re.escape(nonce), r'\g<1>' + name, text)
    return re.sub(r'(%s B file /sys/class/net/[^/\n]+/address\n)([0-9a-f:]{15})..' % re.escape(nonce),
                  r'\g<1>\g<2>' + mac_suffix, text)


def filter_facts(home, path, args=''):
    """``lookup('file') | hwcloud.sms.capture_facts`` through the real ansible command line."""
    expression = "{{ lookup('ansible.builtin.file', %r, rstrip=false) | hwcloud.sms.capture_facts(%s) | to_json }}" % (
        str(path), args)
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible'), 'localhost', '-m',
                           'ansible.builtin.debug', '-a', 'msg=%s' % expression],
                          env=ansible_env(home), capture_output=True, text=True, timeout=120, check=False)
    return proc


def _from_capture_file(home, path):
    proc = filter_facts(home, path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.JSONDecoder().raw_decode(proc.stdout[proc.stdout.index('{'):])[0]
    return result['msg'] if isinstance(result['msg'], dict) else json.loads(result['msg'])


def test_capture_file_gives_the_facts_of_the_module(tmp_path):
    from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import capture as reader

    # Other tests mount and attach devices meanwhile: compare only when captures taken just
    # before and after the module run agree (the machine held still).
    for attempt in range(3):
        path = capture(tmp_path / ('here%d.smscap' % attempt))
        rc, status, module, output = run_adhoc(tmp_path / ('b%d' % attempt), {'method': 'python'},
                                               interpreter='/usr/bin/python3')
        assert rc == 0 and status == 'SUCCESS', output
        after = reader.discover(capture(tmp_path / 'after.smscap').read_bytes())
        if comparable(reader.discover(path.read_bytes())) == comparable(after):
            break
    else:
        pytest.fail('the machine never held still for a capture, a module run and a capture')
    from_capture = _from_capture_file(tmp_path / 'a', path)
    python = module['ansible_facts']['sms_discovery']
    assert from_capture['provenance']['method'] == 'capture'
    found = differences(comparable(python), comparable(from_capture))
    assert not found, '\n'.join(found)


def test_hostile_capture_is_a_clear_error(tmp_path):
    path = tmp_path / 'bad.smscap'
    path.write_bytes(b'#!/bin/sh\nrm -rf /\n{{ lookup("pipe", "id") }}\n')
    proc = filter_facts(tmp_path / 'a', path)
    assert proc.returncode != 0
    assert 'not an sms-capture stream' in proc.stdout + proc.stderr
    assert 'Traceback' not in proc.stdout + proc.stderr


@pytest.mark.usefixtures('sms_emulator')
def test_register_a_directory_of_captures_once(sms_emulator, tmp_path):
    captures = tmp_path / 'captures'
    captures.mkdir()
    first = capture(captures / 'alpha.smscap').read_text(errors='surrogateescape')
    (captures / 'beta.smscap').write_text(as_other_host(first, 'beta-capture', 'be'), errors='surrogateescape')
    (captures / 'broken.smscap').write_text('SMSCAP/9 @abc\n')
    env = ansible_env(tmp_path / 'home', **sms_emulator.env())
    env.update(NO_PROXY='127.0.0.1,localhost', no_proxy='127.0.0.1,localhost')
    # this machine (a container) has no boot loader, which SMS refuses unless told
    argv = [ANSIBLE_PLAYBOOK, PLAYBOOK, '-e', json.dumps({'sms_capture_dir': str(captures),
                                                          'sms_capture_overrides': {'boot_loader': 'GRUB'}})]

    run = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = run.stdout + run.stderr
    assert run.returncode != 0 and 'capture format 9 is not supported' in output, output[-3000:]
    names = sorted(source['name'] for source in sms_emulator.sources())
    assert len(names) == 2 and "beta-capture" in names, output[-4000:]

    (captures / 'broken.smscap').unlink()
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    assert re.search(r'localhost\s*: ok=\d+\s+changed=0 ', again.stdout), again.stdout[-2000:]
    assert sorted(source['name'] for source in sms_emulator.sources()) == names
    assert sms_emulator.ak not in output + again.stdout and sms_emulator.sk not in output + again.stdout
