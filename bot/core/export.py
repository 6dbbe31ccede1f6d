"""Hours export, streamed in batches of rows as CSV or JSON text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Client, Contractor, HoursEntry, Project

COLUMNS = (
    "id",
    "contractor",
    "identity",
    "project",
    "client",
    "work_date",
    "minutes",
    "kind",
    "note",
    "created_at",
)
BATCH = 5000
# A cell starting with one of these is a formula to a spreadsheet (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Batches = AsyncIterator[list[tuple]]


def columns(include_deleted: bool) -> tuple[str, ...]:
    """The exported columns, with deleted_at when deleted entries are included."""
    return (*COLUMNS, "deleted_at") if include_deleted else COLUMNS


async def hours_batches(
    db: AsyncSession,
    *,
    first: date | None = None,
    last: date | None = None,
    include_deleted: bool = False,
) -> Batches:
    """Every hours entry in the range, oldest first, a batch at a time, never the whole table."""
    query = (
        select(
            HoursEntry.id,
            Contractor.display_name,
            HoursEntry.source_identity,
            Project.code,
            Client.name,
            HoursEntry.work_date,
            HoursEntry.minutes,
            HoursEntry.kind,
            HoursEntry.note,
            HoursEntry.created_at,
            HoursEntry.deleted_at,
        )
        .join(Contractor, Contractor.id == HoursEntry.contractor_id)
        .join(Project, Project.id == HoursEntry.project_id)
        .join(Client, Client.id == Project.client_id)
        .order_by(HoursEntry.work_date, HoursEntry.id)
        .execution_options(yield_per=BATCH)
    )
    if first is not None:
        query = query.where(HoursEntry.work_date >= first)
    if last is not None:
        query = query.where(HoursEntry.work_date <= last)
    if not include_deleted:
        query = query.where(HoursEntry.deleted_at.is_(None))
    result = await db.stream(query)
    async for partition in result.partitions():
        batch = []
        for row in partition:
            values = (*row[:5], row[5].isoformat(), *row[6:9], row[9].isoformat())
            if include_deleted:
                values += (row[10].isoformat() if row[10] else None,)
            batch.append(values)
        yield batch


def csv_cell(value: object) -> object:
    """A cell as a spreadsheet reads it safely: text that would start a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


async def csv_chunks(batches: Batches, *, include_deleted: bool = False) -> AsyncIterator[str]:
    """CSV text (RFC 4180 line ends, so a CR in a cell is quoted): the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns(include_deleted))
    async for batch in batches:
        writer.writerows([csv_cell(value) for value in row] for row in batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


async def json_chunks(batches: Batches, *, include_deleted: bool = False) -> AsyncIterator[str]:
    """A JSON list of objects, one chunk per batch of rows."""
    names = columns(include_deleted)
    separator = "\n"
    yield "["
    async for batch in batches:
        parts = []
        for row in batch:
            parts.append(
                separator + json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False)
            )
            separator = ",\n"
        yield "".join(parts)
    yield "\n]\n"
