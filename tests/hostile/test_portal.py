"""Hostile input to the team portal: logging in, the password reset, accepting an invitation,
and, logged in as a team member, the progress update and the report. The only outcomes are
the form with its errors, or success; a refusal writes nothing (no row, no file, no mail),
and no input gives a 500."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import event, given
from hypothesis import strategies as st
from PIL import Image

from projects import services
from projects.choices import ProjectStatus, Visibility
from projects.models import ProgressUpdate, ProjectReport, TeamMembership
from tests.factories import invite, team_member
from tests.hostile.strategies import (
    assert_nothing_written,
    example,
    examples,
    hostile_text,
    no_rate_limits,
    post_form,
    short_text,
    state,
    url_part,
)

# Examples per property in CI (the "dev" profile runs DEV_FACTOR times as many).
LOGIN_EXAMPLES = 30
PASSWORD_RESET_EXAMPLES = 30
INVITATION_EXAMPLES = 40
INVITATION_LINK_EXAMPLES = 20
PROGRESS_UPDATE_EXAMPLES = 60
REPORT_EXAMPLES = 40

PASSWORD = "correct-horse-battery"  # the factories' password
LOGIN = reverse("projects:login")
PASSWORD_RESET = reverse("projects:password_reset")


@pytest.fixture
def hostile_client(settings):
    no_rate_limits(settings)
    return Client(raise_request_exception=False)


@pytest.fixture
def member(project):
    return team_member(project, username="teamlid", email="teamlid@example.org")


# --- Logging in and the password reset -------------------------------------------------------


@given(
    username=st.one_of(st.just("teamlid"), st.just("TEAMLID "), hostile_text(surrogates=True)),
    password=st.one_of(st.just(PASSWORD), hostile_text(surrogates=True)),
)
@examples(LOGIN_EXAMPLES)
def test_login_logs_in_or_shows_the_form(hostile_client, member, username, password):
    """Any user name and password: the form again with an error, or (only the right pair)
    logged in; nothing is written either way (sessions and login attempts aside)."""
    with example():
        before = state()
        response = post_form(hostile_client, LOGIN, {"username": username, "password": password})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert (username, password) == ("teamlid", PASSWORD)
            hostile_client.logout()
        else:
            assert response.context["form"].errors
        assert_nothing_written(before)


@given(
    email=st.one_of(
        st.sampled_from(["teamlid@example.org", "TeamLid@Example.org", " teamlid@example.org "]),
        st.emails().map(str),
        hostile_text(surrogates=True),
    )
)
@examples(PASSWORD_RESET_EXAMPLES)
def test_password_reset_answers_the_same_and_mails_only_the_account(hostile_client, member, email):
    """Any address: the form with an error, or the same "sent" page; a mail is queued only
    for the member's own address, and nothing else is written."""
    with example():
        before = state()
        response = post_form(hostile_client, PASSWORD_RESET, {"email": email})
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302)
        if response.status_code == 302 and email.strip().casefold() == member.email:
            after = state()
            assert after["rows"]["post_office.Email"] == before["rows"]["post_office.Email"] + 1
        else:
            assert_nothing_written(before)


# --- Accepting an invitation --------------------------------------------------------------------


@pytest.fixture
def invitation(project):
    """An open invitation to an address without an account, and the path of its link."""
    return invite(project, email="nieuw@example.org")


STRONG = "zeven-zwanen-zwemmen-77"


@given(
    username=st.one_of(st.just("nieuw@example.org"), hostile_text(surrogates=True)),
    password1=st.one_of(st.just(STRONG), hostile_text(surrogates=True)),
    same=st.booleans(),
    password2=hostile_text(surrogates=True),
)
@examples(INVITATION_EXAMPLES)
def test_accepting_an_invitation_makes_the_account_or_shows_the_form(
    hostile_client, invitation, username, password1, same, password2
):
    """Any user name and passwords for the new account: the form with its errors and nothing
    written, or the account with its membership, logged in, on the project's page."""
    invitation, path = invitation
    data = {
        "username": username,
        "password1": password1,
        "password2": password1 if same else password2,
    }
    with example():
        before = state()
        response = post_form(hostile_client, path, data)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert response["Location"] == reverse(
                "projects:portal_project", kwargs={"pk": invitation.project_id}
            )
            assert TeamMembership.objects.count() == before["rows"]["projects.TeamMembership"] + 1
            hostile_client.logout()
        else:
            assert response.context["form"].errors
            assert_nothing_written(before)


@given(token=hostile_text(surrogates=True), post=st.booleans())
@examples(INVITATION_LINK_EXAMPLES)
def test_any_wrong_invitation_link_is_a_404(hostile_client, invitation, token, post):
    """Any token but the real one: the neutral 404 page, for a GET and a POST alike."""
    path = f"/team/uitnodiging/{url_part(token)}/"
    with example():
        before = state()
        if post:
            response = post_form(hostile_client, path, {"username": "x", "password1": STRONG})
        else:
            response = hostile_client.get(path)
        assert response.status_code == 404
        assert_nothing_written(before)


