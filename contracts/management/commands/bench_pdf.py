"""`manage.py bench_pdf [--repeat N] [slug …]`: how fast the contract PDFs are, in figures.

For every contract in the database (or those of the wijken named), it measures, as the median
of N runs:
- render: a full render from the data by WeasyPrint, bypassing every cache (what a signing
  costs, and what a changed unsigned contract costs once);
- cached: the HTML of an unsigned contract rendered again and found in the cache (what every
  further download of an unchanged unsigned contract costs);
- download: a GET of /wijken/<slug>/contract.pdf through the whole Django stack (for a signed
  contract: its archived original, read from MEDIA_ROOT, never rendered).
Nothing is written: the cache entries it makes are the ones a visitor would make.
"""

import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from contracts import documents, selectors
from wijkaanpak.common import pdf


def _median_seconds(function, repeat):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


class Command(BaseCommand):
    help = (
        "Print how long the contract PDFs take to render, to come from the cache and to download."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="slug", help="Only these wijken.")
        parser.add_argument("--repeat", type=int, default=3, help="Runs per figure (median).")

    def handle(self, *args, slugs, repeat, **options):
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        contracts = selectors.contracts_with_text().order_by("neighbourhood__name", "period_start")
        if slugs:
            contracts = contracts.filter(neighbourhood__slug__in=slugs)
        contracts = list(contracts)
        if not contracts:
            raise CommandError("No contracts to measure: load the pilot data first.")

        # WeasyPrint's first import and font set-up cost a second once per process.
        start = time.perf_counter()
        documents.render_contract(contracts[0], cached=False)
        self.stdout.write(
            f"warm-up (first render in this process): {time.perf_counter() - start:.2f} s"
        )

        host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
        client = Client(HTTP_HOST=host.lstrip("."))
        header = (
            f"{'contract':<34} {'status':<18} {'pages':>5} {'render':>8} {'cached':>8} "
            f"{'download':>9}  served from"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        renders = []
        for contract in contracts:
            render, (data, _hit) = _median_seconds(
                lambda c=contract: documents.render_contract(c, cached=False), repeat
            )
            renders.append(render)
            pages = pdf.page_count(data)
            documents.render_contract(contract)  # fill the cache
            cached, _ = _median_seconds(lambda c=contract: documents.render_contract(c), repeat)
            url = reverse("contracts:contract_pdf", kwargs={"slug": contract.neighbourhood.slug})
            download, response = _median_seconds(lambda u=url: client.get(u), repeat)
            if response.status_code != 200:
                raise CommandError(f"{url} answered HTTP {response.status_code}")
            source = response["X-Wijkaanpak-Source"]
            self.stdout.write(
                f"{contract.neighbourhood.slug:<34} {contract.status:<18} {pages:>5} "
                f"{render:>7.2f}s {cached * 1000:>6.1f}ms {download * 1000:>7.1f}ms  {source}"
            )
        self.stdout.write(
            f"render: median {statistics.median(renders):.2f} s, slowest {max(renders):.2f} s "
            f"over {len(renders)} contract(s), {repeat} run(s) each"
        )
