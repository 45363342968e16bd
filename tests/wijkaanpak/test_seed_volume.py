"""`manage.py seed_volume`: generated volume, labelled, refused where real data lives."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from contracts.choices import ContractStatus
from contracts.models import Contract, ContractParty, Neighbourhood, Partner, ResidentWish
from projects.choices import ProjectStatus, Visibility
from projects.models import ProgressUpdate, Project, ProjectPartner
from tests.factories import ContractFactory, NeighbourhoodFactory

pytestmark = pytest.mark.django_db


def seed(**options):
    out = StringIO()
    call_command("seed_volume", stdout=out, **options)
    return out.getvalue()


def test_makes_the_volume_asked_per_parent():
    seed(wijken=3, projects=4, updates=20)

    assert Neighbourhood.objects.count() == 3
    assert Contract.objects.filter(status=ContractStatus.SIGNED).count() == 3
    assert ContractParty.objects.count() == 3 * 4
    assert ResidentWish.objects.count() == 3 * 6
    assert Project.objects.count() == 3 * 4
    assert ProjectPartner.objects.count() == 3 * 4 * 2
    assert ProgressUpdate.objects.count() == 3 * 4 * 20
    for project in Project.objects.all():
        assert project.updates.count() == 20
        assert project.wishes.count() == 1
        parties = set(project.contract.parties.values_list("partner", flat=True))
        assert project.lead_partner_id in parties
        assert set(project.participants.values_list("partner", flat=True)) <= parties


def test_every_generated_record_says_so():
    seed(wijken=2, projects=2, updates=3)

    for model, field in [
        (Neighbourhood, "name"),
        (Neighbourhood, "district__name"),
        (Partner, "name"),
        (Contract, "title"),
        (Project, "title"),
    ]:
        names = model.objects.values_list(field, flat=True)
        assert names and all(name.startswith("Gegenereerd") for name in names), model
    assert not Contract.objects.filter(is_illustrative=False).exists()
    assert not Partner.objects.filter(is_illustrative=False).exists()


def test_updates_are_public_internal_and_hidden_and_the_project_shows_the_newest_shown():
    seed(wijken=1, projects=4, updates=40)

    updates = ProgressUpdate.objects.all()
    total = updates.count()
    public = updates.filter(visibility=Visibility.PUBLIC, hidden=False).count()
    internal = updates.filter(visibility=Visibility.INTERNAL).count()
    hidden = updates.filter(hidden=True)
    assert 0.6 < public / total < 0.85
    assert 0.15 <= internal / total <= 0.25
    assert 0 < hidden.count() / total <= 0.1
    assert not hidden.filter(hidden_reason="").exists()
    for project in Project.objects.all():
        newest = project.updates.filter(hidden=False).order_by("-date", "-pk").first()
        assert (project.status, project.percent_complete) == (
            newest.status,
            newest.percent_complete,
        )
    assert Project.objects.filter(status=ProjectStatus.DONE).exists()


def test_generated_pages_show_only_public_updates(client):
    seed(wijken=1, projects=2, updates=20)
    project = Project.objects.get(number=1)
    internal = project.updates.filter(visibility=Visibility.INTERNAL).first()
    hidden = project.updates.filter(hidden=True).first()

    response = client.get(reverse("projects:project_detail", args=[project.pk]))
    wijk = client.get(reverse("neighbourhood_detail", args=[project.contract.neighbourhood.slug]))

    assert response.status_code == wijk.status_code == 200
    page = response.content.decode()
    shown = project.updates.filter(visibility=Visibility.PUBLIC, hidden=False).first()
    assert shown.happened in page
    assert internal.happened not in page
    assert hidden.happened not in page


def test_refused_on_a_database_with_real_data():
    NeighbourhoodFactory(name="Schalkwijk", slug="schalkwijk")

    with pytest.raises(CommandError, match="Schalkwijk"):
        seed(wijken=2, projects=1, updates=1)

    assert not Neighbourhood.objects.filter(slug__startswith="gegenereerd").exists()
    assert not Partner.objects.exists()


def test_force_fills_a_database_with_real_data():
    NeighbourhoodFactory(name="Schalkwijk", slug="schalkwijk")

    seed(wijken=2, projects=1, updates=1, force=True)

    assert Neighbourhood.objects.filter(slug__startswith="gegenereerd-").count() == 2


def test_the_pilot_is_not_real_data_but_a_new_period_of_a_pilot_wijk_is():
    centrum = NeighbourhoodFactory(name="Centrum", slug="centrum")
    ContractFactory(neighbourhood=centrum)  # the pilot's period, 2 October 2007

    seed(wijken=1, projects=1, updates=1)

    ContractFactory(
        neighbourhood=centrum,
        period_start=datetime.date(2009, 10, 2),
        period_end=datetime.date(2011, 10, 2),
        title="Wijkcontract Centrum 2009",
    )
    with pytest.raises(CommandError, match="Centrum 2009"):
        seed(wijken=2, projects=1, updates=1)
    assert Neighbourhood.objects.filter(slug__startswith="gegenereerd-").count() == 1


def test_a_second_run_adds_only_the_missing_wijken():
    seed(wijken=2, projects=2, updates=5)
    first = set(ProgressUpdate.objects.values_list("pk", flat=True))

    seed(wijken=2, projects=2, updates=5)
    assert set(ProgressUpdate.objects.values_list("pk", flat=True)) == first

    seed(wijken=3, projects=2, updates=5)
    assert Neighbourhood.objects.count() == 3
    assert ProgressUpdate.objects.count() == 3 * 2 * 5


@pytest.mark.parametrize(
    "options",
    [
        {"wijken": 0, "projects": 1, "updates": 1},
        {"wijken": 1, "projects": 100, "updates": 1},
        {"wijken": 1, "projects": 1, "updates": -1},
        {"wijken": 1, "projects": 1, "updates": 1, "database": "elsewhere"},
    ],
)
def test_bad_options_are_refused_and_change_nothing(options):
    with pytest.raises(CommandError):
        seed(**options)
    assert not Neighbourhood.objects.exists()
