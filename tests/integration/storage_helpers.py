"""Loop-device storage builder for the storage integration tests and the fixture capture.

``LoopLab`` creates loop-backed disks, partition tables, file systems, mounts and LVM objects,
every name carrying a unique prefix so parallel runs never collide, and ``cleanup()`` undoes
all of it in reverse order (also after a failure half-way): unmount, ``vgremove``/``pvremove``,
forget Btrfs devices, detach loops, delete the images. Root only.
"""

import os
import shutil
import subprocess
import uuid

REQUIRED_TOOLS = ('losetup', 'partx', 'sfdisk', 'sgdisk', 'mkfs.ext4', 'mkfs.xfs', 'mkfs.vfat', 'mkswap',
                  'mkfs.btrfs', 'btrfs', 'lvm', 'blkid', 'mount', 'umount', 'wipefs')
LVM_ENV = {'LVM_SUPPRESS_FD_WARNINGS': '1'}


def missing_tools():
    return [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None
            and not os.path.exists(os.path.join('/usr/sbin', tool)) and not os.path.exists(os.path.join('/sbin', tool))]


def sh(*argv, **kwargs):
    """Run a command, fail with its output when it fails; returns stdout."""
    env = dict(os.environ, LC_ALL='C', **LVM_ENV)
    env['PATH'] = env.get('PATH', '') + ':/usr/sbin:/sbin'
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, env=env, check=False, **kwargs)
    if result.returncode != 0:
        raise RuntimeError('%s failed (%s): %s %s' % (' '.join(map(str, argv)), result.returncode,
                                                      result.stdout, result.stderr))
    return result.stdout


def quiet(*argv):
    """Run a cleanup command, ignoring failure."""
    try:
        sh(*argv)
        return True
    except RuntimeError:
        return False


class LoopLab(object):
    """Everything one test run builds; ``cleanup()`` removes it."""

    def __init__(self, workdir, prefix=None):
        self.prefix = prefix or 'hwsms%s' % uuid.uuid4().hex[:8]
        self.workdir = os.path.join(str(workdir), self.prefix)
        os.makedirs(self.workdir)
        self.loops = []
        self.images = {}
        self.swaps = []
        self.mounts = []
        self.vgs = []
        self.pvs = []
        self.btrfs_devices = []

    # -- devices ---------------------------------------------------------------------------
    def disk(self, size_mb, sector_size=None, name=None):
        """A loop device over a sparse image; returns ``/dev/loopN``."""
        image = os.path.join(self.workdir, '%s-%d.img' % (name or 'disk', len(self.images)))
        with open(image, 'wb') as handle:
            handle.truncate(size_mb * 1024 * 1024)
        return self.attach(image, sector_size)

    def attach(self, image, sector_size=None):
        """Attach an image (again) as a loop device; returns ``/dev/loopN``."""
        argv = ['losetup', '--find', '--show'] + (['--sector-size', sector_size] if sector_size else [])
        device = sh(*(argv + [image])).strip()
        self.loops.append(device)
        self.images[device] = image
        return device

    def detach(self, device):
        """Detach a loop device (its image stays); returns the image path."""
        quiet('btrfs', 'device', 'scan', '--forget', device)
        quiet('partx', '-d', device)  # partitions added with partx outlive the loop device otherwise
        if quiet('losetup', '-d', device) and device in self.loops:
            self.loops.remove(device)
        return self.images.pop(device, None)

    @staticmethod
    def partition_path(disk, number):
        return '%sp%d' % (disk, number)

    def sfdisk(self, disk, script):
        """Write a partition table with an sfdisk script; partitions appear via partx."""
        sh('sfdisk', '--quiet', '--wipe', 'always', disk, input=script)
        return self.scan(disk)

    def sgdisk(self, disk, *args):
        sh('sgdisk', *(list(args) + [disk]))
        return self.scan(disk)

    def scan(self, disk):
        """Make the kernel see the partitions (``partx -u``; loop devices here get no partscan)."""
        quiet('partx', '-d', disk)
        quiet('partx', '-a', disk)
        base = os.path.basename(disk)
        parts = sorted((p for p in os.listdir('/sys/block/' + base) if p.startswith(base + 'p')),
                       key=lambda p: int(p[len(base) + 1:]))
        return ['/dev/' + p for p in parts]

    # -- file systems ----------------------------------------------------------------------
    def mkfs(self, device, fstype, label=None, *extra):
        if fstype == 'swap':
            argv = ['mkswap'] + (['-L', label] if label else []) + list(extra) + [device]
        elif fstype == 'vfat':
            argv = ['mkfs.vfat'] + (['-n', label] if label else []) + list(extra) + [device]
        elif fstype == 'btrfs':
            argv = ['mkfs.btrfs', '-q', '-f'] + (['-L', label] if label else []) + list(extra) + (
                [device] if isinstance(device, str) else list(device))
            self.btrfs_devices.extend([device] if isinstance(device, str) else device)
        elif fstype == 'xfs':
            argv = ['mkfs.xfs', '-q', '-f'] + (['-L', label] if label else []) + list(extra) + [device]
        else:
            argv = ['mkfs.%s' % fstype, '-q', '-F'] + (['-L', label] if label else []) + list(extra) + [device]
        sh(*argv)
        return sh('blkid', '-p', '-o', 'value', '-s', 'UUID', device if isinstance(device, str) else device[0]).strip()

    def mount(self, device, name, options=None, fstype=None):
        """Mount under the lab folder; ``name`` may contain spaces, tabs, backslashes."""
        point = os.path.join(self.workdir, 'mnt', name)
        os.makedirs(point, exist_ok=True)
        argv = ['mount'] + (['-t', fstype] if fstype else []) + (['-o', options] if options else []) + [device, point]
        sh(*argv)
        self.mounts.append(point)
        return point

    def swapon(self, device):
        sh('swapon', device)
        self.swaps.append(device)

    def umount(self, point):
        if quiet('umount', point) or quiet('umount', '-l', point):
            if point in self.mounts:
                self.mounts.remove(point)

    # -- LVM -------------------------------------------------------------------------------
    def vg(self, name, *pvs):
        """A VG (prefixed name) over ``pvs``; returns its name."""
        vg = '%s%s' % (self.prefix, name)
        sh('lvm', 'pvcreate', '-q', '-y', '-ff', *pvs)
        self.pvs.extend(pvs)
        sh('lvm', 'vgcreate', '-q', vg, *pvs)
        self.vgs.append(vg)
        return vg

    def lv(self, vg, name, size, *extra):
        """An LV created without activation (this kernel may have no device-mapper)."""
        sh('lvm', 'lvcreate', '-q', '--config', 'global {activation=0}', '-an', '-Zn', '-Wn', '-L', size,
           '-n', name, vg, *extra)

    # -- cleanup ---------------------------------------------------------------------------
    def cleanup(self):
        for device in self.swaps:
            quiet('swapoff', device)
        for point in reversed(list(self.mounts)):
            self.umount(point)
        for vg in reversed(self.vgs):
            quiet('lvm', 'vgremove', '-q', '-f', '-y', '--config', 'global {activation=0}', vg)
        for pv in self.pvs:
            quiet('lvm', 'pvremove', '-q', '-y', '-ff', pv)
        for device in reversed(list(self.loops)):
            quiet('wipefs', '-q', '-a', device)
            self.detach(device)
        shutil.rmtree(self.workdir, ignore_errors=True)
