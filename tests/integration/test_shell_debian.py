"""method=shell == method=python inside debootstrapped Debian roots, over a real ssh connection.

Each root (Debian 11 "bullseye" and 13 "trixie", minbase with python3, util-linux, lvm2,
btrfs-progs, xfsprogs, iproute2) is built once with debootstrap into ``.tmp/shell-roots/``
(about five minutes each, then cached; set HWCSMS_DEBIAN_ROOTS to a directory holding ready
roots). An sshd runs every session chrooted into the root, with the host's /proc, /sys and /dev
bind-mounted, so both methods see that release's tools against this machine's devices: the
module with its Python (3.9, 3.13), the capture script with its dash, stat, od and blkid.
Debian 12 is this machine (test_storage_devices.py compares the methods on its loop-device lab).
"""

import os
import shutil
import subprocess

import pytest

from busybox_root import system_mounts
from chroot_sshd import available, chroot_sshd, run_source_facts
from shell_helpers import ROOT, comparable, differences

SUITES = {'debian11': 'bullseye', 'debian13': 'trixie'}
PACKAGES = 'python3,util-linux,fdisk,lvm2,btrfs-progs,xfsprogs,e2fsprogs,iproute2'
ROOTS = os.environ.get('HWCSMS_DEBIAN_ROOTS', os.path.join(ROOT, '.tmp', 'shell-roots'))
MIRROR = os.environ.get('HWCSMS_DEBIAN_MIRROR', 'http://deb.debian.org/debian')

pytestmark = [
    pytest.mark.root,
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason='needs root for debootstrap, chroot and bind mounts'),
    pytest.mark.skipif(not available(), reason='openssh-server/client not installed'),
]


def debian_root(suite):
    """The cached root of ``suite``, built with debootstrap when missing (skip when it cannot be)."""
    root = os.path.join(ROOTS, suite)
    if os.path.exists(os.path.join(root, '.hwcsms-complete')):
        return root
    debootstrap = shutil.which('debootstrap') or '/usr/sbin/debootstrap'
    if not os.path.exists(debootstrap):
        pytest.skip('debootstrap is not installed')
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(ROOTS, exist_ok=True)
    proc = subprocess.run([debootstrap, '--variant=minbase', '--include=' + PACKAGES, SUITES[suite], root, MIRROR],
                          capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        pytest.skip('debootstrap %s failed (offline?): %s' % (suite, proc.stderr[-500:]))
    open(os.path.join(root, '.hwcsms-complete'), 'w').close()
    return root


@pytest.fixture(scope='module', params=sorted(SUITES))
def debian_host(request, tmp_path_factory):
    root = debian_root(request.param)
    work = tmp_path_factory.mktemp('sshd-' + request.param)
    with system_mounts(root), chroot_sshd(work, root, request.param,
                                          'ansible_python_interpreter=/usr/bin/python3') as host:
        yield host


@pytest.mark.parametrize('ansible_core', ['2.19'], indirect=True)
def test_shell_equals_python_in_the_debian_root(ansible_core, debian_host):
    rc, python, output = run_source_facts(ansible_core, debian_host, {'method': 'python', 'exclude_devices': []},
                                          keep_interpreter=True)
    assert rc == 0, output[-3000:]
    rc, shell, output = run_source_facts(ansible_core, debian_host, {'method': 'shell', 'exclude_devices': []},
                                         keep_interpreter=True)
    assert rc == 0, output[-3000:]
    python, shell = python['ansible_facts']['sms_discovery'], shell['ansible_facts']['sms_discovery']
    assert python['system']['distribution']['major'] == int(debian_host['name'][-2:])
    assert (python['provenance']['method'], shell['provenance']['method']) == ('python', 'shell')
    found = differences(comparable(python), comparable(shell))
    assert not found, '\n'.join(found)
