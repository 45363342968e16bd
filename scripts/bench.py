"""The ratio benchmark: `make bench`. Figures, not a test; every figure is a ratio from one run.

In one run, on a throwaway PostgreSQL database it creates and drops, with production settings
(DEBUG off, a throwaway SECRET_KEY, collected static files):
1. loads the pilot and measures, in-process (Django's test Client), the SQL queries and the
   median time of every public page and of three admin lists (as a staff user), the contract
   PDF's render against WeasyPrint alone on the same HTML, and the archived download of a
   signed contract against a render;
2. serves the site with gunicorn (2 workers) and measures each public page's throughput with
   wrk as a share of /healthz's;
3. adds the volume with `seed_volume` (default 500 wijken × 20 projects × 50 updates) and
   measures 1 and 2 again;
4. prints the table, with the targets beside the figures.

At volume, the wijk, contract, project and partner pages are those of a generated wijk (20
projects, 50 updates each); the other pages are the same URLs at both volumes.

    python scripts/bench.py [--database-url postgres://postgres@127.0.0.1:5432/wijkaanpak_bench]
                            [--port 8731] [--seconds 5] [--wijken 500 --projects 20 --updates 50]
"""

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"

# The targets of issue 14, printed beside the figures.
TARGET_SHARE = 0.5
TARGET_TIME_RATIO = 1.3
TARGET_RENDER_RATIO = 1.1

PUBLIC_PAGES = [
    "/",
    "/wijken/",
    "wijk page",
    "contract page",
    "project page",
    "/budget/",
    "midterm review PDF",
    "partner page",
    "programme page",
]
ADMIN_PAGES = ["admin progress updates", "admin projects", "admin contracts"]


# --- In-process part (runs in a child process with the bench's environment) --------------------


def page_urls(volume):
    """{page name: URL}: the pilot's objects, or at volume the first generated wijk's."""
    from django.db.models import Count
    from django.urls import reverse

    from contracts.models import Contract, Partner, Programme
    from projects.models import Project, ReportingRound

    pilot_round = ReportingRound.objects.filter(kind="midterm").order_by("pk").first()
    review_contract = pilot_round.contracts.order_by("neighbourhood__slug").first()
    if volume:
        contract = Contract.objects.get(neighbourhood__slug="gegenereerd-0001")
        partner = contract.parties.order_by("order").first().partner
    else:
        contract = (
            Contract.objects.exclude(neighbourhood__slug__startswith="gegenereerd-")
            .annotate(n=Count("projects"))
            .order_by("-n", "pk")
            .first()
        )
        partner = (
            Partner.objects.annotate(n=Count("contract_parties"))
            .order_by("-n", "pk")
            .exclude(slug__startswith="gegenereerde-")
            .first()
        )
    project = (
        Project.objects.filter(contract=contract)
        .annotate(n=Count("updates"))
        .order_by("-n", "pk")
        .first()
    )
    slug = contract.neighbourhood.slug
    programme = Programme.objects.current()
    return {
        "/healthz": "/healthz",
        "/": "/",
        "/wijken/": "/wijken/",
        "wijk page": reverse("neighbourhood_detail", args=[slug]),
        "contract page": reverse("contracts:contract_detail", args=[slug]),
        "project page": reverse("projects:project_detail", args=[project.pk]),
        "/budget/": reverse("budget:account"),
        "midterm review PDF": reverse(
            "projects:round_review_pdf",
            args=[review_contract.neighbourhood.slug, pilot_round.pk],
        ),
        "partner page": reverse("partner_detail", args=[partner.slug]),
        "programme page": reverse("programme_detail", args=[programme.slug]),
        "admin progress updates": "/admin/projects/progressupdate/",
        "admin projects": "/admin/projects/project/",
        "admin contracts": "/admin/contracts/contract/",
    }


def _median_ms(function, repeat):
    function()  # warm-up: the first request of a page fills Django's caches of templates
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _get(client, url):
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return response


