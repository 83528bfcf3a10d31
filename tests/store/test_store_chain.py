"""store.chain, the part of the store auditors reuse: pinned so it cannot drift."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone

import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from store import chain
from store_factories import event_data

RECORDED_AT = datetime(2026, 3, 2, 10, 15, 0, 123456, tzinfo=timezone.utc)


def example_envelope(**overrides) -> dict:
    fields = dict(
        stream="journey-1",
        version=1,
        event_id="00000000-0000-4000-8000-000000000001",
        type="StrategyDiscussionHeld",
        occurred_on=date(2026, 3, 2),
        recorded_at=RECORDED_AT,
        actor="user-0042",
        actor_role="social_worker",
        command_id="command-1",
        schema_version=1,
        data={"outcome": "section_47", "attendees": ["police", "health"], "urgent": True},
    )
    fields.update(overrides)
    return chain.envelope(**fields)


def test_the_envelope_spells_dates_and_times_as_documented() -> None:
    envelope = example_envelope()

    assert envelope["occurred_on"] == "2026-03-02"
    assert envelope["recorded_at"] == "2026-03-02T10:15:00.123456+00:00"
    assert example_envelope(occurred_on=None)["occurred_on"] is None
    assert sorted(envelope) == sorted(
        [
            "stream", "version", "event_id", "type", "occurred_on", "recorded_at",
            "actor", "actor_role", "command_id", "schema_version", "data",
        ]
    )


def test_recorded_at_is_always_utc_with_six_fractional_digits() -> None:
    whole_second = datetime(2026, 3, 2, 10, 15, tzinfo=timezone.utc)
    elsewhere = RECORDED_AT.astimezone(timezone(timedelta(hours=-5)))
    naive_utc = RECORDED_AT.replace(tzinfo=None)  # as SQLite hands it back

    assert chain.format_recorded_at(whole_second) == "2026-03-02T10:15:00.000000+00:00"
    assert chain.format_recorded_at(elsewhere) == "2026-03-02T10:15:00.123456+00:00"
    assert chain.format_recorded_at(naive_utc) == "2026-03-02T10:15:00.123456+00:00"


def test_the_hash_is_sha256_of_the_previous_hash_and_the_canonical_json() -> None:
    # Computed independently: for ASCII text and integers, RFC 8785 is sorted keys
    # with no whitespace.
    envelope = example_envelope()
    canonical = json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()
    first = hashlib.sha256(bytes(32) + canonical).hexdigest()

    assert rfc8785.dumps(envelope) == canonical
    assert chain.link(chain.GENESIS_HASH, envelope) == first
    second = example_envelope(version=2, event_id="00000000-0000-4000-8000-000000000002")
    assert chain.link(first, second) == hashlib.sha256(
        bytes.fromhex(first) + rfc8785.dumps(second)
    ).hexdigest()


def test_a_published_test_vector() -> None:
    # For auditors' tools to check themselves against; changing it breaks every chain.
    assert (
        chain.link(chain.GENESIS_HASH, example_envelope())
        == "044a4d99ba6a87dfc892062d0c37a03aee03f0f85af489195fcfbdd93b5af6f6"
    )


@given(data=event_data)
def test_the_hash_survives_a_json_round_trip(data: dict) -> None:
    # The store keeps data as JSON text (SQLite) or JSONB (PostgreSQL); either way,
    # what comes back must hash as what went in.
    envelope = example_envelope(data=data)
    round_tripped = example_envelope(data=json.loads(json.dumps(data)))

    assert chain.link(chain.GENESIS_HASH, round_tripped) == chain.link(
        chain.GENESIS_HASH, envelope
    )


# --- canonical JSON: the standard library's encoder where it agrees with rfc8785 ----------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _canonical_or_error(encode, value):
    try:
        return encode(value)
    except rfc8785.CanonicalizationError as error:
        return type(error)


@given(JSON_VALUES)
def test_canonical_json_is_byte_for_byte_rfc8785(value) -> None:
    # Any JSON value, including what the fast path must hand over: floats, integers past
    # 2**53, non-ASCII and astral keys (sorted by UTF-16 code units), unpaired surrogates.
    assert _canonical_or_error(chain.canonical_json, value) == _canonical_or_error(rfc8785.dumps, value)


def test_canonical_json_cases_where_plain_json_differs() -> None:
    for value in ({"\U0001F600": 1, "\uFF61": 2}, 1.0, 1e21, [2**53], {"a": -0.0}, "\ud800", {"é": "x"},
                  "\x00\x1f\"\\\u2028\x7f"):
        assert _canonical_or_error(chain.canonical_json, value) == _canonical_or_error(rfc8785.dumps, value)
