"""Accounts known to the emulator: domains, IAM users, projects and AK/SK pairs.

The defaults below are what `make demo`, the fixtures and the docs use. ``--accounts FILE.json``
replaces them with a file of the same shape as ``DEFAULT_ACCOUNTS`` (see README.md).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

DEFAULT_AK = "HWCEMULATORAK0000001"
DEFAULT_SK = "hwc-emulator-secret-key-0000000000000001"
DEFAULT_DOMAIN_NAME = "demo-domain"
DEFAULT_DOMAIN_ID = "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0"
DEFAULT_USERNAME = "demo-user"
DEFAULT_PASSWORD = "Demo-Passw0rd!"
DEFAULT_REGION = "ap-southeast-3"
DEFAULT_PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
DEFAULT_PROJECTS = {
    "ap-southeast-3": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "cn-north-4": "1b2c3d4e5f60718293a4b5c6d7e8f90a",
}
TEMP_AK = "HWCEMULATORAK0000002"
TEMP_SK = "hwc-emulator-secret-key-0000000000000002"
TEMP_SECURITY_TOKEN = "emulator-security-token-0002"

DEFAULT_ACCOUNTS = {
    "accounts": [
        {
            "domain_name": DEFAULT_DOMAIN_NAME,
            "domain_id": DEFAULT_DOMAIN_ID,
            "projects": [{"name": name, "id": pid} for name, pid in DEFAULT_PROJECTS.items()],
            "users": [{"name": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD}],
            "credentials": [
                {"ak": DEFAULT_AK, "sk": DEFAULT_SK},
                {"ak": TEMP_AK, "sk": TEMP_SK, "security_token": TEMP_SECURITY_TOKEN},
            ],
        }
    ]
}

_USER_ID_NAMESPACE = uuid.UUID("6b1f3c52-0d8e-4c59-9a55-6d3c1e0f9a11")


class AccountsError(ValueError):
    """The accounts document is malformed."""


@dataclass(frozen=True)
class Credential:
    ak: str
    sk: str
    security_token: str | None = None


@dataclass(frozen=True)
class User:
    id: str
    name: str
    password: str


@dataclass(frozen=True)
class Account:
    domain_id: str
    domain_name: str
    projects: tuple[dict, ...]
    users: tuple[User, ...]
    credentials: tuple[Credential, ...] = field(default=())

    def project(self, *, project_id: str | None = None, name: str | None = None) -> dict | None:
        for project in self.projects:
            if (project_id is None or project["id"] == project_id) and (name is None or project["name"] == name):
                return project
        return None

    def user(self, name: str) -> User | None:
        return next((u for u in self.users if u.name == name), None)


class Accounts:
    """Lookup tables over the configured accounts."""

    def __init__(self, document: dict):
        self.accounts = tuple(_parse_account(doc) for doc in _require(document, "accounts", list, "$"))
        if not self.accounts:
            raise AccountsError("accounts: at least one account is required")
        self._by_ak: dict[str, tuple[Account, Credential]] = {}
        for account in self.accounts:
            for cred in account.credentials:
                if cred.ak in self._by_ak:
                    raise AccountsError(f"duplicate AK {cred.ak}")
                self._by_ak[cred.ak] = (account, cred)
        ids = [a.domain_id for a in self.accounts]
        names = [a.domain_name for a in self.accounts]
        if len(set(ids)) != len(ids) or len(set(names)) != len(names):
            raise AccountsError("domain ids and domain names must be unique")

    @classmethod
    def load(cls, path: str | None) -> "Accounts":
        if path is None:
            return cls(DEFAULT_ACCOUNTS)
        with open(path, encoding="utf-8") as handle:
            try:
                return cls(json.load(handle))
            except json.JSONDecodeError as exc:
                raise AccountsError(f"{path}: not valid JSON: {exc}") from exc

    def by_ak(self, ak: str) -> tuple[Account, Credential] | None:
        return self._by_ak.get(ak)

    def domain(self, *, domain_id: str | None = None, name: str | None = None) -> Account | None:
        for account in self.accounts:
            if (domain_id is None or account.domain_id == domain_id) and (name is None or account.domain_name == name):
                return account
        return None


def _require(doc: dict, key: str, kind: type, where: str):
    if not isinstance(doc, dict) or not isinstance(doc.get(key), kind):
        raise AccountsError(f"{where}.{key}: required, must be a {kind.__name__}")
    return doc[key]


def _parse_user(doc: dict, domain_id: str, where: str) -> User:
    name = _require(doc, "name", str, where)
    return User(
        id=doc.get("id") or uuid.uuid5(_USER_ID_NAMESPACE, f"{domain_id}/{name}").hex,
        name=name,
        password=_require(doc, "password", str, where),
    )


def _parse_account(doc: dict) -> Account:
    where = f"account {doc.get('domain_name', '?') if isinstance(doc, dict) else '?'}"
    domain_id = _require(doc, "domain_id", str, where)
    projects = tuple(
        {
            "id": _require(p, "id", str, where + ".projects[]"),
            "name": _require(p, "name", str, where + ".projects[]"),
            "domain_id": domain_id,
        }
        for p in _require(doc, "projects", list, where)
    )
    users = tuple(_parse_user(u, domain_id, where + ".users[]") for u in doc.get("users", []))
    credentials = tuple(
        Credential(
            ak=_require(c, "ak", str, where + ".credentials[]"),
            sk=_require(c, "sk", str, where + ".credentials[]"),
            security_token=c.get("security_token"),
        )
        for c in doc.get("credentials", [])
    )
    return Account(
        domain_id=domain_id,
        domain_name=_require(doc, "domain_name", str, where),
        projects=projects,
        users=users,
        credentials=credentials,
    )
