"""Protected media through the web server in front (SENDFILE_BACKEND=nginx): the app checks
the visitor and the fingerprint, then names the file in X-Accel-Redirect and sends no bytes.
tests/deploy runs the same against nginx itself."""

import pytest
from django.urls import reverse

from contracts.choices import ContractStatus
from tests.factories import contract_in_status, project_in_signed_contract
from tests.projects.test_public import _png, attachment_url, log
from wijkaanpak.common import files

pytestmark = pytest.mark.django_db

NGINX = "django_sendfile.backends.nginx"


@pytest.fixture
def behind_nginx(settings):
    settings.SENDFILE_BACKEND = NGINX


def test_the_simple_backend_is_the_default(settings):
    assert settings.SENDFILE_BACKEND == files.SIMPLE_BACKEND
    assert not files.offloaded()


def test_a_signed_contract_is_handed_to_nginx_after_its_fingerprint_is_checked(
    client, behind_nginx
):
    contract = contract_in_status(ContractStatus.SIGNED)
    original = contract.signed_original

    response = client.get(
        reverse("contracts:contract_pdf", kwargs={"slug": contract.neighbourhood.slug})
    )

    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{original.file.name}"
    assert response["ETag"] == f'"{original.sha256}"'
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Length"] == "0"
    assert response["X-Wijkaanpak-Source"] == "archive"


def test_a_changed_archived_file_is_never_handed_on(client, behind_nginx, settings):
    contract = contract_in_status(ContractStatus.SIGNED)
    path = settings.MEDIA_ROOT / contract.signed_original.file.name
    path.write_bytes(path.read_bytes() + b"%")

    response = client.get(
        reverse("contracts:contract_pdf", kwargs={"slug": contract.neighbourhood.slug})
    )

    assert response.status_code == 503
    assert "X-Accel-Redirect" not in response


def test_an_attachment_is_handed_to_nginx_only_for_who_may_see_it(client, behind_nginx):
    project = project_in_signed_contract()
    public = log(project, happened="Openbaar", attachment=_png())
    internal = log(project, happened="Intern", visibility="internal", attachment=_png())

    response = client.get(attachment_url(public))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{public.attachment.name}"
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert client.get(attachment_url(internal)).status_code == 404


def test_a_name_outside_the_media_folder_is_a_404(rf, behind_nginx):
    from django.http import Http404

    with pytest.raises(Http404):
        files.file_response(
            rf.get("/"), "../secrets.txt", content_type="text/plain", filename="x.txt"
        )
