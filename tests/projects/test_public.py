"""The public side of projects: the wijk page, the project page, attachments, round reviews.

Every view for the anonymous visitor, another user, a team member and staff. Tests look for
stable markers (data attributes, URLs), never for Dutch sentences.
"""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from contracts.choices import ContractStatus
from projects import services
from projects.choices import ProjectStatus, Visibility
from projects.models import ProgressUpdate, ProjectReport, ReportingRound
from tests.conftest import count_queries
from tests.factories import (
    HOSTILE,
    PNG,
    PartnerFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ResidentWishFactory,
    TeamMembershipFactory,
    UserFactory,
    blank_pdf,
    complete_contract,
    group_member,
    move_to,
    project_in_signed_contract,
)
from wijkaanpak.common.groups import EDITORS

pytestmark = pytest.mark.django_db

PDF = blank_pdf()
CONCEPT = 'data-notice="concept"'
ILLUSTRATIVE = 'data-notice="illustrative"'


# --- Building data ------------------------------------------------------------------------------


def staff_user():
    """An editor: who may view projects and their updates, hidden ones too."""
    return group_member(EDITORS, username="medewerker", is_staff=True)


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def log(project, *, happened, day=1, month=3, visibility=Visibility.PUBLIC, **overrides):
    """A progress update through the service (staff may post on any project)."""
    values = {
        "date": datetime.date(2008, month, day),
        "status": ProjectStatus.ON_SCHEDULE,
        "percent_complete": 40,
        "happened": happened,
        "next_steps": f"Volgende stap na: {happened}",
        "visibility": visibility,
    }
    values.update(overrides)
    return services.log_update(project, author=staff_user(), **values)


def hide(update):
    return services.hide_update(update, user=staff_user(), reason="Persoonsgegevens op de foto")


def signed_contract_with_projects(count, *, updates=True):
    """A signed contract with `count` projects, each answering two wishes, with a participating
    partner (with an amount) and, if `updates`, a public, an internal and a hidden update."""
    contract = complete_contract()
    wishes = ResidentWishFactory.create_batch(count, contract=contract)
    projects = []
    for index in range(count):
        project = ProjectFactory(contract=contract, number=index + 1)
        project.wishes.add(wishes[index], wishes[(index + 1) % count])
        ProjectPartnerFactory(project=project, amount=Decimal("12500.00"))
        projects.append(project)
    sign(contract)
    if updates:
        for project in projects:
            log(project, happened=f"Openbaar {project.pk}", day=1)
            log(project, happened=f"Intern {project.pk}", day=2, visibility=Visibility.INTERNAL)
            hide(log(project, happened=f"Verborgen {project.pk}", day=3))
    contract.refresh_from_db()
    return contract, projects


def sign(contract):
    move_to(contract, ContractStatus.SIGNED)


def past_round(*contracts, title="Tussenevaluatie oktober 2008", due=datetime.date(2008, 10, 31)):
    """A round whose due date has passed (open_round only opens rounds due in the future)."""
    round_ = ReportingRound.objects.create(title=title, due_date=due, opened_at=timezone.now())
    round_.contracts.set(contracts)
    return round_


def report(round_, project, **overrides):
    values = {
        "achieved": f"Bereikt in {project.title}",
        "deviations": f"Afwijking in {project.title}",
        "next_steps": f"Vervolg van {project.title}",
        "status": ProjectStatus.ON_SCHEDULE,
        "percent_complete": 50,
    }
    values.update(overrides)
    return services.submit_report(round_, project, user=values.pop("user", staff_user()), **values)


def wijk_url(contract):
    return reverse("neighbourhood_detail", kwargs={"slug": contract.neighbourhood.slug})


def review_url(neighbourhood, round_, pdf=False):
    name = "projects:round_review_pdf" if pdf else "projects:round_review"
    return reverse(name, kwargs={"slug": neighbourhood.slug, "round_pk": round_.pk})


def html(response):
    return response.content.decode()


# --- The wijk page ------------------------------------------------------------------------------


