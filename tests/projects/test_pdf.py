"""The round review as a PDF, read back with poppler's pdftotext and pdfinfo.

Marked `pdf`: locally the test skips without poppler-utils; in CI a missing tool fails it.
"""

import re
import zlib

import pytest
from django.core.cache import cache
from django.urls import reverse

from projects.models import ProjectReport
from tests import pdf_reading
from tests.pdf_reading import download, pdf_info
from tests.projects.test_public import midterm, review_url  # noqa: F401 (fixture)
from wijkaanpak.common import pdf

pytestmark = [pytest.mark.pdf, pytest.mark.django_db]


def pdf_text(path):
    return pdf_reading.pdf_text(path, options=["-layout"])


def pdf_objects(path):
    """The PDF's streams, inflated: the catalogue (with /Lang) sits in a compressed one."""
    data = path.read_bytes()
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            yield zlib.decompress(match.group(1))
        except zlib.error:
            yield match.group(1)


@pytest.fixture
def review_pdf(client, midterm, tmp_path, poppler):  # noqa: F811
    """The midterm review of the fixture's wijk as a file, with its response."""
    neighbourhood = midterm["contract"].neighbourhood
    return download(
        client, review_url(neighbourhood, midterm["round"], pdf=True), tmp_path / "review.pdf"
    )


def test_the_review_is_a_pdf_shown_inline(review_pdf, midterm):  # noqa: F811
    response, _path = review_pdf

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert midterm["contract"].neighbourhood.slug in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.pdf"')
    assert response.content.startswith(b"%PDF-")


def test_the_pdf_holds_every_report_and_project(review_pdf, midterm):  # noqa: F811
    _response, path = review_pdf
    text = pdf_text(path)
    flat = " ".join(text.split())

    for key in ("on_time", "late", "missing"):
        assert midterm[key].title in flat
    late = midterm["late"]
    for part in (f"Bereikt in {late.title}", f"Afwijking in {late.title}"):
        assert part in flat
    assert f"Vervolg van {late.title}" in flat
    assert "31 oktober 2008" in flat  # the due date, in Dutch
    assert "pagina 1 van" in flat
    assert "Opgesteld op" in flat


def test_the_pdf_is_tagged_with_title_and_language(review_pdf, midterm):  # noqa: F811
    _response, path = review_pdf
    info = pdf_info(path)

    assert "Tagged:          yes" in info or "Tagged: yes" in " ".join(info.split())
    title_line = next(line for line in info.splitlines() if line.startswith("Title:"))
    assert midterm["round"].title in title_line
    assert midterm["contract"].neighbourhood.name in title_line
    assert b"/Lang (nl)" in b"".join(pdf_objects(path))


def test_hostile_text_is_printed_literally_and_never_fetched(
    client,
    midterm,  # noqa: F811
    tmp_path,
    poppler,
    calls_to,
    real_pdf_renders,
):
    neighbourhood = midterm["contract"].neighbourhood
    fetched = calls_to(pdf, "_local_path")
    _response, path = download(
        client, review_url(neighbourhood, midterm["round"], pdf=True), tmp_path / "review.pdf"
    )
    # Long lines wrap anywhere: compare without whitespace.
    squeezed = "".join(pdf_text(path).split())

    assert "<script>alert(1)</script>" in squeezed
    assert "<imgsrc=http://evil.example/x.png>" in squeezed
    assert not [url for url in fetched if "evil" in url]
    # The only resource the PDF asked for is our own stylesheet.
    assert fetched and all(url.startswith(pdf.BASE_URL + "static/") for url in fetched)


def test_internal_and_hidden_updates_stay_out_of_the_pdf(review_pdf, midterm):  # noqa: F811
    _response, path = review_pdf
    flat = " ".join(pdf_text(path).split())

    for key in ("on_time", "late", "missing"):
        pk = midterm[key].pk
        assert f"Intern {pk}" not in flat
        assert f"Verborgen {pk}" not in flat
    assert midterm["member"].username not in flat


def test_the_pdf_follows_the_visitors_language(client, midterm, tmp_path, poppler):  # noqa: F811
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    neighbourhood = midterm["contract"].neighbourhood
    _response, path = download(
        client, review_url(neighbourhood, midterm["round"], pdf=True), tmp_path / "review-en.pdf"
    )
    flat = " ".join(pdf_text(path).split())

    assert "page 1 of" in flat
    assert "31 October 2008" in flat


def test_the_pdf_of_a_wijk_not_in_the_round_is_a_404(client, midterm):  # noqa: F811
    other = midterm["other_contract"].neighbourhood
    unknown = reverse(
        "projects:round_review_pdf",
        kwargs={"slug": "bestaat-niet", "round_pk": midterm["round"].pk},
    )

    assert client.get(unknown).status_code == 404
    # The other wijk is in the round: its own review exists, it just does not hold this wijk's.
    assert client.get(review_url(other, midterm["round"], pdf=True)).status_code == 200


# --- The helper's fetcher (wijkaanpak.common.pdf): only our own files -------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/x.png",
        "https://pdf.wijkaanpak.invalid.evil.example/static/css/pdf.css",
        "file:///etc/passwd",
        pdf.BASE_URL + "media/../../../etc/passwd",
        pdf.BASE_URL + "static/../../wijkaanpak/settings.py",
        pdf.BASE_URL + "elsewhere/file.css",
    ],
)
def test_the_fetcher_refuses_anything_but_our_own_files(url):
    fetcher = pdf._url_fetcher_class()()

    with pytest.raises(pdf.PDFResourceRefused):
        fetcher.fetch(url)


def test_the_fetcher_serves_our_static_files():
    fetcher = pdf._url_fetcher_class()()

    response = fetcher.fetch(pdf.BASE_URL + "static/css/pdf.css")

    assert response.content_type == "text/css"
    assert b"@page" in response.read()


def test_the_review_is_rendered_again_only_when_it_changed(client, midterm, calls_to):  # noqa: F811
    """Anonymous visitors asking for the same review share one rendering (wijkaanpak.common.pdf's
    cache); a changed report renders anew."""
    cache.clear()
    rendered = calls_to(pdf, "html_to_pdf")
    url = review_url(midterm["contract"].neighbourhood, midterm["round"], pdf=True)

    first = client.get(url)
    second = client.get(url)

    assert len(rendered) == 1
    assert first.content == second.content
    assert (first["X-Wijkaanpak-Source"], second["X-Wijkaanpak-Source"]) == ("rendered", "cache")

    # Reports are frozen for the application; the test changes one in the table.
    ProjectReport.objects.filter(project=midterm["late"]).update(achieved="Een nieuwe uitkomst")
    third = client.get(url)

    assert len(rendered) == 2
    assert third["X-Wijkaanpak-Source"] == "rendered"
    assert "Een nieuwe uitkomst" in rendered[1]
    assert client.get(url)["X-Wijkaanpak-Source"] == "cache"
