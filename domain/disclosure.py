"""Disclosure control for published counts: small numbers suppressed, and nothing recoverable.

The seed report's sites published their ROTH figures with small numbers suppressed to keep
young people (and sites) from being identified. A count below the threshold (default 5) is
suppressed ("primary"); then, because a table is published with its totals, a suppressed
count could be worked out by subtraction wherever it is the only suppressed entry in a row or
a column. So each line of the table (a row or a column, with its total) must have no
suppressed entry or at least two: where a line has exactly one, the smallest other count in it
is suppressed too ("secondary"), and so on until every line holds. Zeros are published by
default (a zero is not a person), and are only suppressed secondarily when nothing else is
left to suppress in a line.

That is the usual rule for tables of this size. It guarantees no suppressed count is the only
unknown of a line; it does not compute the ranges a reader could narrow a count to by
combining several lines (that needs a linear solver), nor what two tables published
separately from the same cohort give away together: publish one breakdown per table.

Pure: the cohort report, its export and the dashboard all publish through `suppress`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Mapping, Sequence

TOTAL = "Total"
DEFAULT_THRESHOLD = 5
PRIMARY = "primary"
SECONDARY = "secondary"

Cell = tuple[Hashable, Hashable]


@dataclass(frozen=True)
class Published:
    """A table ready to publish: every entry (cells and totals, keyed (row, column) with TOTAL
    for the margins) is its count, or None where suppressed, with why it was."""

    rows: tuple[Hashable, ...]
    columns: tuple[Hashable, ...]
    values: Mapping[Cell, int | None]
    reasons: Mapping[Cell, str]

    def value(self, row: Hashable, column: Hashable) -> int | None:
        return self.values[(row, column)]


def suppress(
    rows: Sequence[Hashable], columns: Sequence[Hashable], counts: Mapping[Cell, int], threshold: int = DEFAULT_THRESHOLD,
) -> Published:
    """The table of `counts` (missing cells count 0) with its row, column and grand totals,
    suppressed so that no count under `threshold` can be read or worked out from the rest."""
    if threshold < 1:
        raise ValueError("the threshold is at least 1")
    rows, columns = tuple(rows), tuple(columns)
    full: dict[Cell, int] = {}
    for row in rows:
        for column in columns:
            value = counts.get((row, column), 0)
            if value < 0:
                raise ValueError("counts cannot be negative")
            full[(row, column)] = value
        full[(row, TOTAL)] = sum(full[(row, c)] for c in columns)
    for column in (*columns, TOTAL):
        full[(TOTAL, column)] = sum(full[(r, column)] for r in rows)

    reasons = {cell: PRIMARY for cell, value in full.items() if 0 < value < threshold}
    # Each line: a row with its total, a column with its total (the margins are lines too).
    lines = [[(row, c) for c in (*columns, TOTAL)] for row in (*rows, TOTAL)]
    lines += [[(r, column) for r in (*rows, TOTAL)] for column in (*columns, TOTAL)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [cell for cell in line if cell in reasons]
            if len(hidden) != 1:
                continue
            shown = [cell for cell in line if cell not in reasons]
            if not shown:
                continue
            # The smallest count that is not zero hides the least, and a zero only if nothing else is left.
            extra = min(shown, key=lambda cell: (full[cell] == 0, full[cell], str(cell)))
            reasons[extra] = SECONDARY
            changed = True
    values = {cell: (None if cell in reasons else value) for cell, value in full.items()}
    return Published(rows, columns, values, reasons)


def recoverable(published: Published) -> list[Cell]:
    """Suppressed entries that a line's total gives away (the only unknown in a row or a
    column): empty for anything `suppress` produced. For tests and for checking tables
    suppressed elsewhere."""
    rows, columns = published.rows, published.columns
    lines = [[(row, c) for c in (*columns, TOTAL)] for row in (*rows, TOTAL)]
    lines += [[(r, column) for r in (*rows, TOTAL)] for column in (*columns, TOTAL)]
    found = []
    for line in lines:
        hidden = [cell for cell in line if published.values[cell] is None]
        if len(hidden) == 1 and hidden[0] not in found:
            found.append(hidden[0])
    return found
