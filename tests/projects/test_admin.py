"""The staff admin of projects: the inline on the contract, the freeze, hiding updates,
reporting rounds with their completeness and reminders, and the number of queries."""

import datetime

import pytest
from django.contrib import admin, messages
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contracts import services as contract_services
from contracts.choices import ContractStatus
from contracts.models import (
    Contract,
    ContractParty,
    ContractSection,
    ResidentWish,
    StandardSection,
)
from projects import services
from projects.admin import ProjectAdmin
from projects.choices import ProjectStatus, TeamRole
from projects.models import (
    ProgressUpdate,
    Project,
    ProjectPartner,
    ProjectReport,
    ReportingRound,
    ReportReminder,
    TeamMembership,
)
from tests.admin_pages import contract_fields, error_tags, levels, management
from tests.conftest import count_queries
from tests.factories import (
    NeighbourhoodFactory,
    PartnerFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ResidentWishFactory,
    TeamMembershipFactory,
    UserFactory,
    complete_contract,
    contract_in_status,
    group_member,
    move_to,
    progress_update,
    project_in_signed_contract,
)
from wijkaanpak.common.groups import EDITORS

pytestmark = pytest.mark.django_db

MODELS = ["project", "progressupdate", "reportinground", "projectreport"]


def url(model, view="changelist", *args):
    return reverse(f"admin:projects_{model}_{view}", args=args)


def field_codes(response):
    """{field: [codes]} of the errors of the admin form on the page."""
    errors = response.context["adminform"].form.errors.as_data()
    return {field: [error.code for error in field_errors] for field, field_errors in errors.items()}


def started(project, user, percent_complete=20):
    """The project's update of 1 March 2008: started, on schedule."""
    return progress_update(
        project,
        user,
        happened="Gestart.",
        status=ProjectStatus.ON_SCHEDULE,
        percent_complete=percent_complete,
        date=datetime.date(2008, 3, 1),
    )


def staff_with(*codenames):
    """A staff user with exactly these permissions of the projects app."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="projects", codename__in=codenames)
    )
    return user


def contract_with_projects(count, status=ContractStatus.SIGNED):
    """A complete contract with `count` projects, each with a participating partner, then
    moved to `status`."""
    contract = complete_contract()
    for _index in range(count):
        ProjectPartnerFactory(project=ProjectFactory(contract=contract))
    return move_to(contract, status)


def project_form_data(project=None, **fields):
    """What the project add page posts for a valid new project (or `project`, unchanged)."""
    if project is None:
        contract = complete_contract()
        data = {
            "contract": str(contract.pk),
            "number": "1",
            "title": "Speeltuin Zaanenpark",
            "summary": "Een nieuwe speeltuin.",
            "description": "Samen met bewoners ontwerpen en aanleggen.",
            "expected_result": "Kinderen spelen buiten.",
            "lead_partner": str(contract.parties.first().partner_id),
            "wishes": [str(contract.wishes.first().pk)],
            "planned_start": "2007-11-01",
            "planned_end": "2008-10-31",
        }
    else:
        data = {
            "number": str(project.number),
            "title": project.title,
            "summary": project.summary,
            "description": project.description,
            "expected_result": project.expected_result,
            "lead_partner": str(project.lead_partner_id),
            "wishes": [str(pk) for pk in project.wishes.values_list("pk", flat=True)],
            "planned_start": project.planned_start.isoformat(),
            "planned_end": project.planned_end.isoformat(),
        }
    data.update(management("participants", 0))
    if project is not None:
        data.update(management("memberships", 0))
    data.update(fields)
    return data


# --- Pages, for the editor and for users without staff rights ---------------------------------


def test_the_editor_is_not_a_superuser(editor_user):
    assert editor_user.is_staff
    assert not editor_user.is_superuser


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_and_change_page_loads_for_the_editor(editor, editor_user, model):
    project = project_in_signed_contract()
    update = started(project, editor_user)
    round_ = services.open_round(
        title="Tussenevaluatie",
        due_date=timezone.localdate(),
        contracts=[project.contract],
        user=editor_user,
    )
    report = services.submit_report(
        round_,
        project,
        user=editor_user,
        achieved="Veel.",
        status=ProjectStatus.ON_SCHEDULE,
        percent_complete=40,
    )
    obj = {"project": project, "progressupdate": update, "reportinground": round_}.get(
        model, report
    )

    assert editor.get(url(model)).status_code == 200
    assert editor.get(url(model, "change", obj.pk)).status_code == 200
    assert editor.get(url(model, "history", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", ["project", "reportinground"])
def test_the_add_pages_load_for_the_editor(editor, model):
    assert editor.get(url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", ["progressupdate", "projectreport"])
def test_updates_and_reports_have_no_add_page(editor, client, superuser, model):
    assert editor.get(url(model, "add")).status_code == 403
    client.force_login(superuser)
    assert client.get(url(model, "add")).status_code == 403


@pytest.mark.parametrize("view", ["changelist", "add"])
@pytest.mark.parametrize("model", MODELS)
def test_a_user_without_staff_rights_is_sent_to_the_login(client, other_user, model, view):
    client.force_login(other_user)

    response = client.get(url(model, view))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", MODELS)
def test_an_anonymous_visitor_is_sent_to_the_login(resident, model):
    response = resident.get(url(model))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_editors_group_may_hide_updates_but_never_write_them(editor_user):
    assert editor_user.has_perm("projects.add_project")
    assert editor_user.has_perm("projects.change_teammembership")
    assert editor_user.has_perm("projects.change_progressupdate")  # the right to hide
    assert editor_user.has_perm("projects.add_reportinground")
    assert editor_user.has_perm("projects.add_reportreminder")
    assert not editor_user.has_perm("projects.add_progressupdate")
    assert not editor_user.has_perm("projects.delete_progressupdate")
    assert not editor_user.has_perm("projects.change_projectreport")
    assert not editor_user.has_perm("projects.delete_projectreport")
    assert not editor_user.has_perm("projects.change_reportinground")


def test_lists_filter_and_search(editor):
    project = project_in_signed_contract(title="Speeltuin Zaanenpark")
    ProjectFactory(title="Buurthuis")
    neighbourhood = project.contract.neighbourhood

    found = editor.get(url("project"), {"q": "Zaanenpark"})
    filtered = editor.get(
        url("project"),
        {"contract__neighbourhood": neighbourhood.pk, "status": "planned"},
    )

    assert [p.pk for p in found.context["cl"].result_list] == [project.pk]
    assert [p.pk for p in filtered.context["cl"].result_list] == [project.pk]
    by_contract = editor.get(url("project"), {"contract_status": "signed"})
    assert [p.pk for p in by_contract.context["cl"].result_list] == [project.pk]
    for params in ({"contract_status": "signed"}, {"lead_partner__id__exact": "1"}):
        assert editor.get(url("project"), params).status_code == 200


# --- Projects inline on their contract --------------------------------------------------------


def contract_url(contract):
    return reverse("admin:contracts_contract_change", args=[contract.pk])


def contract_form_data(contract):
    """What the change form of a draft contract posts when saved unchanged."""
    data = contract_fields(contract)
    inlines = {
        "sections": ("order", "heading", "body"),
        "parties": ("partner", "signatory_name", "signatory_function", "order"),
        "wishes": ("order", "title", "description", "source"),
        "projects": (
            "number",
            "title",
            "summary",
            "description",
            "lead_partner",
            "planned_start",
            "planned_end",
        ),
        "status_changes": (),
    }
    for prefix, names in inlines.items():
        rows = list(getattr(contract, prefix).all())
        data.update(management(prefix, len(rows), len(rows)))
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = str(row.pk)
            data[f"{prefix}-{index}-contract"] = str(contract.pk)
            for name in names:
                value = getattr(row, f"{name}_id" if name in ("partner", "lead_partner") else name)
                data[f"{prefix}-{index}-{name}"] = (
                    value.isoformat() if isinstance(value, datetime.date) else str(value)
                )
            if prefix == "projects":
                orders = sorted(row.wishes.values_list("order", flat=True))
                data[f"projects-{index}-wish_numbers"] = ", ".join(map(str, orders))
    contributions = ProjectPartner.objects.filter(project__contract=contract).order_by(
        "project__number", "order", "pk"
    )
    data.update(management("contributions", len(contributions), len(contributions)))
    for index, row in enumerate(contributions):
        data.update(
            {
                f"contributions-{index}-id": str(row.pk),
                f"contributions-{index}-project_number": str(row.project.number),
                f"contributions-{index}-partner": str(row.partner_id),
                f"contributions-{index}-contribution": row.contribution,
                f"contributions-{index}-amount": "" if row.amount is None else str(row.amount),
                f"contributions-{index}-order": str(row.order),
            }
        )
    return data


def inline(response, prefix):
    """The formset `prefix` of the contract's page in `response`."""
    return next(
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix
    )


