"""A host with no Python at all, reached through the real ``ssh`` connection plugin.

An sshd on 127.0.0.1 (a free port, a temporary host key and authorized key) runs every session
chrooted into a root holding only busybox: no Python, no util-linux. ``hwcloud.sms.source_facts``
with the default ``method: auto`` finds no interpreter, picks ``shell`` and returns every
section, on each supported ansible-core; asked for ``python`` it fails the way any module does.
"""

import os

import pytest

from busybox_root import BUSYBOX, busybox_root
from chroot_sshd import available, chroot_sshd, run_source_facts

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason='needs root for chroot and bind mounts'),
    pytest.mark.skipif(not available(), reason='openssh-server/client not installed'),
    pytest.mark.skipif(not os.path.exists(BUSYBOX), reason='busybox-static is not installed'),
]


@pytest.fixture(scope='module')
def no_python_host(tmp_path_factory):
    work = tmp_path_factory.mktemp('sshd')
    with busybox_root(work / 'root') as root, chroot_sshd(work, root, 'bare') as host:
        yield host


def test_auto_picks_shell_and_the_result_is_complete(ansible_core, no_python_host):
    rc, result, output = run_source_facts(ansible_core, no_python_host, {'exclude_devices': []})
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


@pytest.mark.parametrize('ansible_core', ['2.19'], indirect=True)
def test_python_method_fails_without_python(ansible_core, no_python_host):
    rc, _result, output = run_source_facts(ansible_core, no_python_host, {'method': 'python', 'sections': ['system']})
    assert rc != 0 and ('FAILED' in output or 'UNREACHABLE' in output), output[-2000:]
