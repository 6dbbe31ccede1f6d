"""Hours export, streamed row by row as dicts, CSV lines or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

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
BATCH = 2000


async def hours_rows(
    db: AsyncSession,
    *,
    first: date | None = None,
    last: date | None = None,
    include_deleted: bool = False,
) -> AsyncIterator[dict[str, Any]]:
    """Every hours entry in the range, oldest first, without loading the table into memory."""
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
    async for row in result:
        item = dict(zip(COLUMNS, row[:10], strict=True))
        item["work_date"] = item["work_date"].isoformat()
        item["created_at"] = item["created_at"].isoformat()
        if include_deleted:
            item["deleted_at"] = row[10].isoformat() if row[10] else None
        yield item


async def csv_chunks(rows: AsyncIterator[dict[str, Any]], *, include_deleted: bool = False):
    """CSV text for the rows: the header first, then about a thousand rows per chunk."""
    columns = [*COLUMNS, "deleted_at"] if include_deleted else list(COLUMNS)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    count = 0
    async for row in rows:
        writer.writerow(row)
        count += 1
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


async def json_chunks(rows: AsyncIterator[dict[str, Any]]):
    """A JSON list of the rows, one element per chunk."""
    first = True
    yield "["
    async for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"
