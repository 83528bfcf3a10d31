"""What is signed, and how: checkpoints and export manifests, with the Ed25519 key that signs them.

Pure (no database): offline verification of a bundle uses this module as it is.

A checkpoint's signature covers the RFC 8785 canonical JSON of exactly::

    {"key_id": ..., "root_hash": ..., "signed_at": ..., "tree_size": ...}

``tree_size`` the number of events covered (log positions 1..tree_size), ``root_hash`` the hex
RFC 6962 root over their hashes (`event_leaf`), ``signed_at`` UTC with six fractional digits
(``2026-12-08T10:15:00.123456+00:00``), ``key_id`` the hex of the first 16 bytes of SHA-256 of
the raw 32-byte public key. An export's manifest (audit/bundle.py) is signed the same way;
it always has a ``kind`` member, which a checkpoint statement never has, so neither signature
can be passed off as the other.

The private key is a PEM file outside the database (PKCS#8, unencrypted: the file's mode,
0600, is its protection, as for the id key), made on first start by `load_or_create_key`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

_HEX_HASH = re.compile(r"[0-9a-f]{64}")


def event_leaf(event_hash: str) -> bytes:
    """The Merkle leaf of an event: its ``hash``, hex-decoded (32 bytes).

    A stored hash that is not 64 lowercase hex digits (only tampering makes one) becomes its
    own UTF-8 text instead, which is never 32 bytes long, so it can match no sound leaf."""
    if _HEX_HASH.fullmatch(event_hash):
        return bytes.fromhex(event_hash)
    return event_hash.encode("utf-8", "surrogatepass")


def format_time(moment: datetime) -> str:
    """UTC, microseconds always written: the one text a signed time has."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON."""
    return rfc8785.dumps(value)


# --- keys ------------------------------------------------------------------------------------


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The signing key in `path`; made first (readable by its owner only) if there is none."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # Written whole under another name, then linked into place: two processes starting at
        # once keep the first key linked, and nobody reads a half-written file.
        draft = path.with_name(f".{path.name}.{os.getpid()}.new")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(pem)
                file.flush()
                os.fsync(file.fileno())
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
        finally:
            draft.unlink(missing_ok=True)
    return load_private_key(path)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """ValueError for anything but an Ed25519 public key in PEM."""
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii") if isinstance(pem, str) else pem)
    except (ValueError, TypeError, UnsupportedAlgorithm, UnicodeEncodeError, AttributeError) as err:
        raise ValueError(f"not a PEM public key: {err}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:16].hex()


def sign(key: Ed25519PrivateKey, statement: bytes) -> str:
    return base64.b64encode(key.sign(statement)).decode("ascii")


def signature_verifies(public_key: Ed25519PublicKey, statement: bytes, signature: str) -> bool:
    """Only the one base64 text of a valid signature passes (base64 leaves spare bits in its
    last characters, which decoding ignores)."""
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
        if base64.b64encode(raw).decode("ascii") != signature:
            return False
        public_key.verify(raw, statement)
    except (InvalidSignature, ValueError, UnicodeEncodeError):
        return False
    return True


# --- checkpoints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the log's first `tree_size` events hash to `root_hash`."""

    tree_size: int
    root_hash: str  # hex
    signed_at: str  # format_time's text, as signed
    key_id: str
    signature: str  # base64 Ed25519 over statement()

    def statement(self) -> bytes:
        return checkpoint_statement(self.tree_size, self.root_hash, self.signed_at, self.key_id)

    def verifies_with(self, public_key: Ed25519PublicKey) -> bool:
        return self.key_id == key_id(public_key) and signature_verifies(public_key, self.statement(), self.signature)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: Any) -> "Checkpoint":
        """Refuses anything but the five members with their types (ValueError)."""
        if not isinstance(value, dict) or set(value) != {"tree_size", "root_hash", "signed_at", "key_id", "signature"}:
            raise ValueError("a checkpoint has exactly tree_size, root_hash, signed_at, key_id and signature")
        if type(value["tree_size"]) is not int or value["tree_size"] < 1:
            raise ValueError("a checkpoint's tree_size is a positive integer")
        if not all(isinstance(value[k], str) for k in ("root_hash", "signed_at", "key_id", "signature")):
            raise ValueError("a checkpoint's root_hash, signed_at, key_id and signature are strings")
        return cls(**value)


def checkpoint_statement(tree_size: int, root_hash: str, signed_at: str, key_id: str) -> bytes:
    return canonical({"tree_size": tree_size, "root_hash": root_hash, "signed_at": signed_at, "key_id": key_id})


def sign_checkpoint(key: Ed25519PrivateKey, tree_size: int, root_hash: str, signed_at: datetime) -> Checkpoint:
    at, kid = format_time(signed_at), key_id(key)
    return Checkpoint(tree_size, root_hash, at, kid, sign(key, checkpoint_statement(tree_size, root_hash, at, kid)))
