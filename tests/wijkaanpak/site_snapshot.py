"""What a restored site must show exactly as the original: archive, ledger and public pages.

`snapshot()` works in the test process; `python -m tests.wijkaanpak.site_snapshot` prints the
same as JSON for the site that DATABASE_URL and MEDIA_ROOT point at (a restored copy).
"""

import hashlib
import json
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

MAX_PAGES = 400
# Not pages: files rendered on request (PDFs carry their render time; the archived ones are
# checked through their fingerprints), the admin and the team portal (logins), static files.
SKIPPED = re.compile(r"^/(admin/|team/|static/|media/|taal/)|\.pdf$")
VOLATILE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*'), r"\1"),
    (re.compile(r'(nonce=")[^"]*'), r"\1"),
]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def archive_fingerprints():
    """(model, pk, stored sha256, sha256 of the file's bytes now) of every archived document."""
    from django.core.files.storage import default_storage

    from contracts.models import Addendum, SignedOriginal, SigningScan

    rows = []
    for model in (SignedOriginal, SigningScan, Addendum):
        for row in model.objects.exclude(file="").order_by("pk"):
            with default_storage.open(row.file.name, "rb") as stream:
                actual = hashlib.sha256(stream.read()).hexdigest()
            rows.append([model._meta.label, row.pk, row.sha256, actual])
    return rows


def ledger_totals():
    """Per fund: total, committed, paid and remaining, per category and per wijk."""
    from budget.models import Fund
    from budget.selectors import fund_account, ledger

    totals = {}
    for fund in Fund.objects.order_by("pk"):
        account = fund_account(fund)
        totals[fund.name] = {
            "total": str(fund.total),
            "committed": str(account.committed),
            "paid": str(account.paid),
            "remaining": str(account.remaining),
            "lines": [
                [line.label, str(line.committed), str(line.paid), str(line.remaining)]
                for line in [*account.categories, *account.neighbourhoods]
            ],
            "ledger": [
                [str(a.amount), str(a.paid), a.purpose, str(a.decision_date)] for a in ledger(fund)
            ],
        }
    return totals


def public_pages():
    """{path: HTML} of every page an anonymous visitor reaches by following links from /."""
    from django.test import Client

    client = Client()
    pages, queue = {}, ["/"]
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if path in pages:
            continue
        response = client.get(path)
        kind = response.get("Content-Type", "")
        body = response.content.decode() if "html" in kind or "csv" in kind else ""
        for pattern, replacement in VOLATILE:
            body = pattern.sub(replacement, body)
        pages[path] = [response.status_code, body]
        if "html" not in kind:
            continue
        parser = _Links()
        parser.feed(body)
        for href in parser.hrefs:
            href = urldefrag(href).url
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or SKIPPED.search(href):
                continue
            if href not in pages and href not in queue:
                queue.append(href)
    return pages


def snapshot():
    return {
        "archive": archive_fingerprints(),
        "ledger": ledger_totals(),
        "pages": public_pages(),
    }


if __name__ == "__main__":
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    print(json.dumps(snapshot()))
