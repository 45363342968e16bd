"""Rights come from Django permissions and team membership, never from "is staff" alone.

The budget manager (no project rights) sees no project in the portal, cannot post progress
and opens no internal or hidden attachment; drafts need the right to view their kind; the
editor sees no staff account in the user admin (README: Access policy).
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from contracts.choices import ContractStatus
from projects import services
from projects.choices import Visibility
from projects.models import ProgressUpdate
from tests.access.personas import log_in
from tests.factories import (
    ProjectFactory,
    UserFactory,
    blank_pdf,
    complete_contract,
    contract_in_status,
    draft_addendum,
    progress_update,
    team_member,
)

pytestmark = pytest.mark.django_db


def client_of(user):
    return log_in(Client(), user)


@pytest.fixture
def draft_project(db):
    """A project in a draft contract."""
    return ProjectFactory(contract=complete_contract(), title="Concept-project")


@pytest.fixture
def member(project):
    return team_member(project, username="teamlid")


@pytest.fixture
def plain_staff(db):
    """Staff without any group: "is staff" and nothing else."""
    return UserFactory(username="medewerker", is_staff=True)


# --- The portal -------------------------------------------------------------------------------


def test_the_budget_manager_sees_no_project_in_the_portal(
    project, draft_project, budget_manager_user, editor_user
):
    as_budget_manager = client_of(budget_manager_user).get(reverse("projects:portal"))
    as_editor = client_of(editor_user).get(reverse("projects:portal"))

    assert as_budget_manager.status_code == 200
    assert list(as_budget_manager.context["projects"]) == []
    assert 'data-notice="sees-all"' not in as_budget_manager.text
    assert set(as_editor.context["projects"]) == {project, draft_project}
    assert 'data-notice="sees-all"' in as_editor.text


@pytest.mark.parametrize("user", ["budget_manager_user", "plain_staff"])
def test_only_the_team_and_editors_open_a_project_in_the_portal(
    request, user, project, member, editor_user
):
    url = reverse("projects:portal_project", args=[project.pk])

    assert client_of(request.getfixturevalue(user)).get(url).status_code == 404
    assert client_of(member).get(url).status_code == 200
    assert client_of(editor_user).get(url).status_code == 200


def test_the_budget_manager_cannot_post_progress(project, budget_manager_user, editor_user):
    url = reverse("projects:portal_project", args=[project.pk])
    data = {
        "date": project.contract.period_start.isoformat(),
        "status": project.status,
        "percent_complete": 10,
        "happened": "Iets gedaan.",
        "next_steps": "",
        "visibility": Visibility.PUBLIC,
    }

    response = client_of(budget_manager_user).post(url, data)

    assert response.status_code == 404
    assert not ProgressUpdate.objects.exists()
    assert not services.can_report_on(budget_manager_user, project)
    with pytest.raises(PermissionDenied):
        progress_update(project, budget_manager_user, "Iets gedaan.")
    assert services.can_report_on(editor_user, project)


def test_only_editors_hide_updates(project, member, budget_manager_user, editor_user):
    update = progress_update(project, member, "Iets gedaan.")

    with pytest.raises(PermissionDenied):
        services.hide_update(update, user=budget_manager_user, reason="Privacy")
    services.hide_update(update, user=editor_user, reason="Privacy")

    assert ProgressUpdate.objects.get(pk=update.pk).hidden


# --- Attachments ------------------------------------------------------------------------------


@pytest.fixture
def internal_update(project, member):
    return progress_update(
        project,
        member,
        "Notulen van het teamoverleg.",
        visibility=Visibility.INTERNAL,
        attachment=ContentFile(blank_pdf(), name="notulen.pdf"),
    )


def attachment_status(user, update):
    client = Client() if user is None else client_of(user)
    url = reverse("projects:update_attachment", args=[update.project_id, update.pk])
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


def test_an_internal_attachment_is_for_the_team_and_the_editors(
    internal_update, member, budget_manager_user, plain_staff, editor_user
):
    other_team = team_member(ProjectFactory(), username="ander-team")

    assert attachment_status(member, internal_update) == 200
    assert attachment_status(editor_user, internal_update) == 200
    assert attachment_status(budget_manager_user, internal_update) == 404
    assert attachment_status(plain_staff, internal_update) == 404
    assert attachment_status(other_team, internal_update) == 404
    assert attachment_status(None, internal_update) == 404


def test_a_hidden_attachment_is_for_the_editors_only(
    internal_update, member, budget_manager_user, editor_user
):
    services.hide_update(internal_update, user=editor_user, reason="Persoonsgegevens")

    assert attachment_status(editor_user, internal_update) == 200
    assert attachment_status(member, internal_update) == 404
    assert attachment_status(budget_manager_user, internal_update) == 404


def test_the_hidden_updates_in_the_portal_are_for_the_editors_only(project, member, editor_user):
    update = progress_update(project, member, "Het telefoonnummer van de buurman.")
    services.hide_update(update, user=editor_user, reason="Persoonsgegevens")
    url = reverse("projects:portal_project", args=[project.pk])

    assert update.happened in client_of(editor_user).get(url).text
    assert update.happened not in client_of(member).get(url).text


# --- Drafts -----------------------------------------------------------------------------------


def test_a_draft_project_needs_the_right_to_view_projects(
    draft_project, budget_manager_user, plain_staff, editor_user
):
    url = reverse("projects:project_detail", args=[draft_project.pk])

    assert client_of(editor_user).get(url).status_code == 200
    assert client_of(budget_manager_user).get(url).status_code == 404
    assert client_of(plain_staff).get(url).status_code == 404
    assert Client().get(url).status_code == 404


def test_a_draft_contract_needs_the_right_to_view_contracts(budget_manager_user, plain_staff):
    contract = complete_contract()
    url = reverse("contracts:contract_version", args=[contract.neighbourhood.slug, contract.pk])

    assert client_of(budget_manager_user).get(url).status_code == 200
    assert client_of(plain_staff).get(url).status_code == 404
    assert Client().get(url).status_code == 404


def test_an_unsigned_addendum_needs_the_right_to_view_addenda(
    budget_manager_user, plain_staff, editor_user
):
    contract = contract_in_status(ContractStatus.SIGNED)
    addendum = draft_addendum(contract)
    url = reverse(
        "contracts:addendum_pdf",
        args=[contract.neighbourhood.slug, contract.pk, addendum.number],
    )

    assert client_of(editor_user).get(url).status_code == 200
    assert client_of(budget_manager_user).get(url).status_code == 404
    assert client_of(plain_staff).get(url).status_code == 404


# --- Users in the admin -----------------------------------------------------------------------


def test_the_editor_sees_team_accounts_only(editor_user, budget_manager_user, superuser):
    superuser.email = "beheerder@gemeente.example"
    superuser.save()
    budget_manager_user.email = "budget@gemeente.example"
    budget_manager_user.save()
    UserFactory(username="j.jansen", email="j.jansen@example.org")

    as_editor = client_of(editor_user).get(reverse("admin:auth_user_changelist"))
    as_superuser = client_of(superuser).get(reverse("admin:auth_user_changelist"))

    assert as_editor.status_code == 200
    assert "j.jansen" in as_editor.text
    for secret in ("beheerder@gemeente.example", "budget@gemeente.example"):
        assert secret not in as_editor.text
        assert secret in as_superuser.text


@pytest.mark.parametrize("page", ["change", "history", "delete"])
def test_a_staff_account_is_refused_to_the_editor(page, editor_user, superuser):
    url = reverse(f"admin:auth_user_{page}", args=[superuser.pk])

    assert client_of(editor_user).get(url).status_code == 403
    assert client_of(superuser).get(url).status_code == 200


def test_the_editor_cannot_change_a_staff_password(editor_user, superuser):
    url = reverse("admin:auth_user_password_change", args=[superuser.pk])

    response = client_of(editor_user).post(
        url, {"password1": "een-nieuw-wachtwoord", "password2": "een-nieuw-wachtwoord"}
    )

    assert response.status_code == 403
    superuser.refresh_from_db()
    assert not superuser.check_password("een-nieuw-wachtwoord")


def test_the_user_autocomplete_offers_no_staff(editor_user, budget_manager_user):
    UserFactory(username="budget-jansen")
    budget_manager_user.username = "budget-staf"
    budget_manager_user.save()

    response = client_of(editor_user).get(
        reverse("admin:autocomplete"),
        {
            "term": "budget",
            "app_label": "projects",
            "model_name": "teammembership",
            "field_name": "user",
        },
    )

    assert [r["text"] for r in response.json()["results"]] == ["budget-jansen"]


def test_who_may_not_delete_hears_a_403(budget_manager_user):
    contract = contract_in_status(ContractStatus.SIGNED)
    url = reverse("admin:contracts_contract_delete", args=[contract.pk])

    assert client_of(budget_manager_user).get(url).status_code == 403


def test_the_contract_admin_lists_addenda_to_who_may_view_them(budget_manager_user, editor_user):
    contract = contract_in_status(ContractStatus.SIGNED)
    draft_addendum(contract, title="Concept-addendum-nog-niet-getekend")
    url = reverse("admin:contracts_contract_change", args=[contract.pk])

    assert "Concept-addendum-nog-niet-getekend" in client_of(editor_user).get(url).text
    as_budget_manager = client_of(budget_manager_user).get(url)
    assert as_budget_manager.status_code == 200
    assert "Concept-addendum-nog-niet-getekend" not in as_budget_manager.text
