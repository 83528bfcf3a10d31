"""The cohort report's figures, from the ROTH dataset's rows (reports/roth_dataset.py).

Pure over the rows, so the API, the dashboard and an export give the same figures, and what
is published goes through domain/disclosure.py:

- counts of plans by any column (harm types, needs and contexts, which hold several values,
  count each value once per plan);
- ROTH plans as a share of all child protection plans for young people aged 10 and over (a
  ROTH plan is a child protection plan on the ROTH pathway; the seed report's sites found
  3.8% to 37%);
- disproportionality against a population baseline the LA supplies (for example census counts
  by ethnic group for ages 10 to 17): each group's rate of plans per head of its population
  over the rate for the whole population, so 1.0 is proportionate and 5.0 five times over.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Mapping, Sequence

from domain.ages import AGE_BANDS, UNDER_TEN
from domain.disclosure import DEFAULT_THRESHOLD, Published, suppress
from domain.model import ETHNICITIES, SEXES

MULTI_VALUED = ("categories", "harm_types", "needs", "contexts")
# The dimensions of the cohort an LA may supply a population baseline for, each with the
# groups the dataset codes it by (CIN census codes for sex and ethnicity).
BASELINE_GROUPS: dict[str, tuple[str, ...]] = {"ethnicity": ETHNICITIES, "sex": SEXES, "age_band": AGE_BANDS}


def counts(rows: Iterable[dict], column: str) -> Counter:
    """Plans by the value of `column` (each value of a multi-valued column counted once)."""
    counted: Counter = Counter()
    for row in rows:
        counted.update(_values(row, column))
    return counted


def _values(row: dict, column: str) -> list[str]:
    value = row[column]
    if column in MULTI_VALUED:
        return list(dict.fromkeys(v for v in (value or "").split(";") if v))
    return [str(value)]


def roth_share_of_cp_plans(rows: Iterable[dict]) -> tuple[int, int, float | None]:
    """(ROTH plans, all CP plans, the share) for young people aged 10 and over."""
    older = [row for row in rows if row["age_band"] != UNDER_TEN]
    roth = sum(1 for row in older if row["pathway"] == "roth")
    return roth, len(older), (roth / len(older) if older else None)


def in_age_bands(rows: Iterable[dict], age_bands: Iterable[str] | None) -> list[dict]:
    """The rows whose young person was in one of the age bands at the plan's start (all of
    them for None): the plans a population baseline for those ages is compared with."""
    if age_bands is None:
        return list(rows)
    wanted = frozenset(age_bands)
    return [row for row in rows if row["age_band"] in wanted]


def disproportionality(rows: Iterable[dict], population: Mapping[str, int], column: str = "ethnicity") -> dict[str, float | None]:
    """Group -> its rate of plans per head over the whole population's rate, for every group
    of the baseline (None where the baseline counts nobody in it)."""
    plans = counts(rows, column)
    total_population = sum(population.values())
    total_plans = sum(plans[group] for group in population)
    if not total_population or not total_plans:
        return {group: None for group in population}
    overall = total_plans / total_population
    return {group: (plans[group] / people / overall if people else None) for group, people in population.items()}


def cross_table(rows: Sequence[dict], row_column: str, column_column: str, row_values: Sequence[str],
                column_values: Sequence[str], threshold: int = DEFAULT_THRESHOLD) -> Published:
    """Plans counted by two columns, with totals, ready to publish (small numbers suppressed)."""
    cells: Counter = Counter()
    for row in rows:
        for a in _values(row, row_column):
            for b in _values(row, column_column):
                cells[(a, b)] += 1
    return suppress(row_values, column_values, cells, threshold)
