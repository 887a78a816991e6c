"""A root file system with nothing but busybox (Debian busybox-static): no Python, no util-linux.

``busybox_root(path)`` builds it, bind-mounts the host's /proc, /sys and /dev into it (discovery
reads them; ``system_mounts(root)`` does that for any root) and removes the mounts afterwards,
also after a failure. Root only.
"""

import contextlib
import os
import shutil
import subprocess

BUSYBOX = shutil.which('busybox') or '/bin/busybox'
MOUNTS = ('proc', 'sys', 'dev')


def available():
    return os.geteuid() == 0 and os.path.exists(BUSYBOX) and b'static' in subprocess.run(
        ['file', '-L', BUSYBOX], capture_output=True, check=False).stdout if shutil.which('file') else (
        os.geteuid() == 0 and os.path.exists(BUSYBOX))


def _build(root):
    for directory in ('bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'tmp', 'root', 'boot') + MOUNTS:
        os.makedirs(os.path.join(root, directory), exist_ok=True)
    os.chmod(os.path.join(root, 'tmp'), 0o1777)
    shutil.copy2(BUSYBOX, os.path.join(root, 'bin', 'busybox'))
    listing = subprocess.run([BUSYBOX, '--list-full'], capture_output=True, text=True, check=True).stdout
    for applet in listing.split():
        target = os.path.join(root, applet)
        if not os.path.lexists(target):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.symlink('/bin/busybox', target)
    with open(os.path.join(root, 'etc', 'os-release'), 'w') as handle:
        handle.write('NAME="Busybox Linux"\nID=busybox\nVERSION_ID=1.35\nPRETTY_NAME="Busybox 1.35"\n')
    with open(os.path.join(root, 'etc', 'passwd'), 'w') as handle:
        handle.write('root:x:0:0:root:/root:/bin/sh\n')


@contextlib.contextmanager
def busybox_root(path):
    root = str(path)
    _build(root)
    with system_mounts(root):
        yield root


@contextlib.contextmanager
def system_mounts(root):
    """The host's /proc, /sys and /dev bind-mounted into ``root`` for the duration."""
    mounted = []
    try:
        for name in MOUNTS:
            target = os.path.join(root, name)
            subprocess.run(['mount', '--rbind', '/' + name, target], check=True)
            mounted.append(target)
            subprocess.run(['mount', '--make-rslave', target], check=False)
        yield root
    finally:
        for target in reversed(mounted):
            if subprocess.run(['umount', '-R', target], check=False, capture_output=True).returncode:
                subprocess.run(['umount', '-R', '-l', target], check=False, capture_output=True)


def run_in(root, argv, **kwargs):
    """Run ``argv`` chrooted into ``root`` with only the busybox directories on PATH."""
    env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'HOME': '/root', 'LANG': 'C.UTF-8'}
    return subprocess.run(['chroot', root] + list(argv), env=env, capture_output=True, check=False, **kwargs)
