"""Refusals: every command the rules refuse raises one of these, before anything is written."""


class DomainError(Exception):
    """A refused command. `code` is stable (callers branch on it); `message` is for a person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r})"


def command_id_reused() -> DomainError:
    """A command id sent again with a different request (another body, or another journey):
    idempotency keys name one request, as Stripe's do, so the first answer stands."""
    return DomainError(
        "command_id_reused",
        "This command_id was used for a different request, whose answer stands; nothing was recorded. "
        "A retry sends the same request again; a new command needs a new command_id.")
