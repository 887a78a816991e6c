"""Offline stand-in for ansible-test's pip bootstrap script (get-pip-<version>.py).

ansible-test downloads get-pip from ci-files.testing.ansible.com, which this project's build
machines cannot reach. This script does the same job from what they can reach: it seeds pip
with the interpreter's own ``ensurepip`` and then lets that pip install the requested pip
release from the package index. It accepts get-pip's command line (pip options, package
specifiers, ``--no-setuptools`` and ``--no-wheel``).
"""

import ensurepip
import os
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main():
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    env = dict(os.environ)
    ensurepip.bootstrap(upgrade=True, default_pip=True)
    # ensurepip points PIP_CONFIG_FILE at /dev/null for its own run; the real install must see
    # the machine's pip configuration (index, certificates) again.
    sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "-q"] + args, env=env))


if __name__ == "__main__":
    main()
