"""Context weighting: which contexts matter for a young person's safety, and how much.

The seed report asks for context weighting at assessment, at each conference and at each
review: for each context (home and family, peers, school or college, a named public place,
online, ...) whether it is a place of harm and/or of safety, how influential it is, and which
contexts affect which. Whether the family or a context outside it is the most influential
is what tells a chair that the young person may be on the wrong pathway, so a shift between
the two puts "consider transfer" before the next conference. It is a prompt, never a
transfer: the conference decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from domain.errors import DomainError

HOME_FAMILY = "home_family"
CONTEXT_KINDS = (HOME_FAMILY, "peer_group", "school_college", "public_place", "online", "other")
# When a weighting is made: at assessment (the s.47 enquiry) or at a meeting of the plan.
WEIGHTED_AT = ("assessment", "initial_conference", "review_conference", "core_group")
MAX_WEIGHT = 10  # weights run 1 (barely influential) to 10 (the most influential there is)

# Context ids are the LA's own short names ("riverside-park"): they appear in workflow ids and
# URLs, so they are lower-case slugs, and they name places and groups, never people.
CONTEXT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

FAMILY_SIDE = "family"
OUTSIDE_SIDE = "outside"


@dataclass(frozen=True)
class WeightedContext:
    context_id: str  # the LA's id for a context outside the home, shared by every journey that names it
    kind: str  # one of CONTEXT_KINDS
    name: str  # "Riverside park", "Year 10 peer group": a place or group, never a person
    harm: bool  # a place of harm for the young person
    safety: bool  # a place of safety
    weight: int  # how influential it is for the young person's safety, 1 to MAX_WEIGHT
    affects: tuple[str, ...] = ()  # the context_ids this context has an effect on


@dataclass(frozen=True)
class ContextWeighting:
    occurred_on: date
    at: str  # one of WEIGHTED_AT
    contexts: tuple[WeightedContext, ...]


def most_influential_side(weighting: ContextWeighting) -> str | None:
    """FAMILY_SIDE or OUTSIDE_SIDE: where the most influential context is. None when the
    family and an outside context are weighted equally highest (no side leads)."""
    top = max(context.weight for context in weighting.contexts)
    sides = {FAMILY_SIDE if c.kind == HOME_FAMILY else OUTSIDE_SIDE for c in weighting.contexts if c.weight == top}
    return sides.pop() if len(sides) == 1 else None


def transfer_prompt(
    previous: ContextWeighting | None, weighting: ContextWeighting, pathway: str | None, standing: str | None,
) -> str | None:
    """The pathway a chair should consider transferring to ("roth" or "cp") after `weighting`,
    given the one before it and the prompt already standing.

    A move of the most influential context from the family to outside it points to ROTH,
    and the other way to CP; a move back withdraws the prompt; no move leaves it as it was.
    A prompt for the pathway the young person is already on is no prompt."""
    before = most_influential_side(previous) if previous is not None else None
    after = most_influential_side(weighting)
    if before is None or after is None or before == after:
        return standing
    target = "roth" if after == OUTSIDE_SIDE else "cp"
    return None if target == pathway else target


def outside_context_ids(weighting: ContextWeighting | None) -> tuple[str, ...]:
    """The contexts outside the home a weighting names: what links a journey to the LA's
    context cases (the family is the journey's own, never shared)."""
    if weighting is None:
        return ()
    return tuple(c.context_id for c in weighting.contexts if c.kind != HOME_FAMILY)


def check_context_id(context_id: str) -> None:
    if not isinstance(context_id, str) or not CONTEXT_ID.match(context_id):
        raise DomainError(
            "invalid_value",
            f"{context_id!r} is not a context id: use 1 to 64 lower-case letters, digits and hyphens, such as 'riverside-park'.",
        )