def new_project_row(contract, index, **fields):
    row = {
        "number": "7",
        "title": "Nieuw project",
        "summary": "Kort.",
        "description": "Lang.",
        "lead_partner": str(contract.parties.first().partner_id),
        "planned_start": "2008-01-01",
        "planned_end": "2008-12-31",
        **fields,
    }
    return {f"projects-{index}-{name}": value for name, value in row.items()}


def test_the_contract_page_lists_its_projects_inline(editor):
    contract = complete_contract()
    project = ProjectFactory(contract=contract, title="Speeltuin Zaanenpark")

    response = editor.get(contract_url(contract))

    content = response.content.decode()
    assert 'name="projects-0-title"' in content
    assert 'name="projects-0-lead_partner"' in content
    assert reverse("admin:projects_project_change", args=[project.pk]) in content
    # The contract's parties are offered first as lead partner, then the other partners.
    outsider = PartnerFactory()
    offered = inline(editor.get(contract_url(contract)), "projects").forms[0]
    empty, parties, others = offered.fields["lead_partner"].widget.choices
    assert empty[0] == ""
    assert {pk for pk, _name in parties[1]} == set(
        contract.parties.values_list("partner_id", flat=True)
    )
    assert outsider.pk in {pk for pk, _name in others[1]}


def test_a_new_contract_has_rows_for_its_first_project_and_contribution(editor):
    response = editor.get(reverse("admin:contracts_contract_add"))

    assert len(inline(response, "projects").forms) == 1
    assert len(inline(response, "contributions").forms) == 1
    content = response.content.decode()
    assert 'name="projects-0-wish_numbers"' in content
    assert 'name="contributions-0-project_number"' in content


def test_a_project_is_added_inline_on_a_draft_contract(editor):
    contract = complete_contract()
    data = contract_form_data(contract)
    data.update(management("projects", 1))
    data.update(new_project_row(contract, 0))

    response = editor.post(contract_url(contract), data)

    assert response.status_code == 302
    assert levels(response) == [messages.SUCCESS]
    assert contract.projects.get().title == "Nieuw project"


def test_a_lead_partner_that_is_no_party_is_refused_inline(editor):
    contract = complete_contract()
    outsider = PartnerFactory()
    data = contract_form_data(contract)
    data.update(management("projects", 1))
    data.update(new_project_row(contract, 0, lead_partner=str(outsider.pk)))

    response = editor.post(contract_url(contract), data)

    assert response.status_code == 200
    formset = inline(response, "projects")
    assert [e.code for e in formset.forms[0].errors.as_data()["lead_partner"]] == ["lead_not_party"]
    assert not Project.objects.exists()


@pytest.mark.parametrize("status", [ContractStatus.READY_FOR_SIGNING, ContractStatus.SIGNED])
def test_a_frozen_contract_shows_its_projects_read_only(editor, status):
    contract = contract_with_projects(1, status)

    content = editor.get(contract_url(contract)).content.decode()

    assert contract.projects.get().title in content
    assert 'name="projects-0-title"' not in content
    assert "projects-0-DELETE" not in content


