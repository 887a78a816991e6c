"""Discovery never hangs on a mount whose statfs blocks: a pure-Python FUSE server
(fuse_hang.HangingFuse) never answers FUSE_STATFS. With ``exclude_fstypes: []`` and ``timeout: 2``
the mount is stat'ed once, given up after the timeout (``usage: null``, ``skipped: timeout``, a
warning) and the run still returns; with the default excludes (``fuse*``) it is not stat'ed at
all. Checked on the collector and on the real module run by the ``ansible`` command line."""

import os
import time

import pytest

from fuse_hang import FUSE_STATFS, HangingFuse
from source_facts_helpers import run_adhoc

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(os.geteuid() != 0, reason='needs root to mount a FUSE file system'),
    pytest.mark.skipif(not os.path.exists('/dev/fuse'), reason='no /dev/fuse'),
]


@pytest.fixture
def hanging(tmp_path):
    mountpoint = str(tmp_path / 'hang')
    os.mkdir(mountpoint)
    server = HangingFuse(mountpoint)
    try:
        assert server.wait_initialised(), 'the kernel never sent FUSE_INIT'
        yield server
    finally:
        server.close()


def _collect(options):
    from ansible_collections.hwcloud.sms.plugins.module_utils._discovery import storage
    from ansible_collections.hwcloud.sms.plugins.module_utils._discovery.runner import DiscoveryContext

    ctx = DiscoveryContext(timeout=2)
    started = time.time()
    facts = storage.collect(ctx, dict(options, exclude_devices=['*']))
    return facts, ctx.warnings, time.time() - started


def _mount(facts, mountpoint):
    return next(m for m in facts['mounts'] if m['mountpoint'] == mountpoint)


def test_statfs_timeout_is_bounded(hanging):
    facts, warnings, seconds = _collect({'exclude_fstypes': []})
    mount = _mount(facts, hanging.mountpoint)
    assert mount['fstype'] == 'fuse' and (mount['usage'], mount['skipped']) == (None, 'timeout')
    assert 'statvfs of %s did not finish within 2.0 seconds' % hanging.mountpoint in warnings
    assert seconds < 8, 'discovery took %.1f s' % seconds
    assert hanging.requests.count(FUSE_STATFS) == 1  # asked once, never answered


def test_default_excludes_never_stat_fuse(hanging):
    facts, warnings, seconds = _collect({'exclude_fstypes': None})
    mount = _mount(facts, hanging.mountpoint)
    assert (mount['usage'], mount['skipped']) == (None, 'excluded fstype')
    assert FUSE_STATFS not in hanging.requests
    assert not any(hanging.mountpoint in w for w in warnings) and seconds < 8


@pytest.mark.parametrize('method', ['python', 'shell'])
def test_module_returns_despite_the_hanging_mount(hanging, tmp_path, method):
    started = time.time()
    rc, status, result, output = run_adhoc(tmp_path / 'ansible', {
        'sections': ['storage'], 'exclude_fstypes': [], 'exclude_devices': ['*'], 'timeout': 2, 'method': method})
    seconds = time.time() - started
    assert rc == 0 and status == 'SUCCESS', output
    discovery = result['ansible_facts']['sms_discovery']
    mount = _mount(discovery['storage'], hanging.mountpoint)
    assert (mount['usage'], mount['skipped']) == (None, 'timeout')
    assert 'storage: statvfs of %s did not finish within 2.0 seconds' % hanging.mountpoint in discovery['warnings']
    assert seconds < 30, 'ansible run took %.1f s' % seconds
    assert discovery['provenance']['method'] == method
    assert hanging.requests.count(FUSE_STATFS) == 1  # asked once, never answered


def test_shell_default_excludes_never_stat_fuse(hanging, tmp_path):
    started = time.time()
    rc, status, result, output = run_adhoc(tmp_path / 'ansible', {
        'sections': ['storage'], 'exclude_devices': ['*'], 'timeout': 5, 'method': 'shell'})
    assert rc == 0 and status == 'SUCCESS', output
    discovery = result['ansible_facts']['sms_discovery']
    mount = _mount(discovery['storage'], hanging.mountpoint)
    assert (mount['usage'], mount['skipped']) == (None, 'excluded fstype')
    assert not any('did not finish' in w for w in discovery['warnings']) and time.time() - started < 60
    # (FUSE_STATFS may still arrive from a test in another xdist worker that stats every mount)
