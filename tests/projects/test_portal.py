"""The project teams' portal: log in, my projects, the work page of a project, reports.

Every view for the anonymous visitor, a member of another team, the project's own team and
staff. Refusals are checked by their error codes and by what was (not) written, never by
Dutch sentences.
"""

import datetime
import shutil

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.choices import ProjectStatus, Visibility
from projects.models import ProgressUpdate, Project, ProjectReport, ReportingRound
from projects.validators import MAX_ATTACHMENT_BYTES
from tests.factories import (
    JPEG,
    PNG,
    ProjectFactory,
    TeamMembershipFactory,
    UserFactory,
    blank_pdf,
    group_member,
    progress_update,
    project_in_signed_contract,
    team_member,
)
from wijkaanpak.common.groups import EDITORS

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
HOSTILE = "<script>alert(1)</script>"
PDF = blank_pdf()


def html(response):
    return response.content.decode()


def login_url():
    return reverse("projects:login")


def portal_url():
    return reverse("projects:portal")


def work_url(project):
    return reverse("projects:portal_project", kwargs={"pk": project.pk})


def report_url(round_, project):
    return reverse("projects:portal_report", kwargs={"round_pk": round_.pk, "pk": project.pk})


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def error_codes(response, field="__all__"):
    form = response.context["form"]
    return [error.code for error in form.errors.as_data().get(field, [])]


def media_files():
    """The uploaded files (the archived originals of signed contracts live apart, in contracts/)."""
    root = settings.MEDIA_ROOT
    if not root.exists():
        return []
    archive = root / "contracts"
    return [path for path in root.rglob("*") if path.is_file() and not path.is_relative_to(archive)]


def make_round(*contracts, due_date=None, title="Tussenevaluatie oktober 2008"):
    """A reporting round made directly, so its due date may lie in the past (late)."""
    round_ = ReportingRound.objects.create(
        title=title,
        due_date=due_date or timezone.localdate() + datetime.timedelta(days=14),
        opened_at=timezone.now(),
    )
    round_.contracts.set(contracts)
    return round_


def update_data(**overrides):
    data = {
        "date": timezone.localdate().isoformat(),
        "status": ProjectStatus.ON_SCHEDULE,
        "percent_complete": "40",
        "happened": "De eerste bewonersavond is gehouden.",
        "next_steps": "Offertes opvragen.",
        "visibility": Visibility.PUBLIC,
    }
    data.update(overrides)
    return data


def report_data(**overrides):
    data = {
        "achieved": "Twee speelplekken opgeknapt.",
        "deviations": "De derde volgt later: de aannemer had vertraging.",
        "next_steps": "Derde speelplek in het voorjaar.",
        "status": ProjectStatus.ON_SCHEDULE,
        "percent_complete": "60",
    }
    data.update(overrides)
    return data


def on_schedule(project, author, percent_complete, happened, **kwargs):
    """An update that says `project` is on schedule, `percent_complete` done."""
    return progress_update(
        project,
        author,
        happened=happened,
        status=ProjectStatus.ON_SCHEDULE,
        percent_complete=percent_complete,
        **kwargs,
    )


@pytest.fixture
def project(db):
    return project_in_signed_contract(title="Speelplekken opknappen")


@pytest.fixture
def other_project(db):
    return project_in_signed_contract(title="Buurtconciërge")


@pytest.fixture
def member(project):
    return team_member(project, username="teamlid")


@pytest.fixture
def outsider(other_project):
    """A member of another project's team."""
    return team_member(other_project, username="ander")


@pytest.fixture
def staff_user(db):
    """An editor: sees every project in the portal, hidden updates too."""
    return group_member(EDITORS, username="medewerker", is_staff=True)


@pytest.fixture
def round_(project):
    return make_round(project.contract)


# --- Permissions: every view, every persona ----------------------------------------------------


def portal_pages(project, round_):
    return [portal_url(), work_url(project), report_url(round_, project)]


@pytest.mark.parametrize("page", [0, 1, 2])
def test_anonymous_visitors_are_sent_to_the_portal_login(client, project, round_, page):
    url = portal_pages(project, round_)[page]

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{login_url()}?next={url}"


@pytest.mark.parametrize("page", [1, 2])
def test_a_member_of_another_team_gets_a_404(outsider, project, round_, page):
    response = client_for(outsider).get(portal_pages(project, round_)[page])

    assert response.status_code == 404