def staff_client():
    """A test client logged in as a superuser who passed the second factor."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tests.otp import verify_otp

    user, _created = get_user_model().objects.get_or_create(
        username="bench-staff", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    verify_otp(client, user)
    return client


def _rows_listed(response):
    """How many rows an admin change list shows (its result table's body)."""
    table = re.search(
        r'<table id="result_list">.*?<tbody>(.*?)</tbody>', response.content.decode(), re.S
    )
    return table.group(1).count("<tr") if table else 0


def measure_pages(volume, repeat):
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def rendered(client, url):
        # The page as it is rendered: the public page cache is emptied first, so the figures
        # are the work a change of the data costs, not a cache hit (wrk measures the hits).
        caches["pages"].clear()
        return _get(client, url)

    urls = page_urls(volume)
    anonymous = Client(HTTP_HOST=HOST)
    staff = staff_client()
    figures = {}
    for name in PUBLIC_PAGES + ADMIN_PAGES:
        client = staff if name in ADMIN_PAGES else anonymous
        url = urls[name]
        rendered(client, url)
        with CaptureQueriesContext(connection) as queries:
            response = rendered(client, url)
        # Read now: the next request empties the connection's log (reset_queries).
        count = len(queries)
        milliseconds = _median_ms(lambda c=client, u=url: rendered(c, u), repeat)
        hit = _median_ms(lambda c=client, u=url: _get(c, u), repeat)
        figures[name] = {
            "queries": count,
            "ms": milliseconds,
            "hit_ms": hit,
            "bytes": len(response.content) if not response.streaming else None,
            "rows": _rows_listed(response) if name in ADMIN_PAGES else None,
        }
    return urls, figures


def measure_pdf(repeat):
    """Contract render against WeasyPrint on the same HTML; archived download against render."""
    from django.test import Client
    from django.urls import reverse
    from weasyprint import HTML

    from contracts import documents, selectors
    from wijkaanpak.common import pdf

    contract = (
        selectors.contracts_with_text()
        .filter(status="signed", neighbourhood__slug="boerhaavewijk")
        .first()
    ) or selectors.contracts_with_text().filter(status="signed").order_by("pk").first()
    template, context = documents._contract_render_args(contract)
    html = pdf.render_html(template, context, title=contract.title)
    fetcher = pdf._url_fetcher_class()

    def weasyprint_alone():
        HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=fetcher()).write_pdf()

    render = _median_ms(lambda: documents.render_contract(contract, cached=False), repeat)
    weasy = _median_ms(weasyprint_alone, repeat)
    client = Client(HTTP_HOST=HOST)
    url = reverse("contracts:contract_pdf", kwargs={"slug": contract.neighbourhood.slug})
    source = _get(client, url)["X-Wijkaanpak-Source"]
    download = _median_ms(lambda: _get(client, url), repeat * 3)
    return {
        "contract": contract.neighbourhood.slug,
        "render_ms": render,
        "weasyprint_ms": weasy,
        "download_ms": download,
        "download_source": source,
    }


def inprocess(label, repeat, with_pdf):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijkaanpak.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # As Django's own test runner does: one connection for the whole run, so the queries of a
    # request are counted on it and no figure includes opening a connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    urls, figures = measure_pages(label == "volume", repeat)
    result = {"urls": urls, "pages": figures}
    if with_pdf:
        result["pdf"] = measure_pdf(3)
    print(json.dumps(result))


# --- The orchestration ------------------------------------------------------------------------


def run(command, env, **kwargs):
    return subprocess.run(command, env=env, cwd=ROOT, check=True, **kwargs)  # noqa: S603


def manage(env, *arguments):
    run([PYTHON, "manage.py", *arguments], env, stdout=subprocess.DEVNULL)


def child(env, label, repeat, with_pdf):
    arguments = [PYTHON, __file__, "--inprocess", label, "--repeat", str(repeat)]
    if with_pdf:
        arguments.append("--with-pdf")
    output = run(arguments, env, stdout=subprocess.PIPE, text=True).stdout
    print(output.strip().splitlines()[-1], file=sys.stderr)  # the raw figures, kept in the log
    return json.loads(output.strip().splitlines()[-1])


