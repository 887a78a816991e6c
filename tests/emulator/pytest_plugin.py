"""pytest fixtures for the SMS emulator (enabled by ``pytest_plugins`` in tests/conftest.py).

``sms_emulator`` starts a fresh emulator per test, ``sms_emulator_session`` one per session (or
per xdist worker). Command-line options for the function-scoped fixture come from the marker
``@pytest.mark.sms_emulator_options(no_strict=True, token_ttl=1, ...)``.
"""

from __future__ import annotations

import pytest

from .harness import Emulator, run_emulator

__all__ = ["Emulator", "sms_emulator", "sms_emulator_session"]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sms_emulator_options(**cli_options): command-line options for the sms_emulator fixture"
    )


@pytest.fixture
def sms_emulator(request):
    marker = request.node.get_closest_marker("sms_emulator_options")
    with run_emulator(**(marker.kwargs if marker else {})) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def sms_emulator_session():
    with run_emulator() as emulator:
        yield emulator