@pytest.mark.parametrize("page", [0, 1, 2])
def test_the_projects_own_team_and_staff_reach_every_page(
    member, staff_user, project, round_, page
):
    url = portal_pages(project, round_)[page]
    for user in (member, staff_user):
        response = client_for(user).get(url)
        assert response.status_code == 200, user
        assert html(response).count("<h1") == 1


def test_anonymous_posts_write_nothing(client, project, round_):
    responses = [
        client.post(work_url(project), update_data()),
        client.post(report_url(round_, project), report_data()),
    ]

    assert [r.status_code for r in responses] == [302, 302]
    assert all(r["Location"].startswith(login_url()) for r in responses)
    assert ProgressUpdate.objects.count() == 0
    assert ProjectReport.objects.count() == 0


def test_posting_to_another_teams_project_is_refused_and_writes_nothing(outsider, project, round_):
    client = client_for(outsider)

    responses = [
        client.post(work_url(project), update_data()),
        client.post(report_url(round_, project), report_data()),
    ]

    assert [r.status_code for r in responses] == [404, 404]
    assert ProgressUpdate.objects.count() == 0
    assert ProjectReport.objects.count() == 0
    project.refresh_from_db()
    assert project.status == ProjectStatus.PLANNED


def test_a_logged_in_user_without_a_team_sees_no_projects(other_user, project):
    response = client_for(other_user).get(portal_url())

    assert response.status_code == 200
    assert 'data-notice="no-projects"' in html(response)
    assert f'data-project="{project.pk}"' not in html(response)


@pytest.mark.parametrize("persona", ["member", "staff_user"])
def test_the_team_and_staff_can_post_an_update(request, project, persona):
    user = request.getfixturevalue(persona)

    response = client_for(user).post(work_url(project), update_data())

    assert response.status_code == 302
    assert response["Location"] == work_url(project)
    update = ProgressUpdate.objects.get()
    assert update.author == user


@pytest.mark.parametrize("persona", ["member", "staff_user"])
def test_the_team_and_staff_can_hand_in_a_report(request, project, round_, persona):
    user = request.getfixturevalue(persona)

    response = client_for(user).post(report_url(round_, project), report_data())

    assert response.status_code == 302
    assert ProjectReport.objects.get().submitted_by == user


# --- Log in, log out, password reset ------------------------------------------------------------


def test_the_login_page_is_the_portals_own(client):
    response = client.get(login_url())

    assert response.status_code == 200
    assert response.templates[0].name == "projects/portal/login.html"
    assert 'data-form="login"' in html(response)
    assert reverse("projects:password_reset") in html(response)


