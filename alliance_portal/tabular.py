"""CSV and XLSX files shared by the apps' imports and exports: reading, checking, writing.

An app's own module (`stakeholders.tabular`, `actionplans.tabular`) says which columns exist,
which are required and what a row means; this module only turns an upload into rows of text and
rows of text into a file, with the same limits and the same messages everywhere.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Collection, Generator
from contextlib import closing
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

MAX_ROWS = 5000
IMPORT_MAX_BYTES = 2 * 1024 * 1024
# Wider than any import's template, with room for a few empty columns a spreadsheet keeps.
MAX_COLUMNS = 64
# A sheet's rectangle from A1 to its last row and column: the cells a file may hold. Reading
# stops as soon as a file goes past it, so a sheet that claims a million rows costs nothing.
MAX_CELLS = (MAX_ROWS + 1) * MAX_COLUMNS
# A workbook is a zip archive, and a few megabytes of one can unpack to gigabytes that openpyxl
# would hold in memory. A full import of real text unpacks to well under this.
XLSX_MAX_UNPACKED_BYTES = 25 * 1024 * 1024
# Spreadsheet XML compresses well, but not a hundredfold; only members big enough to matter
# are held to the ratio.
XLSX_MAX_RATIO = 100
XLSX_RATIO_GRACE_BYTES = 1024 * 1024
IMPORT_EXTENSIONS = (".csv", ".xlsx")
# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

ERR_IMPORT_TOO_LARGE = _(
    "The file is %(size)s; the limit is %(limit)s. Split it into smaller files."
)
ERR_IMPORT_FILE_TYPE = _("Choose a .csv or .xlsx file.")
ERR_FILE_ENCODING = _(
    "The file is not UTF-8 text. In your spreadsheet program, save it as “CSV UTF-8”."
)
ERR_FILE_BINARY = _("This file is not a CSV text file. Choose a .csv or .xlsx file.")
ERR_FILE_NOT_XLSX = _("This file is not an Excel workbook (.xlsx) that can be read.")
ERR_FILE_EMPTY = _("The file has no rows below its heading row.")
ERR_FILE_TOO_MANY_ROWS = _("The file has more than %(max)d rows. Split it into smaller files.")
ERR_FILE_TOO_MANY_CELLS = _("The file has more than %(cells)s cells. Split it into smaller files.")
ERR_WORKBOOK_TOO_LARGE = _(
    "This workbook is too large once unpacked: at most %(size)s of data and %(cells)s cells."
)
ERR_UNSAVED_FORMULA = _(
    "Cell %(cell)s holds a formula without a saved value; open the file in a spreadsheet "
    "program, save it and upload it again, or type the value."
)
ERR_FILE_CSV = _("The file could not be read as CSV: %(error)s")
ERR_UNKNOWN_COLUMNS = _(
    "Unknown columns: %(columns)s. Use the headings of the template, or remove these columns."
)
ERR_MISSING_COLUMNS = _("Missing columns: %(columns)s.")
ERR_DUPLICATE_COLUMNS = _("These columns appear more than once: %(columns)s.")
ERR_UNNAMED_COLUMN = _("Column %(number)d has values but no heading.")
ERR_ROW_LENGTH = _("The row has %(cells)d cells but the heading row has %(columns)d.")
ERR_CHOICE = _("“%(value)s” is not one of: %(choices)s.")
ERR_TOO_LONG = _("At most %(max)d characters (this has %(length)d).")
ERR_PLAN_HAS_ERRORS = _("The file has errors; nothing was imported.")

# read_table() puts a row's own problem (too many cells) under this key; planners report it.
ROW_ERROR_KEY = "__error__"
# ... and under this one {column: message} for cells it could not read (a formula without a
# saved value); planners report each under its column and check nothing else in that cell.
CELL_ERRORS_KEY = "__cells__"


class ImportFileError(Exception):
    """The file as a whole cannot be read; nothing in it is looked at further."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = [str(m) for m in messages]


# The upload --------------------------------------------------------------------------------------


def upload_error(upload) -> str | None:
    """Why an uploaded file is refused before it is read (too large, wrong type), or None.

    Forms call it from clean_file() and views before reading, so every import has one limit.
    """
    if upload.size > IMPORT_MAX_BYTES:
        return str(
            ERR_IMPORT_TOO_LARGE
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(IMPORT_MAX_BYTES)}
        )
    if not upload.name.lower().endswith(IMPORT_EXTENSIONS):
        return str(ERR_IMPORT_FILE_TYPE)
    return None


def clean_import_upload(upload):
    """A form's clean_file(): the upload, or a ValidationError saying why it is refused."""
    from django.core.exceptions import ValidationError

    problem = upload_error(upload)
    if problem:
        raise ValidationError(problem)
    return upload


