"""The hours export: CSV cells that a spreadsheet would run as formulas are neutralised."""

import csv
import io
import json

from bot.core.export import COLUMNS, csv_chunks, json_chunks

FORMULAS = ['=HYPERLINK("http://x")', "@SUM(1)", "+1", "-2", "\t=1", "\r=1"]


def rows() -> list[tuple]:
    """One entry per formula, the formula in every text column."""
    return [
        (n, text, text, text, text, "2026-03-03", -n, "worked", text, "2026-03-04T10:00:00")
        for n, text in enumerate(FORMULAS, start=1)
    ]


async def batches():
    """The rows as one batch, as hours_batches yields them."""
    yield rows()


async def text_of(chunks) -> str:
    """Every chunk joined."""
    return "".join([chunk async for chunk in chunks])


async def test_csv_cells_that_start_a_formula_get_a_quote():
    """Names, identities, codes, clients and notes starting =, +, -, @, tab or CR get a `'`."""
    read = list(csv.DictReader(io.StringIO(await text_of(csv_chunks(batches())))))
    for row, text in zip(read, FORMULAS, strict=True):
        for column in ("contractor", "identity", "project", "client", "note"):
            assert row[column] == "'" + text
    assert [row["minutes"] for row in read] == ["-1", "-2", "-3", "-4", "-5", "-6"]
    assert {row["work_date"] for row in read} == {"2026-03-03"}


async def test_json_keeps_the_exact_text():
    """The JSON export writes every cell as it is."""
    entries = json.loads(await text_of(json_chunks(batches())))
    assert [tuple(entry[name] for name in COLUMNS) for entry in entries] == rows()


async def test_ops_export_neutralises_formulas(say):
    """/ops export writes a note that starts a formula with a leading `'`."""
    await say.ok("admin", '/project add ACME "Acme AI" "Labeling"')
    await say.ok("admin", "/project assign ACME @bob")
    await say.ok("bob", "/hours log ACME 1h yesterday =HYPERLINK(1)")
    await say.ok("bob", "/hours log ACME 1h yesterday @SUM(1)")
    await say.ok("bob", "/hours log ACME 1h yesterday + one more batch")
    reply = await say.ok("admin", "/ops export")
    read = list(csv.DictReader(io.StringIO(reply.attachment.content.decode())))
    assert [row["note"] for row in read] == ["'=HYPERLINK(1)", "'@SUM(1)", "'+ one more batch"]
