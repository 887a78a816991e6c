"""Offline emulator of the Huawei Cloud SMS ``/v3`` API and the IAM calls it needs (see README.md).

Run it with ``python -m tests.emulator``; use it from Python with ``tests.emulator.harness``.
"""

from .accounts import (
    DEFAULT_AK, DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME, DEFAULT_PASSWORD, DEFAULT_PROJECT_ID,
    DEFAULT_PROJECTS, DEFAULT_REGION, DEFAULT_SK, DEFAULT_USERNAME, TEMP_AK, TEMP_SECURITY_TOKEN, TEMP_SK,
)

__all__ = [
    "DEFAULT_AK", "DEFAULT_DOMAIN_ID", "DEFAULT_DOMAIN_NAME", "DEFAULT_PASSWORD", "DEFAULT_PROJECT_ID",
    "DEFAULT_PROJECTS", "DEFAULT_REGION", "DEFAULT_SK", "DEFAULT_USERNAME", "TEMP_AK",
    "TEMP_SECURITY_TOKEN", "TEMP_SK",
]