def test_the_wijk_page_lists_each_project_with_its_progress(client):
    contract, projects = signed_contract_with_projects(2)

    content = html(client.get(wijk_url(contract)))

    assert 'data-region="projects"' in content
    assert 'data-placeholder="projects"' not in content
    for project in projects:
        project.refresh_from_db()
        assert f'data-project="{project.pk}"' in content
        assert f'href="{project.get_absolute_url()}"' in content
        assert project.title in content
        assert f'data-project-status="{project.status}"' in content
        assert (
            f'<progress class="project-progress__bar" max="100" value="{project.percent_complete}"'
            in content
        )
        assert f"{project.percent_complete}%" in content
        assert project.lead_partner.name in content
        for wish in project.wishes.all():
            assert f'href="#wens-{wish.pk}" data-wish-link="{wish.pk}"' in content


def test_the_wijk_page_shows_only_the_latest_public_update(client):
    contract, (project,) = signed_contract_with_projects(1, updates=False)
    older = log(project, happened="Oudere openbare stap", day=1)
    latest = log(project, happened="Nieuwste openbare stap", day=5)
    log(project, happened="Interne notitie", day=9, visibility=Visibility.INTERNAL)
    hide(log(project, happened="Verborgen notitie", day=12))

    for visitor in (client, client_for(staff_user())):
        content = html(visitor.get(wijk_url(contract)))
        assert f'data-latest-update="{latest.pk}"' in content
        assert "Nieuwste openbare stap" in content
        assert older.happened not in content
        assert "Interne notitie" not in content
        assert "Verborgen notitie" not in content


def test_a_project_without_public_updates_says_so(client):
    contract, (project,) = signed_contract_with_projects(1, updates=False)
    log(project, happened="Alleen intern", visibility=Visibility.INTERNAL)

    content = html(client.get(wijk_url(contract)))

    assert 'data-latest-update="none"' in content
    assert "Alleen intern" not in content


def test_each_wish_links_to_the_projects_that_answer_it(client):
    contract, (first, second) = signed_contract_with_projects(2, updates=False)
    # Built before signing: a wish that no project answers.
    lonely = contract.wishes.exclude(projects__isnull=False).first()
    assert lonely is not None

    content = html(client.get(wijk_url(contract)))

    for project in (first, second):
        for wish in project.wishes.all():
            block = content.split(f'data-wish-projects="{wish.pk}"', 1)[1].split("</div>", 1)[0]
            assert f'href="{project.get_absolute_url()}"' in block
    lonely_item = content.split(f'id="wens-{lonely.pk}"', 1)[1].split("</li>", 1)[0]
    # Signed, so it was marked as not taken up: residents read why instead of "none yet".
    assert lonely.not_taken_up_reason in lonely_item
    assert 'data-wish-projects="none"' not in lonely_item


def test_the_wijk_page_links_to_round_reviews_once_reports_exist(client):
    contract, (project, _other) = signed_contract_with_projects(2, updates=False)
    round_ = past_round(contract)
    url = review_url(contract.neighbourhood, round_)

    assert url not in html(client.get(wijk_url(contract)))

    report(round_, project)
    content = html(client.get(wijk_url(contract)))
    assert f'href="{url}"' in content
    assert f'href="{review_url(contract.neighbourhood, round_, pdf=True)}"' in content
    assert escape(round_.title) in content


def test_residents_never_see_projects_of_a_draft_but_staff_preview_them(client, other_user):
    draft = complete_contract()
    project = ProjectFactory(contract=draft, title="Conceptproject")

    for visitor in (client, client_for(other_user)):
        assert "Conceptproject" not in html(visitor.get(wijk_url(draft)))
    staff_view = html(client_for(staff_user()).get(wijk_url(draft)))
    assert f'data-project="{project.pk}"' in staff_view
    assert CONCEPT in staff_view


def test_an_illustrative_project_brings_the_notice(client):
    contract, _projects = signed_contract_with_projects(1, updates=False)
    assert ILLUSTRATIVE not in html(client.get(wijk_url(contract)))

    contract, _projects = signed_contract_with_projects(1, updates=False)
    project = contract.projects.get()
    project.is_illustrative = True
    project.save(update_fields=["is_illustrative"])
    assert ILLUSTRATIVE in html(client.get(wijk_url(contract)))


