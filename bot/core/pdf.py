"""A statement as a PDF: fpdf2, set in Noto Sans, the font file the fontpkg-noto-sans package
ships (never a font assumed on the machine), embedded so that every name prints as written.

Every page's footer carries the statement's digest, so a printed page can be checked against
the database (`pausebot statement IDENTITY --format json` gives the same digest).
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
from datetime import datetime
from functools import cache
from pathlib import Path

import fontpkg_noto_sans
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.core.money import two_places
from bot.core.parsing import format_minutes
from bot.core.rates import ESTIMATED_LOST
from bot.core.readmodels import Amounts, Statement, StatementProject
from bot.core.statements import totals
from bot.core.words import HoursKind

log = logging.getLogger(__name__)
# fontTools logs every table it prunes while fpdf2 subsets the font; that is not news.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FAMILY = "NotoSans"
# Tables of the variable font a PDF never uses: variations, and the layout fpdf2 does not shape.
UNUSED_TABLES = ("fvar", "gvar", "avar", "cvar", "HVAR", "MVAR", "STAT", "GSUB", "GPOS", "GDEF")
LINE = 5.0
SMALL = 8
BODY = 9.5
COLUMNS = (("Date", 28), ("Worked", 30), ("Blocked", 30), ("Available", 24), ("Amounts", 0))
ANSWERS = {True: "yes", False: "no", None: "—"}
ABOUT = (
    "The record pausebot keeps for this person: every state change and update of their "
    "projects in the period, every message pausebot delivered to them about them, and per date "
    "the hours worked and blocked (blocked: the project was paused all day) and the answer to "
    "whether they were available to work. Amounts are at the hourly rate in force on each date."
)


@cache
def font_file() -> Path:
    """Noto Sans as the fontpkg-noto-sans package installs it."""
    files = sorted((fontpkg_noto_sans.ROOT / "files").glob("NotoSans*.ttf"))
    upright = [path for path in files if "Italic" not in path.name]
    if not upright:
        raise FileNotFoundError("fontpkg-noto-sans ships no Noto Sans font file")
    return upright[0]


@cache
def regular_font() -> Path:
    """Noto Sans Regular, made once a process from the installed variable font.

    The variable font's outlines are its regular instance; without its variation and layout
    tables (which a PDF does not use) it embeds ten times faster. It is written to a private
    temporary folder, removed when the process ends.
    """
    font = TTFont(font_file())
    for tag in UNUSED_TABLES:
        if tag in font:
            del font[tag]
    try:
        folder = Path(tempfile.mkdtemp(prefix="pausebot-font-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "NotoSans-Regular.ttf"
        font.save(path)
    except OSError:
        log.warning("no temporary folder for the statement font; embedding it whole (slower)")
        return font_file()
    return path


def minutes_text(minutes: int) -> str:
    """Minutes as `750 min (12h 30m)`."""
    return f"{minutes} min ({format_minutes(minutes)})" if minutes else "0 min"


def amounts_text(amounts: dict[str, Amounts], *, lost: bool = True) -> str:
    """Amounts by currency: `462.33 USD worked, 120.00 USD blocked, 97.89 USD estimated lost`."""
    parts = []
    for currency, money in amounts.items():
        items = [f"{two_places(money.worked)} {currency} worked"]
        items.append(f"{two_places(money.blocked)} {currency} blocked")
        if lost:
            items.append(f"{two_places(money.estimated_lost)} {currency} estimated lost")
        parts.append(", ".join(items))
    return "; ".join(parts)


class StatementPdf(FPDF):
    """An A4 document whose every page ends with the statement's digest and page number."""

    def __init__(self, digest: str) -> None:
        super().__init__(format="A4")
        self.digest = digest
        self.add_font(FAMILY, "", str(regular_font()))
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(auto=True, margin=22)
        self.alias_nb_pages()

    def footer(self) -> None:
        """The digest and the page number."""
        self.set_y(-16)
        self.set_font(FAMILY, size=7)
        self.set_text_color(80)
        self.cell(0, 4, f"SHA-256 digest: {self.digest}", align="C", **NEXT)
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="C", **NEXT)
        self.set_text_color(0)

    def heading(self, text: str, size: float) -> None:
        """A heading line."""
        self.set_font(FAMILY, size=size)
        self.multi_cell(0, size * 0.55, text, **NEXT)
        self.set_font(FAMILY, size=BODY)

    def line(self, text: str, *, size: float = BODY) -> None:
        """A paragraph, wrapped (a line that fits is set as it is: wrapping is the slow part)."""
        self.set_font(FAMILY, size=size)
        if "\n" not in text and self.get_string_width(text) <= self.epw:
            self.put([(0, text)])
        else:
            self.multi_cell(0, LINE, text, **NEXT)

    def put(self, cells: list[tuple[float, str]], *, fill: bool = False) -> None:
        """One line of text at offsets from the left margin, on a new page when it must be."""
        if self.y + LINE > self.page_break_trigger:
            self.add_page()
        if fill:
            self.rect(self.l_margin, self.y, self.epw, LINE, style="F")
        baseline = self.y + LINE * 0.72
        for offset, text in cells:
            if text:
                self.text(self.l_margin + self.c_margin + offset, baseline, text)
        self.set_y(self.y + LINE)

    def gap(self, height: float = 2.5) -> None:
        """Vertical space."""
        self.ln(height)


