"""An sshd on 127.0.0.1 whose every session runs chrooted into a given root file system.

``chroot_sshd(work, root, name)`` starts ``sshd -D`` on a free port with a temporary host key and
authorized key (``ForceCommand exec chroot <root> /bin/sh -c "$SSH_ORIGINAL_COMMAND"``), writes
an inventory with one host ``name`` reached through the real ``ssh`` connection plugin, and stops
sshd afterwards. ``run_source_facts`` runs ``hwcloud.sms.source_facts`` against it. Root only.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time

SSHD = shutil.which('sshd') or '/usr/sbin/sshd'


def available():
    return os.path.exists(SSHD) and bool(shutil.which('ssh-keygen')) and bool(shutil.which('ssh'))


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


@contextlib.contextmanager
def chroot_sshd(work, root, name, host_vars=''):
    work = str(work)
    for key in ('host_key', 'client_key'):
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', os.path.join(work, key)], check=True)
    with open(os.path.join(work, 'client_key.pub')) as source, \
            open(os.path.join(work, 'authorized_keys'), 'w') as target:
        target.write(source.read())
    port = _free_port()
    config = os.path.join(work, 'sshd_config')
    with open(config, 'w') as handle:
        handle.write('\n'.join([
            'ListenAddress 127.0.0.1:%d' % port,
            'HostKey %s' % os.path.join(work, 'host_key'),
            'PidFile %s' % os.path.join(work, 'sshd.pid'),
            'AuthorizedKeysFile %s' % os.path.join(work, 'authorized_keys'),
            'PermitRootLogin prohibit-password',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'UsePAM no',
            'StrictModes no',
            'LogLevel ERROR',
            'ForceCommand exec /usr/sbin/chroot %s /bin/sh -c "$SSH_ORIGINAL_COMMAND"' % root,
        ]) + '\n')
    os.makedirs('/run/sshd', mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    sshd = subprocess.Popen([SSHD, '-D', '-e', '-f', config], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_listening(port, sshd)
        inventory = os.path.join(work, 'hosts.ini')
        with open(inventory, 'w') as handle:
            handle.write(
                '%s ansible_host=127.0.0.1 ansible_port=%d ansible_user=root ansible_connection=ssh '
                'ansible_ssh_private_key_file=%s %s '
                'ansible_ssh_common_args="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"\n'
                % (name, port, os.path.join(work, 'client_key'), host_vars))
        yield {'inventory': inventory, 'work': work, 'root': root, 'name': name}
    finally:
        sshd.terminate()
        try:
            sshd.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sshd.kill()
            sshd.wait()


def run_source_facts(ansible_core, host, args, keep_interpreter=False):
    """``ansible <host> -m hwcloud.sms.source_facts``: (rc, result dict or {}, output)."""
    env = ansible_core.env({'ANSIBLE_SSH_CONTROL_PATH_DIR': os.path.join(host['work'], 'cp-' + ansible_core.version),
                            'ANSIBLE_HOST_KEY_CHECKING': 'false'})
    if not keep_interpreter:
        env.pop('ANSIBLE_PYTHON_INTERPRETER', None)  # the controller's venv does not exist on the host
    proc = subprocess.run([ansible_core.command('ansible'), host['name'], '-i', host['inventory'], '-m',
                           'hwcloud.sms.source_facts', '-a', json.dumps(args)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    output = proc.stdout + proc.stderr
    result = {}
    marker = proc.stdout.find(' => {')
    if marker >= 0:
        with contextlib.suppress(ValueError):
            result = json.JSONDecoder().raw_decode(proc.stdout[marker + 4:])[0]
    return proc.returncode, result, output
