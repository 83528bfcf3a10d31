"""A query parameter no route of v1 takes is refused (422 `extra_forbidden`), as an unknown field
of a body is: a misspelt filter (`duebefore=`) would otherwise be ignored, and the caller would
take every journey for the ones it asked for."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError

__all__ = ["no_unknown_query_parameters"]


def _query_names(dependant) -> set[str]:
    """The query parameters the route and its dependencies (a report's period) take."""
    names = {param.alias for param in dependant.query_params}
    for sub_dependant in dependant.dependencies:
        names |= _query_names(sub_dependant)
    return names


def no_unknown_query_parameters(request: Request) -> None:
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.url.path.startswith("/v1/"):
        return
    taken = _query_names(dependant)
    unknown = [name for name in request.query_params if name not in taken]
    if unknown:
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("query", name), "msg": "Extra inputs are not permitted",
                                       "input": request.query_params[name]} for name in unknown])
