"""A journey's audit bundle: exported from the live log, verified offline.

`pathways audit export JOURNEY_ID` writes one; `pathways audit verify BUNDLE` checks it with
no database and no service. A bundle is UTF-8 text, one RFC 8785 canonical JSON object per
line, in this order::

    {"kind": "header", "format": "pathways-audit-bundle", "version": 1, "journey_id", "exported_at"}
    {"kind": "public_key", "key_id", "pem"}            the key the signatures verify with
    {"kind": "checkpoint", "checkpoint": {...}}        the latest signed checkpoint (tree_size,
                                                       root_hash, signed_at, key_id, signature)
    {"kind": "consistency", "from": {...}, "proof"}    the first checkpoint that covered the
                                                       journey's first event, and the RFC 6962
                                                       consistency proof from it to the latest
    {"kind": "event", "event": {...}, "inclusion_proof": [...]}   one per event, in version order
    {"kind": "manifest", "manifest": {...}, "signature"}          signed at export

Each event carries its `position` and every column the hash covers, already in the hash's
text form (store/chain.py: ``occurred_on`` ISO, ``recorded_at`` UTC with six fractional
digits), with its ``prev_hash`` and ``hash``, and the audit path of its leaf (the hex-decoded
``hash``, leaf index position - 1) in the checkpoint's tree. Only the journey's events at
positions the checkpoint covers are in it: the export writes a fresh checkpoint first.

The manifest is what makes a bundle complete: ``{"kind": "pathways-audit-export",
"journey_id", "tree_size", "root_hash", "positions", "last_hash", "exported_at", "key_id",
"log"}``, signed with the checkpoint key, so events cut from the end (or anywhere) of a bundle
are missed by name, which a checkpoint alone cannot show. ``log`` is the live log as the export
found it (``size``, ``root_hash`` and ``first_gap`` over positions 1..tree_size): when the log
no longer matches the checkpoint the proofs cannot verify, and this says where it stopped
matching (a removed position, a cut tail).

`verify_bundle` checks, in this order, naming the first problem (and the event's position
where there is one): every line is canonical JSON of the expected kind; the checkpoint's and
the manifest's signatures verify with the bundled key (or the key the auditor pins); the
events are exactly the manifest's positions, in order; each is the journey's, its version the
next, at a later position than the one before, its ``prev_hash`` the previous event's ``hash``
(the genesis hash first), its ``hash`` recomputes from its columns; then each one's inclusion
proof leads to the signed root; and last, the consistency proof.

Because every line must be canonical JSON (one text per value) and every value in it is
checked, changing any single byte of a bundle makes it fail. The bundled key only says who
signed: an auditor compares its key id with the one the LA publishes, or pins the key
(``--key``), since anyone can sign a bundle of their own making with a key of their own.

Offline means offline: this module imports no database code. store/chain.py is pure (the
standard library and ``rfc8785``), and the store package imports nothing on its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from audit import merkle
from audit.statements import (
    Checkpoint, canonical, event_leaf, format_time, key_id, load_public_key, public_key_pem, sign,
    signature_verifies,
)
from store import chain

FORMAT = "pathways-audit-bundle"
VERSION = 1
MANIFEST_KIND = "pathways-audit-export"
CONSISTENCY_KIND = "pathways-consistency-proof"

EVENT_FIELDS = (
    "position", "stream", "version", "event_id", "type", "occurred_on", "recorded_at", "actor",
    "actor_role", "command_id", "schema_version", "data", "prev_hash", "hash",
)
ENVELOPE_FIELDS = EVENT_FIELDS[1:-2]
MANIFEST_FIELDS = (
    "kind", "journey_id", "tree_size", "root_hash", "positions", "last_hash", "exported_at", "key_id", "log",
)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class NothingToExport(Exception):
    """No checkpoint yet, or none that covers any of the journey's events."""


# --- export (needs the database) ---------------------------------------------------------------