# Reading files -----------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# What a reader yields for each row of the file: the cells' text from the first column on, and
# {column index: cell name} for the cells that hold a formula without a saved value.
SheetRow = tuple[list[str], dict[int, str]]


def _csv_rows(content: bytes) -> Generator[SheetRow, None, None]:
    # A NUL anywhere means binary data, and PostgreSQL would refuse to store one in text.
    if b"\x00" in content:
        raise ImportFileError([ERR_FILE_BINARY])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError([ERR_FILE_ENCODING]) from None
    first_line = text.split("\n", 1)[0]
    # Swedish spreadsheet programs write semicolons; pick whichever separates the heading row.
    delimiter = max((";", ",", "\t"), key=first_line.count)
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield cells, {}
    except csv.Error as exc:
        raise ImportFileError([ERR_FILE_CSV % {"error": exc}]) from None


def workbook_too_large() -> str:
    """The message refusing a workbook too large once unpacked, with the limits filled in."""
    limits = {
        "size": filesizeformat(XLSX_MAX_UNPACKED_BYTES),
        "cells": number_format(MAX_CELLS, force_grouping=True),
    }
    return str(ERR_WORKBOOK_TOO_LARGE % limits)


def _check_archive(content: bytes) -> None:
    """Refuses a workbook that would unpack to too much, from the archive's directory alone.

    The sizes the directory declares can be trusted: zipfile never unpacks a member past its
    declared size (it stops there and fails the checksum instead).
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise ImportFileError([ERR_FILE_NOT_XLSX]) from None
    unpacked = 0
    for member in members:
        unpacked += member.file_size
        squeezed = member.file_size > max(
            XLSX_RATIO_GRACE_BYTES, XLSX_MAX_RATIO * member.compress_size
        )
        if squeezed or unpacked > XLSX_MAX_UNPACKED_BYTES:
            raise ImportFileError([workbook_too_large()])


# What the sheet parser gives for a formula cell without a saved value, instead of None.
_UNSAVED_FORMULA = object()


def _sheet_parser(workbook, sheet, source):
    """openpyxl's reader of a sheet's rows, which also marks formulas without a saved value.

    With data_only, openpyxl reads a formula's saved value and gives None when the file has
    none, the same as for an empty cell; a workbook written by a program rather than saved by a
    spreadsheet has no saved values. Reading the rows here, rather than through the worksheet,
    tells the two apart in the one pass over the sheet (this uses openpyxl's reader directly:
    check the imports' tests when upgrading it).
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                # A formula whose saved result is empty text is a "str" cell with an empty
                # value; other programs leave the value out or empty when there is none.
                empty_text = element.get("t") == "str" and element.find(VALUE_TAG) is not None
                if not empty_text:
                    cell["value"] = _UNSAVED_FORMULA
            return cell

    return Parser(
        source,
        sheet._shared_strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )


def _xlsx_rows(content: bytes) -> Generator[SheetRow, None, None]:
    import openpyxl
    from openpyxl.utils import get_column_letter

    _check_archive(content)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a damaged workbook
        raise ImportFileError([ERR_FILE_NOT_XLSX]) from None
    try:
        sheet = workbook.worksheets[0]
        # The size the sheet declares, when it does, refuses a huge sheet before any row is read.
        if sheet.max_row and sheet.max_column and sheet.max_row * sheet.max_column > MAX_CELLS:
            raise ImportFileError([workbook_too_large()])
        with sheet._get_source() as source:
            for _number, cells in _sheet_parser(workbook, sheet, source).parse():
                texts = [""] * max((cell["column"] for cell in cells), default=0)
                unsaved = {}
                for cell in cells:
                    index = cell["column"] - 1
                    if cell["value"] is _UNSAVED_FORMULA:
                        unsaved[index] = f"{get_column_letter(cell['column'])}{cell['row']}"
                    else:
                        texts[index] = _cell_text(cell["value"])
                yield texts, unsaved
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError([ERR_FILE_NOT_XLSX]) from None
    finally:
        workbook.close()


def _read(rows: Generator[SheetRow, None, None], *, too_large: ImportFileError):
    """The file's rows that are not blank and {(row, column): cell name} of unsaved formulas.

    Raises ImportFileError as soon as the file has too many rows or cells, before reading on.
    """
    kept: list[list[str]] = []
    formulas: dict[tuple[int, int], str] = {}
    cells = 0
    with closing(rows):  # a refused file's workbook is closed at once
        for texts, unsaved in rows:
            cells += max(len(texts), 1)
            if cells > MAX_CELLS:
                raise too_large
            if not unsaved and not any(text.strip() for text in texts):
                continue
            if len(kept) > MAX_ROWS:  # the heading row and MAX_ROWS rows are already kept
                raise ImportFileError([ERR_FILE_TOO_MANY_ROWS % {"max": MAX_ROWS}])
            formulas.update(((len(kept), index), name) for index, name in unsaved.items())
            kept.append(texts)
    return kept, formulas


def read_table(
    *, name: str, content: bytes, columns: Collection[str], required: Collection[str]
) -> tuple[list[str], list[dict[str, str]]]:
    """The file's column headings and its rows as {heading: text}; raises ImportFileError.

    `columns` are the headings the importer knows and `required` those a file must have.
    """
    if len(content) > IMPORT_MAX_BYTES:
        limits = {"size": filesizeformat(len(content)), "limit": filesizeformat(IMPORT_MAX_BYTES)}
        raise ImportFileError([ERR_IMPORT_TOO_LARGE % limits])
    if name.lower().endswith(".xlsx"):
        too_large = ImportFileError([workbook_too_large()])
        raw, formulas = _read(_xlsx_rows(content), too_large=too_large)
    else:
        too_large = ImportFileError(
            [ERR_FILE_TOO_MANY_CELLS % {"cells": number_format(MAX_CELLS, force_grouping=True)}]
        )
        raw, formulas = _read(_csv_rows(content), too_large=too_large)
    if len(raw) < 2:
        raise ImportFileError([ERR_FILE_EMPTY])
    headings = [cell.strip().lower().replace(" ", "_") for cell in raw[0]]
    found = check_headings(headings, raw[1:], allowed=columns, required=required)
    rows = []
    for position, cells in enumerate(raw[1:], start=1):
        extra = [cell for cell in cells[len(headings) :] if cell.strip()]
        row: dict[str, Any] = {
            heading: (cells[index] if index < len(cells) else "") for index, heading in found
        }
        if extra:
            row[ROW_ERROR_KEY] = str(ERR_ROW_LENGTH % {"cells": len(cells), "columns": len(found)})
        unreadable = {
            heading: str(ERR_UNSAVED_FORMULA % {"cell": formulas[position, index]})
            for index, heading in found
            if (position, index) in formulas
        }
        if unreadable:
            row[CELL_ERRORS_KEY] = unreadable
        rows.append(row)
    return [heading for _index, heading in found], rows


def cell_errors(row: dict[str, Any]) -> dict[str, str]:
    """{column: message} for the row's cells that could not be read."""
    return row.get(CELL_ERRORS_KEY, {})


def check_headings(
    headings: list[str],
    rows: list[list[str]],
    *,
    allowed: Collection[str],
    required: Collection[str],
) -> list[tuple[int, str]]:
    """The (index, heading) of each named column; raises ImportFileError naming every problem."""
    errors = []
    columns = []
    for index, heading in enumerate(headings):
        if heading:
            columns.append((index, heading))
        elif any(index < len(row) and row[index].strip() for row in rows):
            errors.append(ERR_UNNAMED_COLUMN % {"number": index + 1})
    names = [heading for _index, heading in columns]
    unknown = [name for name in names if name not in allowed]
    missing = [name for name in required if name not in names]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if unknown:
        errors.append(ERR_UNKNOWN_COLUMNS % {"columns": ", ".join(unknown)})
    if missing:
        errors.append(ERR_MISSING_COLUMNS % {"columns": ", ".join(missing)})
    if duplicated:
        errors.append(ERR_DUPLICATE_COLUMNS % {"columns": ", ".join(duplicated)})
    if errors:
        raise ImportFileError(errors)
    return columns


# Cells -------------------------------------------------------------------------------------------


def choice_lookup(model_field: models.Field) -> dict[str, Any]:
    """Codes and labels in every language the portal speaks, compared without case."""
    lookup = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for value, label in model_field.choices:
                lookup[str(label).casefold()] = value
                lookup[str(value).casefold()] = value
    return lookup


def _looks_like_formula(text: str) -> bool:
    # Apostrophes the export added are looked through, so that a value that itself starts with
    # an apostrophe before a formula sign gets one more and comes back unchanged.
    return text.lstrip("'").startswith(FORMULA_PREFIXES)


def neutralise(text: str) -> str:
    """Prefix an apostrophe to a cell a spreadsheet would run as a formula (CSV injection)."""
    return f"'{text}" if _looks_like_formula(text) else text


def unescape(text: str) -> str:
    """Undo the apostrophe the export puts before formula-like cells, so round trips are exact."""
    if text.startswith("'") and _looks_like_formula(text[1:]):
        return text[1:]
    return text


# Writing files -----------------------------------------------------------------------------------


def to_csv(headings: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings)
    writer.writerows(rows)
    # The byte order mark makes Excel open the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(headings: list[str], rows: list[list[str]], *, sheet_title: str) -> bytes:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])  # Excel's limit on a sheet's name
    sheet.append(headings)
    for row in rows:
        # Every cell is written as text; openpyxl would otherwise store "=…" as a formula.
        # Control characters cannot be stored in a workbook at all, so they are left out.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
