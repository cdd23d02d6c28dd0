"""Spreadsheet cells that stay text: what a person typed never runs as a formula.

Excel, WPS and LibreOffice run a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return before one) as a formula, so a report whose place is
``=HYPERLINK(...)`` would become a live link in the case log. Every text cell of every
CSV and XLSX export is written through :func:`as_text_cell` (OWASP's rule: a leading
apostrophe), and the CSV import takes it off again, so an export imports back unchanged.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text_cell(value: object) -> object:
    """``value`` with a leading apostrophe when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def from_text_cell(text: str) -> str:
    """A cell as it was before :func:`as_text_cell`."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
