"""Invitations to a project team (projects.invitations): the token, its expiry, the checks
on inviting, and accepting with a new account or with the team account of the address."""

import datetime
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from post_office.models import Email

from projects import invitations
from projects.choices import InvitationStatus, ProjectStatus, TeamRole
from projects.models import TeamInvitation, TeamMembership
from tests.factories import (
    TeamMembershipFactory,
    UserFactory,
    group_member,
    invitation_link,
    invite,
    progress_update,
    project_in_signed_contract,
)
from wijkaanpak.common.groups import BUDGET_MANAGERS, EDITORS

pytestmark = pytest.mark.django_db

User = get_user_model()
GOOD_PASSWORD = "Lantaarnpaal-Zwanenburg-7"


def codes(error):
    if hasattr(error.value, "error_dict"):
        return {e.code for errors in error.value.error_dict.values() for e in errors}
    return {e.code for e in error.value.error_list}


def accept_new(invitation, username="nieuwteamlid", password=GOOD_PASSWORD, again=None):
    return invitations.accept_with_new_account(
        invitation,
        username=username,
        password1=password,
        password2=password if again is None else again,
    )


def expire(invitation):
    """Move the invitation's sending eight days back: its link expired a day ago."""
    now = timezone.now()
    TeamInvitation.objects.filter(pk=invitation.pk).update(
        sent_at=now - datetime.timedelta(days=8), expires_at=now - datetime.timedelta(days=1)
    )
    invitation.refresh_from_db()


@pytest.fixture
def project():
    return project_in_signed_contract(title="Speelplekken opknappen")


# --- The token ------------------------------------------------------------------------------


def test_only_the_hash_of_the_token_is_stored_and_the_link_finds_the_invitation(project):
    invitation, _path = invite(project)
    _url, _path, token = invitation_link(invitation)

    assert len(token) >= 40
    stored = TeamInvitation.objects.filter(pk=invitation.pk).values()[0]
    assert token not in {str(value) for value in stored.values()}
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert TeamInvitation.objects.by_token(token) == invitation
    assert TeamInvitation.objects.by_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert TeamInvitation.objects.by_token(stored["token_hash"]) is None
    assert TeamInvitation.objects.by_token("") is None


def test_the_link_is_made_from_site_url(project, settings):
    settings.SITE_URL = "https://wijkaanpak.example"
    invitation, _path = invite(project)

    url, path, _token = invitation_link(invitation)
    assert url == "https://wijkaanpak.example" + path


def test_each_invitation_gets_its_own_token(project):
    first, first_path = invite(project, email="een@example.org")
    second, second_path = invite(project, email="twee@example.org")

    assert first.token_hash != second.token_hash
    assert first_path != second_path


# --- Status and expiry ------------------------------------------------------------------------


def test_an_invitation_is_open_for_seven_days_then_expired(project):
    invitation, _path = invite(project)

    assert invitation.expires_at - invitation.sent_at == datetime.timedelta(days=7)
    assert invitation.status == InvitationStatus.OPEN
    later = invitation.expires_at + datetime.timedelta(seconds=1)
    assert invitation.status_at(later) == InvitationStatus.EXPIRED
    expire(invitation)
    assert list(TeamInvitation.objects.with_status(InvitationStatus.EXPIRED)) == [invitation]
    assert not TeamInvitation.objects.with_status(InvitationStatus.OPEN).exists()


def test_an_expired_invitation_cannot_be_accepted(project):
    invitation, _path = invite(project)
    expire(invitation)

    with pytest.raises(ValidationError) as error:
        accept_new(invitation)

    assert codes(error) == {"invitation_expired"}
    assert not User.objects.filter(username="nieuwteamlid").exists()
    assert not TeamMembership.objects.exists()


def test_sending_again_makes_a_new_link_and_a_new_expiry_and_the_old_link_dies(project):
    invitation, _path = invite(project)
    _url, _old_path, old_token = invitation_link(invitation)
    expire(invitation)
    editor = group_member(EDITORS, is_staff=True)

    invitations.send_again(invitation, user=editor)

    invitation.refresh_from_db()
    _url, _new_path, new_token = invitation_link(invitation)
    assert new_token != old_token
    assert TeamInvitation.objects.by_token(old_token) is None
    assert TeamInvitation.objects.by_token(new_token) == invitation
    assert invitation.status == InvitationStatus.OPEN
    assert invitation.emails.count() == 2


def test_a_withdrawn_invitation_cannot_be_accepted_or_sent_again(project):
    invitation, _path = invite(project)
    editor = group_member(EDITORS, is_staff=True)

    invitations.withdraw(invitation, user=editor)
    invitation.refresh_from_db()

    assert invitation.status == InvitationStatus.WITHDRAWN
    assert invitation.withdrawn_by == editor
    with pytest.raises(ValidationError) as error:
        accept_new(invitation)
    assert codes(error) == {"invitation_withdrawn"}
    with pytest.raises(ValidationError) as error:
        invitations.send_again(invitation, user=editor)
    assert codes(error) == {"not_pending"}
    with pytest.raises(ValidationError) as error:
        invitations.withdraw(invitation, user=editor)
    assert codes(error) == {"not_pending"}
    assert invitation.emails.count() == 1


