"""Cells safe to open in a spreadsheet: the one rule every export (CSV and XLSX) writes through.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` as a formula, and a tab or a
carriage return at the start can smuggle one past a careless import (OWASP's CSV injection
guidance). A text from the record that begins so (a child id such as `=cmd|'/c calc'!A1`
that reached the log before the edge refused it, a population's source) is written as text:
in CSV behind a single quote, which spreadsheets show as the text itself; in XLSX as a string
cell with the quote prefix set, never a formula. Numbers and dates are not text: a negative
number stays a number.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

__all__ = ["FORMULA_STARTS", "csv_cell", "csv_row", "written_as_text"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number as a CSV cell writes it (-3, +2.5): a spreadsheet reads it as the number it is.
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _runs_as_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) and not _NUMBER.match(text)


def csv_cell(text: str) -> str:
    """The text as a CSV cell a spreadsheet shows as it is."""
    return "'" + text if _runs_as_formula(text) else text


def csv_row(texts: Iterable[str]) -> list[str]:
    return [csv_cell(text) for text in texts]


def written_as_text(cells: Iterable[Any]) -> None:
    """Make each openpyxl cell holding such a text a string cell with the quote prefix, not a formula."""
    for cell in cells:
        if isinstance(cell.value, str) and _runs_as_formula(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
