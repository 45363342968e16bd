"""A request body above MAX_REQUEST_BODY_MB is refused before anything reads it: a 413 with a
clear message on the form's page (or on the 413 page), and nothing written: no row, no upload,
no temporary file."""

import json
import os
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from budget.models import InitiativeApplication
from contracts.choices import ContractStatus
from contracts.models import SigningScan
from projects.models import ProgressUpdate
from tests.budget.test_apply import URL as APPLY_URL
from tests.factories import (
    application_form_data,
    contract_in_status,
    team_member,
)
from tests.projects.test_portal import media_files, update_data, work_url
from tests.wijkaanpak.test_settings import CLEARED, ROOT

pytestmark = pytest.mark.django_db

HUGE = str(200 * 1024 * 1024)  # 200 MB, declared; the body itself is small


class UnreadableBody:
    """A request body that fails the test when anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


@pytest.fixture
def upload_dir(settings, tmp_path):
    """Every uploaded file goes to disk here (no in-memory uploads), so a written temporary
    file would show."""
    path = tmp_path / "uploads"
    path.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return path


def tags_of(response):
    return [message.tags for message in response.context["messages"]]


def assert_refused_on_the_form(response, template):
    assert response.status_code == 413
    assert template in [t.name for t in response.templates]
    assert any("body_too_large" in tags for tags in tags_of(response))
    assert 'data-message="error"' in response.content.decode()


# --- The application form ---------------------------------------------------------------------


def test_a_huge_declared_body_is_refused_unread_on_the_form(client, fund, wish):
    response = client.post(
        APPLY_URL,
        application_form_data(wish),
        CONTENT_LENGTH=HUGE,
        **{"wsgi.input": UnreadableBody()},
    )

    assert_refused_on_the_form(response, "budget/application_form.html")
    # The message names what was sent and the limit, Dutch style.
    (message,) = [str(m) for m in response.context["messages"]]
    assert "200,0\xa0MB" in message
    assert "30,0\xa0MB" in message
    assert message in response.content.decode()
    assert not InitiativeApplication.objects.exists()


def test_a_real_body_just_over_the_limit_is_refused_and_one_under_accepted(
    client, fund, wish, settings, upload_dir
):
    settings.MAX_REQUEST_BODY_BYTES = 4000
    too_long = application_form_data(wish, description="x" * 4000)

    response = client.post(APPLY_URL, too_long)

    assert_refused_on_the_form(response, "budget/application_form.html")
    assert not InitiativeApplication.objects.exists()
    assert not list(upload_dir.iterdir())
    # The next request is not refused, and its page does not repeat the message.
    assert client.post(APPLY_URL, application_form_data(wish)).status_code == 302
    assert InitiativeApplication.objects.count() == 1
    assert "body_too_large" not in client.get(APPLY_URL).content.decode()


# --- The team portal's update form, with an attachment ----------------------------------------


@pytest.fixture
def member(project):
    return team_member(project, username="teamlid")


def test_an_attachment_over_the_limit_is_refused_on_the_portal_form(
    project, member, settings, upload_dir
):
    settings.MAX_REQUEST_BODY_BYTES = 50_000
    client = Client()
    client.force_login(member)
    photo = SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 60_000)

    response = client.post(work_url(project), update_data(attachment=photo))

    assert_refused_on_the_form(response, "projects/portal/project_work.html")
    assert not ProgressUpdate.objects.filter(project=project, happened__startswith="De eerste")
    assert not media_files()
    assert not list(upload_dir.iterdir())


def test_an_anonymous_huge_post_to_the_portal_gets_the_413_page(client, project):
    response = client.post(
        work_url(project), {}, CONTENT_LENGTH=HUGE, **{"wsgi.input": UnreadableBody()}
    )

    assert response.status_code == 413
    content = response.content.decode()
    assert 'data-error="413"' in content
    assert 'data-message="error"' in content


# --- The scan upload in the admin --------------------------------------------------------------


def test_a_scan_over_the_limit_gets_the_413_page_with_a_way_back(editor, settings, upload_dir):
    settings.MAX_REQUEST_BODY_BYTES = 50_000
    contract = contract_in_status(ContractStatus.SIGNED)
    change_url = reverse("admin:contracts_contract_change", args=[contract.pk])
    upload_url = reverse("admin:contracts_contract_scan_upload", args=[contract.pk])
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"0" * 60_000)

    response = editor.post(
        upload_url,
        {"file": scan, "description": ""},
        HTTP_REFERER=f"http://testserver{change_url}",
    )

    assert response.status_code == 413
    content = response.content.decode()
    assert 'data-error="413"' in content
    assert f'href="http://testserver{change_url}" data-back' in content
    assert 'data-message="error"' in content
    assert not SigningScan.objects.exists()
    assert not list(upload_dir.iterdir())
    # The message was shown there, so the change page does not show it again.
    assert "body_too_large" not in editor.get(change_url).content.decode()


def test_a_foreign_referer_is_not_linked(editor, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1000
    contract = contract_in_status(ContractStatus.SIGNED)
    upload_url = reverse("admin:contracts_contract_scan_upload", args=[contract.pk])

    response = editor.post(
        upload_url,
        {"description": "x" * 2000},
        HTTP_REFERER="https://elders.example/val",
    )

    assert response.status_code == 413
    assert "elders.example" not in response.content.decode()


def test_a_huge_declared_body_in_the_admin_add_form_is_refused_on_the_form(editor):
    response = editor.post(
        reverse("admin:contracts_neighbourhood_add"),
        {},
        CONTENT_LENGTH=HUGE,
        **{"wsgi.input": UnreadableBody()},
    )

    assert response.status_code == 413
    assert any("body_too_large" in tags for tags in tags_of(response))


# --- The setting -------------------------------------------------------------------------------


def limit_from_environment(value):
    env = {key: item for key, item in os.environ.items() if key not in CLEARED}
    env.update(DEBUG="true", MAX_REQUEST_BODY_MB=value)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, wijkaanpak.settings as s; print(json.dumps(s.MAX_REQUEST_BODY_BYTES))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_limit_comes_from_the_environment():
    result = limit_from_environment("12")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == 12 * 1024 * 1024


@pytest.mark.parametrize("value", ["0", "-3", "veel"])
def test_a_limit_that_cannot_be_meant_is_refused(value):
    result = limit_from_environment(value)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "MAX_REQUEST_BODY_MB" in result.stderr


def test_the_default_is_thirty_megabytes(settings):
    assert settings.MAX_REQUEST_BODY_MB == 30
    assert settings.MAX_REQUEST_BODY_BYTES == 30 * 1024 * 1024
