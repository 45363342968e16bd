"""The contract as a print-ready PDF, read back with poppler's pdftotext and pdfinfo.

Marked `pdf`: locally the test skips without poppler-utils; in CI a missing tool fails it.
"""

import hashlib
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from contracts.choices import ContractStatus
from contracts.models import SubArea
from tests import pdf_reading
from tests.conftest import assert_signatories_in, editor_client
from tests.factories import (
    HOSTILE,
    ContractSectionFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ResidentWishFactory,
    complete_contract,
    contract_in_status,
    move_to,
)
from tests.pdf_reading import contract_pdf_url, flat, page_count, pdf_info
from wijkaanpak.common import pdf

pytestmark = [pytest.mark.pdf, pytest.mark.django_db]


def pdf_text(path, page=None):
    return pdf_reading.pdf_text(path, page, options=["-layout"])


def download(client, contract, tmp_path, name="contract.pdf"):
    return pdf_reading.download(client, contract_pdf_url(contract), tmp_path / name)


@pytest.fixture
def signed_contract():
    """A signed contract with an area, a hostile section and wish, and a project with partners."""
    contract = complete_contract()
    SubArea.objects.create(neighbourhood=contract.neighbourhood, name="Molenwijk")
    ContractSectionFactory(contract=contract, heading="Vijandig", body=f"Let op:\n\n{HOSTILE}")
    ResidentWishFactory(
        contract=contract,
        title="Vijandige wens",
        description=HOSTILE,
        not_taken_up_reason="Valt buiten dit contract.",
    )
    project = ProjectFactory(contract=contract, title="Speeltuin opknappen")
    ProjectPartnerFactory(project=project, contribution="Nieuwe toestellen", amount=12500)
    project.wishes.add(contract.wishes.first())
    move_to(contract, ContractStatus.SIGNED)
    contract.refresh_from_db()
    return contract


@pytest.fixture
def signed_pdf(client, signed_contract, tmp_path, poppler):
    return download(client, signed_contract, tmp_path)


def test_the_contract_is_a_pdf_shown_inline(signed_pdf, signed_contract):
    response, _path = signed_pdf

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="wijkcontract-{signed_contract.neighbourhood.slug}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")


def test_the_pdf_holds_the_whole_contract(signed_pdf, signed_contract):
    _response, path = signed_pdf
    text = flat(pdf_text(path))
    squeezed = "".join(text.split())

    assert signed_contract.title in text
    assert signed_contract.motto in text
    assert signed_contract.neighbourhood.name in text
    assert signed_contract.neighbourhood.district.name in text
    assert "Molenwijk" in text
    for number, section in enumerate(signed_contract.sections.all(), start=1):
        assert f"1.{number} {section.heading}" in text
        assert "".join(section.body.split()) in squeezed
    for wish in signed_contract.wishes.all():
        assert wish.title in text
    assert_signatories_in(text, signed_contract.parties.all())
    assert "2.1 Speeltuin opknappen" in text
    assert "Nieuwe toestellen" in text
    assert "€ 12.500,00" in text
    assert "Haarlem, 2 oktober 2007" in text
    assert "/initiatieven/aanvragen/" in text
    assert "pagina 1 van" in text


def test_every_page_has_the_footer_and_all_but_the_cover_the_header(signed_pdf, signed_contract):
    _response, path = signed_pdf
    pages = page_count(path)

    cover = flat(pdf_text(path, 1))
    # No running header above the cover: it opens with the municipality (in capitals).
    assert cover.startswith(settings.MUNICIPALITY_NAME.upper())
    assert f"pagina 1 van {pages}" in cover
    for page in range(2, pages + 1):
        text = flat(pdf_text(path, page))
        assert f"pagina {page} van {pages}" in text
        assert text.startswith(signed_contract.title)


def test_the_table_of_contents_has_page_numbers(signed_pdf, signed_contract):
    _response, path = signed_pdf
    pages = page_count(path)
    lines = pdf_text(path, 2).splitlines()

    headings = [
        f"1.{n} {section.heading}"
        for n, section in enumerate(signed_contract.sections.all(), start=1)
    ] + ["2.1 Speeltuin opknappen"]
    for heading in headings:
        line = next(line for line in lines if heading in line)
        number = re.search(r"(\d+)\s*$", line)
        assert number, line
        # Chapter 1 follows the contents on their page (no forced break leaves it half empty).
        assert 2 <= int(number.group(1)) <= pages
        # The number is the page where the heading is.
        assert heading in flat(pdf_text(path, int(number.group(1))))


