"""Webhook secrets sealed at rest: the HMAC key a subscription's receivers verify signatures
with, kept in the database only as AES-256-GCM ciphertext.

Whoever holds a subscription's secret can forge the LA's notifications, so a copy of the
database must not give it away. Each secret is sealed under a key derived from the ring's
current key for this purpose and the subscription's LA (sealing/keys.py), with a fresh 96-bit
nonce; the ring key's id is stored beside it, so a rotated ring still opens what an earlier
key sealed. The subscription id and LA are bound as associated data: a sealed secret copied
onto another subscription's row does not open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealing.keys import KeyRing, UnknownKey

PURPOSE = "webhook-secrets"
NONCE_BYTES = 12


class SecretUnavailable(Exception):
    """A subscription's secret cannot be opened; the message says why (never the secret)."""


@dataclass(frozen=True)
class SealedSecret:
    key_id: str
    # The nonce, then the ciphertext and its tag.
    sealed: bytes = field(repr=False)


def seal_secret(ring: KeyRing, secret: str, *, subscription_id: str, local_authority: str) -> SealedSecret:
    key_id = ring.current
    nonce = os.urandom(NONCE_BYTES)
    cipher = AESGCM(ring.derived(PURPOSE, local_authority, key_id))
    sealed = cipher.encrypt(nonce, secret.encode(), _bound(subscription_id, local_authority))
    return SealedSecret(key_id, nonce + sealed)


def open_secret(ring: KeyRing, sealed: SealedSecret, *, subscription_id: str, local_authority: str) -> str:
    try:
        cipher = AESGCM(ring.derived(PURPOSE, local_authority, sealed.key_id))
        plain = cipher.decrypt(sealed.sealed[:NONCE_BYTES], sealed.sealed[NONCE_BYTES:],
                               _bound(subscription_id, local_authority))
    except UnknownKey:
        raise SecretUnavailable(
            f"the secret of webhook subscription {subscription_id} was sealed under key {sealed.key_id!r}, "
            "which is not in the key ring: put that key back in the ring") from None
    except InvalidTag:
        raise SecretUnavailable(
            f"the sealed secret of webhook subscription {subscription_id} does not open: it was altered "
            "or belongs to another subscription; rotate the secret") from None
    return plain.decode()


def _bound(subscription_id: str, local_authority: str) -> bytes:
    return f"{subscription_id}\x00{local_authority}".encode()