NEXT = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


def at_text(at: datetime) -> str:
    """An instant as `2026-03-02 09:00 UTC`."""
    return at.strftime("%Y-%m-%d %H:%M UTC")


def draw_project(pdf: StatementPdf, project: StatementProject) -> None:
    """One project: client, changes, updates, messages, dates and totals."""
    pdf.gap(3)
    pdf.heading(f"{project.project} · {project.client}", 13)
    pdf.line("State changes", size=10.5)
    if not project.changes:
        pdf.line("None in the period.", size=SMALL)
    for change in project.changes:
        moved = f"{change.from_state or 'new'} to {change.to_state}"
        by = f" by {change.by}" if change.by else ""
        reason = f": {change.reason}" if change.reason else ""
        pdf.line(f"{at_text(change.at)}  {moved}{by}{reason}", size=SMALL)
    pdf.line("Updates", size=10.5)
    if not project.updates:
        pdf.line("None in the period.", size=SMALL)
    for update in project.updates:
        said = [update.text] if update.text else []
        if update.reason:
            said.append(f"Reason now: {update.reason}.")
        if update.expected_resume:
            said.append(f"Expected to resume on {update.expected_resume.isoformat()}.")
        if update.next_update_at:
            said.append(f"Next update by {at_text(update.next_update_at)}.")
        by = f" ({update.by})" if update.by else ""
        pdf.line(f"{at_text(update.at)}{by}  {' '.join(said)}", size=SMALL)
    pdf.line("Messages pausebot delivered to this person", size=10.5)
    if not project.messages:
        pdf.line("None in the period.", size=SMALL)
    for message in project.messages:
        sent = message.sent_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        pdf.line(f"{sent}  to {message.identity}  {message.title}", size=SMALL)
    pdf.gap(1.5)
    draw_days(pdf, project)
    pdf.line(
        f"Total on {project.project}: worked {minutes_text(project.worked_minutes)}, "
        f"blocked {minutes_text(project.blocked_minutes)}"
        + (f"; {amounts_text(project.amounts)}" if project.amounts else ""),
        size=BODY,
    )


def draw_days(pdf: StatementPdf, project: StatementProject) -> None:
    """The dates with hours or an answer, a row each."""
    pdf.set_font(FAMILY, size=SMALL)
    pdf.set_fill_color(235)
    offsets = [sum(width for _, width in COLUMNS[:index]) + 1 for index in range(len(COLUMNS))]
    pdf.put([(x, title) for x, (title, _) in zip(offsets, COLUMNS, strict=True)], fill=True)
    for day in project.days:
        cells = (
            day.day.isoformat(),
            format_minutes(day.worked_minutes) if day.worked_minutes else "—",
            format_minutes(day.blocked_minutes) if day.blocked_minutes else "—",
            ANSWERS[day.available],
            amounts_text(day.amounts, lost=False) or "—",
        )
        pdf.put(list(zip(offsets, cells, strict=True)))


def statement_pdf(statement: Statement) -> bytes:
    """The statement as a PDF document."""
    pdf = StatementPdf(statement.digest)
    pdf.set_title(f"pausebot statement: {statement.contractor}")
    pdf.set_author("pausebot")
    pdf.add_page()
    pdf.heading(f"Statement: {statement.contractor}", 17)
    pdf.line(f"Identities: {', '.join(statement.identities) or 'none'}")
    pdf.line(f"Period: {statement.first.isoformat()} to {statement.last.isoformat()}")
    pdf.gap(1)
    pdf.line(ABOUT, size=SMALL)
    if not statement.projects:
        pdf.gap()
        pdf.line("No projects, hours or answers in this period.")
    for project in statement.projects:
        draw_project(pdf, project)
    worked, blocked, written = totals(statement)
    pdf.gap(4)
    pdf.heading("Totals", 13)
    pdf.line(f"Worked: {minutes_text(worked)}")
    pdf.line(f"Blocked: {minutes_text(blocked)}")
    for currency, items in written.items():
        pdf.line(
            f"{currency}: {items[HoursKind.WORKED]} {currency} worked, "
            f"{items[HoursKind.BLOCKED]} {currency} blocked, "
            f"{items[ESTIMATED_LOST]} {currency} estimated lost"
        )
    pdf.gap(2)
    pdf.line(f"Digest (SHA-256 of the canonical JSON): {statement.digest}", size=SMALL)
    return bytes(pdf.output())
