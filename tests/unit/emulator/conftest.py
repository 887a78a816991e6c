"""Fixtures for the emulator's own tests (helpers live in emulator_helpers.py)."""

from __future__ import annotations

import pytest

from tests.emulator.harness import run_emulator
from tests.unit.emulator.emulator_helpers import Api


@pytest.fixture(scope="module")
def emu():
    """One emulator per test module; ``api`` resets it before every test."""
    with run_emulator() as emulator:
        yield emulator


@pytest.fixture
def api(emu):
    emu.reset()
    return Api(emu)


@pytest.fixture
def api_for():
    """Build an ``Api`` for an emulator started by the test itself."""
    return Api
