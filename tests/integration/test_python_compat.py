"""The target-side code on old Pythons: ansible-core 2.16 with Python 2.7 and 3.6, and the
current ansible-core with the machine's Python 3. Every interpreter must see the same machine."""

from __future__ import annotations

import glob
import os
import subprocess

import pytest

from source_facts_helpers import LEGACY_BIN, ROOT, VENV_BIN, meminfo_total_bytes, run_adhoc

PYENV = '/root/.pyenv/versions'
PYTHON27 = os.path.join(PYENV, '2.7.18', 'bin', 'python')
PYTHON36 = os.path.join(PYENV, '3.6.15', 'bin', 'python')
SYSTEM_PYTHON3 = '/usr/bin/python3'
TARGET_FILES = sorted([os.path.join(ROOT, 'plugins', 'modules', 'source_facts.py')] +
                      glob.glob(os.path.join(ROOT, 'plugins', 'module_utils', '_discovery', '*.py')))
# Sections whose content does not change between two runs a few seconds apart (storage usage does).
STABLE_SECTIONS = ('network', 'firmware', 'system', 'platform')


def _require(path, what):
    if not os.access(path, os.X_OK):
        pytest.skip('%s not found at %s: cannot prove compatibility with it' % (what, path))


@pytest.mark.parametrize('interpreter', [PYTHON27, PYTHON36, SYSTEM_PYTHON3], ids=['py2.7', 'py3.6', 'system-py3'])
def test_every_target_side_file_compiles(interpreter):
    _require(interpreter, 'Python interpreter')
    script = ('import sys\n'
              'for path in sys.argv[1:]:\n'
              '    with open(path, "rb") as handle:\n'
              '        compile(handle.read(), path, "exec")\n')
    proc = subprocess.run([interpreter, '-c', script] + TARGET_FILES, capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert len(TARGET_FILES) > 5


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """The module through the current ansible-core and the machine's Python 3."""
    _require(SYSTEM_PYTHON3, 'the machine\'s Python 3')
    _require(os.path.join(VENV_BIN, 'ansible'), 'ansible in .venv')
    rc, status, result, output = run_adhoc(tmp_path_factory.mktemp('home'), interpreter=SYSTEM_PYTHON3)
    assert (rc, status) == (0, 'SUCCESS'), output
    return result['ansible_facts']['sms_discovery']


def _check(discovery, output):
    assert discovery['sections'] == ['storage', 'network', 'firmware', 'system', 'platform']
    assert all(isinstance(discovery[section], dict) for section in discovery['sections'])
    assert not [warning for warning in discovery['warnings'] if 'internal error' in warning], discovery['warnings']
    assert discovery['system']['memory_bytes'] == meminfo_total_bytes()
    assert 'Traceback' not in output


def test_current_ansible_core_with_the_machines_python3(reference):
    _check(reference, '')


@pytest.mark.parametrize('interpreter', [PYTHON27, PYTHON36], ids=['py2.7', 'py3.6'])
def test_ansible_core_2_16_with_old_pythons(tmp_path, reference, interpreter):
    _require(interpreter, 'Python interpreter')
    _require(os.path.join(LEGACY_BIN, 'ansible'), 'ansible-core 2.16 in .venv-legacy')
    rc, status, result, output = run_adhoc(tmp_path, ansible_bin=LEGACY_BIN, interpreter=interpreter)
    assert (rc, status) == (0, 'SUCCESS'), output
    discovery = result['ansible_facts']['sms_discovery']
    _check(discovery, output)
    # str/bytes handling: the same machine gives the same answers on every interpreter
    for section in STABLE_SECTIONS:
        assert discovery[section] == reference[section], section
    # storage content moves while other tests mount and unmount things; its shape must match
    assert sorted(discovery['storage']) == sorted(reference['storage'])
    assert discovery['storage']['disks'] and sorted(discovery['storage']['disks'][0]) == \
        sorted(reference['storage']['disks'][0])
