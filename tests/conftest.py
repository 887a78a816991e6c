"""Shared pytest configuration: the collection on sys.path and the SMS emulator fixtures."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".tmp", "collections")
_LINK = os.path.join(COLLECTIONS, "ansible_collections", "hwcloud", "sms")

if not os.path.islink(_LINK):
    os.makedirs(os.path.dirname(_LINK), exist_ok=True)
    os.symlink(ROOT, _LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

pytest_plugins = ["tests.emulator.pytest_plugin"]
