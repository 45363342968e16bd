"""The admin's big lists stay fast at volume (README, Speed): their queries do not grow with
the data, they count the list once (never the whole table a second time), their sidebars name
no wijk one by one, and on PostgreSQL the default ordering is read from an index."""

import datetime
import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import Contract, Neighbourhood
from projects.choices import ProjectStatus, Visibility
from projects.models import ProgressUpdate, Project
from tests.conftest import count_queries, require_postgres
from tests.factories import DistrictFactory, NeighbourhoodFactory, PartnerFactory

LISTS = {
    "progress updates": ("admin:projects_progressupdate_changelist", ProgressUpdate),
    "projects": ("admin:projects_project_changelist", Project),
    "contracts": ("admin:contracts_contract_changelist", Contract),
}

EMPTY_WIJK = "Wijk zonder contract"


def add_volume(wijken, projects_per_wijk, updates_per_project):
    """Bulk rows, as a generated volume has them: a contract per wijk, projects, updates."""
    district = DistrictFactory()
    partner = PartnerFactory()
    start = Neighbourhood.objects.count()
    hoods = Neighbourhood.objects.bulk_create(
        Neighbourhood(
            name=f"Volumewijk {start + i:04d}", slug=f"volume-{start + i}", district=district
        )
        for i in range(wijken)
    )
    contracts = Contract.objects.bulk_create(
        Contract(
            neighbourhood=hood,
            title=f"Wijkcontract {hood.name}",
            period_start=datetime.date(2024, 1, 1),
            period_end=datetime.date(2027, 12, 31),
        )
        for hood in hoods
    )
    projects = Project.objects.bulk_create(
        Project(
            contract=contract,
            number=number,
            title=f"Project {number}",
            summary="Gegenereerd.",
            description="Gegenereerd.",
            lead_partner=partner,
            planned_start=datetime.date(2024, 3, 1),
            planned_end=datetime.date(2026, 3, 1),
        )
        for contract in contracts
        for number in range(1, projects_per_wijk + 1)
    )
    ProgressUpdate.objects.bulk_create(
        (
            ProgressUpdate(
                project=project,
                date=datetime.date(2024, 3, 1)
                + datetime.timedelta(days=(project.pk * 7 + n) % 700),
                status=ProjectStatus.ON_SCHEDULE,
                percent_complete=n % 101,
                happened="Gegenereerd.",
                visibility=Visibility.PUBLIC if n % 2 else Visibility.INTERNAL,
            )
            for project in projects
            for n in range(updates_per_project)
        ),
        batch_size=1000,
    )


@pytest.fixture
def pilot_size(db):
    NeighbourhoodFactory(name=EMPTY_WIJK)
    add_volume(wijken=3, projects_per_wijk=2, updates_per_project=3)


@pytest.mark.parametrize("name", LISTS)
def test_a_list_takes_as_many_queries_at_volume(pilot_size, editor, name):
    url = reverse(LISTS[name][0])
    small = count_queries(editor, url)

    add_volume(wijken=300, projects_per_wijk=10, updates_per_project=1)

    assert count_queries(editor, url) == small


@pytest.mark.parametrize("name", LISTS)
def test_a_list_counts_only_its_filtered_rows(pilot_size, editor, name):
    """show_full_result_count: a filtered list counts its own rows, never the whole table."""
    url_name, model = LISTS[name]
    table = model._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        assert (
            editor.get(reverse(url_name), {"status": ProjectStatus.ON_SCHEDULE}).status_code == 200
        )
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and f'"{table}"' in q["sql"]]

    assert counts
    assert all("WHERE" in sql for sql in counts), counts


@pytest.mark.parametrize("name", LISTS)
def test_no_sidebar_names_every_wijk(pilot_size, editor, name):
    """The wijk filter is one autocomplete field; a wijk with nothing in it is named nowhere."""
    page = editor.get(reverse(LISTS[name][0])).content.decode()

    assert EMPTY_WIJK not in page
    assert not re.search(r"neighbourhood(__id__exact)?=\d", page)
    assert 'class="admin-autocomplete' in page


def test_a_wijk_chosen_in_the_filter_filters_the_list(pilot_size, editor):
    hood = Neighbourhood.objects.get(name="Volumewijk 0002")
    url = reverse("admin:projects_progressupdate_changelist")

    response = editor.get(url, {"project__contract__neighbourhood": hood.pk})

    rows = response.context["cl"].result_list
    assert len(rows) == 6
    assert {row.project.contract.neighbourhood for row in rows} == {hood}
    # The chosen wijk is shown in the filter's field.
    assert f'<option value="{hood.pk}" selected>{hood.name}</option>' in response.content.decode()


@pytest.mark.parametrize("value", ["wijk", "1; DROP", "-1", "1.5"])
def test_a_bad_wijk_in_the_filter_gives_the_whole_list_with_a_notice(pilot_size, editor, value):
    url = reverse("admin:projects_project_changelist")

    response = editor.get(url, {"contract__neighbourhood": value}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("?e=1")


def test_the_progress_updates_have_a_date_filter_and_no_date_hierarchy(pilot_size, editor):
    """A date hierarchy runs a DISTINCT over the dates of the whole table on every page."""
    url = reverse("admin:projects_progressupdate_changelist")
    with CaptureQueriesContext(connection) as queries:
        page = editor.get(url).content.decode()

    assert not any("DISTINCT" in q["sql"] for q in queries)
    assert "date__gte=" in page


@pytest.mark.parametrize("name", LISTS)
def test_the_default_ordering_is_read_from_an_index(pilot_size, superuser, name):
    """PostgreSQL: the first page is read in order from indexes, never a Sort over a Seq Scan
    of the listed table."""
    require_postgres()
    add_volume(wijken=200, projects_per_wijk=10, updates_per_project=3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if name == "contracts":
            # A few hundred contracts fit in a few pages, which the planner rightly reads and
            # sorts whole (at 505 wijken it reads them in order, README); the question here is
            # whether indexes can give their order at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
    model = LISTS[name][1]
    request = RequestFactory().get("/")
    request.user = superuser
    changelist = admin.site._registry[model].get_changelist_instance(request)

    plan = changelist.queryset[: changelist.list_per_page].explain()

    assert f"Seq Scan on {model._meta.db_table}" not in plan, plan
    assert not re.search(r"(^|->  )Sort ", plan, re.M), plan
    assert "Index Scan" in plan, plan
