"""The page of an invitation's link in the team portal: accepting with a new account or with
the team account of the address; links that no longer work; bad input that changes nothing."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from projects import invitations
from projects.choices import InvitationStatus
from projects.models import TeamInvitation, TeamMembership
from tests.conftest import require_postgres, run_at_once
from tests.factories import (
    TeamMembershipFactory,
    UserFactory,
    group_member,
    invite,
    project_in_signed_contract,
)
from tests.projects.test_invitations import GOOD_PASSWORD, expire
from wijkaanpak.common.groups import EDITORS

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "correct-horse-battery"  # the factories' password


@pytest.fixture
def project():
    return project_in_signed_contract(title="Speelplekken opknappen")


def work_url(project):
    return reverse("projects:portal_project", kwargs={"pk": project.pk})


def new_account(username="fatima", password=GOOD_PASSWORD, again=None):
    return {
        "username": username,
        "password1": password,
        "password2": password if again is None else again,
    }


def field_codes(response):
    errors = response.context["form"].errors.as_data()
    return {field: {error.code for error in field_errors} for field, field_errors in errors.items()}


def logged_in_user(client):
    return client.get(reverse("projects:portal")).wsgi_request.user


# --- A new account ------------------------------------------------------------------------------


def test_the_page_shows_the_project_and_wijk_and_proposes_the_address_as_user_name(client, project):
    invitation, path = invite(project, name="Fatima El Amrani")

    response = client.get(path)

    assert response.status_code == 200
    page = response.content.decode()
    assert project.title in page
    assert project.contract.neighbourhood.name in page
    assert 'data-invitation="new_account"' in page
    assert response.context["form"]["username"].value() == invitation.email
    assert "no-store" in response["Cache-Control"]


def test_accepting_logs_the_person_in_on_the_projects_page_where_they_log_progress(client, project):
    invitation, path = invite(project)

    response = client.post(path, new_account())

    assert response.status_code == 302
    assert response["Location"] == work_url(project)
    user = User.objects.get(username="fatima")
    assert logged_in_user(client) == user
    work = client.get(work_url(project))
    assert work.status_code == 200
    assert 'data-form="progress-update"' in work.content.decode()
    assert TeamMembership.objects.filter(project=project, user=user).exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED


def test_bad_passwords_keep_the_typed_user_name_and_say_why_in_dutch(client, project):
    invitation, path = invite(project)

    response = client.post(path, new_account(username="fatima", password="kort1"))

    assert response.status_code == 200
    assert field_codes(response) == {"password1": {"password_too_short"}}
    page = response.content.decode()
    assert 'value="fatima"' in page
    assert "kort1" not in page
    assert "te kort" in page  # Django's own Dutch message of the length validator
    assert "data-error-summary" in page
    assert not User.objects.filter(username="fatima").exists()

    response = client.post(path, new_account(password=GOOD_PASSWORD, again="iets-anders-1"))
    assert field_codes(response) == {"password2": {"password_mismatch"}}
    assert not TeamMembership.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN


def test_a_taken_user_name_is_refused(client, project):
    UserFactory(username="Fatima")
    _invitation, path = invite(project)

    response = client.post(path, new_account(username="fatima"))

    assert field_codes(response) == {"username": {"username_taken"}}
    assert User.objects.filter(username__iexact="fatima").count() == 1


# --- Links that do not work ---------------------------------------------------------------------


def test_a_used_link_is_gone_and_changes_nothing(client, project):
    _invitation, path = invite(project)
    client.post(path, new_account(username="eerste"))

    other = Client()
    for response in (other.get(path), other.post(path, new_account(username="tweede"))):
        assert response.status_code == 410
        assert 'data-invitation-unusable="accepted"' in response.content.decode()
    assert not User.objects.filter(username="tweede").exists()
    assert TeamMembership.objects.count() == 1


def test_an_expired_link_is_gone_and_changes_nothing(client, project):
    invitation, path = invite(project)
    expire(invitation)

    for response in (client.get(path), client.post(path, new_account())):
        assert response.status_code == 410
        assert 'data-invitation-unusable="expired"' in response.content.decode()
    assert project.title in response.content.decode()
    assert not User.objects.filter(username="fatima").exists()


def test_a_withdrawn_link_is_gone(client, project):
    invitation, path = invite(project)
    invitations.withdraw(invitation, user=group_member(EDITORS, is_staff=True))

    response = client.post(path, new_account())

    assert response.status_code == 410
    assert 'data-invitation-unusable="withdrawn"' in response.content.decode()
    assert not User.objects.filter(username="fatima").exists()


def test_an_unknown_link_is_not_found(client, project):
    _invitation, path = invite(project)
    wrong = path.replace("/uitnodiging/", "/uitnodiging/x")

    for response in (client.get(wrong), client.post(wrong, new_account())):
        assert response.status_code == 404
        assert 'data-invitation-unusable="unknown"' in response.content.decode()
        assert project.title not in response.content.decode()
    assert not User.objects.filter(username="fatima").exists()


def test_an_old_link_stops_working_when_the_invitation_is_sent_again(client, project):
    invitation, old_path = invite(project)
    invitations.send_again(invitation, user=group_member(EDITORS, is_staff=True))

    assert client.get(old_path).status_code == 404


def test_a_staff_address_gets_no_account_and_its_password_is_not_touched(client, project):
    invitation, path = invite(project, email="wordt.staf@example.org")
    staff = UserFactory(username="ambtenaar", email="wordt.staf@example.org", is_staff=True)
    password_hash = staff.password

    for response in (
        client.get(path),
        client.post(path, new_account(username="ambtenaar")),
        client.post(path, {"username": "ambtenaar", "password": PASSWORD}),
    ):
        assert response.status_code == 403
        assert 'data-invitation-unusable="staff_address"' in response.content.decode()

    staff.refresh_from_db()
    assert staff.password == password_hash
    assert not TeamMembership.objects.exists()
    assert not logged_in_user(client).is_authenticated
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN


# --- The team account of the address ------------------------------------------------------------


@pytest.fixture
def jan(project):
    """A team account of another project, whose address is invited to `project`."""
    other = project_in_signed_contract()
    return TeamMembershipFactory(
        project=other, user=UserFactory(username="jan", email="jan@example.org")
    ).user


def test_the_team_account_logs_in_to_join_and_keeps_its_password(client, project, jan):
    _invitation, path = invite(project, email="jan@example.org")
    password_hash = jan.password

    page = client.get(path)
    assert 'data-form="login-to-join"' in page.content.decode()

    wrong = client.post(path, {"username": "jan", "password": "fout-wachtwoord"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors
    assert not TeamMembership.objects.filter(project=project, user=jan).exists()

    response = client.post(path, {"username": "jan", "password": PASSWORD})

    assert response["Location"] == work_url(project)
    assert logged_in_user(client) == jan
    assert TeamMembership.objects.filter(project=project, user=jan).exists()
    jan.refresh_from_db()
    assert jan.password == password_hash
    assert User.objects.filter(email__iexact="jan@example.org").count() == 1


def test_logged_in_as_the_invited_account_one_button_joins(client, project, jan):
    _invitation, path = invite(project, email="jan@example.org")
    client.force_login(jan)

    assert 'data-form="join-team"' in client.get(path).content.decode()
    response = client.post(path)

    assert response["Location"] == work_url(project)
    assert TeamMembership.objects.filter(project=project, user=jan).exists()


def test_another_account_cannot_join_through_the_link(client, project, jan):
    invitation, path = invite(project, email="jan@example.org")
    UserFactory(username="piet", email="piet@example.org")

    response = client.post(path, {"username": "piet", "password": PASSWORD})

    assert response.status_code == 200
    assert field_codes(response) == {"__all__": {"other_address"}}
    assert not logged_in_user(client).is_authenticated
    assert not TeamMembership.objects.filter(project=project).exists()
    assert TeamInvitation.objects.get(pk=invitation.pk).status == InvitationStatus.OPEN


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_link_used_twice_at_the_same_moment_makes_one_account():
    require_postgres()
    project = project_in_signed_contract()
    _invitation, path = invite(project)
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(username):
        def run():
            try:
                client = Client()
                barrier.wait(timeout=20)
                response = client.post(path, new_account(username=username))
                outcomes.append(response.get("Location"))
            finally:
                connection.close()

        return run

    run_at_once([accept("eerste"), accept("tweede")])

    assert len(outcomes) == 2
    assert outcomes.count(work_url(project)) == 1
    assert User.objects.filter(username__in=["eerste", "tweede"]).count() == 1
    assert TeamMembership.objects.filter(project=project).count() == 1
