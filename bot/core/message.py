"""The one neutral message: what a reply or an outbox message says, for every platform to draw.

Each platform has one renderer (Block Kit, an embed, console text or JSON) that draws a
Message the same way whether it answers a command or delivers an announcement. The outbox
stores a Message as versioned JSON (`Message.model_dump(mode="json")`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

MESSAGE_VERSION = 1


def clip(text: str, limit: int) -> str:
    """Text cut to a platform's length limit, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Frozen(BaseModel):
    """An immutable pydantic model."""

    model_config = ConfigDict(frozen=True)


class Field(Frozen):
    """One labelled fact, like `Kind: blocked`."""

    name: str
    value: str


class Table(Frozen):
    """Rows of cells under column headings."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()

    def lines(self) -> list[str]:
        """The heading and every row, cells padded to their column's width."""
        widths = [
            max(len(cell) for cell in column)
            for column in zip(self.columns, *self.rows, strict=True)
        ]
        return [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in (self.columns, *self.rows)
        ]


class Action(Frozen):
    """A button under a message: pressed, it runs a command for whoever pressed it.

    `value` is the command as typed without its slash (`hours available ACME yes 2026-03-04`),
    so a platform without buttons shows `line` for people to type instead. `id` tells the
    buttons of one message apart; `style` is `primary`, `danger` or empty.
    """

    id: str
    label: str
    value: str
    style: Literal["primary", "danger", ""] = ""

    @property
    def line(self) -> str:
        """The command to type instead of pressing the button."""
        return "/" + self.value


class Message(Frozen):
    """A title, text, fields, a table and buttons: each fact said once, in one of them."""

    version: Literal[1] = MESSAGE_VERSION
    title: str = ""
    text: str = ""
    fields: tuple[Field, ...] = ()
    table: Table | None = None
    actions: tuple[Action, ...] = ()

    def fallback(self) -> str:
        """The one line shown in notifications: the title, else the text."""
        return self.title or self.text
