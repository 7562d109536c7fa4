"""Workbooks for the import tests, built the way careless or hostile programs build them."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from collections.abc import Callable
from contextlib import contextmanager

import openpyxl
from openpyxl.styles import Font

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
STRINGS_START = (
    b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns='
    b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
)


def workbook(*rows: list) -> bytes:
    """A workbook as openpyxl writes it: a cell given as "=…" is a formula without a saved
    value, as in any workbook a program wrote rather than a spreadsheet saved."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(content: bytes, name: str, change: Callable[[str], str]) -> bytes:
    """The workbook with one member's XML changed, every other member as it was."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            data = source.read(member)
            if member.filename == name:
                data = change(data.decode()).encode()
            target.writestr(member, data)
    return buffer.getvalue()


def zip_bomb(header: list[str], row: list[str], *, unpacked_mb: int = 210) -> bytes:
    """A real workbook of one row whose shared strings unpack to `unpacked_mb` megabytes.

    The strings are one letter repeated, streamed into the archive a megabyte at a time at the
    fastest compression, so the file stays about 1 MB and takes about a second to build.
    """
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    sheet.append(row)
    source = io.BytesIO()
    book.save(source)
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(source) as small,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for member in small.infolist():
            data = small.read(member)
            if member.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", STRINGS_TYPE + b"</Types>")
            target.writestr(member.filename, data)
        with target.open(STRINGS, "w") as member:
            member.write(STRINGS_START)
            chunk = b"A" * (1024 * 1024)
            for _ in range(unpacked_mb):
                member.write(chunk)
            member.write(b"</t></si></sst>")
    return buffer.getvalue()


def far_right_cells(header: list[str], row: list[str], *, rows: int) -> bytes:
    """A workbook without a declared size whose rows each have an empty, formatted cell in
    the sheet's last column, as a careless format painter leaves them."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for _ in range(rows):
        sheet.append(row)
    for number in range(1, rows + 2):
        sheet.cell(row=number, column=16384).font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return rewrite(
        buffer.getvalue(),
        SHEET,
        lambda xml: re.sub(r"<dimension [^>]*/>", "", xml),
    )


@contextmanager
def peak_memory():
    """Measures the peak of Python's allocations inside the block, in bytes: `.peak`."""

    class Peak:
        peak = 0

    result = Peak()
    tracemalloc.start()
    try:
        yield result
    finally:
        result.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
