"""A host with no Python at all, reached through the real ``ssh`` connection plugin.

An sshd on 127.0.0.1 (a free port, a temporary host key and authorized key) runs every session
chrooted into a root holding only busybox (``ForceCommand chroot <root> /bin/sh -c ...``): no
Python, no util-linux. ``hwcloud.sms.source_facts`` with the default ``method: auto`` finds no
interpreter, picks ``shell`` and returns every section, on each supported ansible-core; asked
for ``python`` it fails the way any module does there.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time

import pytest

from busybox_root import BUSYBOX, busybox_root

SSHD = shutil.which('sshd') or '/usr/sbin/sshd'
pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason='needs root for chroot and bind mounts'),
    pytest.mark.skipif(not os.path.exists(SSHD) or not shutil.which('ssh-keygen') or not shutil.which('ssh'),
                       reason='openssh-server/client not installed'),
    pytest.mark.skipif(not os.path.exists(BUSYBOX), reason='busybox-static is not installed'),
]


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _wait_listening(port, process, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError('sshd exited: %s' % process.stderr.read().decode(errors='replace'))
        with contextlib.suppress(OSError), socket.create_connection(('127.0.0.1', port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError('sshd did not listen on port %d' % port)


@pytest.fixture(scope='module')
def no_python_host(tmp_path_factory):
    work = tmp_path_factory.mktemp('sshd')
    for name in ('host_key', 'client_key'):
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(work / name)], check=True)
    (work / 'authorized_keys').write_text((work / 'client_key.pub').read_text())
    with busybox_root(work / 'root') as root:
        port = _free_port()
        config = work / 'sshd_config'
        config.write_text('\n'.join([
            'ListenAddress 127.0.0.1:%d' % port,
            'HostKey %s' % (work / 'host_key'),
            'PidFile %s' % (work / 'sshd.pid'),
            'AuthorizedKeysFile %s' % (work / 'authorized_keys'),
            'PermitRootLogin prohibit-password',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'UsePAM no',
            'StrictModes no',
            'LogLevel ERROR',
            # every session runs inside the busybox root: the host has no Python
            'ForceCommand exec /usr/sbin/chroot %s /bin/sh -c "$SSH_ORIGINAL_COMMAND"' % root,
        ]) + '\n')
        os.makedirs('/run/sshd', mode=0o755, exist_ok=True)  # sshd's privilege separation directory
        sshd = subprocess.Popen([SSHD, '-D', '-e', '-f', str(config)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            _wait_listening(port, sshd)
            inventory = work / 'hosts.ini'
            inventory.write_text(
                'bare ansible_host=127.0.0.1 ansible_port=%d ansible_user=root ansible_connection=ssh '
                'ansible_ssh_private_key_file=%s '
                'ansible_ssh_common_args="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"\n'
                % (port, work / 'client_key'))
            yield {'inventory': str(inventory), 'work': work, 'root': root}
        finally:
            sshd.terminate()
            try:
                sshd.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sshd.kill()
                sshd.wait()


def _run(ansible_core, host, args):
    env = ansible_core.env({'ANSIBLE_SSH_CONTROL_PATH_DIR': str(host['work'] / ('cp-' + ansible_core.version)),
                            'ANSIBLE_HOST_KEY_CHECKING': 'false'})
    env.pop('ANSIBLE_PYTHON_INTERPRETER', None)  # discovery as on any fleet: nothing configured
    proc = subprocess.run([ansible_core.command('ansible'), 'bare', '-i', host['inventory'], '-m',
                           'hwcloud.sms.source_facts', '-a', json.dumps(args)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    output = proc.stdout + proc.stderr
    result = {}
    marker = proc.stdout.find(' => {')
    if marker >= 0:
        with contextlib.suppress(ValueError):
            result = json.JSONDecoder().raw_decode(proc.stdout[marker + 4:])[0]
    return proc.returncode, result, output


def test_auto_picks_shell_and_the_result_is_complete(ansible_core, no_python_host):
    rc, result, output = _run(ansible_core, no_python_host, {'exclude_devices': []})
    assert rc == 0, output[-3000:]
    discovery = result['ansible_facts']['sms_discovery']
    assert discovery['provenance']['method'] == 'shell', discovery['provenance']
    assert 'no Python' in discovery['provenance']['method_reason']
    assert discovery['sections'] == ['storage', 'network', 'firmware', 'system', 'platform']
    assert all(discovery[section] is not None for section in discovery['sections'])
    assert not [w for w in discovery['warnings'] if 'internal error' in w or w.startswith('capture:')]
    assert discovery['system']['distribution']['id'] == 'busybox'
    assert discovery['system']['kernel_release'] == os.uname().release
    assert {disk['name'] for disk in discovery['storage']['disks']} == {
        name for name in os.listdir('/sys/block') if int(open('/sys/block/%s/size' % name).read())}
    assert {i['name'] for i in discovery['network']['interfaces']} == set(os.listdir('/sys/class/net'))


def test_python_method_fails_without_python(ansible_core, no_python_host):
    rc, _result, output = _run(ansible_core, no_python_host, {'method': 'python', 'sections': ['system']})
    assert rc != 0 and ('FAILED' in output or 'UNREACHABLE' in output), output[-2000:]
