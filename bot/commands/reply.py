"""The neutral reply every command returns; each adapter renders it its own way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Table:
    """Rows of cells under column headings."""

    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass(frozen=True)
class Attachment:
    """A file the reply carries (an export)."""

    filename: str
    content: bytes
    mime: str = "text/csv"


@dataclass(frozen=True)
class Reply:
    """What a command answers: data, not pre-rendered text."""

    ok: bool = True
    title: str = ""
    text: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    table: Table | None = None
    private: bool = True
    data: dict[str, Any] | None = None
    attachment: Attachment | None = None
    error_kind: str | None = None

    @classmethod
    def error(cls, message: str, *, kind: str = "invalid") -> Reply:
        """A refusal: one sentence saying what was wrong and what to type instead."""
        return cls(ok=False, text=message, error_kind=kind)

    def as_text(self) -> str:
        """Plain text, for the console and for fallbacks on chat platforms."""
        parts = [self.title] if self.title else []
        if self.text:
            parts.append(self.text)
        parts.extend(f"{name}: {value}" for name, value in self.fields)
        if self.table is not None and self.table.rows:
            widths = [
                max(len(str(cell)) for cell in column)
                for column in zip(self.table.columns, *self.table.rows, strict=True)
            ]
            for row in (self.table.columns, *self.table.rows):
                cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
                parts.append("  ".join(cells).rstrip())
        if self.attachment is not None:
            parts.append(f"[file {self.attachment.filename}, {len(self.attachment.content)} bytes]")
        return "\n".join(parts)

    def as_json(self) -> dict[str, Any]:
        """A JSON object: ok, text, and the structured data when there is any."""
        body: dict[str, Any] = {"ok": self.ok, "text": self.as_text()}
        if self.title:
            body["title"] = self.title
        if self.error_kind:
            body["error"] = self.error_kind
        if self.data is not None:
            body["data"] = self.data
        if self.attachment is not None:
            body["file"] = {
                "filename": self.attachment.filename,
                "bytes": len(self.attachment.content),
            }
        return body
