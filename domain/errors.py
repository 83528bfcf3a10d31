"""Refusals: every command the rules refuse raises one of these, before anything is written."""


class DomainError(Exception):
    """A refused command. `code` is stable (callers branch on it); `message` is for a person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r})"
