"""The capture script under every shell it supports, and on a host with nothing but busybox.

- dash, bash, ksh and ``busybox sh`` on this machine give captures from which the collectors
  build the same facts (the script uses nothing shell-specific);
- in a root holding only Debian's static busybox (no Python, no blkid, no lvm, no btrfs, no
  util-linux), ``busybox sh sms-capture.sh`` finishes without error and gives correct partial
  facts (disks and sizes from sysfs, mounts, interfaces, addresses and routes from busybox
  ``ip``) with a warning for each missing tool the host needs.
"""

import os
import shutil
import subprocess

import pytest

from busybox_root import BUSYBOX, busybox_root, run_in
from shell_helpers import SCRIPT, comparable, differences

from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import capture, facts

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason='needs root for chroot and bind mounts'),
    pytest.mark.skipif(not os.path.exists(BUSYBOX), reason='busybox-static is not installed'),
]
OPTIONS = {'exclude_devices': [], 'exclude_fstypes': ['fuse*', 'nfs*']}


def discover(data):
    parsed = capture.parse_capture(data)
    ctx = capture.CaptureContext(parsed)
    discovery = facts.collect(options=OPTIONS, ctx=ctx)
    return discovery, ctx.misses, parsed


def _capture_with(shell):
    proc = subprocess.run(shell.split() + [SCRIPT, '-x', 'fuse*,nfs*'], capture_output=True, check=False, timeout=120)
    assert proc.returncode == 0 and proc.stderr == b'', proc.stderr
    return discover(proc.stdout)


@pytest.mark.parametrize('shell', ['dash', 'bash', 'ksh', 'busybox sh'])
def test_every_shell_gives_the_same_facts(shell):
    if not shutil.which(shell.split()[0]):
        pytest.skip('%s is not installed' % shell)
    # Other tests attach loop devices and mount things meanwhile: compare with dash runs just
    # before and after, and only when those two agree (the machine held still).
    for _attempt in range(5):
        before = comparable(_capture_with('dash')[0])
        discovery, misses, parsed = _capture_with(shell)
        if before == comparable(_capture_with('dash')[0]):
            break
    else:
        pytest.fail('the machine never held still for three captures in a row')
    assert parsed.complete and misses == []
    found = differences(before, comparable(discovery))
    assert not found, '\n'.join(found)


def test_busybox_only_host_gives_partial_facts_and_warnings(tmp_path):
    with open(SCRIPT, 'rb') as handle:
        script = handle.read()
    with busybox_root(tmp_path / 'root') as root:
        proc = run_in(root, ['/bin/sh', '-s', '--', '-t', '5'], input=script, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert b'not found' not in proc.stderr and b'syntax error' not in proc.stderr, proc.stderr
    discovery, _misses, parsed = discover(proc.stdout)
    assert parsed.complete
    warnings = discovery['warnings']
    assert not [w for w in warnings if 'internal error' in w], warnings

    system = discovery['system']
    assert system['distribution']['id'] == 'busybox' and system['is_root'] is True
    assert system['kernel_release'] == os.uname().release and system['architecture'] == os.uname().machine
    assert all(system['tools'][name] is None for name in ('blkid', 'lvm', 'btrfs', 'rsync'))
    assert system['tools']['ip'] == '/sbin/ip' and system['has_tc'] is True

    storage = discovery['storage']
    sysfs = dict((name, int(open('/sys/block/%s/size' % name).read()) * 512) for name in os.listdir('/sys/block'))
    assert storage['disks'] and all(disk['size_bytes'] == sysfs[disk['name']] for disk in storage['disks'])
    assert storage['raw_devices'] is None  # nothing probed: raw is unknown, not "none"
    assert any('blkid -p could not probe the block devices (not installed)' in w for w in warnings), warnings
    with open('/proc/self/mountinfo') as handle:
        assert len(storage['mounts']) >= len(handle.read().splitlines()) - 5

    network = discovery['network']
    assert network['interfaces'] and all(i['ipv4'] is not None for i in network['interfaces'])
    lo = next(i for i in network['interfaces'] if i['name'] == 'lo')
    assert lo['ipv4'][0]['address'] == '127.0.0.1'