@pytest.mark.parametrize("status", [ContractStatus.READY_FOR_SIGNING, ContractStatus.SIGNED])
def test_adding_a_project_to_a_frozen_contract_is_refused(editor, status):
    contract = contract_with_projects(1, status)
    data = {**management("projects", 2, 1), **new_project_row(contract, 1)}

    response = editor.post(contract_url(contract), data)

    assert response.status_code == 302
    assert levels(response) == [messages.ERROR]
    assert "project_added_to_frozen_contract" in error_tags(response)[0]
    assert contract.projects.count() == 1


def test_changing_a_project_of_a_frozen_contract_inline_is_refused(editor):
    contract = contract_with_projects(1, ContractStatus.READY_FOR_SIGNING)
    project = contract.projects.get()
    data = {
        **management("projects", 1, 1),
        "projects-0-id": str(project.pk),
        "projects-0-title": "Andere titel",
    }

    response = editor.post(contract_url(contract), data)

    assert response.status_code == 302
    assert "contract_frozen" in error_tags(response)[0]
    project.refresh_from_db()
    assert project.title != "Andere titel"


# --- A whole contract in one submit, on its add page -------------------------------------------


def new_contract_data(neighbourhood, lead, contributor, **fields):
    """What the add page posts for a contract with two parties, one wish, its sections written,
    one project led by `lead` that answers the wish, and `contributor`'s contribution to it.
    `fields` override single posted values ("projects-0-lead_partner": "")."""
    standards = list(StandardSection.objects.all())
    data = {
        "neighbourhood": str(neighbourhood.pk),
        "title": "Wijkcontract Zuiderpolder",
        "motto": "",
        "period_start": "2007-10-02",
        "period_end": "2009-10-02",
        # The planned signing: the final PDF printed at "ready for signing" names it.
        "signed_on": "2007-10-02",
        "signing_place": "Haarlem",
        "_save": "1",
        **management("sections", len(standards)),
        **management("parties", 2),
        **management("wishes", 1),
        **management("projects", 1),
        **management("contributions", 1),
        "wishes-0-order": "1",
        "wishes-0-title": "Een veilige speelplek",
        "wishes-0-description": "",
        "wishes-0-source": "survey",
        "wishes-0-not_taken_up_reason": "",
        "projects-0-number": "1",
        "projects-0-title": "Speelveld Zuiderpolder",
        "projects-0-summary": "Een nieuw speelveld.",
        "projects-0-description": "Samen met de kinderen ontworpen.",
        "projects-0-lead_partner": str(lead.pk),
        "projects-0-wish_numbers": "1",
        "projects-0-planned_start": "2008-01-01",
        "projects-0-planned_end": "2008-12-31",
        "contributions-0-project_number": "1",
        "contributions-0-partner": str(contributor.pk),
        "contributions-0-contribution": "Aanleg en onderhoud",
        "contributions-0-amount": "95.000,00",  # as people type it here
        "contributions-0-order": "0",
    }
    for index, standard in enumerate(standards):
        data[f"sections-{index}-order"] = str((index + 1) * 10)
        data[f"sections-{index}-heading"] = standard.heading
        data[f"sections-{index}-body"] = f"Onze tekst over {standard.heading.lower()}."
    for index, partner in enumerate((lead, contributor)):
        data[f"parties-{index}-partner"] = str(partner.pk)
        data[f"parties-{index}-signatory_name"] = f"A. Tekenaar {index}"
        data[f"parties-{index}-signatory_function"] = "directeur"
        data[f"parties-{index}-order"] = str(index)
    data.update(fields)
    return data


def test_a_contract_with_its_wish_project_and_contribution_is_made_in_one_submit(editor):
    lead, contributor = PartnerFactory.create_batch(2)
    data = new_contract_data(NeighbourhoodFactory(), lead, contributor)

    response = editor.post(reverse("admin:contracts_contract_add"), data)

    assert response.status_code == 302
    contract = Contract.objects.get()
    project = contract.projects.get()
    assert project.lead_partner == lead
    assert list(project.wishes.all()) == list(contract.wishes.all())
    contribution = project.participants.get()
    assert (contribution.partner, str(contribution.amount)) == (contributor, "95000.00")
    # Nothing left to do before it may be marked as ready for signing.
    assert contract_services.readiness_problems(contract) == []


BAD_ROWS = [
    # posted value(s), formset, field, code
    ({"projects-0-lead_partner": ""}, "projects", "lead_partner", "required"),
    ({"projects-0-lead_partner": "outsider"}, "projects", "lead_partner", "lead_not_party"),
    ({"projects-0-wish_numbers": "7"}, "projects", "wish_numbers", "unknown_wish"),
    ({"projects-0-wish_numbers": "een"}, "projects", "wish_numbers", "invalid_wish_numbers"),
    (
        {"projects-0-planned_end": "2010-06-30"},
        "projects",
        "planned_end",
        "planning_outside_period",
    ),
    ({"contributions-0-amount": "abc"}, "contributions", "amount", "amount_invalid"),
    ({"contributions-0-amount": "-5"}, "contributions", "amount", "negative_amount"),
    ({"contributions-0-project_number": "2"}, "contributions", "project_number", "unknown_project"),
    ({"contributions-0-project_number": "x"}, "contributions", "project_number", "invalid"),
]


@pytest.mark.parametrize(
    ("posted", "prefix", "field", "code"), BAD_ROWS, ids=[case[3] for case in BAD_ROWS]
)
def test_a_bad_row_on_the_add_page_is_said_in_place_and_saves_nothing(
    editor, posted, prefix, field, code
):
    lead, contributor = PartnerFactory.create_batch(2)
    outsider = PartnerFactory(name="Buitenstaander")
    posted = {k: str(outsider.pk) if v == "outsider" else v for k, v in posted.items()}
    data = new_contract_data(NeighbourhoodFactory(), lead, contributor, **posted)

    response = editor.post(reverse("admin:contracts_contract_add"), data)

    assert response.status_code == 200
    errors = inline(response, prefix).forms[0].errors.as_data()
    assert code in [error.code for error in errors[field]]
    for model in (Contract, ContractSection, ContractParty, ResidentWish, Project, ProjectPartner):
        assert not model.objects.exists()
    # What was typed is still there to correct.
    content = response.content.decode()
    assert 'value="Speelveld Zuiderpolder"' in content
    assert "Aanleg en onderhoud" in content
    for name, value in posted.items():
        if value and name.endswith(("amount", "wish_numbers", "project_number")):
            assert f'value="{value}"' in content


