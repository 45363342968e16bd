"""A large table's whole admin list is counted from PostgreSQL's statistics, not row by row
(wijkaanpak/common/admin/counting.py, README Speed); everything else is counted exactly."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.choices import ProjectStatus
from projects.models import ProgressUpdate
from tests.conftest import require_postgres
from tests.wijkaanpak.test_admin_volume import add_volume
from wijkaanpak.common.admin import counting


def updates_url():
    return reverse("admin:projects_progressupdate_changelist")


def counts_of_the_table(queries):
    table = ProgressUpdate._meta.db_table
    return [q["sql"] for q in queries if "COUNT(" in q["sql"] and f'"{table}"' in q["sql"]]


@pytest.fixture
def analysed(db):
    """400 progress updates, the statistics up to date, and 'large' set at 100 rows."""
    add_volume(wijken=20, projects_per_wijk=4, updates_per_project=5)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ProgressUpdate._meta.db_table}")


def test_the_whole_list_of_a_large_table_is_estimated_not_counted(analysed, editor, monkeypatch):
    require_postgres()
    monkeypatch.setattr(counting, "ESTIMATE_FROM", 100)

    with CaptureQueriesContext(connection) as queries:
        response = editor.get(updates_url())

    assert response.status_code == 200
    changelist = response.context["cl"]
    assert changelist.paginator.estimated
    # ANALYZE of a table this small reads every row: the estimate is the number itself.
    assert changelist.result_count == ProgressUpdate.objects.count() == 400
    assert "ongeveer 400 voortgangsberichten" in response.content.decode()
    # The COUNT is only in the CASE branch PostgreSQL did not take: no plain count ran.
    assert not [sql for sql in counts_of_the_table(queries) if "reltuples" not in sql]
    # 400 rows, 100 to a page: the paginator links to page 4.
    assert "p=3" in response.content.decode()


def test_an_estimate_is_never_run_as_a_count(analysed, monkeypatch):
    """EXPLAIN ANALYZE of the paginator's query: the count's InitPlan is never executed."""
    require_postgres()
    monkeypatch.setattr(counting, "ESTIMATE_FROM", 100)
    paginator = counting.EstimatedCountPaginator(ProgressUpdate.objects.order_by("-pk"), 100)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 400
    sql = queries[-1]["sql"]

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "InitPlan" in plan or "SubPlan" in plan, plan
    assert "(never executed)" in plan, plan


def test_a_filtered_list_is_counted_exactly(analysed, editor, monkeypatch):
    require_postgres()
    monkeypatch.setattr(counting, "ESTIMATE_FROM", 100)
    ProgressUpdate.objects.filter(pk__in=ProgressUpdate.objects.order_by("pk")[:7]).update(
        status=ProjectStatus.DELAYED
    )

    with CaptureQueriesContext(connection) as queries:
        response = editor.get(updates_url(), {"status": ProjectStatus.DELAYED})

    changelist = response.context["cl"]
    assert not changelist.paginator.estimated
    assert changelist.result_count == 7
    assert "ongeveer" not in response.content.decode()
    assert all("WHERE" in sql for sql in counts_of_the_table(queries))


def test_a_search_is_counted_exactly(analysed, editor, monkeypatch):
    require_postgres()
    monkeypatch.setattr(counting, "ESTIMATE_FROM", 100)

    response = editor.get(updates_url(), {"q": "Project 3"})

    changelist = response.context["cl"]
    assert not changelist.paginator.estimated
    assert changelist.result_count == ProgressUpdate.objects.filter(project__number=3).count()


def test_a_small_table_is_counted_exactly_in_as_many_queries(analysed, editor, monkeypatch):
    """Below the threshold PostgreSQL counts inside the same one query: the page runs as many
    queries as when it estimates."""
    require_postgres()
    monkeypatch.setattr(counting, "ESTIMATE_FROM", 100)
    with CaptureQueriesContext(connection) as estimated:
        editor.get(updates_url())
    monkeypatch.setattr(counting, "ESTIMATE_FROM", 10_000)

    with CaptureQueriesContext(connection) as counted:
        response = editor.get(updates_url())

    assert not response.context["cl"].paginator.estimated
    assert response.context["cl"].result_count == 400
    assert "400 voortgangsberichten" in response.content.decode()
    assert "ongeveer" not in response.content.decode()
    assert len(counted) == len(estimated)


@pytest.mark.parametrize(
    "queryset, whole",
    [
        (lambda: ProgressUpdate.objects.all(), True),
        (lambda: ProgressUpdate.objects.select_related("project").order_by("-date"), True),
        (lambda: ProgressUpdate.objects.filter(status=ProjectStatus.DELAYED), False),
        (lambda: ProgressUpdate.objects.exclude(hidden=True), False),
        (lambda: ProgressUpdate.objects.distinct(), False),
        (lambda: ProgressUpdate.objects.all()[:10], False),
        (lambda: ProgressUpdate.objects.values("project").annotate(n=Count("pk")), False),
        (lambda: ProgressUpdate.objects.all().union(ProgressUpdate.objects.all()), False),
    ],
)
def test_only_a_whole_table_is_ever_estimated(queryset, whole):
    table = counting._whole_table(queryset())

    assert table == (ProgressUpdate._meta.db_table if whole else None)


def test_other_databases_count_as_django_does(analysed, monkeypatch):
    monkeypatch.setattr(counting, "ESTIMATE_FROM", 0)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    paginator = counting.EstimatedCountPaginator(ProgressUpdate.objects.all(), 100)

    with CaptureQueriesContext(connection) as queries:
        count = paginator.count

    assert count == 400
    assert not paginator.estimated
    assert "reltuples" not in queries[-1]["sql"]
