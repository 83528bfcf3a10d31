"""The LA's pool of independent ROTH chairs."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from api.fields import record_text
from api.schemas.common import Strict, example_config

CHAIR_EXAMPLE = {"chair_id": "chair-0003", "name": "A. Chairperson", "active": True, "open_journeys": 4,
                 "roth_open_journeys": 3}


class Chair(BaseModel):
    model_config = example_config(CHAIR_EXAMPLE)
    chair_id: str
    name: str
    active: bool
    open_journeys: int = Field(description="open journeys the chair chairs")
    roth_open_journeys: int = Field(description="of those, the ones on the ROTH pathway")


class ChairPool(BaseModel):
    model_config = example_config({"local_authority": "873", "chairs": [CHAIR_EXAMPLE]})
    local_authority: str
    chairs: list[Chair]


class ChairIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "A. Chairperson"}]})
    name: Annotated[record_text(200, min_length=1), Field(description="the chair's name, as the LA's staff know them")]  # type: ignore[valid-type]
