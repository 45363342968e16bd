"""An editor invites a new team member in a real browser; the invitee opens the link from the
outbox mail, chooses a password and logs a progress update. Every page passes axe, with and
without errors; a link that no longer works gets its own page."""

import pytest
from django.contrib.auth import get_user_model

from projects.models import ProgressUpdate, TeamInvitation, TeamMembership
from tests.conftest import assert_accessible, log_in
from tests.factories import (
    TeamMembershipFactory,
    UserFactory,
    invitation_link,
    invite,
    project_in_signed_contract,
)
from tests.projects.test_invitations import expire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Lantaarnpaal-Zwanenburg-7"
UPDATE_TEXT = "De buurtschouw is gehouden; twee speelplekken gaan als eerste op de schop."


def test_an_editor_invites_and_the_invitee_joins_and_logs_progress(
    page, browser, live_server, editor_user
):
    project = project_in_signed_contract(title="Speelplekken opknappen")

    # The editor invites from the project's page.
    log_in(page, editor_user.username)
    page.goto(f"/admin/projects/project/{project.pk}/change/")
    assert_accessible(page)
    page.locator("a[data-action=invite]").click()
    page.wait_for_url("**/admin/projects/teaminvitation/add/?project=*")
    assert_accessible(page)
    page.locator("#id_name").fill("Fatima El Amrani")
    page.locator("#id_email").fill("fatima@example.org")
    page.locator("input[type=submit][name=_save]").click()
    page.wait_for_url(f"**/admin/projects/project/{project.pk}/change/")
    assert page.locator(".messagelist .success").count() == 1
    invitation = TeamInvitation.objects.get()
    page.goto(f"/admin/projects/teaminvitation/{invitation.pk}/change/")
    assert page.locator("[data-action=send-again]").count() == 1
    assert_accessible(page)
    page.goto("/admin/projects/teaminvitation/")
    assert_accessible(page)

    # The invitee, in a browser of their own, opens the link from the mail.
    _url, path, _token = invitation_link(invitation)
    invitee = browser.new_context(base_url=live_server.url, locale="nl-NL")
    try:
        tab = invitee.new_page()
        tab.goto(path)
        assert tab.locator("h1").count() == 1
        assert project.contract.neighbourhood.name in tab.locator("main").inner_text()
        assert tab.locator("#id_username").input_value() == "fatima@example.org"
        assert_accessible(tab)

        # A password that is too short first: the user name stays, the errors are announced.
        tab.locator("#id_username").fill("fatima")
        tab.locator("#id_password1").fill("kort1")
        tab.locator("#id_password2").fill("kort1")
        tab.locator("form[data-form=accept-invitation] [type=submit]").click()
        summary = tab.locator("[data-error-summary]")
        assert summary.get_attribute("role") == "alert"
        assert tab.locator("#id_username").input_value() == "fatima"
        assert_accessible(tab)
        assert not get_user_model().objects.filter(username="fatima").exists()

        tab.locator("#id_password1").fill(NEW_PASSWORD)
        tab.locator("#id_password2").fill(NEW_PASSWORD)
        tab.locator("form[data-form=accept-invitation] [type=submit]").click()
        tab.wait_for_url(f"**/team/projecten/{project.pk}/")
        assert tab.locator('[data-message="success"]').count() == 1
        assert_accessible(tab)

        # Now a team member: log an update.
        form = tab.locator("form[data-form=progress-update]")
        form.locator("#id_status").select_option("on_schedule")
        form.locator("#id_percent_complete").fill("10")
        form.locator("#id_happened").fill(UPDATE_TEXT)
        form.locator("input[name=visibility][value=public]").check()
        form.locator("[type=submit]").click()
        tab.wait_for_selector('[data-message="success"]')
        assert UPDATE_TEXT in tab.locator("main").inner_text()
        user = get_user_model().objects.get(username="fatima")
        assert ProgressUpdate.objects.get().author == user
        assert TeamMembership.objects.filter(project=project, user=user).exists()

        # The link is used: opening it again says so.
        tab.goto(path)
        assert tab.locator('[data-invitation-unusable="accepted"]').count() == 1
        assert_accessible(tab)
    finally:
        invitee.close()


def test_the_other_invitation_pages_pass_axe(page):
    project = project_in_signed_contract(title="Speelplekken opknappen")
    other = project_in_signed_contract()
    member = UserFactory(username="jan", email="jan@example.org")
    TeamMembershipFactory(project=other, user=member)

    # An address with a team account: log in to join; a wrong password first.
    _invitation, path = invite(project, email="jan@example.org")
    page.goto(path)
    assert page.locator("form[data-form=login-to-join]").count() == 1
    assert_accessible(page)
    page.locator("#id_username").fill("jan")
    page.locator("#id_password").fill("niet-het-wachtwoord")
    page.locator("form[data-form=login-to-join] [type=submit]").click()
    assert page.locator("[data-error-summary]").count() == 1
    assert_accessible(page)
    page.locator("#id_password").fill("correct-horse-battery")
    page.locator("form[data-form=login-to-join] [type=submit]").click()
    page.wait_for_url(f"**/team/projecten/{project.pk}/")
    assert TeamMembership.objects.filter(project=project, user=member).exists()

    # An expired link and an unknown one.
    expired, expired_path = invite(other, email="laat@example.org")
    expire(expired)
    page.goto(expired_path)
    assert page.locator('[data-invitation-unusable="expired"]').count() == 1
    assert_accessible(page)
    page.goto("/team/uitnodiging/bestaat-niet/")
    assert page.locator('[data-invitation-unusable="unknown"]').count() == 1
    assert_accessible(page)