# --- The progress update and the report of a team member ----------------------------------------


@pytest.fixture
def member_client(hostile_client, member):
    hostile_client.force_login(member)
    return hostile_client


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()

DATES = st.one_of(
    st.builds(lambda: timezone.localdate().isoformat()),
    st.dates(min_value=datetime.date(1, 1, 1)).map(datetime.date.isoformat),
    st.sampled_from(["", "0000-00-00", "9999-12-31", "2024-02-30", "today", "1-1-1", "99999-1-1"]),
    short_text(),
)
PERCENTAGES = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=0, max_value=100).map(str),
    st.sampled_from(["", "NaN", "Infinity", "1e2", "50.5", "9" * 5000, "²", "٣"]),
    short_text(),
)
STATUSES = st.one_of(
    st.just(ProjectStatus.PLANNED), st.sampled_from(ProjectStatus.values), short_text()
)
ATTACHMENTS = st.one_of(
    st.none(),
    st.tuples(
        st.one_of(st.just("foto.png"), hostile_text(max_size=300)),
        st.one_of(st.just(PNG), st.binary(max_size=2000), st.just(b"")),
    ),
)


def _post(client, path, data, attachment):
    """POST `data` as a browser would: urlencoded (any bytes), or multipart with a file."""
    if attachment is None:
        return post_form(client, path, data)
    name, content = attachment
    upload = SimpleUploadedFile(name or "x", content, content_type="image/png")
    return client.post(path, {**data, "attachment": upload})


@given(
    data=st.data(),
    attachment=ATTACHMENTS,
    date=DATES,
    status=STATUSES,
    percent=PERCENTAGES,
    visibility=st.one_of(st.sampled_from(Visibility.values), short_text()),
)
@examples(PROGRESS_UPDATE_EXAMPLES)
def test_progress_update_is_saved_or_refused_on_the_form(
    member_client, project, data, attachment, date, status, percent, visibility
):
    """A team member's update with hostile text, dates, statuses, percentages and uploads
    (any name, any bytes): the form with its errors and nothing written (no row, no file),
    or one update saved (or the first one, sent again, found)."""
    # Lone surrogates only reach a server urlencoded; the test client's multipart encoder
    # cannot send them.
    text = hostile_text(surrogates=attachment is None)
    fields = {
        "date": date,
        "status": status,
        "percent_complete": percent,
        "happened": data.draw(st.one_of(st.just("Het hek staat"), text), label="happened"),
        "next_steps": data.draw(text, label="next_steps"),
        "visibility": visibility,
    }
    path = reverse("projects:portal_project", kwargs={"pk": project.pk})
    with example():
        before = state()
        response = _post(member_client, path, fields, attachment)
        event(f"status {response.status_code}")
        # A file name past Django's limit on a part's headers (1 KB: no file system makes
        # one) makes the whole request a bad one: Django's 400 page.
        bad_request = attachment is not None and len(attachment[0].encode()) > 700
        assert response.status_code in ((200, 302, 400) if bad_request else (200, 302))
        if response.status_code == 302:
            written = ProgressUpdate.objects.count() - before["rows"]["projects.ProgressUpdate"]
            assert written in (0, 1)
        elif response.status_code == 400:
            assert_nothing_written(before)
        else:
            assert response.context["form"].errors
            assert_nothing_written(before)


@pytest.fixture
def round_(project, editor_user):
    return services.open_round(
        title="Tussenevaluatie",
        due_date=timezone.localdate() + datetime.timedelta(days=30),
        contracts=[project.contract],
        user=editor_user,
    )


@given(
    achieved=hostile_text(surrogates=True),
    deviations=hostile_text(surrogates=True),
    next_steps=hostile_text(surrogates=True),
    status=STATUSES,
    percent=PERCENTAGES,
)
@examples(REPORT_EXAMPLES)
def test_report_is_handed_in_or_refused_on_the_form(
    member_client, project, round_, achieved, deviations, next_steps, status, percent
):
    """A team member's report with hostile text, statuses and percentages: the form with its
    errors and nothing written, or the report handed in."""
    fields = {
        "achieved": achieved,
        "deviations": deviations,
        "next_steps": next_steps,
        "status": status,
        "percent_complete": percent,
    }
    path = reverse("projects:portal_report", kwargs={"round_pk": round_.pk, "pk": project.pk})
    with example():
        before = state()
        response = post_form(member_client, path, fields)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert ProjectReport.objects.count() == before["rows"]["projects.ProjectReport"] + 1
        else:
            assert response.context["form"].errors
            assert_nothing_written(before)