# --- Inviting -----------------------------------------------------------------------------------


def test_inviting_queues_a_dutch_mail_with_the_link_the_expiry_the_project_and_the_wijk(project):
    invitation, path = invite(
        project, email=" Nieuw.Teamlid@Example.org ", name="Fatima  El Amrani"
    )

    assert invitation.email == "nieuw.teamlid@example.org"
    assert invitation.name == "Fatima El Amrani"
    email = Email.objects.get()
    assert email.to == ["nieuw.teamlid@example.org"]
    assert list(invitation.emails.all()) == [email]
    wijk = project.contract.neighbourhood.name
    assert project.title in email.subject and wijk in email.subject
    assert path in email.message
    expires = timezone.localtime(invitation.expires_at)
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
              "september", "oktober", "november", "december"]  # fmt: skip
    assert f"{expires.day} {months[expires.month - 1]} {expires.year}" in email.message
    assert "Fatima El Amrani" in email.message


def test_only_who_may_invite_invites(project):
    for user in (
        group_member(BUDGET_MANAGERS, is_staff=True),
        UserFactory(is_staff=True),
        TeamMembershipFactory(project=project).user,
    ):
        with pytest.raises(PermissionDenied):
            invitations.invite(project, email="x@example.org", name="X", user=user)
    assert not TeamInvitation.objects.exists()
    assert not Email.objects.exists()


