"""What text the record accepts: the rule the HTTP edge and the journey's rules both apply.

A text the event log cannot hold as written, or that would mislead the person who reads it,
is refused with `invalid_text` before anything is written:

* NUL, and every other control character (a name or an id takes none; free text, such as the
  views a young person gave, takes line breaks and tabs): PostgreSQL cannot store NUL in text,
  and the hash chain's canonical JSON would differ from what is read back;
* lone surrogates (half of a UTF-16 pair): not characters at all, and not encodable as UTF-8;
* bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069): they make a text read
  differently from what it holds ("Trojan Source");
* zero-width and invisible format characters (U+200B-U+200F, U+2060-U+2064, U+FEFF, U+180E,
  U+00AD): two ids that look the same must be the same id.
"""

from __future__ import annotations

import unicodedata

from domain.errors import DomainError

__all__ = ["INVALID_TEXT", "check_text", "text_pattern", "text_problem"]

INVALID_TEXT = "invalid_text"
# Allowed in free text only: what a practitioner types in a paragraph.
_FREE_TEXT_CONTROLS = frozenset("\n\r\t")
_INVISIBLE = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)] + [chr(c) for c in range(0x2060, 0x2065)] + ["\ufeff", "\u180e", "\u00ad"]
)
_BIDI = frozenset([chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)])


def text_problem(value: str, *, free_text: bool = False) -> str | None:
    """Why `value` cannot be recorded (a sentence naming the character, never the text), or None."""
    for position, char in enumerate(value, start=1):
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            return f"character {position} is half of a UTF-16 surrogate pair, which is not a character"
        if char in _BIDI:
            return f"character {position} (U+{code:04X}) changes the direction text is shown in"
        if char in _INVISIBLE:
            return f"character {position} (U+{code:04X}) is invisible"
        if unicodedata.category(char) == "Cc" and not (free_text and char in _FREE_TEXT_CONTROLS):
            return f"character {position} (U+{code:04X}) is a control character"
    return None


def check_text(value: str | None, what: str, *, free_text: bool = False) -> None:
    """Refuse (`invalid_text`) a text the record cannot take; None (not given) passes."""
    if value is None:
        return
    problem = text_problem(value, free_text=free_text)
    if problem is not None:
        raise DomainError(INVALID_TEXT, f"The {what} cannot be recorded: {problem}.")


def text_pattern(*, free_text: bool = False) -> str:
    """The same rule as a regular expression (JSON Schema's and Python's alike), for a contract
    to state it: no character `text_problem` refuses (lone surrogates aside, which no JSON
    Schema string holds)."""
    allowed = _FREE_TEXT_CONTROLS if free_text else frozenset()
    refused = sorted({chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))} - allowed | _INVISIBLE | _BIDI)
    return "^[^" + "".join(f"\\u{ord(c):04x}" for c in refused) + "]*$"
