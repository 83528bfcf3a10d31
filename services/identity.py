"""Who is calling: bearer tokens resolve to a principal (a role and one local authority).

The embedded default keeps tokens in a file in the data folder (only their SHA-256 is
stored, so the file leaks nothing usable): the HTTP service resolves them and the CLI makes
them (`pathways token create`), so the file lives here, below both. Production validates
OIDC access tokens instead (api/oidc.py). Every read and write is confined to the
principal's LA.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from domain.roles import ROLES

LA_CODE = re.compile(r"^\d{3}$")


@dataclass(frozen=True)
class Principal:
    subject: str  # a user or system id, as logged and recorded as the actor
    role: str
    local_authority: str


class Identity(Protocol):
    def resolve(self, token: str) -> Principal | None: ...


class TokenFile:
    """Tokens for the embedded default, in `tokens.json` in the data folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # The records as last read, and the file's identity then: `resolve` runs on every
        # request, and re-reading and parsing the file each time is wasted while it is
        # unchanged. `_write` replaces the file, so any change gives it a new inode.
        self._cached: tuple[tuple, dict] | None = None

    def create(self, role: str, local_authority: str, name: str | None = None) -> str:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if not LA_CODE.match(local_authority):
            raise ValueError("an LA code is three digits, e.g. 873")
        token = "sp_" + secrets.token_urlsafe(32)
        with self._lock:
            records = self._read()
            subject = name or f"{role}-{local_authority}-{len(records) + 1}"
            records[_digest(token)] = {"subject": subject, "role": role, "local_authority": local_authority}
            self._write(records)
        return token

    def _write(self, records: dict) -> None:
        # Whole or not at all: the running service reads this file on every request, and must
        # never see half of it. Readable by its owner only from the start.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as file:
                file.write(json.dumps(records, indent=2))
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def resolve(self, token: str) -> Principal | None:
        record = self._current().get(_digest(token))
        return Principal(**record) if record else None

    def _current(self) -> dict:
        """The records, read again only if the file has changed since they were read (a
        token created by `pathways token create` counts from the next request)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return {}
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        cached = self._cached
        if cached is not None and cached[0] == stamp:
            return cached[1]
        records = self._read()
        self._cached = (stamp, records)
        return records

    def is_empty(self) -> bool:
        return not self._read()

    def _read(self) -> dict:
        return json.loads(self.path.read_text()) if self.path.exists() else {}


class AnyOf:
    """Try each identity in turn (the token file, then OIDC)."""

    def __init__(self, *identities: Identity) -> None:
        self.identities = identities

    def resolve(self, token: str) -> Principal | None:
        for identity in self.identities:
            principal = identity.resolve(token)
            if principal is not None:
                return principal
        return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