def test_two_wishes_with_the_same_number_are_named_on_the_project(editor):
    lead, contributor = PartnerFactory.create_batch(2)
    data = new_contract_data(NeighbourhoodFactory(), lead, contributor)
    data.update(
        {
            **management("wishes", 2),
            "wishes-1-order": "1",
            "wishes-1-title": "Minder hondenpoep",
            "wishes-1-source": "survey",
        }
    )

    response = editor.post(reverse("admin:contracts_contract_add"), data)

    assert response.status_code == 200
    errors = inline(response, "projects").forms[0].errors.as_data()
    assert [e.code for e in errors["wish_numbers"]] == ["ambiguous_wish_number"]
    assert not Contract.objects.exists()


def test_a_partner_twice_in_one_project_is_refused_in_place(editor):
    lead, contributor = PartnerFactory.create_batch(2)
    data = new_contract_data(NeighbourhoodFactory(), lead, contributor)
    data.update(
        {
            **management("contributions", 2),
            "contributions-1-project_number": "1",
            "contributions-1-partner": str(contributor.pk),
            "contributions-1-contribution": "Nog eens",
            "contributions-1-order": "1",
        }
    )

    response = editor.post(reverse("admin:contracts_contract_add"), data)

    assert response.status_code == 200
    errors = inline(response, "contributions").forms[1].errors.as_data()
    assert [e.code for e in errors["partner"]] == ["duplicate_project_partner"]
    assert not ProjectPartner.objects.exists()


# --- Wishes and contributions on the page of an existing contract -------------------------------


def test_the_contract_page_shows_each_projects_wishes_and_contributions(editor):
    contract = complete_contract()
    project = ProjectFactory(contract=contract, number=3)
    wishes = list(contract.wishes.order_by("order"))
    project.wishes.set(wishes)
    contribution = ProjectPartnerFactory(project=project, amount="1200.00")

    response = editor.get(contract_url(contract))

    row = inline(response, "projects").forms[0]
    assert row.initial["wish_numbers"] == ", ".join(str(wish.order) for wish in wishes)
    contributions = inline(response, "contributions").forms
    assert contributions[0].instance == contribution
    assert contributions[0].initial["project_number"] == 3


def test_a_project_links_a_wish_and_gets_a_contribution_on_the_contract_page(editor):
    contract = complete_contract()
    project = ProjectFactory(contract=contract, number=1)
    wish = contract.wishes.order_by("order").last()
    partner = contract.parties.last().partner
    data = contract_form_data(contract)
    data["projects-0-wish_numbers"] = str(wish.order)
    data.update(
        {
            **management("contributions", 1),
            "contributions-0-project_number": "1",
            "contributions-0-partner": str(partner.pk),
            "contributions-0-contribution": "Twee buurtwerkers",
            "contributions-0-amount": "",
            "contributions-0-order": "0",
        }
    )

    response = editor.post(contract_url(contract), data)

    assert response.status_code == 302
    assert list(project.wishes.all()) == [wish]
    assert project.participants.get().partner == partner


def test_a_party_added_in_the_same_submit_may_lead_a_project(editor):
    contract = complete_contract()
    newcomer = PartnerFactory()
    data = contract_form_data(contract)
    data.update(
        {
            **management("parties", 3, 2),
            "parties-2-partner": str(newcomer.pk),
            "parties-2-signatory_name": "C. Nieuw",
            "parties-2-signatory_function": "directeur",
            "parties-2-order": "2",
            **management("projects", 1),
            **new_project_row(contract, 0, lead_partner=str(newcomer.pk)),
        }
    )

    response = editor.post(contract_url(contract), data)

    assert response.status_code == 302
    assert contract.projects.get().lead_partner == newcomer


def test_a_wish_of_another_contract_cannot_be_linked_on_the_contract_page(editor):
    contract = complete_contract()
    project = ProjectFactory(contract=contract)
    linked = set(project.wishes.all())
    other = complete_contract()
    ResidentWishFactory(contract=other, order=77)
    data = contract_form_data(contract)
    data["projects-0-wish_numbers"] = "77"
    data["projects-0-wishes"] = [str(pk) for pk in other.wishes.values_list("pk", flat=True)]

    response = editor.post(contract_url(contract), data)

    assert response.status_code == 200
    errors = inline(response, "projects").forms[0].errors.as_data()
    assert [e.code for e in errors["wish_numbers"]] == ["unknown_wish"]
    assert set(project.wishes.all()) == linked


def test_deleting_a_project_takes_its_contributions_along(editor):
    contract = complete_contract()
    ProjectPartnerFactory(project=ProjectFactory(contract=contract))
    data = contract_form_data(contract)
    data["projects-0-DELETE"] = "on"

    response = editor.post(contract_url(contract), data)

    assert response.status_code == 302
    assert not Project.objects.exists()
    assert not ProjectPartner.objects.exists()


def test_a_frozen_contract_shows_its_contributions_and_wishes_read_only(editor):
    contract = complete_contract()
    project = ProjectFactory(contract=contract)
    wish = contract.wishes.first()
    project.wishes.set([wish])
    ProjectPartnerFactory(project=project, amount="1200.00", contribution="Twee buurtwerkers")
    move_to(contract, ContractStatus.READY_FOR_SIGNING)

    content = editor.get(contract_url(contract)).content.decode()

    assert "Twee buurtwerkers" in content
    assert "€ 1.200,00" in content
    assert f"{wish.order}. {wish.title}" in content
    assert 'name="contributions-0-amount"' not in content
    assert 'name="projects-0-wish_numbers"' not in content


