"""Run hwcloud.sms.source_facts through the real ansible / ansible-playbook command lines."""

from __future__ import annotations

import json
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
LEGACY_BIN = os.path.join(ROOT, '.venv-legacy', 'bin')
COLLECTIONS = os.path.join(ROOT, '.tmp', 'collections')
MODULE = 'hwcloud.sms.source_facts'
# "localhost | SUCCESS => {" / "localhost | FAILED! => {" of the minimal callback
_RESULT_LINE = re.compile(r'^localhost \| (?P<status>[A-Z!]+)(?: \| rc=\d+)? => ', re.MULTILINE)


def ansible_env(home, **extra):
    """Environment for one isolated ansible run: our collection only, a private ANSIBLE_HOME."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith('ANSIBLE_'):
            del env[name]
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_HOME': str(home),
        'ANSIBLE_LOCAL_TEMP': os.path.join(str(home), 'tmp'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_DEPRECATION_WARNINGS': 'false',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
    })
    env.update(extra)
    return env


def run(argv, env, timeout=120):
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def run_adhoc(home, args=None, ansible_bin=VENV_BIN, interpreter=None, extra_argv=(), env_extra=None):
    """``ansible localhost -m hwcloud.sms.source_facts``; (rc, status, result dict, stdout + stderr)."""
    argv = [os.path.join(ansible_bin, 'ansible'), 'localhost', '-m', MODULE]
    if args:
        argv += ['-a', json.dumps(args)]
    if interpreter:
        argv += ['-e', 'ansible_python_interpreter=%s' % interpreter]
    argv += list(extra_argv)
    rc, stdout, stderr = run(argv, ansible_env(home, **(env_extra or {})))
    match = _RESULT_LINE.search(stdout)
    assert match, 'no result line in ansible output:\n%s\n%s' % (stdout, stderr)
    result = json.JSONDecoder().raw_decode(stdout[match.end():])[0]
    return rc, match.group('status'), result, stdout + stderr


def all_values(value, path=''):
    """(path, key, value) of every dict entry, recursively."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, item
            yield from all_values(item, '%s.%s' % (path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from all_values(item, '%s[%d]' % (path, index))


def meminfo_total_bytes():
    with open('/proc/meminfo') as handle:
        for line in handle:
            if line.startswith('MemTotal:'):
                return int(line.split()[1]) * 1024
    raise AssertionError('no MemTotal in /proc/meminfo')
