"""audit/merkle.py: RFC 6962 trees and the RFC 9162 proofs, against hand-checkable trees, the
Certificate Transparency reference vectors and the recursive definition itself."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.merkle import (
    EMPTY_ROOT, MerkleTree, leaf_hash, merkle_root, node_hash, root_from_inclusion,
    verify_consistency, verify_inclusion,
)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, word for word (recursive; for checking small trees only)."""
    n = len(leaves)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 section 2.1.1 PATH(m, D[n])."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """RFC 6962 section 2.1.2 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, leaves[:k], whole) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


# Event hashes are 32 bytes; any bytes will do for the tree.
A, B, C, D, E = (bytes([i]) * 32 for i in range(1, 6))


def test_hand_worked_trees_of_one_to_five_leaves() -> None:
    la, lb, lc, ld, le = (sha(b"\x00" + x) for x in (A, B, C, D, E))
    ab, cd = sha(b"\x01" + la + lb), sha(b"\x01" + lc + ld)
    abcd = sha(b"\x01" + ab + cd)

    assert MerkleTree([]).root() == EMPTY_ROOT == sha(b"")
    assert MerkleTree([A]).root() == la == leaf_hash(A)
    assert MerkleTree([A, B]).root() == ab == node_hash(la, lb)
    # Three leaves split 2 + 1: the lone third leaf is the right child of the root.
    assert MerkleTree([A, B, C]).root() == sha(b"\x01" + ab + lc)
    assert MerkleTree([A, B, C, D]).root() == abcd
    # Five split 4 + 1.
    tree = MerkleTree([A, B, C, D, E])
    assert tree.root() == sha(b"\x01" + abcd + le)
    assert [tree.root(n) for n in (1, 2, 4)] == [la, ab, abcd]

    # The audit path of C in the five-leaf tree: D, then AB, then E (nearest the leaf first).
    assert tree.inclusion_proof(2) == [ld, ab, le]
    assert tree.inclusion_proof(4) == [abcd]
    assert tree.inclusion_proof(2, 3) == [ab]
    # From two leaves to five: the old tree (AB) is a node of the new one, so the proof
    # leaves it out; then CD (to make ABCD) and E.
    assert tree.consistency_proof(2) == [cd, le]
    # From three to four: C, D and AB.
    assert tree.consistency_proof(3, 4) == [lc, ld, ab]
    assert tree.consistency_proof(5) == []


# Certificate Transparency's reference vectors (its Go and C++ merkle tree tests): the roots of
# the first n of these eight leaves, some audit paths and some consistency proofs.
CT_LEAVES = [bytes.fromhex(x) for x in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
)]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PATHS = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (0, 1, []),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


def test_certificate_transparency_reference_vectors() -> None:
    tree = MerkleTree(CT_LEAVES)
    assert [tree.root(n).hex() for n in range(1, 9)] == CT_ROOTS
    assert [merkle_root(CT_LEAVES[:n]).hex() for n in range(1, 9)] == CT_ROOTS
    for index, size, expected in CT_PATHS:
        proof = tree.inclusion_proof(index, size)
        assert [p.hex() for p in proof] == expected
        assert verify_inclusion(index, size, CT_LEAVES[index], proof, tree.root(size))
    for old, new, expected in CT_CONSISTENCY:
        proof = tree.consistency_proof(old, new)
        assert [p.hex() for p in proof] == expected
        assert verify_consistency(old, new, tree.root(old), tree.root(new), proof)


def test_the_level_by_level_tree_is_the_recursive_definition() -> None:
    leaves = [bytes([i]) * 32 for i in range(70)]
    tree = MerkleTree(leaves)
    for n in range(0, 71):
        assert tree.root(n) == mth(leaves[:n]), n
    for n in (1, 2, 3, 5, 8, 13, 33, 64, 70):
        for m in range(n):
            assert tree.inclusion_proof(m, n) == path(m, leaves[:n]), (m, n)
        for m in range(1, n + 1):
            assert tree.consistency_proof(m, n) == subproof(m, leaves[:n], True), (m, n)


