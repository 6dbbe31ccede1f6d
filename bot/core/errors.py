"""Domain errors: each message is one sentence a user can act on."""


class PausebotError(Exception):
    """A refused request; the message says what was wrong and what to type instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(PausebotError):
    """The request does not parse or breaks a rule."""


class NotAllowed(PausebotError):
    """The caller's role does not allow this."""


class NotFound(PausebotError):
    """A project, entry or person does not exist."""
