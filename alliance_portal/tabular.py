"""CSV and XLSX files shared by the apps' imports and exports: reading, checking, writing.

An app's own module (`stakeholders.tabular`, `actionplans.tabular`) says which columns exist,
which are required and what a row means; this module only turns an upload into rows of text and
rows of text into a file, with the same limits and the same messages everywhere.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext_lazy as _

MAX_ROWS = 5000
IMPORT_MAX_BYTES = 2 * 1024 * 1024
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


def _read_csv(content: bytes) -> list[list[str]]:
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
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError([ERR_FILE_CSV % {"error": exc}]) from None


def _read_xlsx(content: bytes) -> list[list[str]]:
    import openpyxl

    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ImportFileError([ERR_FILE_NOT_XLSX])
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(value) for value in row])
            if len(rows) > MAX_ROWS + 1:
                break
        workbook.close()
    except Exception:  # openpyxl raises many kinds of error on a damaged workbook
        raise ImportFileError([ERR_FILE_NOT_XLSX]) from None
    return rows


def read_table(
    *, name: str, content: bytes, columns: Collection[str], required: Collection[str]
) -> tuple[list[str], list[dict[str, str]]]:
    """The file's column headings and its rows as {heading: text}; raises ImportFileError.

    `columns` are the headings the importer knows and `required` those a file must have.
    """
    raw = _read_xlsx(content) if name.lower().endswith(".xlsx") else _read_csv(content)
    raw = [row for row in raw if any(cell.strip() for cell in row)] if raw else []
    if len(raw) < 2:
        raise ImportFileError([ERR_FILE_EMPTY])
    if len(raw) - 1 > MAX_ROWS:
        raise ImportFileError([ERR_FILE_TOO_MANY_ROWS % {"max": MAX_ROWS}])
    headings = [cell.strip().lower().replace(" ", "_") for cell in raw[0]]
    found = check_headings(headings, raw[1:], allowed=columns, required=required)
    rows = []
    for cells in raw[1:]:
        extra = [cell for cell in cells[len(headings) :] if cell.strip()]
        row = {heading: (cells[index] if index < len(cells) else "") for index, heading in found}
        if extra:
            row[ROW_ERROR_KEY] = str(ERR_ROW_LENGTH % {"cells": len(cells), "columns": len(found)})
        rows.append(row)
    return [heading for _index, heading in found], rows


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
