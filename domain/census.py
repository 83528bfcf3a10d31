"""What the Children in Need census asks that a journey records: DfE's code lists and the UPN.

The return (reports/cin_census.py) is checked with DfE's validation rules; the codes below
are the ones those rules accept, so a journey refuses a code the return could not carry
rather than leaving the LA to find it in the census window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Who made the referral (CINdetails ReferralSource): 1A-1D individuals (family, self,
# friend, other), 2A-2B schools and education, 3A-3F health services, 4 housing, 5A-5D
# local authority services, 6 police, 7 other legal agency, 8 other, 9 anonymous,
# 10 unknown.
REFERRAL_SOURCES = (
    "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F",
    "4", "5A", "5B", "5C", "5D", "6", "7", "8", "9", "10",
)
# The child's primary need at referral (N1 abuse or neglect ... N0 not stated).
PRIMARY_NEEDS = tuple(f"N{n}" for n in range(10))
# Why a child has no UPN (UN1 not yet of school age ... UN7 referral with no further action).
UPN_UNKNOWN = tuple(f"UN{n}" for n in range(1, 8))
# Disabilities; NONE stands alone.
DISABILITIES = ("NONE", "MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA")
NO_DISABILITY = "NONE"
# Factors identified at the end of an assessment; "21" (no factors identified) stands alone.
ASSESSMENT_FACTORS = (
    "1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C", "4A", "4B", "4C", "5A", "5B", "5C",
    "6A", "6B", "6C", "7A", "8B", "8C", "8D", "8E", "8F", "9A", "10A", "11A", "12A", "13A",
    "14A", "15A", "16A", "17A", "18A", "18B", "18C", "19A", "19B", "19C", "20", "21", "22A",
    "23A", "24A",
)
NO_FACTORS = "21"
# The extra-familial ones the seed report's young people present with.
EXTRA_FAMILIAL_FACTORS = {
    "10A": "going missing", "11A": "child sexual exploitation", "12A": "trafficking",
    "13A": "gangs", "24A": "child criminal exploitation",
    "18B": "child-on-child physical abuse", "19B": "child-on-child sexual abuse",
}

# The check letter of a UPN: letters for the remainders 0 to 22 (no I, O or S).
_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


@dataclass(frozen=True)
class CensusDetails:
    """What the census asks about the child and the referral that the start does not carry."""

    upn: str | None = None
    upn_unknown: str | None = None  # UPN_UNKNOWN: why there is no UPN
    disabilities: tuple[str, ...] = ()
    referral_source: str | None = None
    primary_need: str | None = None


@dataclass(frozen=True)
class Assessment:
    """A child and family assessment: started, authorised (completed), and what it found."""

    started_on: date
    authorised_on: date | None  # None while it goes on
    factors: tuple[str, ...]


def upn_problem(upn: str) -> str | None:
    """Why `upn` is not a unique pupil number, or None when it is one.

    13 characters: a check letter, the LA's 3-digit code, 2 digits of the year, a 6-digit
    serial, and a digit (a letter in a temporary UPN). The check letter is the sum of
    characters 2 to 13 weighted by their positions, modulo 23, as DfE computes it.
    """
    if len(upn) != 13:
        return "A UPN has 13 characters."
    if not upn[1:12].isdigit():
        return "Characters 2 to 12 of a UPN are digits."
    last = upn[12]
    if not (last.isdigit() or last in _CHECK_LETTERS):
        return "The last character of a UPN is a digit, or a letter in a temporary UPN."
    if not last.isdigit():
        # DfE's rule computes the check letter over 12 digits only: a temporary UPN is not
        # checked by it, and is not checked here either.
        return None
    letter = check_letter(upn[1:])
    if upn[0] != letter:
        return f"The check letter of this UPN should be {letter}: a character has been mistyped."
    return None


def check_letter(rest: str) -> str:
    """The check letter for a UPN's characters 2 to 13 (all digits)."""
    return _CHECK_LETTERS[sum(int(ch) * weight for weight, ch in enumerate(rest, start=2)) % 23]

