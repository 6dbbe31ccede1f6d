"""Bulk-load a large realistic pausebot history: contractors, projects, pauses and hours.

    .venv/bin/python -m bench.generate DATABASE_URL [--contractors 2000] [--projects 200]
        [--days 365] [--entries 1000000]

The database must be migrated and empty. SQLite loads through the stdlib driver in one
transaction, PostgreSQL through COPY; both finish in seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import make_url

from bench.common import connect

CLIENTS = 20


def build(contractors: int, projects: int, days: int, entries: int, today: date) -> dict:
    """Rows for every table, deterministic for a given size."""
    rng = random.Random(42)
    first_day = today - timedelta(days=days)
    start = datetime.combine(first_day, clock_time(8), tzinfo=UTC)
    rows: dict[str, list[tuple]] = {
        name: []
        for name in (
            "clients",
            "projects",
            "contractors",
            "identities",
            "assignments",
            "status_changes",
            "hours_entries",
        )
    }
    rows["clients"] = [(c, f"Client {c:02d}", f"client {c:02d}") for c in range(1, CLIENTS + 1)]
    whole_paused: dict[int, set[date]] = {}
    state_of: dict[int, tuple[str, datetime, str | None]] = {}
    change_id = 0
    for p in range(1, projects + 1):
        change_id += 1
        rows["status_changes"].append((change_id, p, None, "active", 1, start, "created", None))
        state = ("active", start, None)
        paused_days: set[date] = set()
        if p % 5 == 0:  # one project in five has been paused, some twice, some still are
            pause_day = rng.randrange(30, days - 5)
            pause_at = start + timedelta(days=pause_day, hours=rng.randrange(1, 9))
            change_id += 1
            rows["status_changes"].append(
                (change_id, p, "active", "paused", 1, pause_at, "client incident", None)
            )
            state = ("paused", pause_at, "client incident")
            length = rng.randrange(3, 40)
            if pause_day + length < days and p % 10 != 0:
                resume_at = pause_at + timedelta(days=length)
                change_id += 1
                rows["status_changes"].append(
                    (change_id, p, "paused", "active", 1, resume_at, "resumed", None)
                )
                state = ("active", resume_at, None)
                end_day = (resume_at.date() - first_day).days
            else:
                end_day = days + 1
            paused_days = {first_day + timedelta(days=d) for d in range(pause_day + 1, end_day)}
        whole_paused[p] = paused_days
        state_of[p] = state
        rows["projects"].append(
            (
                p,
                f"P{p:04d}",
                f"Project {p}",
                (p - 1) % CLIENTS + 1,
                state[0],
                state[2],
                None,
                state[1],
                start,
            )
        )
    per_contractor = max(1, entries // contractors)
    assignment_id = 0
    entry_id = 0
    for c in range(1, contractors + 1):
        rows["contractors"].append((c, f"Contractor {c}", None, "contractor", start))
        rows["identities"].append((c, "console", f"c{c}", f"Contractor {c}", c, start))
        mine = rng.sample(range(1, projects + 1), 2)
        for p in mine:
            assignment_id += 1
            rows["assignments"].append((assignment_id, p, c, start, None))
        for _ in range(per_contractor):
            entry_id += 1
            p = mine[entry_id % 2]
            work_date = first_day + timedelta(days=rng.randrange(days))
            kind = "blocked" if work_date in whole_paused[p] else "worked"
            rows["hours_entries"].append(
                (
                    entry_id,
                    c,
                    p,
                    work_date,
                    rng.choice((60, 120, 180, 240)),
                    kind,
                    "",
                    f"console:c{c}",
                    None,
                    start + timedelta(days=(work_date - first_day).days, hours=10),
                    None,
                    None,
                )
            )
    return rows


COLUMNS = {
    "clients": ("id", "name", "name_key"),
    "projects": (
        "id",
        "code",
        "title",
        "client_id",
        "state",
        "pause_reason",
        "expected_resume",
        "state_changed_at",
        "created_at",
    ),
    "contractors": ("id", "display_name", "tz", "role", "created_at"),
    "identities": ("id", "platform", "external_id", "display_name", "contractor_id", "created_at"),
    "assignments": ("id", "project_id", "contractor_id", "since", "until"),
    "status_changes": (
        "id",
        "project_id",
        "from_state",
        "to_state",
        "actor_id",
        "at",
        "reason",
        "expected_resume",
    ),
    "hours_entries": (
        "id",
        "contractor_id",
        "project_id",
        "work_date",
        "minutes",
        "kind",
        "note",
        "source_identity",
        "request_key",
        "created_at",
        "updated_at",
        "deleted_at",
    ),
}


def _sqlite_value(value):
    """Values as pausebot's SQLite columns store them (naive UTC datetimes)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def load_sqlite(path: str, rows: dict) -> None:
    """Insert every row with the stdlib driver in one transaction."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA cache_size=-1000000")
    indexes = [
        sql
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        )
    ]
    with conn:
        for sql in indexes:  # building indexes once at the end is several times faster
            conn.execute("DROP INDEX " + sql.split()[2])
        for table, columns in COLUMNS.items():
            marks = ", ".join("?" for _ in columns)
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                ([_sqlite_value(v) for v in row] for row in rows[table]),
            )
        for sql in indexes:
            conn.execute(sql)
    conn.execute("ANALYZE")
    conn.close()


async def load_postgres(url: str, rows: dict) -> None:
    """COPY every table, then reset the id sequences and analyse."""
    conn = await connect(url)
    try:
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND indexname LIKE 'ix_%'"
        )
        for index in indexes:  # building indexes once at the end is several times faster
            await conn.execute(f'DROP INDEX "{index["indexname"]}"')
        for table, columns in COLUMNS.items():
            await conn.copy_records_to_table(table, records=rows[table], columns=list(columns))
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        for index in indexes:
            await conn.execute(index["indexdef"])
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def generate(
    url: str, *, contractors: int, projects: int, days: int, entries: int, today: date
) -> float:
    """Build and load the data set; returns the seconds it took."""
    started = time.perf_counter()
    rows = build(contractors, projects, days, entries, today)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        load_sqlite(parsed.database, rows)
    else:
        asyncio.run(load_postgres(url, rows))
    return time.perf_counter() - started


def main() -> None:
    """Load into the database given on the command line."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("url")
    args.add_argument("--contractors", type=int, default=2000)
    args.add_argument("--projects", type=int, default=200)
    args.add_argument("--days", type=int, default=365)
    args.add_argument("--entries", type=int, default=1_000_000)
    options = args.parse_args()
    seconds = generate(
        options.url,
        contractors=options.contractors,
        projects=options.projects,
        days=options.days,
        entries=options.entries,
        today=datetime.now(UTC).date(),
    )
    print(f"loaded {options.entries} entries in {seconds:.1f} s")


if __name__ == "__main__":
    main()