def test_arguments_out_of_range_are_refused() -> None:
    tree = MerkleTree([A, B, C])
    for call in (
        lambda: tree.root(4), lambda: tree.inclusion_proof(3), lambda: tree.inclusion_proof(2, 2),
        lambda: tree.consistency_proof(0), lambda: tree.consistency_proof(3, 2),
    ):
        with pytest.raises(ValueError):
            call()
    assert not verify_inclusion(3, 3, C, [], tree.root())
    assert root_from_inclusion(-1, 3, A, []) is None
    assert not verify_consistency(0, 3, EMPTY_ROOT, tree.root(), [])
    assert not verify_consistency(3, 2, tree.root(), tree.root(2), [])
    # Same size: only an empty proof between equal roots.
    assert verify_consistency(3, 3, tree.root(), tree.root(), [])
    assert not verify_consistency(3, 3, tree.root(), tree.root(), [A])
    assert not verify_consistency(3, 3, tree.root(2), tree.root(), [])


def test_a_hundred_thousand_leaves_build_quickly() -> None:
    import time

    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(100_000)]
    started = time.perf_counter()
    tree = MerkleTree(leaves)
    root = tree.root()
    proofs = [tree.inclusion_proof(i) for i in range(0, 100_000, 997)]
    consistency = tree.consistency_proof(60_001)
    elapsed = time.perf_counter() - started

    assert root == merkle_root(leaves)
    assert all(verify_inclusion(i * 997, 100_000, leaves[i * 997], p, root) for i, p in enumerate(proofs))
    assert verify_consistency(60_001, 100_000, tree.root(60_001), root, consistency)
    assert elapsed < 5, elapsed  # about 0.2 s here; a recursive build per proof would take minutes


# --- properties -----------------------------------------------------------------------------

leaf_lists = st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(leaf_lists, st.data())
def test_every_inclusion_proof_verifies_and_an_altered_one_fails(leaves: list[bytes], data) -> None:
    tree = MerkleTree(leaves)
    n = data.draw(st.integers(1, len(leaves)), label="size")
    root = tree.root(n)
    for index in range(n):
        proof = tree.inclusion_proof(index, n)
        assert verify_inclusion(index, n, leaves[index], proof, root)

    index = data.draw(st.integers(0, n - 1), label="index")
    proof = tree.inclusion_proof(index, n)
    other_leaf = data.draw(st.binary(min_size=32, max_size=32).filter(lambda b: b != leaves[index]))
    assert not verify_inclusion(index, n, other_leaf, proof, root)
    if n > 1:
        # Another position: a leaf's path does not prove it anywhere else.
        other = data.draw(st.integers(0, n - 1).filter(lambda i: i != index), label="other index")
        assert not verify_inclusion(other, n, leaves[index], proof, root) or leaves[other] == leaves[index]
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="altered hash")
        bit = data.draw(st.integers(0, 255), label="bit")
        altered = list(proof)
        altered[at] = _flip(altered[at], bit)
        assert not verify_inclusion(index, n, leaves[index], altered, root)
        assert not verify_inclusion(index, n, leaves[index], proof[:-1], root)
    assert not verify_inclusion(index, n, leaves[index], proof + [root], root)
    assert not verify_inclusion(index, n, leaves[index], proof, _flip(root, 0))


@settings(max_examples=150, deadline=None)
@given(leaf_lists, st.data())
def test_every_consistency_proof_verifies_and_an_altered_one_fails(leaves: list[bytes], data) -> None:
    tree = MerkleTree(leaves)
    n = data.draw(st.integers(1, len(leaves)), label="new size")
    for m in range(1, n + 1):
        assert verify_consistency(m, n, tree.root(m), tree.root(n), tree.consistency_proof(m, n)), (m, n)

    m = data.draw(st.integers(1, n), label="old size")
    proof = tree.consistency_proof(m, n)
    old_root, new_root = tree.root(m), tree.root(n)
    assert not verify_consistency(m, n, _flip(old_root, 7), new_root, proof)
    assert not verify_consistency(m, n, old_root, _flip(new_root, 7), proof)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="altered hash")
        altered = list(proof)
        altered[at] = _flip(altered[at], data.draw(st.integers(0, 255), label="bit"))
        assert not verify_consistency(m, n, old_root, new_root, altered)
        assert not verify_consistency(m, n, old_root, new_root, proof[1:])
    assert not verify_consistency(m, n, old_root, new_root, proof + [new_root])

    # A rewritten history: one leaf below m changed, then the log grew on.
    at = data.draw(st.integers(0, m - 1), label="rewritten leaf")
    rewritten = list(leaves)
    rewritten[at] = _flip(rewritten[at], 3)
    forged = MerkleTree(rewritten)
    assert not verify_consistency(m, n, old_root, forged.root(n), forged.consistency_proof(m, n))


def _flip(value: bytes, bit: int) -> bytes:
    changed = bytearray(value)
    changed[bit // 8 % len(changed)] ^= 1 << (bit % 8)
    return bytes(changed)
