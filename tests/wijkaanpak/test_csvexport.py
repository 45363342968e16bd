"""CSV for Dutch spreadsheets: BOM, semicolons, CRLF, decimal commas, and no formulas."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from wijkaanpak.common import csvexport


def read(data):
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_never_starts_a_formula(start):
    text = f'{start}HYPERLINK("http://kwaad.example","klik")'

    (_header, (cell,)) = read(csvexport.csv_bytes(["name"], [[text]]))

    assert cell == f"'{text}"


def test_values_are_written_for_dutch_excel():
    rows = [[datetime.date(2007, 11, 1), Decimal("1250.5"), Decimal("-12.00"), 3, None, "Moestuin"]]

    data = csvexport.csv_bytes(["a", "b", "c", "d", "e", "f"], rows)

    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == 2
    assert read(data)[1] == ["2007-11-01", "1250,50", "-12,00", "3", "", "Moestuin"]


def test_a_semicolon_in_a_text_is_quoted():
    (_header, row) = read(csvexport.csv_bytes(["a", "b"], [["Noord; Oost", "x"]]))

    assert row == ["Noord; Oost", "x"]


def test_the_response_is_a_download_with_the_same_bytes():
    rows = [["=1+1", Decimal("5")]]

    response = csvexport.csv_response("grootboek.csv", ["a", "b"], rows)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="grootboek.csv"'
    assert response.content == csvexport.csv_bytes(["a", "b"], rows)
