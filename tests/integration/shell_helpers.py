"""Comparing ``sms_discovery`` results of the ``python`` and ``shell`` methods.

Two runs a moment apart differ only where the host changed in between: the collection time,
the timings and sources of the provenance, the free-space figures of file systems other
processes write to, and Btrfs allocation (moved by its background transaction commits).
``comparable()`` removes exactly those (usage of loop-device file systems, which only the test touches, stays compared to the byte).
"""

import copy
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, 'scripts', 'sms-capture.sh')
VOLATILE_USAGE = ('used_bytes', 'free_bytes', 'available_bytes', 'inodes_used', 'inodes_free')


def _blur_usage(node, stable):
    if isinstance(node, dict):
        usage = node.get('usage')
        if isinstance(usage, dict) and usage.get('source') == 'statvfs' and not stable(node):
            for key in VOLATILE_USAGE:
                usage[key] = '<live>'
        for value in node.values():
            _blur_usage(value, stable)
    elif isinstance(node, list):
        for value in node:
            _blur_usage(value, stable)


def comparable(discovery):
    """A copy without collection time, provenance and the live file systems' free space."""
    result = copy.deepcopy(discovery)
    result.pop('collected_at', None)
    result.pop('provenance', None)

    def stable(node):
        return str(node.get('device') or node.get('path') or '').startswith('/dev/loop')

    _blur_usage(result, stable)
    storage = result.get('storage') or {}
    if isinstance(storage.get('tmp'), dict) and storage['tmp'].get('available_bytes') is not None:
        storage['tmp']['available_bytes'] = '<live>'
    for fs in storage.get('btrfs') or []:
        # Btrfs commits its transactions in the background (every 30 s): allocation moves
        fs['used_bytes'] = '<live>'
        for device in fs.get('devices') or []:
            device['used_bytes'] = '<live>'
        if isinstance(fs.get('global_reserve'), dict):
            fs['global_reserve']['used_bytes'] = '<live>'
    system = result.get('system') or {}
    if 'memory_bytes' in system:
        system['memory_bytes'] = system['memory_bytes'] is not None
    return result


def differences(left, right, path=''):
    """Human-readable list of where two JSON values differ."""
    if isinstance(left, dict) and isinstance(right, dict):
        found = []
        for key in sorted(set(left) | set(right), key=str):
            if key not in left or key not in right:
                found.append('%s/%s: only in %s' % (path, key, 'python' if key in left else 'shell'))
            else:
                found.extend(differences(left[key], right[key], '%s/%s' % (path, key)))
        return found
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        found = []
        for index, (one, other) in enumerate(zip(left, right)):
            found.extend(differences(one, other, '%s[%d]' % (path, index)))
        return found
    return [] if left == right else ['%s: python %r != shell %r' % (path, left, right)]
