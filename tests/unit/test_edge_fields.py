"""The edge's types state the record's rules exactly: what the OpenAPI document promises is what is taken."""

from __future__ import annotations

import re
from datetime import date

import pytest
from pydantic import TypeAdapter, ValidationError

from api.fields import DATE_PATTERN, RecordDate, free_text, record_text
from domain.ranges import date_problem
from domain.text import text_pattern, text_problem


@pytest.mark.parametrize("free_text", [False, True])
def test_the_documented_pattern_takes_exactly_the_characters_the_record_takes(free_text):
    # Whole-string matches, as JSON Schema's `$` means (Python's also matches before a final line break).
    pattern = re.compile(text_pattern(free_text=free_text))
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue  # lone surrogates: no JSON Schema string holds one; text_problem refuses them
        char = chr(code)
        assert (pattern.fullmatch(char) is not None) == (text_problem(char, free_text=free_text) is None), hex(code)


def test_free_text_takes_line_breaks_and_a_name_does_not():
    assert TypeAdapter(free_text(20)).validate_python("one\r\n\ttwo") == "one\r\n\ttwo"
    with pytest.raises(ValidationError, match="invalid_text"):
        TypeAdapter(record_text(20)).validate_python("one\ntwo")
    with pytest.raises(ValidationError, match="string_too_long"):
        TypeAdapter(record_text(2)).validate_python("one")


def test_the_documented_date_pattern_is_the_records_years():
    pattern = re.compile(DATE_PATTERN)
    for year in range(1000, 10000):
        day = f"{year:04d}-06-30"
        assert (pattern.fullmatch(day) is not None) == (date_problem(date(year, 6, 30)) is None), day
    assert TypeAdapter(RecordDate).json_schema()["pattern"] == DATE_PATTERN
