"""Benchmark of the pages that grow with a contract: `make bench`.

Builds, inside a transaction that is rolled back at the end, one wijk whose signed contract
has PROJECTS projects with UPDATES progress updates each and a team member in every team,
then requests the wijk page, the contract page, a project page, the team portal and the
midterm review PDF in-process, and prints the median time and the number of SQL queries of
each. Run with DEBUG=true against any database (`DATABASE_URL`); nothing is kept.

    python scripts/bench.py [--projects 40] [--updates 25] [--repeat 7]
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijkaanpak.settings")
os.environ.setdefault("DEBUG", "true")


class Rollback(Exception):
    pass


def build(projects, updates):
    from django.utils import timezone

    from projects.models import ProgressUpdate, ProjectReport, ReportingRound
    from projects.services import refresh_progress
    from tests.factories import (
        ProjectFactory,
        ResidentWishFactory,
        TeamMembershipFactory,
        UserFactory,
        complete_contract,
    )

    contract = complete_contract(title="Benchmarkcontract")
    wishes = ResidentWishFactory.create_batch(6, contract=contract)
    member = UserFactory(username="bench-team")
    built = []
    for number in range(1, projects + 1):
        project = ProjectFactory(contract=contract, number=1000 + number)
        project.wishes.add(wishes[number % len(wishes)])
        TeamMembershipFactory(project=project, user=member)
        built.append(project)
    from contracts import services as contract_services

    contract_services.change_status(contract, "ready_for_signing")
    contract_services.change_status(contract, "signed")
    start = datetime.date(2007, 11, 1)
    rows = [
        ProgressUpdate(
            project=project,
            author=member,
            date=start + datetime.timedelta(days=7 * index),
            status="on_schedule",
            percent_complete=min(99, index * 4),
            happened=f"Voortgang {index} van project {project.number}.",
            visibility="internal" if index % 5 == 0 else "public",
        )
        for project in built
        for index in range(updates)
    ]
    ProgressUpdate.objects.bulk_create(rows)
    for project in built:
        refresh_progress(project)
    round_ = ReportingRound.objects.create(
        title="Benchmarkronde", due_date=datetime.date(2008, 10, 31), opened_at=timezone.now()
    )
    round_.contracts.add(contract)
    ProjectReport.objects.bulk_create(
        ProjectReport(
            round=round_,
            project=project,
            achieved=f"Bereikt in project {project.number}.",
            status="on_schedule",
            percent_complete=50,
            submitted_at=timezone.now(),
        )
        for project in built[::2]
    )
    return contract, built[0], member, round_


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return statistics.median(timings) * 1000, len(queries), len(response.content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=40)
    parser.add_argument("--updates", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()

    import django

    django.setup()
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    try:
        with transaction.atomic():
            contract, project, member, round_ = build(options.projects, options.updates)
            slug = contract.neighbourhood.slug
            anonymous = Client(HTTP_HOST="localhost")
            team = Client(HTTP_HOST="localhost")
            team.force_login(member)
            pages = [
                ("wijk page", anonymous, reverse("neighbourhood_detail", args=[slug])),
                ("contract page", anonymous, reverse("contracts:contract_detail", args=[slug])),
                ("project page", anonymous, reverse("projects:project_detail", args=[project.pk])),
                ("team portal", team, reverse("projects:portal")),
                (
                    "review PDF",
                    anonymous,
                    reverse("projects:round_review_pdf", args=[slug, round_.pk]),
                ),
            ]
            print(
                f"{options.projects} projects x {options.updates} updates, "
                f"median of {options.repeat} requests"
            )
            print(f"{'page':<15}{'median ms':>11}{'queries':>9}{'bytes':>10}")
            for name, client, url in pages:
                milliseconds, queries, size = measure(client, url, options.repeat)
                print(f"{name:<15}{milliseconds:>11.1f}{queries:>9}{size:>10}")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
