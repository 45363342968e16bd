"""CSV files for Dutch spreadsheets, guarded against formulas.

Every CSV the site hands out (the public ledger, the signing list) is written here, one way:
UTF-8 with a byte order mark (so Excel does not guess another encoding), `;` between cells
(Dutch Excel reads `,` as the decimal comma), lines ending in CRLF, amounts with a decimal
comma, dates as YYYY-MM-DD.

Text cells are guarded: a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab
or a carriage return as a formula (CSV injection), and names and purposes are typed by people.
Such a cell is written with a leading apostrophe, which the spreadsheet shows as text.

The module is not called `csv`, so that its callers can still import the standard library's.
"""

import csv
import datetime
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils.http import content_disposition_header

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DELIMITER = ";"
LINE_END = "\r\n"
BYTE_ORDER_MARK = "\ufeff"


def safe_cell(value):
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def cell(value):
    """What one value becomes in the CSV.

    Amounts (Decimal) get a decimal comma ("1250,50"), which Dutch Excel reads as a number;
    dates are ISO; whole numbers are written as they are; None is an empty cell. Everything
    else is text and goes through :func:`safe_cell`. Numbers are not guarded: they come from
    the database, not from a person, and a negative amount must stay a number.
    """
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return safe_cell(value)


def write_rows(stream, header, rows):
    """Write `header` and `rows` (iterables of values) to the text `stream`, without a BOM."""
    writer = csv.writer(stream, delimiter=DELIMITER, lineterminator=LINE_END)
    writer.writerow([cell(value) for value in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])


def csv_bytes(header, rows):
    """The whole CSV as bytes, with the byte order mark: for a file or a ZIP entry."""
    buffer = io.StringIO()
    write_rows(buffer, header, rows)
    return (BYTE_ORDER_MARK + buffer.getvalue()).encode("utf-8")


def csv_response(filename, header, rows):
    """The CSV as a download named `filename` (an attachment)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response.write(BYTE_ORDER_MARK)
    write_rows(response, header, rows)
    return response
