"""Domain errors: each message is one sentence a user can act on."""


class PausebotError(Exception):
    """A refused request; the message says what was wrong and what to type instead.

    `field` names the command parameter the refusal is about (`duration`, `date`), when known,
    so a form can show the sentence beside that input.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(PausebotError):
    """The request does not parse or breaks a rule."""


class NotAllowed(PausebotError):
    """The caller's role does not allow this."""


class NotFound(PausebotError):
    """A project, entry or person does not exist."""
