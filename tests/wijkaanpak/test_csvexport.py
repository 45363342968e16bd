"""CSV for Dutch spreadsheets: BOM, semicolons, CRLF, decimal commas, and no formulas."""

import ast
import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

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


# --- One writer of CSV ---------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
HELPER = ROOT / "wijkaanpak" / "common" / "csvexport.py"


SKIPPED = {".venv", ".git", "tests", "node_modules", "static", "media"}


def site_modules():
    """Every Python module of the site (not the tests, not the virtualenv, not migrations)."""
    for top in sorted(ROOT.iterdir()):
        if top.name in SKIPPED or top.name.startswith("."):
            continue
        paths = [top] if top.suffix == ".py" else top.rglob("*.py") if top.is_dir() else []
        for path in paths:
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def csv_users(path):
    """How `path` reaches the standard library's csv module or writes CSV itself, if it does."""
    source = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "csv"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "csv":
            found.append(f"from {node.module}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (node.value.startswith("text/csv") or node.value == "csv")
        ):
            found.append(repr(node.value))
    return found


def test_every_csv_is_written_by_the_helper_with_its_formula_guard():
    """A CSV written anywhere else would miss the guard against formulas (and the Dutch
    spreadsheet's format): only wijkaanpak.common.csvexport imports csv or names text/csv."""
    others = {
        str(path.relative_to(ROOT)): users
        for path in site_modules()
        if path != HELPER and (users := csv_users(path))
    }
    assert others == {}
    assert csv_users(HELPER)  # the check finds what it looks for
    assert any(path.name == "account.py" for path in site_modules())  # and looks in the apps


def test_the_guard_would_see_a_writer_elsewhere(tmp_path):
    module = tmp_path / "export.py"
    module.write_text('import csv\nfrom csv import writer\nHttpResponse(content_type="text/csv")\n')
    assert len(csv_users(module)) == 3