def test_hostile_text_in_an_update_is_escaped_on_the_wijk_page(client):
    contract, (project,) = signed_contract_with_projects(1, updates=False)
    log(project, happened=HOSTILE)

    content = html(client.get(wijk_url(contract)))

    assert "<script>alert(1)</script>" not in content
    assert "evil.example" not in content.replace(escape("http://evil.example"), "")
    assert escape("<script>alert(1)</script>") in content


def _wijk_page_queries(client, count):
    contract, projects = signed_contract_with_projects(count)
    round_ = past_round(contract)
    for project in projects:
        report(round_, project)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(wijk_url(contract))
    assert response.status_code == 200
    assert html(response).count('class="project-item"') == count
    return len(queries)


def test_the_wijk_page_takes_a_fixed_number_of_queries(client):
    assert _wijk_page_queries(client, 2) == _wijk_page_queries(client, 10)


# --- The project page ---------------------------------------------------------------------------


def test_the_project_page_shows_everything_residents_need(client):
    contract = complete_contract()
    project = ProjectFactory(contract=contract, title="Pleinen en tuinen")
    project.wishes.add(*contract.wishes.all())
    partner = PartnerFactory(name="Woningcorporatie Ymere")
    ProjectPartnerFactory(
        project=project, partner=partner, contribution="Herinrichting", amount=Decimal("12500")
    )
    ProjectPartnerFactory(project=project, contribution="40 uur wijkagent", amount=None)
    sign(contract)
    log(project, happened="Eerste ontwerp besproken", percent_complete=35)
    project.refresh_from_db()

    response = client.get(project.get_absolute_url())
    content = html(response)

    assert response.status_code == 200
    assert "projects/project_detail.html" in [t.name for t in response.templates]
    assert content.count("<h1") == 1
    assert project.title in content
    assert f'href="{contract.neighbourhood.get_absolute_url()}"' in content
    assert f'href="{contract.get_absolute_url()}"' in content
    assert f'data-project-status="{ProjectStatus.ON_SCHEDULE}"' in content
    assert 'max="100" value="35"' in content
    assert "35%" in content
    assert "2007-11-01" in content
    assert "2009-06-30" in content
    assert escape(project.summary) in content
    assert escape(project.description) in content
    assert escape(project.expected_result) in content
    assert f'data-lead-partner="{project.lead_partner_id}"' in content
    assert partner.name in content
    assert "Herinrichting" in content
    assert "€ 12.500,00" in content
    assert "40 uur wijkagent" in content
    for wish in project.wishes.all():
        assert f'href="{contract.neighbourhood.get_absolute_url()}#wens-{wish.pk}"' in content
    assert "Eerste ontwerp besproken" in content
    # Breadcrumbs: Home › Wijken › <wijk> › <project>.
    breadcrumb = content.split('class="breadcrumb"', 1)[1].split("</ol>", 1)[0]
    assert reverse("contracts:neighbourhood_list") in breadcrumb
    assert contract.neighbourhood.get_absolute_url() in breadcrumb
    assert 'aria-current="page"' in breadcrumb


def test_the_timeline_holds_only_public_updates_newest_first(client):
    project = project_in_signed_contract()
    first = log(project, happened="Eerste openbare stap", day=1)
    second = log(project, happened="Tweede openbare stap", day=20)
    log(project, happened="Interne afspraak", day=10, visibility=Visibility.INTERNAL)
    hide(log(project, happened="Verborgen stap", day=15))

    for visitor in (client, client_for(staff_user())):
        content = html(visitor.get(project.get_absolute_url()))
        assert content.index(f'data-update="{second.pk}"') < content.index(
            f'data-update="{first.pk}"'
        )
        assert "Interne afspraak" not in content
        assert "Verborgen stap" not in content
        assert content.count('class="project-update"') == 2