def export_bundle(
    engine, journey_id: str, key, *, checkpoint: Checkpoint | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> str:
    """The bundle text for `journey_id` against `checkpoint` (default: the latest), its
    manifest signed with `key` (the checkpoint signing key; its public half is bundled).

    The proofs are computed from the live log as it is now. If the log no longer matches the
    checkpoint, the bundle is written all the same, and does not verify: it names where.
    """
    from audit.checkpoints import first_checkpoint_covering, latest_checkpoint, read_leaves
    from store import log

    checkpoint = checkpoint or latest_checkpoint(engine)
    if checkpoint is None:
        raise NothingToExport("no checkpoint has been written yet (pathways audit checkpoint)")
    with engine.connect() as connection:
        stored = [e for e in log.stream(connection, journey_id) if e.position <= checkpoint.tree_size]
    if not stored:
        raise NothingToExport(f"no event of journey {journey_id} is covered by checkpoint {checkpoint.tree_size}")
    earliest = first_checkpoint_covering(engine, stored[0].position) or checkpoint
    found = read_leaves(engine, checkpoint.tree_size)
    tree = merkle.MerkleTree(found.leaves())

    exported_at = format_time(clock())
    lines: list[dict[str, Any]] = [
        {"kind": "header", "format": FORMAT, "version": VERSION, "journey_id": journey_id, "exported_at": exported_at},
        {"kind": "public_key", "key_id": key_id(key), "pem": public_key_pem(key)},
        {"kind": "checkpoint", "checkpoint": checkpoint.as_json()},
        {"kind": "consistency", "from": earliest.as_json(),
         "proof": _hex(tree.consistency_proof(earliest.tree_size)) if earliest.tree_size <= tree.size else []},
    ]
    for event in stored:
        index = event.position - 1
        lines.append({
            "kind": "event",
            "event": {"position": event.position, **chain.envelope_of(event), "prev_hash": event.prev_hash, "hash": event.hash},
            "inclusion_proof": _hex(tree.inclusion_proof(index)) if index < tree.size else [],
        })
    manifest = {
        "kind": MANIFEST_KIND, "journey_id": journey_id, "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash, "positions": [e.position for e in stored],
        "last_hash": stored[-1].hash, "exported_at": exported_at, "key_id": key_id(key),
        # The live log as the export found it, for the verifier to say why proofs fail (if they do).
        "log": {"size": tree.size, "root_hash": tree.root().hex(), "first_gap": found.first_gap},
    }
    lines.append({"kind": "manifest", "manifest": manifest, "signature": sign(key, canonical(manifest))})
    return "".join(chain.canonical_json(line).decode("utf-8") + "\n" for line in lines)


def consistency_document(engine, from_size: int, to_size: int | None, key) -> str:
    """`pathways audit consistency`: two stored checkpoints, the RFC 6962 consistency proof
    between them (from the live log) and the public key, as one canonical JSON line."""
    from audit.checkpoints import checkpoint_of_size, latest_checkpoint, read_leaves

    new = checkpoint_of_size(engine, to_size) if to_size is not None else latest_checkpoint(engine)
    old = checkpoint_of_size(engine, from_size)
    if old is None or new is None:
        missing = from_size if old is None else to_size
        raise NothingToExport(f"no stored checkpoint of size {missing}")
    if old.tree_size > new.tree_size:
        raise NothingToExport(f"checkpoint {old.tree_size} is later than checkpoint {new.tree_size}")
    tree = merkle.MerkleTree(read_leaves(engine, new.tree_size).leaves())
    proof = _hex(tree.consistency_proof(old.tree_size, new.tree_size)) if new.tree_size <= tree.size else []
    document = {"kind": CONSISTENCY_KIND, "from": old.as_json(), "to": new.as_json(), "proof": proof,
                "public_key": public_key_pem(key)}
    return chain.canonical_json(document).decode("utf-8") + "\n"


def _hex(hashes: Sequence[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


_HEX_HASH = re.compile(r"[0-9a-f]{64}")


def _unhex(proof: Any) -> list[bytes] | None:
    """A proof's hashes; None unless it is a list of 64 lowercase hex digits each (one text
    per hash, so that no byte of a bundle can change without changing what it says)."""
    if not isinstance(proof, list) or not all(isinstance(p, str) and _HEX_HASH.fullmatch(p) for p in proof):
        return None
    return [bytes.fromhex(p) for p in proof]


# --- verification (offline) ---------------------------------------------------------------------


@dataclass(frozen=True)
class BundleProblem:
    reason: str
    position: int | None = None  # the event's log position, where the problem is an event's
    version: int | None = None
    event_id: str | None = None
    line: int | None = None  # 1-based line of the bundle


@dataclass(frozen=True)
class BundleVerification:
    ok: bool
    journey_id: str | None
    # Events that passed every check before the first problem; the inclusion proofs are
    # checked last, so this is 0 when a problem is found in the events' own contents.
    events_checked: int
    checkpoint: Checkpoint | None
    key_id: str | None
    problem: BundleProblem | None


@dataclass(frozen=True)
class Consistency:
    ok: bool
    reason: str | None = None


class _Broken(Exception):
    def __init__(self, problem: BundleProblem) -> None:
        self.problem = problem


def verify_consistency(
    old: Checkpoint, new: Checkpoint, proof: Sequence[str | bytes], public_key=None
) -> Consistency:
    """True if `proof` shows `new`'s tree extends `old`'s; with `public_key`, both
    checkpoints' signatures are checked too."""
    if public_key is not None:
        for checkpoint in (old, new):
            if not checkpoint.verifies_with(public_key):
                return Consistency(False, f"checkpoint {checkpoint.tree_size}'s signature does not verify")
    hashes = _unhex([p.hex() if isinstance(p, bytes) else p for p in proof])
    if hashes is None or not _HEX_HASH.fullmatch(old.root_hash) or not _HEX_HASH.fullmatch(new.root_hash):
        return Consistency(False, "the proof or a root is not lowercase hex")
    old_root, new_root = bytes.fromhex(old.root_hash), bytes.fromhex(new.root_hash)
    if not merkle.verify_consistency(old.tree_size, new.tree_size, old_root, new_root, hashes):
        return Consistency(False, f"checkpoint {new.tree_size} does not extend checkpoint {old.tree_size}: "
                                  "the history it covers was rewritten")
    return Consistency(True)


def verify_consistency_document(text: str | bytes, public_key_pem_text: str | None = None) -> Consistency:
    """Checks what `pathways audit consistency` printed."""
    try:
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("kind") != CONSISTENCY_KIND:
            return Consistency(False, "not a consistency proof")
        old, new = Checkpoint.from_json(document["from"]), Checkpoint.from_json(document["to"])
        public_key = load_public_key(public_key_pem_text or document["public_key"])
        proof = document["proof"]
        if not isinstance(proof, list) or not all(isinstance(p, str) for p in proof):
            return Consistency(False, "the proof is not a list of hex hashes")
    except (ValueError, KeyError, TypeError) as err:
        return Consistency(False, f"malformed consistency proof: {err}")
    return verify_consistency(old, new, proof, public_key)


def verify_bundle(bundle: str | bytes, public_key_pem_text: str | None = None) -> BundleVerification:
    """Checks a bundle offline (see the module's docstring); names the first problem.
    `public_key_pem_text`, if given, is the key the auditor trusts: the bundle's must be it."""
    state: dict[str, Any] = {"journey_id": None, "checked": 0, "checkpoint": None, "key_id": None}
    try:
        _verify(bundle, public_key_pem_text, state)
    except _Broken as broken:
        return BundleVerification(False, state["journey_id"], state["checked"], state["checkpoint"],
                                  state["key_id"], broken.problem)
    return BundleVerification(True, state["journey_id"], state["checked"], state["checkpoint"], state["key_id"], None)


def _fail(reason: str, line: int | None = None, event: dict | None = None, position: int | None = None) -> None:
    if event is not None:
        if position is None and type(event.get("position")) is int:
            position = event["position"]
        version = event.get("version") if type(event.get("version")) is int else None
        event_id = event.get("event_id") if isinstance(event.get("event_id"), str) else None
        raise _Broken(BundleProblem(reason, position, version, event_id, line))
    raise _Broken(BundleProblem(reason, position, None, None, line))


def _parse(raw: bytes) -> dict | None:
    """A line's object; None if it is not canonical JSON (the caller names the problem)."""
    try:
        text = raw.decode("utf-8")
        value = json.loads(text)
        if chain.canonical_json(value).decode("utf-8") != text:
            return None
    except Exception:  # not UTF-8, not JSON, or JSON that RFC 8785 refuses (NaN, huge numbers)
        return None
    return value if isinstance(value, dict) else None


def _cut_short(parsed: list[dict | None], complete: bool) -> None:
    """The bundle does not end with its manifest line: name the last event it still has."""
    events = [v["event"] for v in parsed if v is not None and v.get("kind") == "event" and isinstance(v.get("event"), dict)]
    if not events:
        _fail("this is not a whole bundle: it has no manifest line" + ("" if complete else " and no final newline"))
    last = events[-1]
    _fail(f"the bundle was cut short after the event at position {last.get('position')}: its manifest (the "
          "signed list of the events exported) is missing", len(parsed), last)


def _verify(bundle: str | bytes, pinned_pem: str | None, state: dict[str, Any]) -> None:
    raw = bundle.encode("utf-8", "surrogatepass") if isinstance(bundle, str) else bytes(bundle)
    rows = raw.split(b"\n")
    complete = rows.pop() == b""  # what follows the last newline: nothing, in a whole bundle
    parsed = [_parse(row) for row in rows]
    last = len(rows)
    if not complete or last < 6 or (parsed[-1] or {}).get("kind") != "manifest":
        _cut_short(parsed, complete)

    def line(number: int, kind: str) -> dict:
        value = parsed[number - 1]
        if value is None:
            _fail(f"line {number} is not canonical JSON", number)
        if value.get("kind") != kind:
            _fail(f"line {number} should be the {kind}, not {value.get('kind')!r}", number)
        return value

    header = line(1, "header")
    if (header.get("format"), header.get("version")) != (FORMAT, VERSION) or set(header) != {
        "kind", "format", "version", "journey_id", "exported_at"
    }:
        _fail(f"not a {FORMAT} version {VERSION}", 1)
    journey_id = header["journey_id"]
    if not isinstance(journey_id, str):
        _fail("the header's journey_id is not a string", 1)
    state["journey_id"] = journey_id

    # The key, the checkpoint and the manifest: everything else hangs on their signatures.
    key_line = line(2, "public_key")
    try:
        public_key = load_public_key(key_line.get("pem"))
    except (ValueError, TypeError, AttributeError):
        _fail("line 2 does not hold an Ed25519 public key", 2)
    state["key_id"] = key_id(public_key)
    if key_line.get("key_id") != state["key_id"] or set(key_line) != {"kind", "key_id", "pem"}:
        _fail("the bundled key's key_id does not match the key", 2)
    if key_line["pem"] != public_key_pem(public_key):
        _fail("the bundled key is not written as the export writes it", 2)
    if pinned_pem is not None:
        try:
            pinned = key_id(load_public_key(pinned_pem))
        except (ValueError, TypeError):
            _fail("the key given to check against is not an Ed25519 public key")
        if pinned != state["key_id"]:
            _fail(f"the bundle is signed with key {state['key_id']}, not the trusted key {pinned}", 2)

    checkpoint = _checkpoint_in(line(3, "checkpoint"), "checkpoint", 3)
    if not checkpoint.verifies_with(public_key):
        _fail(f"checkpoint {checkpoint.tree_size}'s signature does not verify with the bundled key", 3)
    state["checkpoint"] = checkpoint
    if not _HEX_HASH.fullmatch(checkpoint.root_hash):
        _fail("the checkpoint's root is not lowercase hex", 3)
    root = bytes.fromhex(checkpoint.root_hash)

    manifest_line = line(last, "manifest")
    manifest = manifest_line.get("manifest")
    if (not isinstance(manifest, dict) or set(manifest) != set(MANIFEST_FIELDS)
            or set(manifest_line) != {"kind", "manifest", "signature"}
            or not isinstance(manifest_line["signature"], str)):
        _fail("the manifest is malformed", last)
    if not signature_verifies(public_key, canonical(manifest), manifest_line["signature"]):
        _fail("the manifest's signature does not verify with the bundled key", last)
    if (manifest["kind"], manifest["journey_id"], manifest["tree_size"], manifest["root_hash"], manifest["key_id"],
            manifest["exported_at"]) != (
        MANIFEST_KIND, journey_id, checkpoint.tree_size, checkpoint.root_hash, state["key_id"], header["exported_at"]
    ):
        _fail("the manifest is for another journey, checkpoint or key", last)
    positions, live = manifest["positions"], manifest["log"]
    if not isinstance(positions, list) or not positions or not all(type(p) is int for p in positions):
        _fail("the manifest's positions are malformed", last)
    if (not isinstance(live, dict) or set(live) != {"size", "root_hash", "first_gap"} or type(live["size"]) is not int
            or not isinstance(live["root_hash"], str) or not isinstance(live["first_gap"], (int, type(None)))):
        _fail("the manifest's log summary is malformed", last)

    consistency = line(4, "consistency")
    earlier = _checkpoint_in(consistency, "from", 4)
    proof = consistency.get("proof")
    if set(consistency) != {"kind", "from", "proof"} or _unhex(proof) is None:
        _fail("the consistency line is malformed", 4)
    if earlier.tree_size < positions[0]:
        _fail(f"checkpoint {earlier.tree_size} does not cover the journey's first event", 4, position=positions[0])

    # The events: exactly the manifest's, in its order. Where a line differs, the position
    # named is the one the manifest has there (an extra line at the end: the line's own).
    event_lines = list(range(5, last))
    events: list[tuple[int, dict, dict]] = []
    for offset, number in enumerate(event_lines):
        expected = positions[offset] if offset < len(positions) else None
        value = parsed[number - 1]
        if value is None:
            _fail(f"line {number} is not canonical JSON", number, position=expected)
        event = value.get("event")
        if value.get("kind") != "event" or not isinstance(event, dict):
            _fail(f"line {number} should be an event", number, position=expected)
        claimed = event.get("position")
        if expected is None:
            _fail(f"an event the export did not write (at position {claimed}): the manifest lists "
                  f"{len(positions)} events", number, event)
        if claimed != expected:
            if claimed in positions[offset + 1:]:
                _fail(f"the event at position {expected} is missing here (this line is position {claimed})",
                      number, event, position=expected)
            _fail(f"the manifest has the event at position {expected} here, not one at position {claimed}",
                  number, event, position=expected)
        events.append((number, value, event))
    if len(events) < len(positions):
        missing = positions[len(events)]
        _fail(f"the event at position {missing} is missing: the bundle ends after {len(events)} of the "
              f"{len(positions)} events the export wrote", last, position=missing)

    # First what each event says of itself and its predecessor (exact, to the event), then
    # whether the signed tree holds it (which only says where the log stopped matching).
    prev_hash, prev_position = chain.GENESIS_HASH, 0
    for version, (number, value, event) in enumerate(events, 1):
        _check_event(value, event, number, journey_id, version, prev_hash, prev_position, checkpoint.tree_size)
        prev_hash, prev_position = event["hash"], event["position"]
    if prev_hash != manifest["last_hash"]:
        _fail("the last event is not the one the export wrote", last, events[-1][2])
    for number, value, event in events:
        _check_inclusion(value["inclusion_proof"], event, number, checkpoint, root, manifest["log"])
        state["checked"] += 1

    # Last: the latest checkpoint extends the one that first covered the journey.
    checked = verify_consistency(earlier, checkpoint, proof, public_key)
    if not checked.ok:
        _fail(checked.reason, 4)


def _checkpoint_in(value: dict, member: str, number: int) -> Checkpoint:
    if member == "checkpoint" and set(value) != {"kind", "checkpoint"}:
        _fail("the checkpoint line is malformed", number)
    try:
        return Checkpoint.from_json(value.get(member))
    except ValueError as err:
        _fail(f"line {number}: {err}", number)


_STRINGS = ("stream", "event_id", "type", "recorded_at", "actor", "actor_role", "prev_hash", "hash")


def _check_event(
    value: dict, event: dict, number: int, journey_id: str, version: int, prev_hash: str, prev_position: int,
    tree_size: int,
) -> None:
    if set(value) != {"kind", "event", "inclusion_proof"} or set(event) != set(EVENT_FIELDS):
        _fail("the event line does not have exactly the expected fields", number, event)
    if (not all(isinstance(event[name], str) for name in _STRINGS)
            or not all(type(event[name]) is int for name in ("position", "version", "schema_version"))
            or not isinstance(event["occurred_on"], (str, type(None)))
            or not isinstance(event["command_id"], (str, type(None)))
            or not isinstance(event["data"], dict)):
        _fail("an event column has the wrong type", number, event)
    if event["stream"] != journey_id:
        _fail(f"the event belongs to stream {event['stream']}, not journey {journey_id}", number, event)
    if not 1 <= event["position"] <= tree_size:
        _fail(f"position {event['position']} is not covered by checkpoint {tree_size}", number, event)
    if event["version"] != version:
        _fail(f"version {event['version']} where version {version} should be: version {version} is missing",
              number, event)
    if event["position"] <= prev_position:
        # A journey's events are logged in version order (positions follow commit order).
        _fail(f"version {version} is at position {event['position']}, before version {version - 1} "
              f"(position {prev_position})", number, event)
    if event["prev_hash"] != prev_hash:
        what = "the genesis hash" if version == 1 else f"version {version - 1}'s hash"
        _fail(f"prev_hash is not {what}", number, event)
    try:
        recomputed = chain.link(event["prev_hash"], {name: event[name] for name in ENVELOPE_FIELDS})
    except (ValueError, TypeError, UnicodeEncodeError):
        recomputed = None
    if recomputed != event["hash"]:
        _fail("hash does not match contents", number, event)


def _check_inclusion(proof: Any, event: dict, number: int, checkpoint: Checkpoint, root: bytes, live: dict) -> None:
    hashes = _unhex(proof)
    if hashes is None:
        _fail("the inclusion proof is not a list of lowercase hex hashes", number, event)
    size = checkpoint.tree_size
    if merkle.verify_inclusion(event["position"] - 1, size, event_leaf(event["hash"]), hashes, root):
        return
    # Why, as the export saw the live log (the manifest is signed: this is the exporter's word).
    if live["root_hash"] == checkpoint.root_hash:
        _fail(f"the inclusion proof does not lead to checkpoint {size}'s signed root, though the log it was "
              "exported from matched it: the proof was altered", number, event)
    if live["first_gap"] is not None:
        _fail(f"the log this was exported from no longer matches checkpoint {size}: position {live['first_gap']} "
              "is missing from it", number, position=live["first_gap"])
    if live["size"] < size:
        _fail(f"the log this was exported from no longer matches checkpoint {size}: it ends at position "
              f"{live['size']}, the events after it removed", number, position=live["size"] + 1)
    _fail(f"the inclusion proof does not lead to checkpoint {size}'s signed root: the log this was exported "
          f"from was changed at or before position {size}", number, event)
