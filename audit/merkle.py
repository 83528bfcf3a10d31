"""Merkle trees as RFC 6962 (section 2) defines them, with the proofs of RFC 9162 (section 2.1).

    MTH({})        = SHA-256()
    MTH({d(0)})    = SHA-256(0x00 || d(0))                      the leaf hash
    MTH(D[n])      = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  k: the largest power of
                                                                  two smaller than n

Here the leaves are the events' ``hash`` values (32 bytes, hex-decoded) in log position
order: leaf index i is position i + 1.

The tree is built level by level (`MerkleTree`): each level pairs the nodes of the one below,
and a last node without a partner moves up unchanged. Node j of level k then covers leaves
[j * 2**k, min((j + 1) * 2**k, n)) and its hash is MTH of exactly those leaves, the same
tree the recursive definition describes, built with n - 1 node hashes and no recursion. Any
subtree a proof needs is then one of these nodes, or (for a proof in an older, smaller tree)
a few of them combined.

Pure: the standard library only, so offline verification needs nothing else.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256
_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(leaf: bytes) -> bytes:
    return _sha256(_LEAF + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(_NODE + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """Every level of the tree over `leaves` (the leaf data, not yet hashed)."""

    def __init__(self, leaves: Iterable[bytes]) -> None:
        sha256, prefix = _sha256, _LEAF
        level = [sha256(prefix + leaf).digest() for leaf in leaves]
        self.levels: list[list[bytes]] = [level]
        while len(level) > 1:
            level = _parents(level)
            self.levels.append(level)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first `size` leaves (all of them by default)."""
        size = self._check_size(size)
        if size == 0:
            return EMPTY_ROOT
        return self._subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 6962 PATH(index, D[size]): the audit path of leaf `index` in the tree of the
        first `size` leaves, nearest the leaf first."""
        size = self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is not in a tree of {size} leaves")
        path: list[bytes] = []
        lo, hi = 0, size
        # PATH, unrolled from the root down; the siblings are collected root first.
        while hi - lo > 1:
            k = _largest_power_of_two_below(hi - lo)
            if index - lo < k:
                path.append(self._subtree(lo + k, hi))
                hi = lo + k
            else:
                path.append(self._subtree(lo, lo + k))
                lo += k
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        """RFC 6962 PROOF(old_size, D[size]): shows the tree of the first `old_size` leaves
        is a prefix of the tree of the first `size`."""
        size = self._check_size(size)
        if not 0 < old_size <= size:
            raise ValueError(f"no consistency proof from {old_size} leaves to {size}")
        proof: list[bytes] = []
        lo, hi, m, whole = 0, size, old_size, True
        # SUBPROOF(m, D[lo:hi], whole), unrolled; the hashes are collected root first.
        while m != hi - lo:
            k = _largest_power_of_two_below(hi - lo)
            if m <= k:
                proof.append(self._subtree(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._subtree(lo, lo + k))
                m -= k
                lo += k
                whole = False
        if not whole:
            proof.append(self._subtree(lo, hi))
        proof.reverse()
        return proof

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ValueError(f"a tree of {self.size} leaves has no subtree of {size}")
        return size

    def _subtree(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for a range RFC 6962's recursion reaches (lo is a multiple of the
        largest power of two below hi - lo, or hi - lo is 1)."""
        n = hi - lo
        if n == 1:
            return self.levels[0][lo]
        k = (n - 1).bit_length()  # the level whose nodes span 2**k >= n leaves
        if lo % (1 << k) == 0 and (n == 1 << k or hi == self.size):
            # A whole node of this level, or the last node of the full tree's level.
            return self.levels[k][lo >> k]
        # The right edge of a smaller, older tree: not a node of this one.
        split = lo + (1 << (k - 1))
        return node_hash(self._subtree(lo, split), self._subtree(split, hi))


def _parents(level: list[bytes]) -> list[bytes]:
    sha256, prefix = _sha256, _NODE
    parents = [sha256(prefix + left + right).digest() for left, right in zip(level[::2], level[1::2])]
    if len(level) % 2:
        parents.append(level[-1])
    return parents


def merkle_root(leaves: Iterable[bytes]) -> bytes:
    """MTH over `leaves` (the leaf data)."""
    level = [leaf_hash(leaf) for leaf in leaves]
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        level = _parents(level)
    return level[0]


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes | None:
    """The root that leaf data `leaf` at `index` and its audit path imply for a tree of `size`
    leaves (RFC 9162 section 2.1.3.2), or None if the path cannot belong to such a tree."""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in proof):
        return None
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """True if `proof` shows leaf data `leaf` at `index` in the tree of `size` leaves whose
    root is `root`."""
    return root_from_inclusion(index, size, leaf, proof) == root


def verify_consistency(
    old_size: int, size: int, old_root: bytes, root: bytes, proof: Sequence[bytes]
) -> bool:
    """True if `proof` shows that the tree of `old_size` leaves with root `old_root` is a
    prefix of the tree of `size` leaves with root `root` (RFC 9162 section 2.1.4.2)."""
    if not 0 < old_size <= size or any(len(p) != HASH_SIZE for p in proof):
        return False
    if old_size == size:
        return not proof and old_root == root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old tree is a node of the new
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == root and sn == 0