def test_a_project_of_a_draft_is_a_404_for_residents_and_a_concept_for_staff(client, other_user):
    project = ProjectFactory(contract=complete_contract())

    for visitor in (client, client_for(other_user)):
        assert visitor.get(project.get_absolute_url()).status_code == 404
    member = TeamMembershipFactory(project=project).user
    assert client_for(member).get(project.get_absolute_url()).status_code == 404

    response = client_for(staff_user()).get(project.get_absolute_url())
    assert response.status_code == 200
    assert CONCEPT in html(response)


def test_an_unknown_project_is_a_404(client):
    response = client.get(reverse("projects:project_detail", kwargs={"pk": 987654}))
    assert response.status_code == 404
    assert 'data-error="404"' in html(response)


def test_the_project_page_marks_illustrative_content(client):
    project = project_in_signed_contract()
    assert ILLUSTRATIVE not in html(client.get(project.get_absolute_url()))

    illustrative = project_in_signed_contract(is_illustrative=True)
    assert ILLUSTRATIVE in html(client.get(illustrative.get_absolute_url()))


def test_a_photo_has_alt_text_and_goes_through_the_attachment_view(client):
    project = project_in_signed_contract()
    update = log(project, happened="Foto van het plein", attachment=_png())
    url = reverse("projects:update_attachment", kwargs={"pk": project.pk, "update_pk": update.pk})

    content = html(client.get(project.get_absolute_url()))

    assert f'src="{url}"' in content
    image = content.split(f'src="{url}"', 1)[1].split(">", 1)[0]
    assert 'alt="' in image
    assert "1 maart 2008" in image or "1 March 2008" in image
    assert update.attachment.url not in content


def test_hostile_text_in_an_update_is_escaped_on_the_project_page(client):
    project = project_in_signed_contract()
    log(project, happened=HOSTILE, next_steps=HOSTILE)

    content = html(client.get(project.get_absolute_url()))

    assert "<script>alert(1)</script>" not in content
    assert "<img src=http://evil.example" not in content
    assert escape("<script>alert(1)</script>") in content


def _project_page_queries(client, count):
    contract = complete_contract()
    project = ProjectFactory(contract=contract)
    project.wishes.add(*contract.wishes.all())
    for index in range(count):
        ProjectPartnerFactory(project=project, amount=Decimal(index))
    sign(contract)
    for index in range(count):
        log(project, happened=f"Openbaar {index}", day=index + 1, attachment=_png())
        log(project, happened=f"Intern {index}", day=index + 1, visibility=Visibility.INTERNAL)
    return count_queries(client, project.get_absolute_url())


def test_the_project_page_takes_a_fixed_number_of_queries(client):
    assert _project_page_queries(client, 2) == _project_page_queries(client, 10)


# --- The contract text: chapter 2 -----------------------------------------------------------


def test_the_contract_text_describes_each_project_in_chapter_2(client):
    contract, projects = signed_contract_with_projects(3, updates=False)

    content = html(
        client.get(
            reverse("contracts:contract_detail", kwargs={"slug": contract.neighbourhood.slug})
        )
    )

    assert 'data-chapter="2"' in content
    for index, project in enumerate(projects, start=1):
        assert f'data-section="2.{index}" data-project="{project.pk}"' in content
        assert project.title in content
        assert escape(project.description) in content
        assert project.lead_partner.name in content
        assert f'href="#hoofdstuk-2-{index}"' in content
    assert "€ 12.500,00" in content


def test_a_contract_without_projects_has_no_chapter_2(client):
    contract = complete_contract()
    sign(contract)

    content = html(
        client.get(
            reverse("contracts:contract_detail", kwargs={"slug": contract.neighbourhood.slug})
        )
    )

    assert 'data-chapter="2"' not in content


def _contract_page_queries(client, count):
    contract, _projects = signed_contract_with_projects(count, updates=False)
    url = reverse("contracts:contract_detail", kwargs={"slug": contract.neighbourhood.slug})
    return count_queries(client, url)


def test_the_contract_page_takes_a_fixed_number_of_queries_with_projects(client):
    assert _contract_page_queries(client, 2) == _contract_page_queries(client, 10)


# --- Attachments --------------------------------------------------------------------------------


def _png():
    return SimpleUploadedFile("plein.png", PNG, content_type="image/png")