def wait_for(url, seconds=30):
    """The status of a GET of `url`, once the server takes connections (within `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (loopback)
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except urllib.error.URLError as error:
            if not isinstance(error.reason, ConnectionError):
                raise
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer {url} within {seconds} s") from None
            time.sleep(0.3)


def wrk(url, seconds):
    """(requests per second, non-2xx/3xx responses) of wrk, 2 threads, 10 connections."""
    output = subprocess.run(  # noqa: S603
        [shutil.which("wrk"), "-t2", "-c10", f"-d{seconds}s", "--timeout", "20s", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rate, int(errors.group(1)) if errors else 0


def throughput(env, urls, port, seconds):
    """{page: (share of /healthz, non-2xx responses)}, measured on gunicorn with 2 workers."""
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "wijkaanpak.wsgi",
            "--workers",
            "2",
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        base = f"http://{HOST}:{port}"
        status = wait_for(base + "/healthz")
        if status != 200:
            print(f"warning: /healthz answered {status}", file=sys.stderr)
        for name in PUBLIC_PAGES:  # the first request of each page in each worker
            for _ in range(4):
                wait_for(base + urls[name])
        health, _errors = wrk(base + "/healthz", seconds)
        shares = {"/healthz": (1.0, _errors, health)}
        for name in PUBLIC_PAGES:
            rate, errors = wrk(base + urls[name], seconds)
            shares[name] = (rate / health, errors, rate)
        return shares
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def admin_connection(database_url, dbname="postgres"):
    """An autocommit connection to the server's `dbname` database, and the bench's name."""
    import psycopg2

    parts = urllib.parse.urlsplit(database_url)
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or ""),
        password=urllib.parse.unquote(parts.password or "") or None,
        dbname=dbname,
    )
    connection.autocommit = True
    return connection, parts.path.lstrip("/")


def analyse(database_url):
    """VACUUM ANALYZE after the bulk load, as autovacuum would do soon after it."""
    connection, name = admin_connection(database_url)
    connection.close()
    connection, _name = admin_connection(database_url, dbname=name)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


def print_table(pilot, volume, shares_pilot, shares_volume, options):
    scale = f"{options.wijken} × {options.projects} × {options.updates}"
    print()
    print(f"Throughput as a share of /healthz (wrk {options.seconds} s, 2 threads, 10 connections;")
    print("gunicorn 2 workers, DEBUG off, PostgreSQL). Target: every HTML page ≥ 0.5.")
    print()
    print(f"| page | pilot | at {scale} | target |")
    print("|---|---|---|---|")
    for name in ["/healthz", *PUBLIC_PAGES]:
        cells = []
        for shares in (shares_pilot, shares_volume):
            share, errors, rate = shares[name]
            cell = f"{share:.3f} ({rate:.0f}/s)"
            if errors:
                cell += f", {errors} non-2xx"
            cells.append(cell)
        target = "" if name == "/healthz" or name.endswith("PDF") else f"≥ {TARGET_SHARE}"
        print(f"| {name} | {cells[0]} | {cells[1]} | {target} |")
    print()
    print(f"Queries and median time, in-process, pilot against {scale}: the page rendered")
    print("(public page cache emptied before each request); the last column is a cache hit at")
    print("volume. Targets: queries equal; time at volume ≤ 1.3× the pilot.")
    print()
    print(
        "| page | queries pilot | queries volume | ms pilot | ms volume | ratio | met "
        "| ms hit (volume) | KB pilot | KB volume | ratio per KB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in PUBLIC_PAGES + ADMIN_PAGES:
        a, b = pilot["pages"][name], volume["pages"][name]
        ratio = b["ms"] / a["ms"]
        met = a["queries"] == b["queries"] and ratio <= TARGET_TIME_RATIO
        hit = "–" if name in ADMIN_PAGES else f"{b['hit_ms']:.1f}"
        # What the page shows grows with paging's bounds (24 wijk cards instead of the
        # pilot's five): the time per KB of the answer tells growth with the database apart.
        kb_a, kb_b = (a["bytes"] or 0) / 1024, (b["bytes"] or 0) / 1024
        per_kb = f"{ratio / (kb_b / kb_a):.2f}×" if kb_a and kb_b else "–"
        print(
            f"| {name} | {a['queries']} | {b['queries']} | {a['ms']:.1f} | {b['ms']:.1f} | "
            f"{ratio:.2f}× | {'yes' if met else 'no'} | {hit} | {kb_a:.0f} | {kb_b:.0f} | "
            f"{per_kb} |"
        )
    print()
    print(
        "The admin lists per row they show (a pilot list may hold fewer rows than a page of 100):"
    )
    print()
    print("| admin list | rows pilot | rows volume | ms a row, pilot | ms a row, volume | ratio |")
    print("|---|---|---|---|---|---|")
    for name in ADMIN_PAGES:
        a, b = pilot["pages"][name], volume["pages"][name]
        per_a, per_b = a["ms"] / max(a["rows"], 1), b["ms"] / max(b["rows"], 1)
        print(
            f"| {name} | {a['rows']} | {b['rows']} | {per_a:.2f} | {per_b:.2f} | "
            f"{per_b / per_a:.2f}× |"
        )
    figures = pilot["pdf"]
    render_ratio = figures["render_ms"] / figures["weasyprint_ms"]
    download_ratio = figures["download_ms"] / figures["render_ms"]
    print()
    print(f"PDF of the contract of {figures['contract']}, in-process:")
    print()
    print("| measure | ms | ratio | target |")
    print("|---|---|---|---|")
    print(
        f"| render (HTML + tagged PDF/UA) against WeasyPrint alone on the same HTML | "
        f"{figures['render_ms']:.0f} vs {figures['weasyprint_ms']:.0f} | {render_ratio:.2f}× | "
        f"≤ {TARGET_RENDER_RATIO}× |"
    )
    print(
        f"| archived download ({figures['download_source']}) against a render | "
        f"{figures['download_ms']:.1f} vs {figures['render_ms']:.0f} | {download_ratio:.4f}× | |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wijkaanpak_bench"
        ),
        help="A PostgreSQL database that does not exist yet: created, used and dropped.",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8731")))
    parser.add_argument("--seconds", type=int, default=5, help="wrk's run per page.")
    parser.add_argument("--repeat", type=int, default=5, help="Requests per median.")
    parser.add_argument("--wijken", type=int, default=500)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--inprocess", choices=["pilot", "volume"], help=argparse.SUPPRESS)
    parser.add_argument("--with-pdf", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.inprocess:
        inprocess(options.inprocess, options.repeat, options.with_pdf)
        return
    from psycopg2 import sql

    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: make system-packages (or apt-get install wrk)")

    started = time.monotonic()
    connection, name = admin_connection(options.database_url)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    scratch = Path(tempfile.mkdtemp(prefix="wijkaanpak-bench-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL=options.database_url,
        MEDIA_ROOT=str(scratch / "media"),
        STATIC_ROOT=str(scratch / "static"),
        EMAIL_URL="console://",
        ALLOWED_HOSTS=HOST,
        SITE_URL="https://wijkaanpak.example",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        RATELIMIT_PDF_RENDERS="1000000/m",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    try:
        print("Setting up: migrate, collectstatic, load_pilot_data …", flush=True)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        manage(env, "load_pilot_data", "-v0")
        print("Pilot: in-process pages and PDF …", flush=True)
        pilot = child(env, "pilot", options.repeat, with_pdf=True)
        print("Pilot: throughput with wrk …", flush=True)
        shares_pilot = throughput(env, pilot["urls"], options.port, options.seconds)
        print(
            f"Volume: seed_volume --wijken {options.wijken} --projects {options.projects} "
            f"--updates {options.updates} …",
            flush=True,
        )
        run(
            [
                PYTHON,
                "manage.py",
                "seed_volume",
                f"--wijken={options.wijken}",
                f"--projects={options.projects}",
                f"--updates={options.updates}",
            ],
            env,
        )
        analyse(options.database_url)
        print("Volume: in-process pages …", flush=True)
        volume = child(env, "volume", options.repeat, with_pdf=False)
        print("Volume: throughput with wrk …", flush=True)
        shares_volume = throughput(env, volume["urls"], options.port, options.seconds)
        print_table(pilot, volume, shares_pilot, shares_volume, options)
        print(f"\nThe whole run took {time.monotonic() - started:.0f} s.")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        connection.close()


if __name__ == "__main__":
    main()