@pytest.mark.parametrize("status", [ContractStatus.READY_FOR_SIGNING, ContractStatus.SIGNED])
def test_a_crafted_contribution_for_a_frozen_contract_is_refused(editor, status):
    contract = contract_with_projects(1, status)
    contribution = ProjectPartner.objects.get()
    data = {
        **management("contributions", 2, 1),
        "contributions-0-id": str(contribution.pk),
        "contributions-0-amount": "1",
        "contributions-1-project_number": "1",
        "contributions-1-partner": str(PartnerFactory().pk),
        "contributions-1-contribution": "Erbij",
    }

    response = editor.post(contract_url(contract), data)

    assert response.status_code == 302
    assert "contract_frozen" in error_tags(response)[0]
    assert ProjectPartner.objects.get() == contribution
    contribution.refresh_from_db()
    assert contribution.amount is None


# --- The project's own page -------------------------------------------------------------------


def test_a_project_is_added_on_its_own_page(editor, editor_user):
    data = project_form_data()

    response = editor.post(url("project", "add"), data)

    assert response.status_code == 302
    project = Project.objects.get()
    assert project.title == "Speeltuin Zaanenpark"
    assert [str(w.pk) for w in project.wishes.all()] == data["wishes"]
    assert project.history.get().history_user == editor_user


def test_the_add_page_offers_only_draft_contracts(editor):
    draft = complete_contract()
    frozen = contract_in_status(ContractStatus.SIGNED)

    response = editor.get(url("project", "add"))

    choices = response.context["adminform"].form.fields["contract"].widget.choices
    offered = {value for value, _label in choices}
    assert draft.pk in offered
    assert frozen.pk not in offered


def test_a_lead_partner_that_is_no_party_is_a_form_error(editor):
    outsider = PartnerFactory()

    response = editor.post(url("project", "add"), project_form_data(lead_partner=outsider.pk))

    assert response.status_code == 200
    assert field_codes(response) == {"lead_partner": ["lead_not_party"]}
    assert not Project.objects.exists()


def test_a_wish_of_another_contract_is_a_form_error(editor):
    other_wish = ResidentWishFactory()

    response = editor.post(url("project", "add"), project_form_data(wishes=[other_wish.pk]))

    assert response.status_code == 200
    assert field_codes(response) == {"wishes": ["wish_of_other_contract"]}
    assert not Project.objects.exists()


def test_a_wish_of_another_contract_is_a_form_error_on_change(editor):
    project = ProjectFactory(contract=complete_contract(), wishes=[])
    other_wish = ResidentWishFactory()

    response = editor.post(
        url("project", "change", project.pk),
        project_form_data(project, wishes=[str(other_wish.pk)]),
    )

    assert response.status_code == 200
    assert field_codes(response) == {"wishes": ["wish_of_other_contract"]}
    assert not project.wishes.exists()


def test_a_planning_outside_the_contract_period_is_a_form_error(editor):
    response = editor.post(url("project", "add"), project_form_data(planned_end="2010-06-30"))

    assert response.status_code == 200
    assert field_codes(response) == {"planned_end": ["planning_outside_period"]}
    assert not Project.objects.exists()


def test_a_project_cannot_be_added_to_a_frozen_contract_on_its_own_page(editor):
    frozen = contract_in_status(ContractStatus.READY_FOR_SIGNING)

    response = editor.post(
        url("project", "add"),
        project_form_data(
            contract=frozen.pk,
            lead_partner=frozen.parties.first().partner_id,
            wishes=[frozen.wishes.first().pk],
        ),
    )

    assert response.status_code == 200
    assert field_codes(response)["contract"] == ["project_added_to_frozen_contract"]
    assert not Project.objects.exists()


