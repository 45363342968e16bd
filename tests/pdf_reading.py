"""The site's PDFs read back: where they are served, and what poppler-utils (pdftotext,
pdfinfo) read in them.

A test that reads asks for the `poppler` fixture (tests/conftest.py) and is marked `pdf`:
locally it skips without the tools; in CI a missing tool fails it.
"""

import re
import subprocess

from django.urls import reverse


def contract_pdf_url(contract):
    """The PDF of the current contract of the wijk of `contract`."""
    return reverse("contracts:contract_pdf", kwargs={"slug": contract.neighbourhood.slug})


def addendum_pdf_url(addendum):
    return reverse(
        "contracts:addendum_pdf",
        kwargs={
            "slug": addendum.contract.neighbourhood.slug,
            "pk": addendum.contract_id,
            "number": addendum.number,
        },
    )


def pdf_text(path, page=None, *, options=()):
    """The text of the PDF at `path`, of all pages or of one, as pdftotext reads it with
    `options` (such as ["-layout"])."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", *options, "-enc", "UTF-8", *pages, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def pdf_info(path):
    """What pdfinfo tells of the PDF at `path`: title, language, page size, pages, …"""
    return subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout


def page_count(path):
    return int(re.search(r"^Pages:\s+(\d+)", pdf_info(path), re.MULTILINE).group(1))


def flat(text):
    """`text` with its white space folded: lines wrap wherever the layout puts them."""
    return " ".join(text.split())


def download(client, url, path):
    """GET `url` with `client`; a PDF that comes back is written to `path`. The response and
    the path."""
    response = client.get(url)
    if response.status_code == 200:
        path.write_bytes(response.content)
    return response, path
