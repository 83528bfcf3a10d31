"""The timescale policy in force: which version a `change_policy` command pins, resolved by
the LA's today (services/clock.py) and handed to the rules as a date."""

from __future__ import annotations

from domain.codec import to_data
from domain.timescales import policy_in_force
from services.clock import Clock, la_today


def policy_for_change(asked, clock: Clock | None = None) -> dict:
    """The policy a `change_policy` asks for, as in force today, in the command's data shape."""
    return to_data(policy_in_force(asked, la_today(clock)))