def test_a_project_with_participants_is_saved_with_them(editor):
    project = ProjectFactory(contract=complete_contract())
    partner = PartnerFactory()
    data = project_form_data(project, title="Nieuwe titel")
    data.update(
        {
            **management("participants", 1),
            "participants-0-partner": str(partner.pk),
            "participants-0-contribution": "20 uur per maand",
            "participants-0-amount": "1500.00",
            "participants-0-order": "0",
        }
    )

    response = editor.post(url("project", "change", project.pk), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Nieuwe titel"
    participant = project.participants.get()
    assert (participant.partner, str(participant.amount)) == (partner, "1500.00")


def test_status_and_percent_are_read_only(editor):
    project = ProjectFactory(contract=complete_contract())

    response = editor.post(
        url("project", "change", project.pk),
        project_form_data(project, status="done", percent_complete="100"),
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.status, project.percent_complete) == (ProjectStatus.PLANNED, 0)


FIXED_PROJECT_INPUTS = [
    'name="title"',
    'name="summary"',
    'name="description"',
    'name="lead_partner"',
    'name="wishes"',
    'name="planned_start"',
    'name="participants-0-contribution"',
]


def test_a_frozen_project_shows_its_text_read_only_and_its_team_open(editor):
    project = contract_with_projects(1).projects.get()

    content = editor.get(url("project", "change", project.pk)).content.decode()

    for fixed in FIXED_PROJECT_INPUTS:
        assert fixed not in content, fixed
    assert project.title in content
    assert "memberships-TOTAL_FORMS" in content
    assert 'name="memberships-__prefix__-user"' in content


def test_a_crafted_post_changes_nothing_of_a_frozen_project(editor):
    project = project_in_signed_contract()
    title = project.title
    history = project.history.count()
    data = project_form_data(project, title="Andere titel", summary="Anders")

    response = editor.post(url("project", "change", project.pk), data)

    assert response.status_code == 302
    assert levels(response) == [messages.ERROR]
    assert "contract_frozen" in error_tags(response)[0]
    project.refresh_from_db()
    assert (project.title, project.history.count()) == (title, history)


def test_a_refusal_of_the_model_layer_becomes_a_message(editor, monkeypatch):
    """A race: the admin still sees a draft while the database holds a frozen contract."""
    project = ProjectFactory(contract=complete_contract())
    data = project_form_data(project, title="Andere titel")
    contract_services.change_status(project.contract, ContractStatus.READY_FOR_SIGNING)
    original_get_object = ProjectAdmin.get_object

    def stale_get_object(self, request, object_id, from_field=None):
        obj = original_get_object(self, request, object_id, from_field)
        obj.contract.status = ContractStatus.DRAFT
        return obj

    monkeypatch.setattr(ProjectAdmin, "get_object", stale_get_object)

    response = editor.post(url("project", "change", project.pk), data)

    assert response.status_code == 302
    assert levels(response) == [messages.ERROR]
    assert "contract_frozen" in error_tags(response)[0]
    project.refresh_from_db()
    assert project.title != "Andere titel"


def test_the_team_of_a_frozen_project_still_changes(editor):
    project = project_in_signed_contract()
    member = UserFactory()
    data = {
        **management("participants", 0),
        **management("memberships", 1),
        "memberships-0-user": str(member.pk),
        "memberships-0-role": TeamRole.RESIDENT_MEMBER,
    }

    response = editor.post(url("project", "change", project.pk), data)

    assert response.status_code == 302
    assert levels(response) == [messages.SUCCESS]
    membership = TeamMembership.objects.get(project=project)
    assert (membership.user, membership.role) == (member, TeamRole.RESIDENT_MEMBER)


def test_the_user_autocomplete_answers_the_editor(editor):
    UserFactory(username="j.jansen")
    response = editor.get(
        reverse("admin:autocomplete"),
        {
            "term": "jansen",
            "app_label": "projects",
            "model_name": "teammembership",
            "field_name": "user",
        },
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["j.jansen"]


def test_a_project_of_a_frozen_contract_cannot_be_deleted(editor):
    project = project_in_signed_contract()

    response = editor.post(url("project", "delete", project.pk), {"post": "yes"})
    bulk = editor.post(
        url("project"),
        {"action": "delete_selected", "_selected_action": [project.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert "contract_frozen" in error_tags(response)[0]
    assert "contract_frozen" in error_tags(bulk)[0]
    assert Project.objects.filter(pk=project.pk).exists()


def test_a_project_of_a_draft_contract_can_be_deleted(editor):
    project = ProjectFactory(contract=complete_contract())

    response = editor.post(url("project", "delete", project.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()


@pytest.mark.parametrize("model", ["project", "progressupdate", "reportinground"])
def test_nothing_is_reverted_from_its_history(editor, editor_user, model):
    project = ProjectFactory(contract=complete_contract(), title="Oude titel")
    update = started(project, editor_user)
    round_ = ReportingRound.objects.create(
        title="Oude titel", due_date=timezone.localdate(), opened_at=timezone.now()
    )
    obj = {"project": project, "progressupdate": update, "reportinground": round_}[model]
    versions = obj.history.count()
    old_version = url(model, "simple_history", obj.pk, obj.history.first().pk)

    shown = editor.get(old_version)
    response = editor.post(old_version, {"title": "Nieuwe titel", "happened": "Anders"})

    assert shown.status_code == 200
    assert response.status_code == 405
    obj.refresh_from_db()
    assert obj.history.count() == versions
    assert getattr(obj, "title", "") != "Nieuwe titel"


# --- Progress updates: read-only, hidden with a reason ----------------------------------------


@pytest.fixture
def two_updates(editor_user):
    """A project whose newest update (delayed, 50%) follows an older one (on schedule, 30%)."""
    project = project_in_signed_contract()
    older = progress_update(
        project,
        editor_user,
        happened="Eerste bewonersavond.",
        status=ProjectStatus.ON_SCHEDULE,
        percent_complete=30,
        date=datetime.date(2008, 3, 1),
    )
    newer = progress_update(
        project,
        editor_user,
        happened="Iets wat er niet had mogen staan.",
        status=ProjectStatus.DELAYED,
        percent_complete=50,
        date=datetime.date(2008, 4, 1),
    )
    return project, older, newer


def test_no_one_adds_changes_or_deletes_an_update(rf, superuser, two_updates):
    _project, update, _newer = two_updates
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[ProgressUpdate]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, update)
    assert not model_admin.has_delete_permission(request, update)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_the_update_page_has_no_inputs_and_a_hide_button(editor, two_updates):
    _project, update, _newer = two_updates

    content = editor.get(url("progressupdate", "change", update.pk)).content.decode()

    assert 'name="happened"' not in content
    assert url("progressupdate", "hide", update.pk) in content
    assert editor.post(url("progressupdate", "change", update.pk), {}).status_code == 403
    assert (
        editor.post(url("progressupdate", "delete", update.pk), {"post": "yes"}).status_code == 403
    )


def test_an_update_is_hidden_with_a_reason(editor, editor_user, two_updates):
    project, _older, newer = two_updates
    assert editor.get(url("progressupdate", "hide", newer.pk)).status_code == 200

    response = editor.post(url("progressupdate", "hide", newer.pk), {"reason": "Persoonsgegevens"})

    assert response.status_code == 302
    assert levels(response) == [messages.SUCCESS]
    newer.refresh_from_db()
    assert newer.hidden
    assert (newer.hidden_reason, newer.hidden_by) == ("Persoonsgegevens", editor_user)
    assert newer.hidden_at is not None
    project.refresh_from_db()
    assert (project.status, project.percent_complete) == (ProjectStatus.ON_SCHEDULE, 30)


def test_an_update_is_not_hidden_without_a_reason(editor, two_updates):
    project, _older, newer = two_updates

    response = editor.post(url("progressupdate", "hide", newer.pk), {"reason": "   "})

    assert response.status_code == 200
    assert levels(response) == [messages.ERROR]
    assert "hide_reason_missing" in error_tags(response)[0]
    newer.refresh_from_db()
    assert not newer.hidden
    project.refresh_from_db()
    assert project.percent_complete == 50


def test_updates_are_hidden_through_the_action_after_asking_the_reason(editor, two_updates):
    _project, older, newer = two_updates
    selection = {"action": "hide_updates", "_selected_action": [older.pk, newer.pk]}

    asked = editor.post(url("progressupdate"), {**selection, "index": "0"})
    refused = editor.post(url("progressupdate"), {**selection, "post": "yes", "reason": ""})
    hidden = editor.post(url("progressupdate"), {**selection, "post": "yes", "reason": "Fout"})

    assert asked.status_code == 200
    assert 'name="reason"' in asked.content.decode()
    assert refused.status_code == 200
    assert "hide_reason_missing" in error_tags(refused)[0]
    assert hidden.status_code == 302
    assert levels(hidden) == [messages.SUCCESS]
    assert ProgressUpdate.objects.filter(hidden=True, hidden_reason="Fout").count() == 2


def test_hiding_needs_the_right_to_hide(client, two_updates):
    _project, update, _newer = two_updates
    viewer = staff_with("view_progressupdate")
    client.force_login(viewer)

    page = client.get(url("progressupdate", "change", update.pk)).content.decode()
    response = client.post(url("progressupdate", "hide", update.pk), {"reason": "Weg"})

    assert url("progressupdate", "hide", update.pk) not in page
    assert response.status_code == 403
    update.refresh_from_db()
    assert not update.hidden


def test_a_hidden_update_shows_who_hid_it_and_why(editor, editor_user, two_updates):
    _project, _older, newer = two_updates
    services.hide_update(newer, user=editor_user, reason="Persoonsgegevens")

    content = editor.get(url("progressupdate", "change", newer.pk)).content.decode()
    filtered = editor.get(url("progressupdate"), {"hidden__exact": "1"})

    assert "Persoonsgegevens" in content
    assert editor_user.username in content
    assert url("progressupdate", "hide", newer.pk) not in content
    assert [u.pk for u in filtered.context["cl"].result_list] == [newer.pk]


# --- Reporting rounds -------------------------------------------------------------------------


def round_data(contracts, **fields):
    return {
        "title": "Tussenevaluatie oktober 2008",
        "introduction": "Hoe staat het ervoor?",
        "due_date": (timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
        "contracts": [str(contract.pk) for contract in contracts],
        **fields,
    }


def test_opening_a_round_e_mails_every_team_member(editor, editor_user, deliver_mail):
    contract = contract_with_projects(2)
    first, second = contract.projects.all()
    members = [TeamMembershipFactory(project=first).user for _index in range(2)]
    members.append(TeamMembershipFactory(project=second).user)
    TeamMembershipFactory(project=ProjectFactory())  # another contract's team

    response = editor.post(url("reportinground", "add"), round_data([contract]))

    assert response.status_code == 302
    assert levels(response) == [messages.SUCCESS]
    round_ = ReportingRound.objects.get()
    assert response["Location"] == url("reportinground", "change", round_.pk)
    assert list(round_.contracts.all()) == [contract]
    assert round_.opened_by == editor_user
    outbox = deliver_mail()
    assert sorted(message.to[0] for message in outbox) == sorted(m.email for m in members)


def test_the_round_form_offers_only_public_contracts(editor):
    draft = complete_contract()
    signed = contract_in_status(ContractStatus.SIGNED)

    response = editor.get(url("reportinground", "add"))
    refused = editor.post(url("reportinground", "add"), round_data([draft]))

    offered = response.context["adminform"].form.fields["contracts"].queryset
    assert list(offered) == [signed]
    assert refused.status_code == 200
    assert "contracts" in field_codes(refused)
    assert not ReportingRound.objects.exists()


def test_a_round_due_in_the_past_is_refused_by_the_service(editor):
    contract = contract_in_status(ContractStatus.SIGNED)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = editor.post(
        url("reportinground", "add"), round_data([contract], due_date=yesterday.isoformat())
    )

    assert response.status_code == 200
    assert field_codes(response) == {"due_date": ["due_date_in_past"]}
    assert not ReportingRound.objects.exists()
    assert mail.outbox == []


def test_a_round_is_fixed_once_opened(rf, editor, superuser):
    round_ = ReportingRound.objects.create(
        title="Ronde", due_date=timezone.localdate(), opened_at=timezone.now()
    )
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[ReportingRound]

    assert not model_admin.has_change_permission(request, round_)
    assert not model_admin.has_delete_permission(request, round_)
    assert (
        'name="title"'
        not in editor.get(url("reportinground", "change", round_.pk)).content.decode()
    )


def round_with_reports(projects=4, due_in_days=-3):
    """A round over a signed contract with `projects` projects, each with one team member; the
    first project reported, the others not. Due `due_in_days` from today."""
    contract = contract_with_projects(projects)
    staff = group_member(EDITORS, is_staff=True)
    for project in contract.projects.all():
        TeamMembershipFactory(project=project)
    round_ = ReportingRound.objects.create(
        title="Tussenevaluatie",
        due_date=timezone.localdate() + datetime.timedelta(days=due_in_days),
        opened_at=timezone.now(),
    )
    round_.contracts.set([contract])
    reported = contract.projects.order_by("number").first()
    services.submit_report(
        round_,
        reported,
        user=staff,
        achieved="Gedaan.",
        status=ProjectStatus.ON_SCHEDULE,
        percent_complete=60,
    )
    return round_, reported


def overview_of(client, round_):
    """The round's page: the response, its (total, handed in, late) and each project's state."""
    response = client.get(url("reportinground", "change", round_.pk))
    overview = response.context["overview"]
    states = {row["project"].pk: row["state"] for row in overview["rows"]}
    return response, (overview["total"], overview["handed_in"], overview["late"]), states


def test_the_overview_shows_who_reported_and_who_is_late(editor):
    round_, reported = round_with_reports(projects=4, due_in_days=-3)
    cancelled = Project.objects.exclude(pk=reported.pk).order_by("number").last()
    Project.objects.filter(pk=cancelled.pk).update(status=ProjectStatus.CANCELLED)

    response, counts, states = overview_of(editor, round_)

    assert counts == (3, 1, 2)
    assert states.pop(reported.pk) == "late_handed_in"
    assert set(states.values()) == {"late"}
    assert cancelled.pk not in states
    content = response.content.decode()
    assert url("reportinground", "remind", round_.pk) in content
    assert url("projectreport", "change", reported.reports.get().pk) in content


def test_before_the_due_date_nothing_is_late(editor):
    round_, reported = round_with_reports(projects=3, due_in_days=5)

    response, counts, states = overview_of(editor, round_)

    assert counts == (3, 1, 0)
    assert states.pop(reported.pk) == "handed_in"
    assert set(states.values()) == {"open"}
    assert url("reportinground", "remind", round_.pk) not in response.content.decode()


def test_the_changelist_counts_the_reports(editor):
    round_, _reported = round_with_reports(projects=3)

    response = editor.get(url("reportinground"))

    row = response.context["cl"].result_list[0]
    assert (row.pk, row.report_count, row.requested_count) == (round_.pk, 1, 3)


def test_the_reminder_reaches_only_the_late_teams(editor, editor_user, deliver_mail):
    round_, reported = round_with_reports(projects=3, due_in_days=-1)
    late = list(round_.requested_projects().exclude(pk=reported.pk))
    late_emails = sorted(
        TeamMembership.objects.filter(project__in=late).values_list("user__email", flat=True)
    )

    deliver_mail().clear()  # the round's opening
    response = editor.post(url("reportinground", "remind", round_.pk))

    assert response.status_code == 302
    assert levels(response) == [messages.SUCCESS]
    assert sorted(message.to[0] for message in deliver_mail()) == late_emails
    reminders = ReportReminder.objects.filter(round=round_)
    assert sorted(r.project_id for r in reminders) == sorted(p.pk for p in late)
    assert {(r.sent_by, r.recipients) for r in reminders} == {(editor_user, 1)}
    page = editor.get(url("reportinground", "change", round_.pk))
    assert page.context["overview"]["rows"][1]["reminders"]["count"] == 1
    assert "reminders-0-project" not in page.content.decode()  # listed, not editable


def test_no_reminder_before_the_due_date(editor, deliver_mail):
    round_, _reported = round_with_reports(projects=2, due_in_days=2)
    deliver_mail().clear()

    response = editor.post(url("reportinground", "remind", round_.pk))

    assert levels(response) == [messages.INFO]
    assert deliver_mail() == []
    assert not ReportReminder.objects.exists()


def test_the_reminder_view_refuses_get(editor):
    round_, _reported = round_with_reports(projects=2)

    response = editor.get(url("reportinground", "remind", round_.pk))

    assert response.status_code == 405
    assert not ReportReminder.objects.exists()


def test_the_reminder_view_needs_the_right_to_remind(client):
    round_, _reported = round_with_reports(projects=2)
    client.force_login(staff_with("view_reportinground"))

    response = client.post(url("reportinground", "remind", round_.pk))

    assert response.status_code == 403
    assert not ReportReminder.objects.exists()


def test_the_reminder_view_checks_the_csrf_token(editor_user):
    from django.test import Client

    round_, _reported = round_with_reports(projects=2)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor_user)

    response = browser.post(url("reportinground", "remind", round_.pk))

    assert response.status_code == 403
    assert not ReportReminder.objects.exists()


def test_reports_are_read_only_for_everyone(rf, client, superuser):
    _round, reported = round_with_reports(projects=2)
    report = reported.reports.get()
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[ProjectReport]
    client.force_login(superuser)

    content = client.get(url("projectreport", "change", report.pk)).content.decode()

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, report)
    assert not model_admin.has_delete_permission(request, report)
    assert 'name="achieved"' not in content
    assert client.post(url("projectreport", "change", report.pk), {}).status_code == 403
    assert (
        client.post(url("projectreport", "delete", report.pk), {"post": "yes"}).status_code == 403
    )


# --- Queries ----------------------------------------------------------------------------------


def _queries(client, path):
    client.get(path)  # Warm the caches that fill on a first visit (content types, …).
    return count_queries(client, path)


def _make_rows(editor_user, count):
    """A round over `count` projects, each with a participant, a team member and an update;
    every other one has handed in its report, the others are late."""
    contract = contract_with_projects(count)
    round_ = ReportingRound.objects.create(
        title=f"Ronde {contract.pk}",
        due_date=timezone.localdate() - datetime.timedelta(days=1),
        opened_at=timezone.now(),
    )
    round_.contracts.set([contract])
    for index, project in enumerate(contract.projects.all()):
        TeamMembershipFactory(project=project)
        started(project, editor_user, percent_complete=10)
        if index % 2:
            continue
        services.submit_report(
            round_,
            project,
            user=editor_user,
            achieved="Veel.",
            status=ProjectStatus.ON_SCHEDULE,
            percent_complete=20,
        )
    services.send_reminders(round_, user=editor_user)
    return round_


@pytest.mark.parametrize("model", MODELS)
def test_the_changelists_do_not_grow_with_their_rows(editor, editor_user, model):
    _make_rows(editor_user, 2)
    few = _queries(editor, url(model))
    _make_rows(editor_user, 6)

    assert _queries(editor, url(model)) == few


def test_the_overview_does_not_grow_with_the_projects(editor, editor_user):
    small = _make_rows(editor_user, 2)
    large = _make_rows(editor_user, 8)

    assert _queries(editor, url("reportinground", "change", small.pk)) == _queries(
        editor, url("reportinground", "change", large.pk)
    )


def test_the_contract_page_does_not_grow_with_its_projects(editor):
    small = contract_with_projects(2, ContractStatus.DRAFT)
    large = contract_with_projects(8, ContractStatus.DRAFT)

    assert _queries(editor, contract_url(small)) == _queries(editor, contract_url(large))


def test_a_contract_is_still_registered_once_with_projects_inline():
    model_admin = admin.site._registry[Contract]

    assert "ProjectInline" in [inline.__name__ for inline in model_admin.inlines]