def test_a_signed_contract_carries_no_concept_mark(signed_pdf):
    _response, path = signed_pdf

    assert "CONCEPT" not in pdf_text(path).upper()


def test_a_draft_is_marked_concept_on_every_page(tmp_path, poppler):
    contract = contract_in_status(ContractStatus.DRAFT)

    response, path = download(editor_client(), contract, tmp_path)

    assert response.status_code == 200
    for page in range(1, page_count(path) + 1):
        assert "CONCEPT" in pdf_text(path, page)


def test_a_contract_ready_for_signing_is_its_final_pdf_with_its_code_on_every_page(
    tmp_path, poppler
):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    final = contract.final_document

    response, path = download(Client(), contract, tmp_path)

    assert response.status_code == 200
    assert hashlib.sha256(path.read_bytes()).hexdigest() == final.sha256
    assert response["ETag"].strip('"') == final.sha256
    for page in range(1, page_count(path) + 1):
        text = pdf_text(path, page)
        assert "CONCEPT" not in text.upper()
        assert final.document_code in text


def test_a_completed_contract_carries_no_concept_mark(client, tmp_path, poppler):
    contract = contract_in_status(ContractStatus.COMPLETED)

    _response, path = download(client, contract, tmp_path)

    assert "CONCEPT" not in pdf_text(path)


def test_a_draft_is_a_404_for_residents_and_shown_to_staff(client):
    contract = contract_in_status(ContractStatus.DRAFT)

    assert client.get(contract_pdf_url(contract)).status_code == 404
    assert editor_client().get(contract_pdf_url(contract)).status_code == 200


def test_an_unknown_wijk_is_a_404(client):
    url = reverse("contracts:contract_pdf", kwargs={"slug": "bestaat-niet"})

    assert client.get(url).status_code == 404


def test_the_pdf_is_tagged_with_title_and_language(signed_pdf, signed_contract):
    _response, path = signed_pdf
    info = pdf_info(path)

    assert "Tagged: yes" in flat(info)
    title_line = next(line for line in info.splitlines() if line.startswith("Title:"))
    assert signed_contract.title in title_line


def test_the_pdf_is_dutch_whatever_the_visitors_language(
    client, signed_contract, tmp_path, poppler
):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    _response, path = download(client, signed_contract, tmp_path)
    text = flat(pdf_text(path))

    assert "pagina 2 van" in text
    assert "2 oktober 2007" in text


@pytest.fixture
def fetched_urls(calls_to, real_pdf_renders):
    """Every URL the PDF renderer asks for from here on (set up before the signing renders);
    each render is a real one, never the session's remembered bytes (tests/pdf_memo.py)."""
    return calls_to(pdf, "_local_path")


def test_hostile_text_is_printed_literally_and_never_fetched(
    client, fetched_urls, signed_contract, tmp_path, poppler
):
    _response, path = download(client, signed_contract, tmp_path)
    squeezed = "".join(pdf_text(path).split())

    # Once in the section, once in the wish.
    assert squeezed.count("<script>alert(1)</script>") == 2
    assert squeezed.count("<imgsrc=http://evil.example/x.png>") == 2
    assert not [url for url in fetched_urls if "evil" in url]
    assert fetched_urls and all(url.startswith(pdf.BASE_URL + "static/") for url in fetched_urls)


def test_the_contract_page_links_to_the_pdf(client, signed_contract):
    url = reverse("contracts:contract_detail", kwargs={"slug": signed_contract.neighbourhood.slug})

    response = client.get(url)

    assert f'href="{contract_pdf_url(signed_contract)}"' in response.content.decode()


def test_the_pdf_adds_no_financing_chapter_of_its_own(signed_pdf, signed_contract):
    # How the projects are paid is the contract's own text (the pilot's section 1.8); the PDF
    # used to repeat it in a chapter of its own.
    _response, path = signed_pdf
    text = pdf_text(path)

    assert not any("Financ" in section.heading for section in signed_contract.sections.all())
    assert "Financiering" not in text
    assert "/initiatieven/aanvragen/" in "".join(text.split())