def test_logging_in_leads_to_my_projects(client, member):
    response = client.post(login_url(), {"username": "teamlid", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == portal_url()
    assert client.get(portal_url()).status_code == 200


def test_logging_in_returns_to_the_page_asked_for(client, member, project):
    response = client.post(
        f"{login_url()}?next={work_url(project)}",
        {"username": "teamlid", "password": PASSWORD, "next": work_url(project)},
    )

    assert response["Location"] == work_url(project)


def test_a_wrong_password_is_refused_with_a_message(client, member):
    response = client.post(login_url(), {"username": "teamlid", "password": "wrong"})

    assert response.status_code == 200
    assert error_codes(response) == ["invalid_login"]
    assert "data-error-summary" in html(response)
    assert "_auth_user_id" not in client.session


def test_a_logged_in_user_skips_the_login_page(member):
    response = client_for(member).get(login_url())

    assert response.status_code == 302
    assert response["Location"] == portal_url()


def test_logging_out_takes_a_post(member):
    client = client_for(member)

    assert client.get(reverse("projects:logout")).status_code == 405
    response = client.post(reverse("projects:logout"))

    assert response.status_code == 302
    assert response["Location"] == login_url()
    assert client.get(portal_url()).status_code == 302


def test_a_password_reset_sends_a_link_that_sets_a_new_password(client, member, deliver_mail):
    response = client.post(reverse("projects:password_reset"), {"email": member.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("projects:password_reset_done")
    assert mail.outbox == []  # queued in the outbox, delivered by send_queued_mail
    outbox = deliver_mail()
    assert len(outbox) == 1
    message = outbox[0]
    assert message.to == [member.email]
    assert "\n" not in message.subject
    link = next(
        line.strip() for line in message.body.splitlines() if "/team/wachtwoord-herstellen/" in line
    )
    assert link.startswith(settings.SITE_URL)
    path = link.removeprefix(settings.SITE_URL)

    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"] is True
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_password_url,
        {"new_password1": "Nieuw-wachtwoord-2008", "new_password2": "Nieuw-wachtwoord-2008"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("projects:password_reset_complete")
    complete = client.get(response["Location"])
    assert login_url() in html(complete)
    member.refresh_from_db()
    assert member.check_password("Nieuw-wachtwoord-2008")


def test_a_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(
    client, deliver_mail
):
    response = client.post(reverse("projects:password_reset"), {"email": "niemand@example.org"})

    assert response.status_code == 302
    assert response["Location"] == reverse("projects:password_reset_done")
    assert deliver_mail() == []


def test_a_broken_reset_link_says_so(client):
    response = client.get(
        reverse("projects:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
    )

    assert response.status_code == 200
    assert 'data-notice="invalid-link"' in html(response)


# --- My projects --------------------------------------------------------------------------------


def test_my_projects_lists_only_the_users_own_projects(member, project, other_project):
    response = client_for(member).get(portal_url())

    content = html(response)
    assert f'data-project="{project.pk}"' in content
    assert f'data-project="{other_project.pk}"' not in content
    assert 'data-notice="sees-all"' not in content
    assert work_url(project) in content


def test_staff_see_every_project_and_are_told_so(staff_user, project, other_project):
    draft_project = ProjectFactory()

    content = html(client_for(staff_user).get(portal_url()))

    assert 'data-notice="sees-all"' in content
    for each in (project, other_project, draft_project):
        assert f'data-project="{each.pk}"' in content


def test_my_projects_shows_status_progress_and_the_latest_visible_update(
    member, staff_user, project
):
    on_schedule(
        project,
        member,
        30,
        "Eerste schouw met bewoners gehouden.",
        date=timezone.localdate() - datetime.timedelta(days=3),
    )
    hidden = on_schedule(project, member, 35, "Per abuis dubbel ingevoerd.")
    services.hide_update(hidden, user=staff_user, reason="Dubbel")

    content = html(client_for(member).get(portal_url()))

    assert 'data-project-status="on_schedule"' in content
    assert '<progress class="project-progress__bar" max="100" value="30"' in content
    assert "30%" in content
    assert "Eerste schouw met bewoners gehouden." in content
    assert "Per abuis dubbel ingevoerd." not in content


def test_my_projects_lists_open_report_requests_with_late_marks(member, project):
    contract = project.contract
    open_round = make_round(contract, title="Open ronde")
    late_round = make_round(
        contract, title="Te late ronde", due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    done_round = make_round(contract, title="Ingeleverde ronde")
    other_round = make_round(project_in_signed_contract().contract, title="Andere wijk")
    services.submit_report(
        done_round,
        project,
        user=member,
        achieved="Gedaan.",
        status=ProjectStatus.PLANNED,
        percent_complete=0,
    )

    content = html(client_for(member).get(portal_url()))

    assert f'data-report-request="{open_round.pk}">' in content
    assert f'data-report-request="{late_round.pk}" data-late>' in content
    assert f'data-report-request="{done_round.pk}"' not in content
    assert f'data-report-handed-in="{done_round.pk}"' in content
    assert f'data-report-request="{other_round.pk}"' not in content
    assert report_url(open_round, project) in content


def test_a_cancelled_project_is_not_asked_to_report(member, project, round_):
    progress_update(
        project, member, happened="Geschrapt.", status=ProjectStatus.CANCELLED, percent_complete=10
    )

    content = html(client_for(member).get(portal_url()))

    assert f'data-report-request="{round_.pk}"' not in content
    assert client_for(member).get(report_url(round_, project)).status_code == 404


def _team_with_projects(user, count, updates_per_project=3):
    projects = []
    for number in range(count):
        project = project_in_signed_contract(title=f"Project {number}")
        TeamMembershipFactory(project=project, user=user)
        for day in range(updates_per_project):
            on_schedule(
                project,
                user,
                10 + day,
                f"Update {day}",
                date=timezone.localdate() - datetime.timedelta(days=day),
            )
        projects.append(project)
    make_round(*[p.contract for p in projects])
    make_round(projects[0].contract, due_date=timezone.localdate() - datetime.timedelta(days=2))
    return projects


def test_my_projects_takes_the_same_number_of_queries_for_2_or_10_projects(
    django_assert_max_num_queries,
):
    few, many = UserFactory(username="weinig"), UserFactory(username="veel")
    _team_with_projects(few, 2)
    _team_with_projects(many, 10, updates_per_project=5)
    few_client, many_client = client_for(few), client_for(many)
    few_client.get(portal_url())  # warm up: session, content types

    with CaptureQueriesContext(connection) as few_queries:
        assert few_client.get(portal_url()).status_code == 200
    with django_assert_max_num_queries(len(few_queries)):
        response = many_client.get(portal_url())
    assert html(response).count("data-project=") == 10


# --- The work page: timeline and a new update --------------------------------------------------


def test_the_work_page_shows_the_project_and_a_form_with_only_allowed_statuses(member, project):
    response = client_for(member).get(work_url(project))

    content = html(response)
    assert project.title in content
    assert project.lead_partner.name in content
    assert 'data-form="progress-update"' in content
    form = response.context["form"]
    offered = [value for value, _label in form.fields["status"].widget.choices]
    assert offered == [
        ProjectStatus.PLANNED,
        ProjectStatus.ON_SCHEDULE,
        ProjectStatus.DELAYED,
        ProjectStatus.DONE,
        ProjectStatus.CANCELLED,
    ]
    assert form["date"].value() == timezone.localdate()
    assert form["status"].value() == ProjectStatus.PLANNED
    # Every field has a label; the form is multipart for the upload.
    for field in form:
        assert f'for="{field.id_for_label}"' in content or field.field.widget.use_fieldset
    assert 'enctype="multipart/form-data"' in content


def test_logging_an_update_writes_it_and_moves_the_project(member, project):
    client = client_for(member)

    response = client.post(work_url(project), update_data(), follow=True)

    update = ProgressUpdate.objects.get()
    assert (update.status, update.percent_complete) == (ProjectStatus.ON_SCHEDULE, 40)
    assert update.happened == "De eerste bewonersavond is gehouden."
    assert update.visibility == Visibility.PUBLIC
    project.refresh_from_db()
    assert (project.status, project.percent_complete) == (ProjectStatus.ON_SCHEDULE, 40)
    assert response.redirect_chain == [(work_url(project), 302)]
    assert 'data-message="success"' in html(response)
    assert f'data-update="{update.pk}"' in html(response)
    offered = [v for v, _l in response.context["form"].fields["status"].widget.choices]
    assert ProjectStatus.PLANNED not in offered


def test_the_timeline_shows_internal_updates_marked_and_hidden_ones_to_staff_only(
    member, staff_user, project
):
    internal = on_schedule(
        project, member, 20, "Intern overleg met de corporatie.", visibility=Visibility.INTERNAL
    )
    hidden = on_schedule(project, member, 25, "Bevat een telefoonnummer.")
    services.hide_update(hidden, user=staff_user, reason="Persoonsgegevens")

    for_member = html(client_for(member).get(work_url(project)))
    for_staff = html(client_for(staff_user).get(work_url(project)))

    assert f'data-update="{internal.pk}" data-visibility="internal"' in for_member
    assert "Intern overleg met de corporatie." in for_member
    assert "Bevat een telefoonnummer." not in for_member
    assert f'data-update="{hidden.pk}"' not in for_member
    assert f'data-update="{hidden.pk}" data-visibility="public" data-hidden' in for_staff
    assert "Persoonsgegevens" in for_staff


def test_an_attachment_of_the_timeline_is_linked(member, project):
    update = on_schedule(
        project,
        member,
        20,
        "Foto van de opening.",
        attachment=SimpleUploadedFile("opening.png", PNG, content_type="image/png"),
    )

    content = html(client_for(member).get(work_url(project)))

    assert (
        reverse("projects:update_attachment", kwargs={"pk": project.pk, "update_pk": update.pk})
        in content
    )


BAD_UPDATES = [
    (
        "date",
        {"date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()},
        "date_in_future",
    ),
    ("date", {"date": "2007-10-01"}, "date_before_contract"),
    ("date", {"date": "gisteren"}, "invalid"),
    ("percent_complete", {"percent_complete": "-1"}, "percent_out_of_range"),
    ("percent_complete", {"percent_complete": "101"}, "percent_out_of_range"),
    ("percent_complete", {"percent_complete": "veel"}, "invalid"),
    ("status", {"status": "finished"}, "invalid_choice"),
    ("happened", {"happened": "   "}, "happened_missing"),
    ("visibility", {"visibility": "everyone"}, "invalid_choice"),
    (
        "percent_complete",
        {"status": ProjectStatus.DONE, "percent_complete": "90"},
        "done_needs_full_percent",
    ),
]


@pytest.mark.parametrize(("field", "data", "code"), BAD_UPDATES)
def test_bad_input_comes_back_at_its_field_and_writes_nothing(member, project, field, data, code):
    response = client_for(member).post(work_url(project), update_data(**data))

    assert response.status_code == 200
    assert code in error_codes(response, field)
    assert ProgressUpdate.objects.count() == 0
    project.refresh_from_db()
    assert (project.status, project.percent_complete) == (ProjectStatus.PLANNED, 0)
    content = html(response)
    assert 'role="alert"' in content
    assert "data-error-summary" in content
    field_id = f"id_{field}_0" if field == "visibility" else f"id_{field}"
    assert f'href="#{field_id}"' in content
    assert f"{'id_' + field}_error" in content  # the message the field is described by


def test_every_refusal_is_reported_at_once(member, project):
    upload = SimpleUploadedFile("foto.jpg", b"#!/bin/sh\n", content_type="image/jpeg")
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    response = client_for(member).post(
        work_url(project),
        update_data(date=future, percent_complete="101", happened="", attachment=upload),
    )

    errors = response.context["form"].errors.as_data()
    assert {field: [e.code for e in found] for field, found in errors.items()} == {
        "date": ["date_in_future"],
        "percent_complete": ["percent_out_of_range"],
        "happened": ["happened_missing"],
        "attachment": ["file_type_not_allowed"],
    }
    assert ProgressUpdate.objects.count() == 0


def test_a_status_the_lifecycle_table_does_not_allow_is_refused(member, project):
    on_schedule(project, member, 10, "Gestart.")

    response = client_for(member).post(work_url(project), update_data(status=ProjectStatus.PLANNED))

    assert error_codes(response, "status") == ["status_not_allowed"]
    assert ProgressUpdate.objects.count() == 1


def test_an_update_on_a_done_project_is_refused(member, project):
    progress_update(
        project, member, happened="Opgeleverd.", status=ProjectStatus.DONE, percent_complete=100
    )
    client = client_for(member)

    page = client.get(work_url(project))
    response = client.post(work_url(project), update_data(status=ProjectStatus.DONE))
    garbage = client.post(work_url(project), {"percent_complete": "x"})

    assert 'data-notice="project-closed"' in html(page)
    assert 'data-form="progress-update"' not in html(page)
    assert error_codes(response) == ["project_closed"]
    assert error_codes(garbage) == ["project_closed"]
    assert 'data-form="progress-update"' not in html(response)
    assert ProgressUpdate.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("foto.jpg", b"<?php system($_GET['c']); ?>", "file_type_not_allowed"),
        ("foto.jpg", b"#!/bin/sh\nrm -rf /\n", "file_type_not_allowed"),
        ("verslag.pdf", b"MZ\x90\x00 not a pdf", "file_type_not_allowed"),
        ("groot.jpg", b"\xff\xd8\xff" + b"\x00" * MAX_ATTACHMENT_BYTES, "file_too_large"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(member, project, name, content, code):
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")

    response = client_for(member).post(work_url(project), update_data(attachment=upload))

    assert error_codes(response, "attachment") == [code]
    assert ProgressUpdate.objects.count() == 0
    assert media_files() == []


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("opening.png", PNG, "image/png"),
        ("opening.jpeg", JPEG, "image/jpeg"),
        ("verslag.pdf", PDF, "application/pdf"),
    ],
)
def test_a_photo_or_pdf_is_stored_with_the_update(member, project, name, content, content_type):
    # The browser's claimed type does not count: the content does.
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")

    response = client_for(member).post(work_url(project), update_data(attachment=upload))

    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.attachment_type == content_type
    assert len(media_files()) == 1
    assert media_files()[0].read_bytes() == content


def test_hostile_text_is_stored_as_text_and_shown_escaped(member, project, round_):
    client = client_for(member)
    client.post(work_url(project), update_data(happened=HOSTILE, next_steps=HOSTILE), follow=True)
    client.post(
        report_url(round_, project),
        report_data(achieved=HOSTILE, deviations=HOSTILE, next_steps=HOSTILE),
    )

    assert ProgressUpdate.objects.get().happened == HOSTILE
    assert ProjectReport.objects.get().achieved == HOSTILE
    for url in (portal_url(), work_url(project), report_url(round_, project)):
        content = html(client.get(url))
        assert HOSTILE not in content, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content, url


def test_hostile_text_in_a_refused_form_is_shown_escaped(member, project):
    response = client_for(member).post(
        work_url(project), update_data(happened=HOSTILE, percent_complete="101")
    )

    assert HOSTILE not in html(response)
    assert "&lt;script&gt;" in html(response)


# --- Reports ------------------------------------------------------------------------------------


def test_the_report_form_is_prefilled_from_the_project(member, project, round_):
    progress_update(
        project,
        member,
        happened="Vertraagd door de vergunning.",
        status=ProjectStatus.DELAYED,
        percent_complete=35,
    )

    response = client_for(member).get(report_url(round_, project))

    form = response.context["form"]
    assert form["status"].value() == ProjectStatus.DELAYED
    assert form["percent_complete"].value() == 35
    assert 'data-form="project-report"' in html(response)
    assert round_.title in html(response)


def test_a_report_is_handed_in_once_and_then_shown_frozen(member, project, round_):
    client = client_for(member)

    response = client.post(report_url(round_, project), report_data(), follow=True)

    report = ProjectReport.objects.get()
    assert (report.round, report.project, report.submitted_by) == (round_, project, member)
    assert (report.status, report.percent_complete) == (ProjectStatus.ON_SCHEDULE, 60)
    assert report.deviations == "De derde volgt later: de aannemer had vertraging."
    content = html(response)
    assert response.redirect_chain == [(report_url(round_, project), 302)]
    assert f'data-report="{report.pk}"' in content
    assert "data-submitted" in content
    assert 'data-form="project-report"' not in content

    again = client.post(report_url(round_, project), report_data(achieved="Iets anders."))
    garbage = client.post(report_url(round_, project), {"percent_complete": "x"})

    assert again.status_code == 200
    assert error_codes(again) == ["report_already_submitted"]
    assert error_codes(garbage) == ["report_already_submitted"]
    assert ProjectReport.objects.count() == 1
    assert ProjectReport.objects.get().achieved == "Twee speelplekken opgeknapt."


def test_a_report_is_frozen_against_later_updates(member, project, round_):
    client = client_for(member)
    client.post(report_url(round_, project), report_data())
    client.post(work_url(project), update_data(status=ProjectStatus.DELAYED, percent_complete="65"))

    content = html(client.get(report_url(round_, project)))

    report = ProjectReport.objects.get()
    assert (report.status, report.percent_complete) == (ProjectStatus.ON_SCHEDULE, 60)
    assert "60%" in content


@pytest.mark.parametrize(
    ("field", "data", "code"),
    [
        ("percent_complete", {"percent_complete": "101"}, "percent_out_of_range"),
        ("percent_complete", {"percent_complete": "-1"}, "percent_out_of_range"),
        ("status", {"status": "finished"}, "invalid_choice"),
        ("achieved", {"achieved": ""}, "achieved_missing"),
    ],
)
def test_a_bad_report_comes_back_at_its_field_and_writes_nothing(
    member, project, round_, field, data, code
):
    response = client_for(member).post(report_url(round_, project), report_data(**data))

    assert code in error_codes(response, field)
    assert ProjectReport.objects.count() == 0


def test_a_report_status_the_lifecycle_table_does_not_allow_is_refused(member, project, round_):
    progress_update(
        project, member, happened="Vertraagd.", status=ProjectStatus.DELAYED, percent_complete=10
    )

    response = client_for(member).post(
        report_url(round_, project), report_data(status=ProjectStatus.PLANNED)
    )

    assert error_codes(response, "status") == ["status_not_allowed"]
    assert ProjectReport.objects.count() == 0


def test_a_round_that_does_not_ask_this_project_is_a_404(member, project, other_project):
    round_of_other_wijk = make_round(other_project.contract)

    response = client_for(member).get(report_url(round_of_other_wijk, project))

    assert response.status_code == 404


def test_updates_and_reports_without_an_author_still_show(member, project, round_, staff_user):
    """Pilot records have no author, and accounts get deleted: the pages must still work."""
    client = client_for(member)
    client.post(work_url(project), update_data())
    client.post(report_url(round_, project), report_data())
    update = ProgressUpdate.objects.get()
    services.hide_update(update=update, user=staff_user, reason="Dubbel gemeld.")
    staff_user.delete()
    member_again = type(member).objects.get(pk=member.pk)
    ProgressUpdate.objects.update(author=None)
    ProjectReport.objects.update(submitted_by=None)

    work = client_for(member_again).get(work_url(project))
    report = client_for(member_again).get(report_url(round_, project))
    staff_view = client_for(group_member(EDITORS, username="ander-medewerker", is_staff=True)).get(
        work_url(project)
    )

    assert (work.status_code, report.status_code, staff_view.status_code) == (200, 200, 200)
    assert "data-submitted" in html(report)
    assert f'data-update="{update.pk}"' in html(staff_view)


def test_a_double_click_saves_one_update(member, project):
    client = client_for(member)

    first = client.post(work_url(project), update_data(), follow=True)
    second = client.post(work_url(project), update_data(), follow=True)
    changed = client.post(work_url(project), update_data(percent_complete="45"))

    assert (first.status_code, second.status_code, changed.status_code) == (200, 200, 302)
    assert ProgressUpdate.objects.count() == 2
    assert [m.message for m in second.context["messages"]] != [
        m.message for m in first.context["messages"]
    ]


def test_a_media_folder_that_cannot_be_written_refuses_the_attachment_and_writes_nothing(
    member, project, settings
):
    # A file where the folder should be: nothing can be written below it, even as root.
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    settings.MEDIA_ROOT.parent.mkdir(parents=True, exist_ok=True)
    settings.MEDIA_ROOT.write_bytes(b"not a folder")
    upload = SimpleUploadedFile("verslag.pdf", PDF, content_type="application/pdf")

    response = client_for(member).post(work_url(project), update_data(attachment=upload))

    assert response.status_code == 200
    assert error_codes(response, "attachment") == ["attachment_not_writable"]
    assert not ProgressUpdate.objects.exists()
    project.refresh_from_db()
    assert project.percent_complete != 40


# --- Pages of projects and of the timeline ----------------------------------------------------


def _many_projects(count):
    """`count` projects in one signed contract (bulk: read-only views)."""
    first = project_in_signed_contract(title="Project 000")
    Project.objects.bulk_create(
        ProjectFactory.build(
            contract=first.contract,
            lead_partner=first.lead_partner,
            number=first.number + index,
            title=f"Project {index:03}",
        )
        for index in range(1, count)
    )
    return first.contract


def test_an_editor_gets_every_project_a_page_at_a_time(staff_user):
    _many_projects(70)
    client = client_for(staff_user)

    pages = [html(client.get(f"{portal_url()}?page={number}")) for number in (1, 2, 3)]

    assert [page.count("data-project=") for page in pages] == [30, 30, 10]
    assert 'href="?page=2"' in pages[0]
    assert 'aria-current="page" data-page-link="3"' in pages[2]


@pytest.mark.parametrize(("page", "shown"), [("abc", 30), ("9999", 10), ("0", 10)])
def test_a_bad_portal_page_number_shows_the_first_or_last_page(staff_user, page, shown):
    _many_projects(70)

    response = client_for(staff_user).get(f"{portal_url()}?page={page}")

    assert response.status_code == 200
    assert html(response).count("data-project=") == shown


def test_the_work_page_shows_the_timeline_20_updates_a_page(member, project):
    start = datetime.date(2008, 1, 1)
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            project=project,
            author=member,
            date=start + datetime.timedelta(days=index),
            status=ProjectStatus.ON_SCHEDULE,
            percent_complete=40,
            happened=f"Stap {index:03}",
            visibility=Visibility.INTERNAL if index % 2 else Visibility.PUBLIC,
        )
        for index in range(45)
    )
    client = client_for(member)

    first = html(client.get(work_url(project)))
    last = html(client.get(f"{work_url(project)}?page=3"))

    assert first.count("data-update=") == 20
    assert "Stap 044" in first
    assert 'data-timeline-count="45"' in first
    assert 'href="?page=2#timeline-title"' in first
    assert last.count("data-update=") == 5
    assert "Stap 000" in last
