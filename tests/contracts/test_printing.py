"""Printing for the signing ceremony: `manage.py render_contracts`, the signing list and the
admin's "Download the signing set (ZIP)", read back with poppler's pdftotext.

Marked `pdf`: locally the tests skip without poppler-utils; in CI a missing tool fails them.
"""

import csv
import datetime
import io
import re
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from contracts import printing
from contracts.choices import ContractStatus
from tests.factories import (
    ContractFactory,
    ContractPartyFactory,
    NeighbourhoodFactory,
    PartnerFactory,
    complete_contract,
    move_to,
)
from tests.pdf_reading import pdf_text
from wijkaanpak.common import pdf

pytestmark = [pytest.mark.pdf, pytest.mark.django_db]


def contract(slug, status, *, extra_parties=0, shared=None):
    """A complete contract of the wijk `slug` (two parties, plus `shared`, plus extras)."""
    made = complete_contract(
        neighbourhood=NeighbourhoodFactory(slug=slug, name=f"Wijk {slug.title()}")
    )
    if shared is not None:
        ContractPartyFactory(contract=made, partner=shared)
    ContractPartyFactory.create_batch(extra_parties, contract=made)
    return move_to(made, status)


@pytest.fixture
def ceremony():
    """Three contracts in three wijken, with one partner (the municipality) in all of them."""
    municipality = PartnerFactory(name="Gemeente Teststad")
    return {
        "noord": contract("noord", ContractStatus.READY_FOR_SIGNING, shared=municipality),
        "oost": contract("oost", ContractStatus.SIGNED, shared=municipality),
        "zuid": contract("zuid", ContractStatus.DRAFT, shared=municipality, extra_parties=1),
    }


def render(tmp_path, *args):
    output = tmp_path / "set"
    out = io.StringIO()
    with translation.override("en"):
        call_command("render_contracts", "--output", str(output), *args, stdout=out)
    return output, out.getvalue()


def pdf_pages(path):
    text = pdf_text(path, options=["-layout"])
    return [page for page in text.split("\f") if page.strip()]


def filename(made):
    return f"wijkcontract-{made.neighbourhood.slug}.pdf"


# --- The command ------------------------------------------------------------------------------


def test_the_command_writes_every_contract_and_the_signing_list(ceremony, tmp_path, poppler):
    output, out = render(tmp_path)

    expected = {filename(made) for made in ceremony.values()}
    assert {path.name for path in output.iterdir()} == expected | {
        printing.SIGNING_LIST_FILENAME,
        printing.SIGNING_LIST_CSV_FILENAME,
    }
    for name in [*expected, printing.SIGNING_LIST_FILENAME]:
        assert (output / name).read_bytes().startswith(b"%PDF-")
    progress = [line for line in out.splitlines() if line.startswith("[")]
    assert [line.split()[0] for line in progress] == ["[1/3]", "[2/3]", "[3/3]"]
    # In wijk order, each with its page count and where the PDF came from.
    assert [line.split()[1] for line in progress] == sorted(expected)
    oost = next(line for line in progress if filename(ceremony["oost"]) in line)
    pages = pdf.page_count((output / filename(ceremony["oost"])).read_bytes())
    assert f" {pages} pages " in oost
    assert oost.endswith("(archive)")
    assert "3 contracts and the signing list written" in out


def test_the_status_filter(ceremony, tmp_path, poppler):
    output, out = render(tmp_path, "--status", ContractStatus.READY_FOR_SIGNING)

    assert sorted(path.name for path in output.glob("wijkcontract-*")) == [
        filename(ceremony["noord"])
    ]
    assert "[1/1]" in out


def test_the_slugs_filter(ceremony, tmp_path, poppler):
    output, _out = render(tmp_path, "zuid", "oost")

    assert sorted(path.name for path in output.glob("wijkcontract-*")) == sorted(
        [filename(ceremony["oost"]), filename(ceremony["zuid"])]
    )


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["noord", "nergens"], "nergens"),
        (["--status", "getekend"], "getekend"),
        (["--status", ContractStatus.COMPLETED], None),
        (["--status", ContractStatus.SIGNED, "noord"], None),
    ],
    ids=["unknown slug", "unknown status", "no contract in status", "no match"],
)
def test_a_wrong_or_empty_selection_is_refused_before_writing(ceremony, tmp_path, args, word):
    with pytest.raises(CommandError) as refusal:
        render(tmp_path, *args)

    if word:
        assert word in str(refusal.value)
    assert not (tmp_path / "set").exists()


def test_two_contracts_of_one_wijk_carry_their_period_start():
    wijk = NeighbourhoodFactory(slug="west")
    old = ContractFactory(neighbourhood=wijk, period_start=datetime.date(2007, 10, 2))
    new = ContractFactory(
        neighbourhood=wijk,
        period_start=datetime.date(2009, 10, 2),
        period_end=datetime.date(2011, 10, 2),
    )
    alone = ContractFactory()

    names = printing.set_filenames([old, new, alone])

    assert names == {
        old.pk: "wijkcontract-west-2007-10-02.pdf",
        new.pk: "wijkcontract-west-2009-10-02.pdf",
        alone.pk: f"wijkcontract-{alone.neighbourhood.slug}.pdf",
    }


# --- The signing list -------------------------------------------------------------------------


