"""The reply every command returns: a neutral Message, the read model behind it, and a file."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from enum import StrEnum

from bot.core import present
from bot.core.message import Message
from bot.core.readmodels import ReadModel

log = logging.getLogger(__name__)


class ErrorKind(StrEnum):
    """Why a command was refused."""

    INVALID = "invalid"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    UNKNOWN_COMMAND = "unknown_command"
    EMPTY = "empty"
    INTERNAL = "internal"
    UPLOAD_FAILED = "upload_failed"
    MODAL_FAILED = "modal_failed"


@dataclass(frozen=True)
class Attachment:
    """A file the reply carries (an export, a statement)."""

    filename: str
    content: bytes
    mime: str = "text/csv"


@dataclass(frozen=True)
class Reply:
    """What a command answers: the message to draw and the data it was drawn from."""

    message: Message
    ok: bool = True
    private: bool = True
    data: ReadModel | None = None
    attachment: Attachment | None = None
    error_kind: ErrorKind | None = None
    field: str | None = None
    # Files after the first (a statement is a PDF and a CSV); `files` gives them all.
    more_attachments: tuple[Attachment, ...] = ()

    @property
    def files(self) -> tuple[Attachment, ...]:
        """Every file the reply carries, the first one first."""
        first = (self.attachment,) if self.attachment is not None else ()
        return first + self.more_attachments

    @property
    def title(self) -> str:
        """The message's title."""
        return self.message.title

    @property
    def text(self) -> str:
        """The message's text (a refusal's one sentence)."""
        return self.message.text

    @classmethod
    def of(cls, data: ReadModel, message: Message, **kwargs) -> Reply:
        """A successful reply drawn from a read model."""
        return cls(message=message, data=data, **kwargs)

    @classmethod
    def error(
        cls, text: str, *, kind: ErrorKind = ErrorKind.INVALID, field: str | None = None
    ) -> Reply:
        """A refusal: one sentence saying what was wrong and what to type instead.

        `field` names the command parameter the refusal is about, when it is about one.
        """
        return cls(message=Message(text=text), ok=False, error_kind=kind, field=field)

    @classmethod
    def internal_error(cls, error_id: str) -> Reply:
        """The one reply for a failure on pausebot's side; the id is in the log line."""
        return cls.error(present.internal_error(error_id), kind=ErrorKind.INTERNAL)


def internal_failure(what: str, exc: BaseException | None = None) -> Reply:
    """Log a failure under a new error id and return the reply that names it.

    `what` names the command or listener in fixed words; request text never goes in a log line.
    """
    error_id = uuid.uuid4().hex[:8]
    log.error("%s failed (error id %s)", what, error_id, exc_info=exc or True)
    return Reply.internal_error(error_id)