def _pdf():
    return SimpleUploadedFile("verslag.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def attachments():
    """A signed project with a public, an internal and a hidden update, each with a photo,
    and the users who may or may not see them."""
    project = project_in_signed_contract()
    public = log(project, happened="Openbaar", day=1, attachment=_png())
    internal = log(
        project, happened="Intern", day=2, visibility=Visibility.INTERNAL, attachment=_png()
    )
    hidden = hide(log(project, happened="Verborgen", day=3, attachment=_png()))
    return {
        "project": project,
        "updates": {"public": public, "internal": internal, "hidden": hidden},
        "users": {
            "anonymous": None,
            "member": TeamMembershipFactory(project=project).user,
            "other": UserFactory(username="buitenstaander"),
            "staff": staff_user(),
        },
    }


def attachment_url(update):
    return reverse(
        "projects:update_attachment", kwargs={"pk": update.project_id, "update_pk": update.pk}
    )


PERSONAS = ["anonymous", "member", "other", "staff"]
# Who may fetch the attachment of each kind of update; the others get a 404.
ALLOWED = {"public": set(PERSONAS), "internal": {"member", "staff"}, "hidden": {"staff"}}


@pytest.mark.parametrize(("kind", "who"), sorted(itertools.product(ALLOWED, PERSONAS)))
def test_who_may_fetch_which_attachment(attachments, kind, who):
    update = attachments["updates"][kind]
    client = client_for(attachments["users"][who])

    response = client.get(attachment_url(update))

    if who in ALLOWED[kind]:
        assert response.status_code == 200
        assert response.getvalue() == PNG
    else:
        assert response.status_code == 404


def test_an_image_is_served_inline_with_its_stored_type(client, attachments):
    response = client.get(attachment_url(attachments["updates"]["public"]))

    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert ".png" in response["Content-Disposition"]


def test_an_internal_attachment_is_not_for_shared_caches(attachments):
    member = client_for(attachments["users"]["member"])

    response = member.get(attachment_url(attachments["updates"]["internal"]))

    assert "private" in response["Cache-Control"]


def test_a_pdf_is_served_as_a_download(client):
    project = project_in_signed_contract()
    update = log(project, happened="Verslag", attachment=_pdf())

    response = client.get(attachment_url(update))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_type_is_never_guessed_from_the_file_name(client):
    project = project_in_signed_contract()
    update = log(project, happened="Foto", attachment=_png())
    # A stored type we do not serve (e.g. from a bad import) is a 404, not a guess.
    ProgressUpdate.objects.filter(pk=update.pk).update(attachment_type="text/html")

    assert client.get(attachment_url(update)).status_code == 404


def test_an_attachment_under_the_wrong_project_or_without_a_file_is_a_404(client):
    project = project_in_signed_contract()
    other = project_in_signed_contract()
    update = log(project, happened="Foto", attachment=_png())
    without_file = log(project, happened="Zonder bijlage", day=2)

    wrong_project = reverse(
        "projects:update_attachment", kwargs={"pk": other.pk, "update_pk": update.pk}
    )
    assert client.get(wrong_project).status_code == 404
    assert client.get(attachment_url(without_file)).status_code == 404
    assert client.post(attachment_url(update)).status_code == 405


def test_a_public_attachment_of_a_draft_is_only_for_staff(client):
    project = ProjectFactory(contract=complete_contract())
    update = ProgressUpdate.objects.create(
        project=project,
        date=datetime.date(2008, 3, 1),
        status=ProjectStatus.ON_SCHEDULE,
        percent_complete=10,
        happened="Voorbereiding",
        attachment_type="image/png",
    )
    update.attachment.save("plein.png", _png(), save=False)
    ProgressUpdate.objects.filter(pk=update.pk).update(attachment=update.attachment.name)

    assert client.get(attachment_url(update)).status_code == 404
    assert client_for(staff_user()).get(attachment_url(update)).status_code == 200


# --- Round reviews ------------------------------------------------------------------------------


@pytest.fixture
def midterm():
    """A signed contract with three projects: one reported on time, one late, one missing;
    and a second wijk's contract in the same round."""
    contract, (on_time, late, missing) = signed_contract_with_projects(3)
    round_ = past_round(contract)
    team_member = TeamMembershipFactory(
        project=on_time, user=UserFactory(username="jan-de-vries", first_name="Jan")
    ).user
    on_time_report = report(round_, on_time, user=team_member, achieved=f"Op tijd {HOSTILE}")
    late_report = report(round_, late)
    # Reports are frozen for the application; the test backdates them in the table.
    ProjectReport.objects.filter(pk=on_time_report.pk).update(
        submitted_at=timezone.make_aware(datetime.datetime(2008, 10, 20, 12))
    )
    ProjectReport.objects.filter(pk=late_report.pk).update(
        submitted_at=timezone.make_aware(datetime.datetime(2008, 11, 15, 12))
    )
    other_contract, _ = signed_contract_with_projects(1, updates=False)
    round_.contracts.add(other_contract)
    return {
        "contract": contract,
        "round": round_,
        "on_time": on_time,
        "late": late,
        "missing": missing,
        "member": team_member,
        "other_contract": other_contract,
    }


@pytest.mark.parametrize("who", ["anonymous", "other", "staff"])
def test_the_round_review_shows_every_requested_project(midterm, other_user, who):
    users = {"anonymous": None, "other": other_user, "staff": staff_user()}
    neighbourhood = midterm["contract"].neighbourhood

    response = client_for(users[who]).get(review_url(neighbourhood, midterm["round"]))
    content = html(response)

    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert escape(midterm["round"].title) in content
    assert "2008-10-31" in content
    for key in ("on_time", "late", "missing"):
        project = midterm[key]
        assert f'data-project="{project.pk}"' in content
        assert project.title in content
    assert f'data-project="{midterm["on_time"].pk}" data-report="handed-in"' in content
    assert f'data-project="{midterm["missing"].pk}" data-report="late"' in content
    assert "Op tijd" in content
    assert escape(f"Afwijking in {midterm['late'].title}") in content
    assert escape(f"Vervolg van {midterm['late'].title}") in content
    assert 'data-report="handed-in-late"' in content
    assert (
        'data-report="handed-in-late"'
        not in content.split(f'data-project="{midterm["late"].pk}"')[0]
    )
    # Another wijk's project in the same round does not belong on this page.
    other_project = midterm["other_contract"].projects.get()
    assert f'data-project="{other_project.pk}"' not in content
    assert f'href="{review_url(neighbourhood, midterm["round"], pdf=True)}"' in content


def test_the_round_review_names_no_team_member(client, midterm):
    content = html(client.get(review_url(midterm["contract"].neighbourhood, midterm["round"])))

    assert midterm["member"].username not in content
    assert midterm["member"].email not in content


def test_the_round_review_shows_no_updates(client, midterm):
    content = html(client.get(review_url(midterm["contract"].neighbourhood, midterm["round"])))

    for project in (midterm["on_time"], midterm["late"], midterm["missing"]):
        assert f"Intern {project.pk}" not in content
        assert f"Verborgen {project.pk}" not in content


def test_hostile_text_in_a_report_is_escaped(client, midterm):
    content = html(client.get(review_url(midterm["contract"].neighbourhood, midterm["round"])))

    assert "<script>alert(1)</script>" not in content
    assert escape("<script>alert(1)</script>") in content


def test_before_the_due_date_a_missing_report_is_not_late(client):
    contract, (project,) = signed_contract_with_projects(1, updates=False)
    round_ = past_round(contract, due=timezone.localdate() + datetime.timedelta(days=7))

    content = html(client.get(review_url(contract.neighbourhood, round_)))

    assert f'data-project="{project.pk}" data-report="missing"' in content


def test_the_round_review_is_a_404_for_a_wijk_not_in_the_round(client, midterm):
    outsider, _ = signed_contract_with_projects(1, updates=False)

    for pdf in (False, True):
        url = review_url(outsider.neighbourhood, midterm["round"], pdf=pdf)
        assert client.get(url).status_code == 404
        assert client_for(staff_user()).get(url).status_code == 404


def test_the_round_review_is_a_404_for_an_unknown_round_or_wijk(client, midterm):
    neighbourhood = midterm["contract"].neighbourhood
    unknown_round = reverse(
        "projects:round_review", kwargs={"slug": neighbourhood.slug, "round_pk": 987654}
    )
    unknown_wijk = reverse(
        "projects:round_review", kwargs={"slug": "bestaat-niet", "round_pk": midterm["round"].pk}
    )

    assert client.get(unknown_round).status_code == 404
    assert client.get(unknown_wijk).status_code == 404


def test_the_round_review_of_a_draft_is_a_404(client):
    draft = complete_contract()
    ProjectFactory(contract=draft)
    round_ = past_round(draft)

    for visitor in (client, client_for(staff_user())):
        assert visitor.get(review_url(draft.neighbourhood, round_)).status_code == 404


def test_a_report_stays_on_the_review_after_the_project_is_cancelled(client):
    contract, (project,) = signed_contract_with_projects(1, updates=False)
    round_ = past_round(contract)
    report(round_, project)
    log(project, happened="Gestopt", day=20, status=ProjectStatus.CANCELLED, percent_complete=50)

    content = html(client.get(review_url(contract.neighbourhood, round_)))

    assert f'data-project="{project.pk}" data-report="handed-in"' in content


def _review_queries(client, count):
    contract, projects = signed_contract_with_projects(count, updates=False)
    round_ = past_round(contract)
    for project in projects[: count // 2]:
        report(round_, project)
    return count_queries(client, review_url(contract.neighbourhood, round_))


def test_the_round_review_takes_a_fixed_number_of_queries(client):
    assert _review_queries(client, 2) == _review_queries(client, 10)


# --- The timeline a page at a time ----------------------------------------------------------


def _many_updates(project, count, **fields):
    """`count` public updates, one a day from 1 January 2008 on (bulk: a read-only view)."""
    start = datetime.date(2008, 1, 1)
    return ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            project=project,
            date=start + datetime.timedelta(days=index),
            status=ProjectStatus.ON_SCHEDULE,
            percent_complete=40,
            happened=f"Stap {index:03}",
            visibility=fields.get("visibility", Visibility.PUBLIC),
        )
        for index in range(count)
    )