@pytest.mark.parametrize(
    ("email", "name", "role", "code"),
    [
        ("geen-adres", "Naam", TeamRole.MEMBER, "invalid_email"),
        ("a@example.org", "   ", TeamRole.MEMBER, "name_missing"),
        ("a@example.org", "Naam", "baas", "invalid_role"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(project, email, name, role, code):
    editor = group_member(EDITORS, is_staff=True)
    with pytest.raises(ValidationError) as error:
        invitations.invite(project, email=email, name=name, role=role, user=editor)

    assert codes(error) == {code}
    assert not TeamInvitation.objects.exists()
    assert not Email.objects.exists()


def test_an_address_with_a_pending_invitation_for_the_project_is_refused(project):
    invite(project, email="dubbel@example.org")

    with pytest.raises(ValidationError) as error:
        invite(project, email="DUBBEL@example.org")

    assert codes(error) == {"already_invited"}
    assert TeamInvitation.objects.count() == 1
    # Another project's team may invite the same address.
    invite(project_in_signed_contract(), email="dubbel@example.org")
    assert TeamInvitation.objects.count() == 2


def test_a_staff_address_is_never_invited(project):
    UserFactory(username="ambtenaar", email="ambtenaar@example.org", is_staff=True)
    UserFactory(username="root", email="root@example.org", is_superuser=True)

    for address in ("Ambtenaar@example.org", "root@example.org"):
        with pytest.raises(ValidationError) as error:
            invite(project, email=address)
        assert codes(error) == {"staff_address"}
    assert not TeamInvitation.objects.exists()


def test_a_member_of_the_team_and_a_cancelled_project_are_refused(project):
    TeamMembershipFactory(project=project, user=UserFactory(email="lid@example.org"))
    with pytest.raises(ValidationError) as error:
        invite(project, email="lid@example.org")
    assert codes(error) == {"already_member"}

    cancelled = project_in_signed_contract()
    progress_update(
        cancelled,
        group_member(EDITORS, is_staff=True),
        "Gestopt.",
        status=ProjectStatus.CANCELLED,
        date=datetime.date(2008, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        invite(cancelled, email="nieuw@example.org")
    assert codes(error) == {"project_cancelled"}
    assert not TeamInvitation.objects.exists()


# --- Accepting with a new account ---------------------------------------------------------------


def test_accepting_makes_a_team_account_with_the_chosen_name_and_password(project):
    invitation, _path = invite(project, name="Fatima El Amrani", role=TeamRole.LEAD)

    user = accept_new(invitation, username="fatima")

    user.refresh_from_db()
    assert (user.username, user.email) == ("fatima", "nieuw.teamlid@example.org")
    assert (user.first_name, user.last_name) == ("Fatima", "El Amrani")
    assert not user.is_staff and not user.is_superuser and user.is_active
    assert user.check_password(GOOD_PASSWORD)
    assert not user.groups.exists() and not user.user_permissions.exists()
    membership = TeamMembership.objects.get(user=user)
    assert (membership.project, membership.role) == (project, TeamRole.LEAD)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == user


def test_a_used_link_is_refused_the_second_time(project):
    invitation, _path = invite(project)
    accept_new(invitation, username="eerste")

    with pytest.raises(ValidationError) as error:
        accept_new(invitation, username="tweede")

    assert codes(error) == {"invitation_accepted"}
    assert not User.objects.filter(username="tweede").exists()
    assert TeamMembership.objects.count() == 1


@pytest.mark.parametrize(
    ("username", "password", "again", "field", "code"),
    [
        ("", GOOD_PASSWORD, None, "username", "username_missing"),
        ("met spatie", GOOD_PASSWORD, None, "username", "invalid"),
        ("BESTAAT", GOOD_PASSWORD, None, "username", "username_taken"),
        ("nieuw", "", None, "password1", "password_missing"),
        ("nieuw", "kort1", None, "password1", "password_too_short"),
        ("nieuw", "12345678901", None, "password1", "password_entirely_numeric"),
        ("nieuw", "password123", None, "password1", "password_too_common"),
        ("nieuw", GOOD_PASSWORD, GOOD_PASSWORD + "x", "password2", "password_mismatch"),
    ],
)
def test_a_bad_name_or_password_is_refused_and_nothing_is_written(
    project, username, password, again, field, code
):
    UserFactory(username="bestaat")
    invitation, _path = invite(project)
    users = User.objects.count()

    with pytest.raises(ValidationError) as error:
        accept_new(invitation, username=username, password=password, again=again)

    assert code in {e.code for e in error.value.error_dict[field]}
    assert User.objects.count() == users
    assert not TeamMembership.objects.exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN


def test_a_password_like_the_address_is_refused(project):
    invitation, _path = invite(project, email="speelplekken@example.org")

    with pytest.raises(ValidationError) as error:
        accept_new(invitation, password="speelplekken")

    assert "password_too_similar" in codes(error)


def test_an_account_made_for_the_address_meanwhile_is_not_doubled(project):
    invitation, _path = invite(project)
    UserFactory(username="intussen", email="nieuw.teamlid@example.org")

    with pytest.raises(ValidationError) as error:
        accept_new(invitation)

    assert codes(error) == {"account_exists"}
    assert User.objects.filter(email__iexact="nieuw.teamlid@example.org").count() == 1


# --- Accepting with an existing account ---------------------------------------------------------


def test_the_team_account_of_the_address_gets_the_membership_and_keeps_its_password(project):
    other = project_in_signed_contract()
    member = TeamMembershipFactory(
        project=other, user=UserFactory(username="jan", email="Jan@Example.org")
    ).user
    invitation, _path = invite(project, email="jan@example.org")
    assert invitations.acceptance_mode(invitation) == invitations.EXISTING_MEMBER
    password_hash = member.password

    invitations.accept_as_member(invitation, user=member)

    member.refresh_from_db()
    assert member.password == password_hash
    assert set(TeamMembership.objects.filter(user=member).values_list("project", flat=True)) == {
        project.pk,
        other.pk,
    }
    assert User.objects.filter(email__iexact="jan@example.org").count() == 1
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, member)


def test_another_account_cannot_accept_the_invitation(project):
    UserFactory(username="jan", email="jan@example.org")
    stranger = UserFactory(username="piet", email="piet@example.org")
    invitation, _path = invite(project, email="jan@example.org")

    with pytest.raises(ValidationError) as error:
        invitations.accept_as_member(invitation, user=stranger)

    assert codes(error) == {"other_address"}
    assert not TeamMembership.objects.exists()


def test_an_address_that_became_staff_is_refused_and_its_password_untouched(project):
    invitation, _path = invite(project, email="wordt.staf@example.org")
    staff = UserFactory(username="wordtstaf", email="wordt.staf@example.org", is_staff=True)
    password_hash = staff.password

    assert invitations.acceptance_mode(invitation) == invitations.STAFF_ADDRESS
    with pytest.raises(ValidationError) as error:
        accept_new(invitation, username="overname")
    assert codes(error) == {"staff_address"}
    with pytest.raises(ValidationError) as error:
        invitations.accept_as_member(invitation, user=staff)
    assert codes(error) == {"staff_address"}

    staff.refresh_from_db()
    assert staff.password == password_hash
    assert staff.is_staff and not staff.team_memberships.exists()
    assert not User.objects.filter(username="overname").exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN


def test_a_switched_off_account_is_not_doubled_nor_switched_on(project):
    invitation, _path = invite(project, email="uit@example.org")
    off = UserFactory(username="uit", email="uit@example.org", is_active=False)

    with pytest.raises(ValidationError) as error:
        accept_new(invitation, username="uit2")
    assert codes(error) == {"account_inactive"}
    with pytest.raises(ValidationError) as error:
        invite(project_in_signed_contract(), email="uit@example.org")
    assert codes(error) == {"account_inactive"}
    off.refresh_from_db()
    assert not off.is_active
    assert not User.objects.filter(username="uit2").exists()
