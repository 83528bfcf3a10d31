"""Each LA's population baselines: the counts it supplies for the cohort report's disproportionality.

A baseline is the population of one dimension of the cohort ("ethnicity", "sex", "age_band")
counted by group, for example census counts by ethnic group for ages 10 to 17, with the age
bands of the cohort it covers (None: every age), where the figures come from, who recorded
them and when. Recording one appends a row; the latest of an LA and dimension is in force,
and earlier ones are kept (a report published before can still be explained by what it
used). Which groups a dimension has is the reports' to say (reports/cohort.py); the store
keeps what it is given. Every function is confined to one LA.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping, Sequence

from sqlalchemy import Engine, func, insert, select

from store.engine import for_writing
from store.schema import population_baselines
from store.validation import check_columns, check_string_list

__all__ = ["Baseline", "current_baseline", "current_baselines", "record_baseline"]


@dataclass(frozen=True)
class Baseline:
    local_authority: str
    dimension: str
    counts: dict[str, int]  # group -> count
    age_bands: tuple[str, ...] | None  # the cohort's age bands the population covers; None: every age
    source: str
    recorded_by: str
    recorded_at: datetime


def record_baseline(
    engine: Engine, local_authority: str, dimension: str, counts: Mapping[str, int], source: str, recorded_by: str,
    age_bands: Sequence[str] | None = None,
) -> Baseline:
    """Record the LA's population for the dimension; it is in force from now. Raises
    ValueError for counts that are not non-negative whole numbers, or values too long for
    their columns."""
    if not all(type(group) is str and type(count) is int and count >= 0 for group, count in counts.items()):
        raise ValueError("population_baselines.counts must map groups to non-negative whole numbers")
    if age_bands is not None:
        check_string_list(age_bands, "population_baselines.age_bands")
    values = {
        "local_authority": local_authority, "dimension": dimension, "counts": dict(counts),
        "age_bands": list(age_bands) if age_bands is not None else None, "source": source,
        "recorded_by": recorded_by, "recorded_at": datetime.now(timezone.utc),
    }
    # SQLite ignores VARCHAR lengths: refuse here what PostgreSQL would.
    check_columns(population_baselines, values)
    with for_writing(engine).begin() as connection:
        connection.execute(insert(population_baselines).values(values))
    return _baseline(values)


def current_baseline(engine: Engine, local_authority: str, dimension: str) -> Baseline | None:
    """The baseline in force for the LA and dimension: the latest recorded; None if none was."""
    query = (
        select(population_baselines)
        .where(population_baselines.c.local_authority == local_authority,
               population_baselines.c.dimension == dimension)
        .order_by(population_baselines.c.id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return _baseline(row._mapping) if row is not None else None


def current_baselines(engine: Engine, local_authority: str) -> dict[str, Baseline]:
    """dimension -> the baseline in force, for every dimension the LA has recorded one for."""
    latest = (
        select(func.max(population_baselines.c.id))
        .where(population_baselines.c.local_authority == local_authority)
        .group_by(population_baselines.c.dimension)
    )
    query = select(population_baselines).where(population_baselines.c.id.in_(latest.scalar_subquery()))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return {row.dimension: _baseline(row._mapping) for row in sorted(rows, key=lambda r: r.dimension)}


def _baseline(values: Mapping) -> Baseline:
    age_bands = values["age_bands"]
    return Baseline(
        local_authority=values["local_authority"], dimension=values["dimension"],
        counts={str(group): int(count) for group, count in values["counts"].items()},
        age_bands=tuple(age_bands) if age_bands is not None else None, source=values["source"],
        recorded_by=values["recorded_by"], recorded_at=values["recorded_at"],
    )