def test_the_signing_list_names_each_partner_its_contracts_and_copies(ceremony, tmp_path, poppler):
    output, _out = render(tmp_path)
    pages = pdf_pages(output / printing.SIGNING_LIST_FILENAME)

    contracts = list(ceremony.values())
    copies = {made.pk: made.parties.count() for made in contracts}
    partners = {}
    for made in contracts:
        for party in made.parties.select_related("partner"):
            partners.setdefault(party.partner, []).append(made)

    def heading(page):
        return page.strip().splitlines()[0]

    partner_pages = {
        partner: next(page for page in pages if heading(page).endswith(f"– {partner.name}"))
        for partner in partners
    }
    overview = "\n".join(page for page in pages if page not in partner_pages.values())
    for made in contracts:
        file_pages = pdf.page_count((output / filename(made)).read_bytes())
        row = next(
            line
            for line in overview.splitlines()
            if line.strip().startswith(made.neighbourhood.name)
        )
        # pages, copies (one per party) and pages to print, at the end of the wijk's row
        assert row.split()[-3:] == [
            str(file_pages),
            str(copies[made.pk]),
            str(file_pages * copies[made.pk]),
        ]
    for partner, signed in partners.items():
        assert partner.name in overview
        page = partner_pages[partner]
        lines = page.splitlines()
        for made in contracts:
            rows = [line for line in lines if line.strip().startswith(made.neighbourhood.name)]
            if made in signed:
                party = made.parties.get(partner=partner)
                assert len(rows) == 1
                assert party.signatory_name in rows[0]
                assert re.search(rf"\s{copies[made.pk]}$", rows[0].rstrip())
                assert party.signatory_function in page
            else:
                assert rows == []
        total = sum(copies[made.pk] for made in signed)
        assert any(line.split()[1:] == [str(total)] for line in lines if len(line.split()) == 2)


def test_every_party_signs_a_copy_for_each_party(ceremony):
    printed = [
        printing.PrintedContract(made, filename(made), b"", "rendered", pages=10, seconds=0)
        for made in printing.contracts_for_printing()
    ]

    signing = printing.signing_list(printed)

    municipality = next(e for e in signing.partners if e.partner.name == "Gemeente Teststad")
    assert [s.copies for s in municipality.signatures] == [3, 3, 4]
    assert municipality.copies == 10
    assert signing.copies == 3 + 3 + 4
    assert signing.pages_to_print == 10 * (3 + 3 + 4)
    assert signing.signatures == 3 * 3 + 3 * 3 + 4 * 4


def test_the_signing_list_csv_shows_hostile_names_as_text():
    made = contract("west", ContractStatus.DRAFT)
    ContractPartyFactory(
        contract=made,
        partner=PartnerFactory(name='=HYPERLINK("x")'),
        signatory_name="@Kwaad",
        signatory_function="+31 71 000 0000",
    )
    printed = [printing.PrintedContract(made, filename(made), b"", "rendered", pages=1, seconds=0)]

    data = printing.signing_list_csv(printing.signing_list(printed))

    assert data.startswith("\ufeff".encode())
    header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
    assert len(header) == 7
    assert len(rows) == 3
    hostile = next(row for row in rows if "HYPERLINK" in row[0])
    assert hostile[0] == '\'=HYPERLINK("x")'
    assert hostile[4:7] == ["'@Kwaad", "'+31 71 000 0000", "3"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# --- The admin action -------------------------------------------------------------------------


def download_set(client, contracts):
    return client.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "download_signing_set", "_selected_action": [made.pk for made in contracts]},
    )


def test_the_admin_action_returns_the_signing_set_as_a_zip(ceremony, budget_manager):
    selected = [ceremony["noord"], ceremony["oost"]]

    response = download_set(budget_manager, selected)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="tekenset-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted(
        [filename(made) for made in selected]
        + [printing.SIGNING_LIST_FILENAME, printing.SIGNING_LIST_CSV_FILENAME]
    )
    for name in archive.namelist():
        if name.endswith(".pdf"):
            assert archive.read(name).startswith(b"%PDF-")
    # The signed contract is its archived original: the file the website serves, byte for byte.
    signed = ceremony["oost"]
    served = Client().get(
        reverse("contracts:contract_pdf", kwargs={"slug": signed.neighbourhood.slug})
    )
    assert served.status_code == 200
    assert archive.read(filename(signed)) == served.content


def test_the_admin_action_needs_a_staff_login(ceremony, client):
    response = download_set(client, [ceremony["oost"]])

    assert response.status_code == 302
    assert response.get("Content-Type") != "application/zip"


def test_the_command_writes_the_signed_original_byte_for_byte(ceremony, tmp_path):
    output, _out = render(tmp_path, "oost")
    signed = ceremony["oost"]

    served = Client().get(
        reverse("contracts:contract_pdf", kwargs={"slug": signed.neighbourhood.slug})
    )

    assert (output / filename(signed)).read_bytes() == served.content


def test_hostile_names_print_as_text_on_the_signing_list(tmp_path, poppler):
    hostile = "<b>Wijkraad</b><img src=x>"
    partner = PartnerFactory(name=hostile)
    made = contract("west", ContractStatus.READY_FOR_SIGNING, shared=partner)

    output, _out = render(tmp_path)

    text = pdf_text(output / "tekenlijst.pdf")
    squeezed = "".join(text.split())
    assert hostile.replace(" ", "") in squeezed
    assert made.neighbourhood.name.replace(" ", "") in squeezed
