"""The service's sealing keys: one ring, one current key for sealing and every earlier key kept
for opening what it sealed.

What is sealed with them: Temporal payloads (sealing/codec.py), each LA's under a key of its
own derived from the ring's key (so an LA's reader can be given its payloads and no other
LA's), and webhook secrets at rest. A purpose and a scope (an LA's code) go into HKDF with
the ring's key, so no two uses ever share a key and no derived key needs storing.

Where the ring comes from is a `KeyProvider`: the embedded default keeps it in a file in the
data folder (made on the first start, readable by its owner only, like the checkpoint key);
a deployment gives it as a secret (`PATHWAYS_SEALING_KEYS`, or `PATHWAYS_SEALING_KEYS_FILE`
naming a mounted file) holding the same JSON:

    {"current": "k2", "keys": {"k1": "<64 hex>", "k2": "<64 hex>"}}

Rotation is adding a key and making it current (`pathways keys rotate`): what the old key
sealed still opens; what is sealed from then on uses the new one. Removing a key from the ring
makes whatever it sealed unreadable, loudly (`UnknownKey`), never silently.

A cloud KMS plugs in as another `KeyProvider`: keep the ring's keys wrapped by the KMS key
(envelope encryption) and return them unwrapped from `key_ring()`, once per process start;
nothing else in the service changes.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32  # AES-256
KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class UnknownKey(Exception):
    """Something was sealed under a key this ring does not hold (removed, or another ring's)."""


class BadKeyRing(Exception):
    """The ring given cannot be used; the message says why (never a key)."""


@dataclass(frozen=True)
class KeyRing:
    current: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise BadKeyRing(f"the current key {self.current!r} is not in the ring")
        for key_id, key in self.keys.items():
            if not KEY_ID.match(key_id):
                raise BadKeyRing(f"{key_id!r} is not a key id (letters, digits, '.', '_', '-')")
            if len(key) != KEY_BYTES:
                raise BadKeyRing(f"key {key_id!r} is {len(key)} bytes; a sealing key is {KEY_BYTES}")

    def derived(self, purpose: str, scope: str, key_id: str | None = None) -> bytes:
        """The key for `purpose` in `scope` (an LA's code, say) under ring key `key_id`
        (the current one by default)."""
        key_id = self.current if key_id is None else key_id
        if key_id not in self.keys:
            raise UnknownKey(f"sealed under key {key_id!r}, which is not in the key ring")
        return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                    info=f"safeguarding-pathways/{purpose}/{scope}".encode()).derive(self.keys[key_id])

    def rotated(self, key_id: str | None = None) -> "KeyRing":
        """This ring with a fresh key added and made current."""
        key_id = key_id or f"k{len(self.keys) + 1}-{secrets.token_hex(3)}"
        if key_id in self.keys:
            raise BadKeyRing(f"the ring already has a key {key_id!r}")
        return KeyRing(key_id, {**self.keys, key_id: secrets.token_bytes(KEY_BYTES)})

    def to_json(self) -> str:
        return json.dumps({"current": self.current, "keys": {k: v.hex() for k, v in self.keys.items()}}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> "KeyRing":
        try:
            document = json.loads(text)
            keys = {str(k): bytes.fromhex(v) for k, v in document["keys"].items()}
            return cls(str(document["current"]), keys)
        except BadKeyRing:
            raise
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BadKeyRing('a key ring is JSON: {"current": ID, "keys": {ID: 64 hex digits, ...}}') from None

    @classmethod
    def new(cls) -> "KeyRing":
        return cls("k1", {"k1": secrets.token_bytes(KEY_BYTES)})


class KeyProvider(Protocol):
    def key_ring(self) -> KeyRing: ...


@dataclass(frozen=True)
class GivenKeys:
    """A ring given whole, as a deployment's secret does."""

    text: str

    def key_ring(self) -> KeyRing:
        return KeyRing.from_json(self.text)


@dataclass(frozen=True)
class KeyFile:
    """A ring in a file, made on first use with a fresh key, readable by its owner only."""

    path: Path

    def key_ring(self) -> KeyRing:
        if not self.path.exists():
            self.write(KeyRing.new(), exclusive=True)
        return KeyRing.from_json(self.path.read_text())

    def write(self, ring: KeyRing, exclusive: bool = False) -> None:
        """Replace the file whole (readers never see half of it), mode 0600 from the start."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".keys-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as file:
                file.write(ring.to_json())
            if exclusive:
                # Two processes starting at once: the first file made is the ring.
                try:
                    os.link(temporary, self.path)
                finally:
                    Path(temporary).unlink(missing_ok=True)
            else:
                os.replace(temporary, self.path)
        except FileExistsError:
            pass
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def provider_for(settings) -> KeyProvider:
    """The deployment's ring if it gives one (PATHWAYS_SEALING_KEYS), else the data folder's."""
    return GivenKeys(settings.sealing_keys) if settings.sealing_keys else KeyFile(settings.sealing_keys_path)