def test_the_timeline_shows_20_updates_a_page_newest_first(client):
    project = project_in_signed_contract()
    updates = _many_updates(project, 120)
    _many_updates(project, 5, visibility=Visibility.INTERNAL)

    first = html(client.get(project.get_absolute_url()))
    last = html(client.get(f"{project.get_absolute_url()}?page=6"))

    assert first.count("data-update=") == 20
    assert f'data-update="{updates[119].pk}"' in first
    assert f'data-update="{updates[99].pk}"' not in first
    assert 'data-timeline-count="120"' in first
    assert 'href="?page=2#tijdlijn"' in first
    assert 'aria-current="page" data-page-link="1"' in first
    assert last.count("data-update=") == 20
    assert f'data-update="{updates[0].pk}"' in last


@pytest.mark.parametrize("page", ["abc", "9999"])
def test_a_bad_timeline_page_shows_a_page_of_the_timeline(client, page):
    project = project_in_signed_contract()
    _many_updates(project, 30)

    response = client.get(f"{project.get_absolute_url()}?page={page}")

    assert response.status_code == 200
    assert html(response).count("data-update=") in (10, 20)


def test_a_short_timeline_has_no_page_links(client):
    project = project_in_signed_contract()
    _many_updates(project, 20)

    content = html(client.get(project.get_absolute_url()))

    assert content.count("data-update=") == 20
    assert 'class="pages"' not in content
    assert "data-timeline-count=" not in content


def test_the_project_page_takes_the_same_queries_for_a_short_or_long_timeline(client):
    short, long = project_in_signed_contract(), project_in_signed_contract()
    _many_updates(short, 2)
    _many_updates(long, 150)

    assert count_queries(client, short.get_absolute_url()) == count_queries(
        client, f"{long.get_absolute_url()}?page=3"
    )
