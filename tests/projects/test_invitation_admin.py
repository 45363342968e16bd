"""Invitations to a project team in the admin: editors invite (from the project's page or the
list), send again and withdraw; budget managers cannot; the mail is in the outbox with the
link; a refusal of the service comes back on the form and writes nothing."""

import datetime

import pytest
from django.contrib import messages
from django.test import Client
from django.urls import reverse
from post_office.models import Email

from projects.choices import InvitationStatus, TeamRole
from projects.models import TeamInvitation
from tests.admin_pages import error_tags, messages_of
from tests.factories import UserFactory, invitation_link, invite, project_in_signed_contract
from tests.projects.test_invitations import expire

pytestmark = pytest.mark.django_db


def url(view="changelist", *args):
    return reverse(f"admin:projects_teaminvitation_{view}", args=args)


def success_tags(response):
    return [tags for level, tags, _text in messages_of(response) if level == messages.SUCCESS]


@pytest.fixture
def project():
    return project_in_signed_contract(title="Speelplekken opknappen")


def invitation_form(project, **overrides):
    return {
        "project": str(project.pk),
        "name": "Fatima El Amrani",
        "email": "fatima@example.org",
        "role": TeamRole.MEMBER,
        **overrides,
    }


def test_an_editor_invites_from_the_projects_page(editor, project, settings):
    settings.SITE_URL = "https://wijkaanpak.example"
    page = editor.get(reverse("admin:projects_project_change", args=[project.pk]))
    invite_url = f"{url('add')}?project={project.pk}"
    assert f'href="{invite_url}"' in page.content.decode()

    form = editor.get(invite_url)
    assert form.status_code == 200
    assert form.context["adminform"].form["project"].value() == str(project.pk)

    response = editor.post(url("add"), invitation_form(project), follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "admin:projects_project_change", args=[project.pk]
    )
    assert success_tags(response) == [{"invitation_sent"}]
    invitation = TeamInvitation.objects.get()
    assert (invitation.project, invitation.email, invitation.invited_by.username) == (
        project,
        "fatima@example.org",
        "redacteur",
    )
    assert invitation.status == InvitationStatus.OPEN
    email = Email.objects.get()
    assert email.to == ["fatima@example.org"]
    link, _path, _token = invitation_link(invitation)
    assert link.startswith("https://wijkaanpak.example/team/uitnodiging/")
    # The project's page lists the invitation.
    page = editor.get(reverse("admin:projects_project_change", args=[project.pk]))
    assert "fatima@example.org" in page.content.decode()


def test_the_mail_is_delivered_with_the_link(editor, project, deliver_mail):
    editor.post(url("add"), invitation_form(project))

    [delivered] = deliver_mail()

    _link, path, _token = invitation_link(TeamInvitation.objects.get())
    assert delivered.to == ["fatima@example.org"]
    assert path in delivered.body


def test_a_budget_manager_cannot_invite(budget_manager, project):
    assert budget_manager.get(url("add")).status_code == 403
    assert budget_manager.get(url()).status_code == 403
    assert budget_manager.post(url("add"), invitation_form(project)).status_code == 403
    page = budget_manager.get(reverse("admin:projects_project_change", args=[project.pk]))
    assert url("add") not in page.content.decode()
    assert not TeamInvitation.objects.exists()
    assert not Email.objects.exists()


def test_editors_make_no_accounts_in_the_user_admin(editor):
    assert editor.get(reverse("admin:auth_user_add")).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"email": "ambtenaar@example.org"}, "email", "staff_address"),
        ({"email": "lid@example.org"}, "email", "already_member"),
        ({"email": "geen adres"}, "email", "invalid"),
    ],
)
def test_a_refused_invitation_comes_back_on_the_form(editor, project, overrides, field, code):
    UserFactory(username="ambtenaar", email="ambtenaar@example.org", is_staff=True)
    project.memberships.create(user=UserFactory(email="lid@example.org"))

    response = editor.post(url("add"), invitation_form(project, **overrides))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert code in {error.code for error in errors[field]}
    page = response.content.decode()
    assert 'value="Fatima El Amrani"' in page
    assert not TeamInvitation.objects.exists()
    assert not Email.objects.exists()


def test_the_list_shows_the_status_and_filters_by_it(editor, project):
    invite(project, email="open@example.org")
    expired, _path = invite(project, email="verlopen@example.org")
    expire(expired)

    page = editor.get(url())
    assert page.status_code == 200
    statuses = {row.email: row.status for row in page.context["cl"].result_list}
    assert statuses == {
        "open@example.org": InvitationStatus.OPEN,
        "verlopen@example.org": InvitationStatus.EXPIRED,
    }
    only_expired = editor.get(url(), {"status": "expired"})
    assert list(only_expired.context["cl"].result_list) == [expired]
    # The project's page links to the invitations of that project alone.
    other, _path = invite(project_in_signed_contract(), email="elders@example.org")
    of_project = editor.get(url(), {"project__id__exact": project.pk})
    assert of_project.status_code == 200
    assert {row.project_id for row in of_project.context["cl"].result_list} == {project.pk}
    assert other not in of_project.context["cl"].result_list


def test_sending_again_from_the_page_mails_a_new_link(editor, project):
    invitation, old_path = invite(project)
    expire(invitation)
    page = editor.get(url("change", invitation.pk))
    assert url("send_again", invitation.pk) in page.content.decode()
    assert 'name="email"' not in page.content.decode()  # never edited

    response = editor.post(url("send_again", invitation.pk), follow=True)

    assert success_tags(response) == [{"invitations_sent_again"}]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN
    assert invitation.expires_at > invitation.sent_at + datetime.timedelta(days=6)
    assert Email.objects.count() == 2
    assert invitation_link(invitation)[1] != old_path


def test_withdrawing_from_the_page_and_a_refusal_in_the_list_action(editor, project):
    invitation, _path = invite(project)

    response = editor.post(url("withdraw", invitation.pk), follow=True)
    assert success_tags(response) == [{"invitations_withdrawn"}]
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    assert (
        url("send_again", invitation.pk)
        not in editor.get(url("change", invitation.pk)).content.decode()
    )

    response = editor.post(
        url(),
        {"action": "send_selected_again", "_selected_action": [invitation.pk]},
        follow=True,
    )
    assert error_tags(response) == [{"not_pending"}]
    assert Email.objects.count() == 1


def test_the_buttons_want_a_post_and_the_right(budget_manager_user, editor, project):
    invitation, _path = invite(project)
    budget_manager = Client()
    budget_manager.force_login(budget_manager_user)

    assert editor.get(url("withdraw", invitation.pk)).status_code == 405
    assert budget_manager.post(url("withdraw", invitation.pk)).status_code == 403
    assert budget_manager.post(url("send_again", invitation.pk)).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN
